"""Geometry for the server-rendered SVG charts (templates/dashboard/_macros.html draws them).

No style attributes (the CSP forbids them): colours come from classes in dashboard.css, with a
fill= presentation attribute as a fallback.

Every chart is laid out twice: for a screen (720 units wide) and for a phone (360 units wide, shown
instead below 40rem by dashboard.css). One viewBox shrunk to a 360 px phone draws its 12-unit labels
about 5 px high; the phone's own layout keeps them at 11–12 px without JavaScript or sideways scrolling.
On a phone a bar chart writes each bar's name above it, across the whole width, on up to two lines: a
column of names beside the bars left room for some 15 characters, and cut "DHQ Hospital Attock" and
"DHQ Hospital Chakwal" to the same "DHQ Hospital At…", "DHQ Hospital Ch…" (six Urdu names to one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from portal.bilingual import in_urdu

WIDTH = 720
NARROW_WIDTH = 360
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 32, 56
# A column chart names its vertical axis above the plot, in the top-left corner: Urdu's Nastaliq rises
# some 2 em above its baseline ("اپائنٹمنٹس"), so the name sits AXIS_LABEL_DROP above the plot, which
# starts lower than a bar chart's, and its top stays inside the picture, clear of the first tick.
COLUMNS_TOP, AXIS_LABEL_DROP = TOP + 16, 16

# Per layout: the left margin of a column chart, the label column and value room of a bar chart,
# the font sizes, the longest bar label, and how many day labels fit under the columns.
# A phone's bar chart ("labels_above"): each name above its bar, from one side of the picture to the
# other, on lines of at most label_chars characters (two at most), each line_h high; the bar under it
# is bar_h high. Nastaliq rises about 1.6 em above its baseline: the first line's baseline is line_h
# below the top of its row, and a row ends row_gap below its bar.
LAYOUTS = {
    "wide": {"width": WIDTH, "left": LEFT, "right": RIGHT, "label_w": 220, "value_w": 48, "font": 12,
             "axis_font": 13, "label_chars": 34, "day_labels": 8, "row_h": 30, "labels_above": False},
    "narrow": {"width": NARROW_WIDTH, "left": 44, "right": 8, "label_w": 16, "value_w": 48, "font": 13,
               "axis_font": 14, "label_chars": 40, "day_labels": 4, "row_h": 32, "labels_above": True,
               "line_h": 22, "bar_h": 16, "row_gap": 10},
}  # fmt: skip
LABEL_LINES = 2

COLOURS = {
    "booked": "#1d70b8",
    "seen": "#00703c",
    "no_show": "#d4351c",
    "cancelled": "#6f777b",
    "enrolled": "#00703c",
    "waitlisted": "#d35f00",
    "pending": "#1d70b8",
    "other": "#6f777b",
    "value": "#1d70b8",
    "refused": "#d4351c",
    "waitlist": "#d35f00",
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
    font: int = 12
    axis_font: int = 13
    label_chars: int = 34
    labels_above: bool = False  # each bar's name written above it (a phone), not beside it
    rtl: bool = False  # the names are read right to left (Urdu): above a bar, they start at the right
    narrow: Chart | None = None  # the same chart laid out for a phone


def nice_axis(value: float, whole: bool = True, most: int = 6) -> tuple[float, float]:
    """The top of an axis at or above ``value`` and the step between its ticks: a step of 1, 2 or 5
    times a power of ten, at most ``most`` steps. ``whole``: counts, so never a step below 1 (no tick
    at 0.5 or 62.5 people)."""
    if value <= 0:
        return 1, 1
    exponent = 10 ** math.floor(math.log10(value / most))
    step = exponent
    for multiple in (1, 2, 5, 10):
        step = multiple * exponent
        if math.ceil(value / step - 1e-9) <= most:
            break
    if whole:
        step = max(1, round(step))
    return math.ceil(value / step - 1e-9) * step, step


def _ticks(top: float, step: float) -> list[float]:
    return [step * i for i in range(round(top / step) + 1)]


def _laid_out_twice(build):
    """``build(layout, ...)`` for a screen, with the phone's layout of the same figures attached."""

    def both(chart_id, *args, **kwargs) -> Chart:
        chart = build(LAYOUTS["wide"], chart_id, *args, **kwargs)
        chart.narrow = build(LAYOUTS["narrow"], chart_id + "-narrow", *args, **kwargs)
        return chart

    both.__doc__ = build.__doc__
    return both


def _chart(kind: str, layout: dict, chart_id: str, title, x_label, y_label, percent: bool = False) -> Chart:
    return Chart(
        kind,
        chart_id,
        str(title),
        str(x_label),
        str(y_label),
        width=layout["width"],
        percent=percent,
        font=layout["font"],
        axis_font=layout["axis_font"],
        label_chars=layout["label_chars"],
        rtl=in_urdu(),
    )


@_laid_out_twice
def stacked_columns(
    layout: dict,
    chart_id: str,
    title,
    x_label,
    y_label,
    rows: list[dict],
    series: list[tuple[str, str]],
    x_key: str = "day",
) -> Chart:
    """One column per row, stacked by ``series`` ((key, label) pairs) of whole-number counts."""
    chart = _chart("columns", layout, chart_id, title, x_label, y_label)
    left = layout["left"]
    plot_w, plot_h = layout["width"] - left - layout["right"], HEIGHT - COLUMNS_TOP - BOTTOM
    chart.plot = {
        "x": left,
        "y": COLUMNS_TOP,
        "w": plot_w,
        "h": plot_h,
        "bottom": COLUMNS_TOP + plot_h,
        "right": left + plot_w,
        "label_y": COLUMNS_TOP - AXIS_LABEL_DROP,  # the baseline of the vertical axis's name
    }
    top, step = nice_axis(max((sum(r[k] for k, _ in series) for r in rows), default=0))
    chart.y_ticks = [{"value": v, "y": round(COLUMNS_TOP + plot_h - plot_h * v / top, 2)} for v in _ticks(top, step)]
    chart.legend = [{"key": k, "label": str(label), "colour": COLOURS.get(k, "#1d70b8")} for k, label in series]
    n = max(1, len(rows))
    column = plot_w / n
    width = max(1.0, column * 0.8)
    label_every = max(1, math.ceil(n / layout["day_labels"]))
    for i, row in enumerate(rows):
        x = left + i * column + (column - width) / 2
        base = COLUMNS_TOP + plot_h
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


