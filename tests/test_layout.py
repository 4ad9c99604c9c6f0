"""What every page carries: the header's links, dates in the reader's language, the session cookie.

The header's links and the dates are built once and kept by the process; these tests show that what
is kept for one person or language is never shown to another.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timezone

import pytest
from flask_babel import force_locale

from portal import format_date_and_time, format_money, remembered

CITIZEN_LINKS = {"My appointments", "My courses", "Messages"}
STAFF_LINKS = {"Clinic admin", "School admin", "Dashboard", "Staff roles"}


def header_links(html: str) -> set[tuple[str, str]]:
    nav = html.split('<nav class="site-nav"', 1)[1].split("</ul>", 1)[0]
    return {(label, url) for url, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


def labels(html: str) -> set[str]:
    return {label for label, _url in header_links(html)}


def test_header_links_follow_each_persons_roles_in_one_process(client, auth, make_user):
    official = make_user(roles=[("official", None)], cnic="3520299900011")
    superadmin = make_user(roles=["superadmin"], cnic="3520299900012")
    citizen = make_user(cnic="3520299900013")

    visitor = labels(client.get("/").get_data(as_text=True))
    assert visitor == {"Home", "Clinics", "Courses"}

    auth.login(official)
    seen = labels(client.get("/").get_data(as_text=True))
    assert "Dashboard" in seen and not seen & (STAFF_LINKS - {"Dashboard"})
    auth.logout()

    auth.login(superadmin)
    seen = labels(client.get("/").get_data(as_text=True))
    assert "Staff roles" in seen and "Dashboard" not in seen
    auth.logout()

    auth.login(citizen)
    seen = labels(client.get("/").get_data(as_text=True))
    assert seen >= CITIZEN_LINKS and not seen & STAFF_LINKS
    auth.logout()

    assert labels(client.get("/").get_data(as_text=True)) == visitor


def test_header_links_are_in_the_readers_language(client):
    english = labels(client.get("/").get_data(as_text=True))
    with client.session_transaction() as session:
        session["lang"] = "ur"
    urdu = labels(client.get("/").get_data(as_text=True))
    assert "کلینکس" in urdu and "Clinics" not in urdu
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert labels(client.get("/").get_data(as_text=True)) == english


def test_header_links_follow_the_address_the_portal_is_served_under(client):
    # Behind a proxy that mounts the portal under a path, every link carries that path.
    html = client.get("/", base_url="http://localhost/portal/").get_data(as_text=True)
    assert ("Clinics", "/portal/clinics") in header_links(html)
    assert ("Clinics", "/clinics") in header_links(client.get("/").get_data(as_text=True))


def test_remembered_page_and_file_addresses_follow_the_address_the_portal_is_served_under(client):
    def addresses(html):
        return {
            "home": re.search(r'class="brand" href="([^"]+)"', html).group(1),
            "css": re.search(r'href="([^"]+/css/portal\.css\?v=[0-9a-f]+)"', html).group(1),
            "privacy": re.search(r'href="([^"]+)">Privacy notice', html).group(1),
        }

    plain = addresses(client.get("/").text)
    mounted = addresses(client.get("/", base_url="http://localhost/portal/").text)
    assert plain["home"] == "/" and plain["privacy"] == "/privacy"
    assert plain["css"].startswith("/static/css/portal.css?v=")
    assert mounted == {key: "/portal" + value for key, value in plain.items()}
    assert addresses(client.get("/").text) == plain  # remembered per address, not the last one built


def test_addresses_with_parameters_are_built_for_each_page(app):
    from portal.navigation import remembered_url_for

    with app.test_request_context("/"):
        assert remembered_url_for("main.switch_language", lang="ur", next="/a") != remembered_url_for(
            "main.switch_language", lang="ur", next="/b"
        )
        assert remembered_url_for("static", filename="css/portal.css").startswith("/static/css/portal.css?v=")
        assert remembered_url_for("static", filename="img/logo.svg").startswith("/static/img/logo.svg?v=")


class Counting:
    """A stand-in for Flask-Babel's formatter that says how often it was really asked."""

    def __init__(self):
        self.calls = 0

    def __call__(self, value=None, format=None, rebase=True):
        from flask_babel import get_locale

        self.calls += 1
        return f"{get_locale()}:{value}:{format}:{rebase}"


