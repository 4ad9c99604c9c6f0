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


def test_a_phone_writes_each_bars_name_above_it_whole_across_the_width():
    """A column of names beside the bars cut every name after 15 characters on a phone: "DHQ Hospital
    Attock" and "DHQ Hospital Chakwal" both read "DHQ Hospital At…"/"Ch…". Above its bar a name has the
    whole width; a long one goes on two lines, and the next bar moves down to make room."""
    names = ["DHQ Hospital Attock", "DHQ Hospital Chakwal", "Tehsil Headquarters Hospital Pind Dadan Khan OPD"]
    chart = charts.horizontal_bars("c", "t", "x", "y", [(n, 0.5) for n in names], percent=True)
    narrow = chart.narrow
    assert narrow.labels_above and not chart.labels_above
    lines = [[line["text"] for line in bar["lines"]] for bar in narrow.bars]
    assert lines == [
        ["DHQ Hospital Attock"],
        ["DHQ Hospital Chakwal"],
        ["Tehsil Headquarters Hospital Pind Dadan", "Khan OPD"],
    ]
    first, second, third = narrow.bars
    # Each name's last line is above its bar; each bar is below the previous one.
    for bar in narrow.bars:
        assert bar["lines"][-1]["y"] < bar["y"]
    assert first["y"] + first["h"] < second["lines"][0]["y"] - 13
    assert third["y"] - third["lines"][0]["y"] > second["y"] - second["lines"][0]["y"]  # room for two lines
    assert narrow.plot["bottom"] == third["y"] + third["h"] + 10 and narrow.height == narrow.plot["bottom"] + 56
    # The bars and their values fit in the phone's picture.
    assert all(b["end"] + 44 <= 360 for b in narrow.bars)


@pytest.mark.parametrize(
    ("label", "lines"),
    [
        ("Lahore", ["Lahore"]),
        ("a" * 45, ["a" * 39, "a" * 6]),
        ("one two three four five six", ["one two", "three…"]),  # at most two lines of 8 characters
        ("ڈی ایچ کیو ہسپتال اٹک", ["ڈی ایچ", "کیو…"]),
    ],
)
def test_a_name_is_broken_between_words_on_two_lines_at_most(label, lines):
    assert charts.label_lines(label, 8 if label != "a" * 45 else 40) == lines


def test_names_above_the_bars_start_at_the_readers_side(app):
    with app.test_request_context():
        assert not charts.horizontal_bars("c", "t", "x", "y", [("Lahore", 1)]).narrow.rtl
    with app.test_request_context(headers={"Accept-Language": "ur"}):
        from flask import session

        session["lang"] = "ur"
        from flask_babel import refresh

        refresh()
        assert charts.horizontal_bars("c", "t", "x", "y", [("لاہور", 1)]).narrow.rtl
