"""Geometry for the server-rendered SVG charts (templates/dashboard/_charts.html draws them).

No style attributes (the CSP forbids them): colours come from classes in dashboard.css, with a
fill= presentation attribute as a fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 720
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 32, 56

COLOURS = {
    "booked": "#1d70b8",
    "seen": "#00703c",
    "no_show": "#d4351c",
    "cancelled": "#6f777b",
    "enrolled": "#00703c",
    "waitlisted": "#f47738",
    "pending": "#1d70b8",
    "other": "#6f777b",
    "value": "#1d70b8",
    "refused": "#d4351c",
    "waitlist": "#f47738",
}


@dataclass
class Chart:
    kind: str  # "columns" or "bars"
    id: str
    title: str
    x_label: str
    y_label: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[dict] = field(default_factory=list)
    x_ticks: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    plot: dict = field(default_factory=dict)
    percent: bool = False


def nice_max(value: float) -> float:
    """A round number at or above ``value`` for the top of an axis."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent  # pragma: no cover


def _y_ticks(top: float, plot_top: int, plot_height: int, count: int = 4) -> list[dict]:
    return [{"value": top * i / count, "y": plot_top + plot_height - plot_height * i / count} for i in range(count + 1)]


def stacked_columns(
    chart_id: str, title, x_label, y_label, rows: list[dict], series: list[tuple[str, str]], x_key: str = "day"
) -> Chart:
    """One column per row, stacked by ``series`` ((key, label) pairs)."""
    chart = Chart("columns", chart_id, str(title), str(x_label), str(y_label))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    chart.plot = {"x": LEFT, "y": TOP, "w": plot_w, "h": plot_h, "bottom": TOP + plot_h, "right": LEFT + plot_w}
    top = nice_max(max((sum(r[k] for k, _ in series) for r in rows), default=0))
    chart.y_ticks = _y_ticks(top, TOP, plot_h)
    chart.legend = [{"key": k, "label": str(label), "colour": COLOURS.get(k, "#1d70b8")} for k, label in series]
    n = max(1, len(rows))
    step = plot_w / n
    width = max(1.0, step * 0.8)
    label_every = max(1, math.ceil(n / 8))
    for i, row in enumerate(rows):
        x = LEFT + i * step + (step - width) / 2
        base = TOP + plot_h
        for key, label in series:
            value = row[key]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            chart.bars.append(
                {
                    "x": round(x, 2),
                    "y": round(base, 2),
                    "w": round(width, 2),
                    "h": round(h, 2),
                    "key": key,
                    "colour": COLOURS.get(key, "#1d70b8"),
                    "value": value,
                    "label": str(label),
                    "row": row[x_key],
                }
            )
        if i % label_every == 0:
            chart.x_ticks.append({"x": round(x + width / 2, 2), "value": row[x_key]})
    return chart


def horizontal_bars(
    chart_id: str, title, x_label, y_label, items: list[tuple[str, float]], percent: bool = False, key: str = "value"
) -> Chart:
    """One bar per (label, value); ``percent`` values are fractions drawn on a 0–100 % axis."""
    row_h = 28
    left = 220
    chart = Chart("bars", chart_id, str(title), str(x_label), str(y_label), percent=percent)
    chart.height = TOP + BOTTOM + row_h * max(1, len(items))
    plot_w = WIDTH - left - RIGHT - 48
    chart.plot = {
        "x": left,
        "y": TOP,
        "w": plot_w,
        "h": row_h * max(1, len(items)),
        "bottom": TOP + row_h * max(1, len(items)),
        "right": left + plot_w,
    }
    top = 1.0 if percent else nice_max(max((v or 0 for _, v in items), default=0))
    chart.x_ticks = [{"value": top * i / 4, "x": round(left + plot_w * i / 4, 2)} for i in range(5)]
    for i, (label, value) in enumerate(items):
        w = plot_w * min(1.0, (value or 0) / top) if top else 0
        chart.bars.append(
            {
                "x": left,
                "y": TOP + i * row_h + 4,
                "w": round(w, 2),
                "h": row_h - 8,
                "label": str(label),
                "value": value,
                "key": key,
                "colour": COLOURS.get(key, "#1d70b8"),
                "text_y": TOP + i * row_h + row_h / 2 + 4,
                "end": round(left + w + 6, 2),
            }
        )
    return chart