def test_a_remembered_date_is_written_once_per_language(app):
    formatter = Counting()
    write = remembered(formatter)
    with app.test_request_context():
        with force_locale("en"):
            first = write(date(2026, 3, 2), "full")
            assert write(date(2026, 3, 2), "full") == first
        assert formatter.calls == 1
        with force_locale("ur"):
            urdu = write(date(2026, 3, 2), "full")
        assert urdu.startswith("ur:") and first.startswith("en:")
        assert write(date(2026, 3, 2), "medium") != first  # another pattern
        assert write(date(2026, 3, 3), "full") != first  # another day
        assert formatter.calls == 4


def test_now_is_never_remembered(app):
    formatter = Counting()
    write = remembered(formatter)
    with app.test_request_context():
        write(None, "short")
        write(None, "short")
    assert formatter.calls == 2


def test_the_same_time_in_two_zones_is_written_apart(app):
    from datetime import timedelta

    formatter = Counting()
    write = remembered(formatter)
    karachi = timezone(timedelta(hours=5))
    with app.test_request_context():
        write(time(4, 0, tzinfo=UTC), "short", False)
        write(time(9, 0, tzinfo=karachi), "short", False)  # equal to the first, but in another zone
    assert formatter.calls == 2


def test_remembered_dates_are_forgotten_past_the_limit(app):
    formatter = Counting()
    write = remembered(formatter, limit=2)
    with app.test_request_context():
        for day in (1, 2, 3, 1):
            write(date(2026, 3, day), "full")
    assert formatter.calls == 4  # the first day was forgotten when the third came


def test_pages_write_dates_in_the_readers_language(app):
    """The real formatters in a template, English then Urdu then English again."""
    from flask import render_template_string

    moment = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 09:30 in Karachi
    page = "{{ format_date(day, 'full') }}|{{ format_time(moment, 'short') }}"
    with app.test_request_context():
        with force_locale("en"):
            english = render_template_string(page, day=date(2026, 3, 2), moment=moment)
        with force_locale("ur"):
            urdu = render_template_string(page, day=date(2026, 3, 2), moment=moment)
        with force_locale("en"):
            again = render_template_string(page, day=date(2026, 3, 2), moment=moment)
    assert english == again and english.startswith("Monday, March 2, 2026|9:30")
    assert "Monday" not in urdu and "پیر" in urdu


@pytest.fixture
def clock_of_signatures(monkeypatch):
    """Moves the clock that signs and checks session cookies (itsdangerous)."""
    import itsdangerous.timed

    real = itsdangerous.timed.time.time
    offset = {"seconds": 0}

    class Clock:
        @staticmethod
        def time():
            return real() + offset["seconds"]

    monkeypatch.setattr(itsdangerous.timed, "time", Clock)
    return offset


def test_a_signed_in_page_does_not_send_the_session_again(client, auth, make_user):
    auth.login(make_user())
    client.get("/account")  # the first page after signing in may still store something
    response = client.get("/account")
    assert response.status_code == 200
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_a_session_ends_twelve_hours_after_signing_in_however_busy(app, client, auth, make_user, clock_of_signatures):
    """The cookie is signed again whenever the session changes (the first form after signing in stores its
    token): the portal's own clock ends it, 12 hours after the sign-in (portal/auth/lifetime.py)."""
    from datetime import timedelta

    from portal import clock

    signed_in_at = clock.now()
    auth.login(make_user())

    def at(seconds):
        clock_of_signatures["seconds"] = seconds
        app.config["FIXED_NOW"] = (signed_in_at + timedelta(seconds=seconds)).isoformat()

    for hours in (1, 6, 11.9):
        at(hours * 3600)
        assert client.get("/account").status_code == 200, hours
    at(12 * 3600 + 60)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_date_and_time_is_written_to_the_minute_in_the_readers_language(app):
    when = datetime(2026, 3, 2, 3, 15, tzinfo=UTC)  # 8:15 in Karachi
    with app.test_request_context():
        with force_locale("en"):
            assert format_date_and_time(when) == "Mar 2, 2026, 8:15\u202fAM"
        with force_locale("ur"):
            assert format_date_and_time(when) == "2 مارچ، 2026 \u20668:15 AM\u2069"  # the time kept left to right


