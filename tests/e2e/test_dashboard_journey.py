"""The provincial official signs in, in Urdu, walks the dashboard and the presentation mode."""

import pytest
from playwright.sync_api import expect

from portal.dashboard.figures import ACTIVITY_ROWS
from portal.demo.personas import PERSONAS_BY_KEY
from portal.demo.seed import seed, seed_punjab
from portal.extensions import db
from tests.e2e.conftest import DESKTOP, SCREENSHOTS, screenshot, switch_language

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(app):
    seed("small", 2026)
    seed_punjab("small", 2026)
    db.session.commit()


def test_provincial_official_walks_the_dashboard_in_urdu(seeded, page):
    page.set_viewport_size(DESKTOP)
    page.goto("/login")
    switch_language(page, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    persona = PERSONAS_BY_KEY["provincial_official"]
    page.locator("input[name=identifier]").fill(persona.cnic)
    page.locator("input[name=password]").fill(persona.password)
    page.locator("main form button[type=submit]").first.click()
    if page.locator("html").get_attribute("dir") != "rtl":  # signing in applies the account's language
        switch_language(page, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"

    page.locator('.site-nav a[href="/dashboard/"]').click()  # the header link (messages domain)
    assert page.locator("h1").inner_text() == "افسران کے لیے ڈیش بورڈ"
    assert page.locator("#figure-today h2").inner_text() == "آج پورٹل پر"
    assert page.locator("#table-today tbody tr").count() == len(ACTIVITY_ROWS)  # every row, even a zero
    screenshot(page, "dashboard-overview-ur")

    page.locator(".dashboard-nav").get_by_role("link", name="صحت").click()
    assert page.locator("h1").inner_text() == "صحت کا ڈیش بورڈ"
    assert page.locator("svg.chart").count() >= 3
    screenshot(page, "dashboard-health-ur")
    # On screen each chart's table is folded; printed, the figures are on paper without the fold.
    table = page.locator("details.figure-table table").first
    expect(table).to_be_hidden()
    page.emulate_media(media="print")
    expect(table).to_be_visible()
    expect(page.locator("details.figure-table > summary").first).to_be_hidden()
    page.emulate_media(media="screen")

    page.locator("#f-district").select_option("Lahore")
    page.get_by_role("button", name="دکھائیں").click()
    assert "district=Lahore" in page.url
    screenshot(page, "dashboard-health-lahore-ur")

    page.locator(".dashboard-nav").get_by_role("link", name="تعلیم").click()
    assert page.locator("h1").inner_text() == "تعلیم کا ڈیش بورڈ"
    assert "district=Lahore" in page.url  # the filters travel with the links
    screenshot(page, "dashboard-education-ur")

    page.goto("/dashboard/districts?sort=appointments&dir=desc")
    assert page.locator("#table-districts tbody tr").count() == 36
    screenshot(page, "dashboard-districts-ur")
    page.locator("#table-districts tbody tr").first.get_by_role("link").click()
    assert "/dashboard/health?district=" in page.url

    page.goto("/dashboard/present/1")
    assert page.locator(".slide-count").inner_text() == "9 میں سے سلائیڈ 1"
    assert page.locator("h1").inner_text() == "آج پورٹل پر"  # what the room has just done comes first
    expect(page.locator(".slide-help")).to_be_visible()  # the keys work: the hint says so
    screenshot(page, "dashboard-present-1-ur")
    page.keyboard.press("ArrowLeft")  # right to left: the left arrow moves forward
    page.wait_for_url("**/dashboard/present/2**")
    screenshot(page, "dashboard-present-2-ur")
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/dashboard/present/1**")
    page.locator("#slide-next").click()  # the links work as well
    page.wait_for_url("**/dashboard/present/2**")


def test_presentation_works_without_javascript(seeded, browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    persona = PERSONAS_BY_KEY["provincial_official"]
    page.goto("/login")
    page.locator("input[name=identifier]").fill(persona.cnic)
    page.locator("input[name=password]").fill(persona.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.goto("/dashboard/present/1")
    expect(page.locator(".slide-help")).to_be_hidden()  # no "use the arrow keys" when the keys do nothing
    with page.expect_navigation(wait_until="load"):
        page.locator("#slide-next").click()
    assert "/dashboard/present/2" in page.url
    page.emulate_media(media="print")
    expect(page.locator(".dashboard-nav, .slide-nav").first).to_be_hidden()
    context.close()


def test_charts_are_readable_on_a_360_px_phone_and_printed_whole(seeded, browser, live_server):
    """The screen layout shrunk to a phone drew its labels about 5 px high; the phone's own is shown."""
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
    page = context.new_page()
    persona = PERSONAS_BY_KEY["provincial_official"]
    page.goto("/login")
    page.locator("input[name=identifier]").first.fill(persona.cnic)
    page.locator("input[name=password]").fill(persona.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    for path in ("/dashboard/health", "/dashboard/education"):
        page.goto(path)
        expect(page.locator("svg.chart-wide").first).to_be_hidden()
        charts = page.locator("svg.chart-narrow")
        assert charts.count() >= 3
        for i in range(charts.count()):
            label = charts.nth(i).locator("text.tick").first.bounding_box()
            assert label["height"] >= 10, (path, i, label)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.emulate_media(media="print")
        expect(page.locator("svg.chart-wide").first).to_be_visible()
        expect(page.locator("svg.chart-narrow").first).to_be_hidden()
        page.emulate_media(media="screen")
    context.close()


def test_urdu_titles_and_axis_names_are_drawn_whole(seeded, browser, live_server):
    """Nastaliq rises far above its baseline: the vertical axis's name of a column chart ("اپائنٹمنٹس"),
    set 14 px from the top, lost its upper half outside the picture, on the screen and on a slide; and
    the slide's title ran over the place and dates above it."""
    persona = PERSONAS_BY_KEY["provincial_official"]
    for viewport in ({"width": 360, "height": 800}, DESKTOP):
        context = browser.new_context(base_url=live_server, viewport=viewport)
        page = context.new_page()
        page.goto("/login")
        page.locator("input[name=identifier]").first.fill(persona.cnic)
        page.locator("input[name=password]").fill(persona.password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if page.locator("html").get_attribute("lang") != "ur":  # the choice is kept on the account
            switch_language(page, "ur")
        for path in ("/dashboard/health", "/dashboard/education", "/dashboard/present/2"):
            page.goto(path)
            boxes = page.evaluate(
                """() => [...document.querySelectorAll("svg.chart")]
                    .filter((svg) => svg.getBoundingClientRect().width > 0)
                    .flatMap((svg) => [...svg.querySelectorAll("text.axis-label")].map((text) => (
                        {chart: svg.id, text: text.textContent, top: text.getBBox().y})))"""
            )
            assert len(boxes) >= 2, path
            for box in boxes:
                assert box["top"] >= 0, (viewport, path, box)
        # The glyphs' box of the slide's title (a text range's) starts below the line above it ends.
        title_top, place_bottom = page.evaluate(
            """() => [".slide h1", ".slide-place"].map((selector) => {
                const range = document.createRange();
                range.selectNodeContents(document.querySelector(selector));
                return range.getBoundingClientRect();
            }).map((box, i) => (i === 0 ? box.top : box.bottom))"""
        )
        assert title_top >= place_bottom, (viewport, title_top, place_bottom)
        context.close()


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_clinic_names_in_the_league_chart_are_whole_on_a_390_px_phone(seeded, browser, live_server, lang):
    """A column of names beside the bars left some 15 characters on a phone: "DHQ Hospital At…", and six
    Urdu names read "ڈی ایچ کیو ہسپت…". Each name is now above its bar, across the width, from the
    reader's side, and whole: no two bars of the league chart read the same, none is cut."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    persona = PERSONAS_BY_KEY["provincial_official"]
    page.goto("/login")
    page.locator("input[name=identifier]").first.fill(persona.cnic)
    page.locator("input[name=password]").fill(persona.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if page.locator("html").get_attribute("lang") != lang:
        switch_language(page, lang)
    page.goto("/dashboard/health")
    chart = page.locator("svg#chart-clinics-narrow")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, f"dashboard-health-390-{lang}")
    chart.screenshot(path=str(SCREENSHOTS / f"dashboard-clinics-chart-390-{lang}.png"))
    names = page.evaluate(
        """() => {
            const svg = document.querySelector("svg#chart-clinics-narrow");
            const box = svg.getBoundingClientRect();
            const byBar = new Map();
            for (const text of svg.querySelectorAll("text.bar-label")) {
                const y = text.getBoundingClientRect();
                const key = text.dataset.bar;
                byBar.set(key, [...(byBar.get(key) || []), {text: text.textContent, left: y.left - box.left,
                                                             right: box.right - y.right}]);
            }
            return [...byBar.values()];
        }"""
    )
    assert len(names) >= 5
    shown = [" ".join(line["text"] for line in lines) for lines in names]
    assert len(set(shown)) == len(shown), shown
    assert not any("…" in name for name in shown), shown
    for lines in names:
        for line in lines:
            assert line["left"] >= 0 and line["right"] >= 0, line  # inside the picture
            # From the reader's side: English at the left edge, Urdu at the right.
            assert (line["right"] if lang == "ur" else line["left"]) < 30, (lang, line)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