def label_lines(label: str, chars: int, most: int = LABEL_LINES) -> list[str]:
    """``label`` broken between words into lines of at most ``chars`` characters, at most ``most`` of
    them; what does not fit ends the last line with "…". A word longer than a line is cut."""
    lines: list[str] = []
    words = label.split()
    while words and len(lines) < most:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= chars:
            line += " " + words.pop(0)
        if len(line) > chars:
            words.insert(0, line[chars - 1 :])
            line = line[: chars - 1]
        lines.append(line)
    if words:
        last = lines[-1]
        lines[-1] = (last if len(last) < chars else last[: chars - 1]).rstrip() + "…"
    return lines or [""]


def _bars(
    layout: dict,
    chart_id: str,
    title,
    x_label,
    y_label,
    items: list[tuple[str, dict]],
    series: list[tuple[str, str]],
    percent: bool,
) -> Chart:
    left = layout["label_w"]
    chart = _chart("bars", layout, chart_id, title, x_label, y_label, percent=percent)
    chart.labels_above = layout["labels_above"]
    # Each row: where it starts, its height, the name's lines, and where its bar starts (from the top).
    rows = []
    # Names above the bars start a little lower, clear of the axis's name written over the first one.
    top_of_row = TOP + (8 if chart.labels_above else 0)
    for label, _values in items:
        if chart.labels_above:
            lines = label_lines(str(label), layout["label_chars"])
            bar_y = top_of_row + layout["line_h"] * len(lines) + 8  # clear of Nastaliq's descent
            height = bar_y + layout["bar_h"] + layout["row_gap"] - top_of_row
            bar_h = layout["bar_h"]
        else:
            lines, height = [str(label)], layout["row_h"]
            bar_y, bar_h = top_of_row + 4, height - 8
        rows.append((top_of_row, lines, bar_y, bar_h))
        top_of_row += height
    plot_h = (top_of_row - TOP) if items else layout["row_h"]
    chart.height = TOP + BOTTOM + plot_h
    plot_w = layout["width"] - left - layout["right"] - layout["value_w"]
    chart.plot = {
        "x": left,
        "y": TOP,
        "w": plot_w,
        "h": plot_h,
        "bottom": TOP + plot_h,
        "right": left + plot_w,
        # A name above its bar starts at the reader's side: the left (English) or the right (Urdu).
        "label_left": left,
        "label_right": layout["width"] - layout["right"],
    }
    if len(series) > 1:
        chart.legend = [{"key": k, "label": str(label), "colour": COLOURS.get(k, "#1d70b8")} for k, label in series]
    totals = [sum(values.get(k) or 0 for k, _ in series) for _, values in items]
    if percent:
        top, step = 1.0, 0.25
    else:
        top, step = nice_axis(max(totals, default=0))
    chart.x_ticks = [{"value": v, "x": round(left + plot_w * v / top, 2)} for v in _ticks(top, step)]
    for (label, values), total, (top_of_row, lines, bar_y, bar_h) in zip(items, totals, rows, strict=True):
        x, segments = float(left), []
        for key, name in series:
            value = values.get(key)
            w = plot_w * min(1.0, (value or 0) / top)
            if w > 0:
                segments.append(
                    {
                        "x": round(x, 2),
                        "w": round(w, 2),
                        "key": key,
                        "colour": COLOURS.get(key, "#1d70b8"),
                        "value": value,
                        "label": str(name),
                    }
                )
            x += w
        shown = values.get(series[0][0]) if len(series) == 1 else total
        chart.bars.append(
            {
                "y": bar_y,
                "h": bar_h,
                "label": str(label),
                # Above the bar: the baseline of each line of the name.
                "lines": [
                    {"text": line, "y": top_of_row + layout.get("line_h", 0) * (n + 1)} for n, line in enumerate(lines)
                ],
                "value": shown,
                "segments": segments,
                "stacked": len(series) > 1,
                "text_y": bar_y + bar_h / 2 + 4,
                "end": round(x + 6, 2),
            }
        )
    return chart


@_laid_out_twice
def horizontal_bars(
    layout: dict,
    chart_id: str,
    title,
    x_label,
    y_label,
    items: list[tuple[str, float]],
    percent: bool = False,
    key: str = "value",
) -> Chart:
    """One bar per (label, value); ``percent`` values are fractions drawn on a 0–100 % axis, others are
    whole-number counts."""
    return _bars(layout, chart_id, title, x_label, y_label, [(lb, {key: v}) for lb, v in items], [(key, "")], percent)


@_laid_out_twice
def stacked_bars(
    layout: dict,
    chart_id: str,
    title,
    x_label,
    y_label,
    items: list[tuple[str, dict]],
    series: list[tuple[str, str]],
) -> Chart:
    """One bar per (label, {series key: count}), its parts stacked in the order of ``series`` and its
    total written at its end."""
    return _bars(layout, chart_id, title, x_label, y_label, items, series, percent=False)
