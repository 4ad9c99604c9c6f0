"""A day with no time left to book is "too late to book", not "Full".

Found on main: from about 11:00 today's badge said "Full" though nobody had booked (its times had
passed or were inside the notice period), and with a notice of 26 hours tomorrow said "Full" too.
"Full" now means people took every place at the times still bookable."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from portal.extensions import db
from portal.health import schedule, services
from tests.health.conftest import MONDAY, TUESDAY, karachi

MORNINGS = [(d, time(9), time(13)) for d in range(7)]  # every day 9:00-13:00, 30-minute times


def statuses(service) -> dict:
    return {d.day: d.status for d in schedule.availability(service)}


def test_today_is_too_late_once_its_last_time_is_inside_the_notice_period(app, make_service):
    service = make_service(hours=MORNINGS, min_notice_hours=2)
    assert statuses(service)[MONDAY] == schedule.DAY_OPEN  # 9:00: 11:00-12:30 still bookable
    app.config["FIXED_NOW"] = karachi(MONDAY, 11, 30).isoformat()  # 12:30 is the last time, too soon
    day = schedule.day_availability(service, MONDAY)
    assert day.status == schedule.DAY_TOO_LATE and not day.passed and day.times == []
    assert statuses(service)[TUESDAY] == schedule.DAY_OPEN
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 30).isoformat()  # the last time has come
    day = schedule.day_availability(service, MONDAY)
    assert day.status == schedule.DAY_TOO_LATE and day.passed


def test_tomorrow_is_too_late_with_a_notice_longer_than_the_hours_left_today(app, make_service):
    service = make_service(hours=MORNINGS, min_notice_hours=26, name="X-ray")
    app.config["FIXED_NOW"] = karachi(MONDAY, 11, 30).isoformat()  # earliest: Tuesday 13:30
    found = statuses(service)
    assert found[MONDAY] == found[TUESDAY] == schedule.DAY_TOO_LATE
    assert found[TUESDAY + timedelta(days=1)] == schedule.DAY_OPEN


def test_full_is_every_place_still_bookable_taken(app, make_service, citizen, make_user, request_ctx):
    """A day whose remaining times are all booked is full, whatever passed before them; a day whose
    every time is behind or too soon is too late, even when people booked some of them."""
    service = make_service(hours=[(d, time(9), time(10)) for d in range(7)], places_per_slot=1, min_notice_hours=0)
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9, 10).isoformat()  # 9:00 passed; 9:30 the one left, taken
    assert schedule.day_availability(service, TUESDAY).status == schedule.DAY_FULL
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9, 40).isoformat()  # nothing left to book: too late
    assert schedule.day_availability(service, TUESDAY).status == schedule.DAY_TOO_LATE


def test_moving_an_appointment_shows_its_time_on_a_day_too_late_to_book(app, make_service, citizen, request_ctx):
    service = make_service(hours=MORNINGS, min_notice_hours=26, cancel_cutoff_hours=1)
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY + timedelta(days=1), 12, 30))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(TUESDAY, 11, 30).isoformat()
    day = schedule.day_availability(service, TUESDAY + timedelta(days=1))
    assert day.status == schedule.DAY_TOO_LATE
    shown = schedule.with_current(day, booking.starts_at)
    assert [(t.starts_at, t.current) for t in shown.times] == [(booking.starts_at, True)]


# --- pages -------------------------------------------------------------------------------------


def _days(html: str) -> list[str]:
    return [" ".join(li.split()) for li in re.findall(r'<li class="day day-[\w-]+">.*?</li>', html, re.S)]


@pytest.mark.parametrize(
    ("language", "too_late", "full"),
    [("en", "Too late to book", "Full"), ("ur", "بکنگ کا وقت گزر گیا", "بھر چکا")],
)
def test_the_dates_page_says_too_late_not_full(app, client, make_service, language, too_late, full):
    app.config["FIXED_NOW"] = karachi(MONDAY, 11, 30).isoformat()  # the reviewer's 11:30 on a Monday
    service = make_service(hours=MORNINGS, min_notice_hours=2)
    long_notice = make_service(hours=MORNINGS, min_notice_hours=26, name="X-ray", clinic=service.clinic)
    if language == "ur":
        with client.session_transaction() as session:
            session["lang"] = "ur"
    today, tomorrow, *_rest = _days(client.get(f"/clinics/services/{service.id}").get_data(as_text=True))
    assert too_late in today and full not in today
    assert "day-too_late" in client.get(f"/clinics/services/{service.id}").get_data(as_text=True)
    assert too_late not in tomorrow
    today, tomorrow, after, *_rest = _days(client.get(f"/clinics/services/{long_notice.id}").get_data(as_text=True))
    assert too_late in today and too_late in tomorrow and full not in today + tomorrow
    assert too_late not in after


def test_a_full_day_still_says_full(app, client, make_service, citizen, make_user, request_ctx):
    service = make_service(hours=[(d, time(9), time(10)) for d in range(7)], places_per_slot=1)
    for person, at in ((citizen, karachi(TUESDAY, 9)), (make_user(), karachi(TUESDAY, 9, 30))):
        services.book_slot(person, service.id, at)
    db.session.commit()
    days = _days(client.get(f"/clinics/services/{service.id}").get_data(as_text=True))
    assert "Full" in days[1] and "Too late" not in days[1]
    assert "Too late to book" in days[0]  # Monday 9:00, 2 hours' notice: its 9:00-9:30 are too soon


def test_the_times_page_of_a_day_too_late_says_why(app, client, make_service):
    service = make_service(hours=MORNINGS, min_notice_hours=2)
    app.config["FIXED_NOW"] = karachi(MONDAY, 11, 30).isoformat()
    html = client.get(f"/clinics/services/{service.id}/{MONDAY.isoformat()}").get_data(as_text=True)
    assert "It is too late to book on this day: a time must be booked at least 2 hours before it starts." in html
    assert "no free times left" not in html
    app.config["FIXED_NOW"] = karachi(MONDAY, 14).isoformat()
    html = client.get(f"/clinics/services/{service.id}/{MONDAY.isoformat()}").get_data(as_text=True)
    assert "The times on this day have passed. Please choose a later date." in html
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get(f"/clinics/services/{service.id}/{MONDAY.isoformat()}").get_data(as_text=True)
    assert "The times on this day have passed" not in html
