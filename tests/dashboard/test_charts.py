"""Chart geometry: whole-number axes for counts, a phone's own layout, stacked bars."""

from __future__ import annotations

import pytest

from portal.dashboard import charts


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (250, [0, 50, 100, 150, 200, 250]),  # was 0, 62.5, 125, 187.5, 250
        (2, [0, 1, 2]),  # was 0, 0.5, 1, 1.5, 2
        (1, [0, 1]),
        (16, [0, 5, 10, 15, 20]),
        (581, [0, 100, 200, 300, 400, 500, 600]),
        (0, [0, 1]),
    ],
)
def test_count_axes_have_whole_number_ticks_in_steps_of_1_2_or_5(largest, ticks):
    bars = charts.horizontal_bars("c", "t", "x", "y", [("a", largest)])
    assert [t["value"] for t in bars.x_ticks] == ticks
    columns = charts.stacked_columns("d", "t", "x", "y", [{"day": 1, "n": largest}], [("n", "N")])
    assert [t["value"] for t in columns.y_ticks] == ticks


def test_percent_axes_stay_quarters():
    chart = charts.horizontal_bars("c", "t", "x", "y", [("a", 0.4)], percent=True)
    assert [t["value"] for t in chart.x_ticks] == [0, 0.25, 0.5, 0.75, 1.0]


def test_every_chart_has_a_phone_layout_with_labels_that_stay_readable():
    """A 720-unit viewBox on a 360 px phone draws 12-unit text about 5 px high; the phone layout is
    360 units wide, so its text keeps (almost) its size."""
    chart = charts.horizontal_bars("c", "t", "x", "y", [("Lahore", 3), ("Multan", 1)])
    assert chart.width == 720 and chart.narrow.width == 360
    assert chart.narrow.id == "c-narrow" and chart.narrow.font >= 13
    assert [b["label"] for b in chart.narrow.bars] == ["Lahore", "Multan"]
    # The bars and their values fit in the narrow viewBox.
    assert all(b["end"] + 40 <= 360 for b in chart.narrow.bars)


def test_stacked_bars_draw_every_part_and_write_the_total():
    chart = charts.stacked_bars(
        "c", "t", "x", "y", [("Lahore", {"waitlist": 16, "refused": 1})], [("waitlist", "W"), ("refused", "R")]
    )
    bar = chart.bars[0]
    assert bar["value"] == 17
    assert [s["key"] for s in bar["segments"]] == ["waitlist", "refused"]
    first, second = bar["segments"]
    assert second["x"] == pytest.approx(first["x"] + first["w"])
    assert [item["key"] for item in chart.legend] == ["waitlist", "refused"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("series", sorted(charts.COLOURS))
def test_every_series_colour_stands_out_from_the_white_page(series):
    """WCAG 1.4.11: a bar or a legend swatch needs 3:1 against the white behind it (the waitlist's light
    orange had 2.8:1)."""
    assert (1.05 / (_luminance(charts.COLOURS[series]) + 0.05)) >= 3