@pytest.mark.parametrize("lang", ["en", "ur"])
@pytest.mark.parametrize(
    ("paisa", "shown"),
    [(500_000, "Rs\u00a05,000"), (500_050, "Rs\u00a05,000.50"), (12_345_600, "Rs\u00a0123,456"), (5, "Rs\u00a00.05")],
)
def test_money_is_whole_rupees_unless_there_are_paisa(app, lang, paisa, shown):
    # Stored in paisa; Babel's Pakistani locale gives "Rs" in English and in Urdu ("PKR5,000.00" before).
    with app.test_request_context(), force_locale(lang):
        assert format_money(paisa) == shown


def test_no_fee_is_free(app):
    with app.test_request_context():
        with force_locale("en"):
            assert format_money(0) == format_money(None) == "Free"
        with force_locale("ur"):
            assert format_money(0) == "مفت"


# --- narrow phones (the browser's view of this is tests/e2e/test_narrow_screens.py) -------------


def stylesheet() -> str:
    from portal.config import BASE_DIR

    return (BASE_DIR / "static" / "css" / "portal.css").read_text()


def stylesheet_rule(selector: str) -> str:
    match = re.search(r"^" + re.escape(selector) + r" \{([^}]*)\}", stylesheet(), re.MULTILINE)
    assert match, f"no rule for {selector}"
    return match.group(1)


def test_summary_values_may_shrink_and_break_long_words():
    # A plain 1fr column is never narrower than its longest word: an email address widened the page.
    assert "minmax(0, 1fr)" in stylesheet_rule("dl.summary")
    assert "overflow-wrap: anywhere" in stylesheet_rule("dl.summary dd")


def test_a_row_of_actions_wraps_rather_than_widen_the_page():
    assert not re.search(r"\.actions[^{,]*\{[^}]*nowrap", stylesheet())
    assert "flex-wrap: wrap" in stylesheet_rule("p.actions")


def test_a_time_range_breaks_after_its_dash_only_when_a_line_of_its_own_is_too_narrow():
    # nowrap on the whole range stuck out of an Urdu value column 130 px wide (and widened a 320 px page).
    assert not re.search(r"\.time-range \{[^}]*nowrap", stylesheet())
    assert "display: inline-block" in stylesheet_rule(".time-range")  # moves to the next line whole first
    assert "max-inline-size: 100%" in stylesheet_rule(".time-range")
    assert "white-space: nowrap" in stylesheet_rule(".time-range > bdi")  # each time stays whole
    assert "text-align: right" in stylesheet_rule('html[dir="rtl"] .time-range')


def test_grid_columns_never_ask_for_more_than_the_screen_with_larger_text():
    """A repeated grid column at least 16rem wide is 384 px with a phone's text at 150%: the cards stuck
    out of a 360 px screen. Every such minimum is capped at the width there is (min(…, 100%))."""
    from pathlib import Path

    css = Path(__file__).resolve().parents[1] / "static" / "css"
    for sheet in sorted(css.glob("*.css")):
        text = sheet.read_text(encoding="utf-8")
        assert not re.findall(r"repeat\([^;]*minmax\(\d+(\.\d+)?rem", text), sheet.name
    assert "minmax(min(16rem, 100%), 1fr)" in stylesheet_rule(".cards")
