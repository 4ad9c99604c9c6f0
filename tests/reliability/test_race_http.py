"""Race for the last place over real HTTP: a multi-worker gunicorn on this test's database (SQLite
file or PostgreSQL schema) and 120 clients posting at the same instant. Exactly `capacity` succeed,
the rest are told the time is full (health) or are waitlisted (education); no 5xx; counts exact."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.conftest import PASSWORD
from tests.reliability.httpclient import Browser
from tests.reliability.servers import Gunicorn

pytestmark = pytest.mark.slow

CLIENTS = 120
CAPACITY = 5
SERVER_ENV = {"LOGIN_RATE_LIMIT_IP": "100000 per minute", "LOGIN_RATE_LIMIT_ACCOUNT": "100000 per minute"}


def _citizens(make_user, count: int) -> list[str]:
    """CNICs of ``count`` new citizens (plain strings: the clients run in threads)."""
    return [make_user(full_name=f"Racer {i}", cnic=f"3310{i:09d}").cnic for i in range(count)]


def _race(base: str, users, form_path: str, extra: dict) -> list[tuple[int, dict, str]]:
    """Sign every client in, open the form, then post all forms at once."""
    browsers = [Browser(base) for _ in users]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda pair: pair[0].sign_in(pair[1], PASSWORD), zip(browsers, users, strict=True)))
        forms = list(pool.map(lambda b: b.open_form(form_path), browsers))
    start = threading.Barrier(len(browsers))

    def post(pair):
        browser, fields = pair
        start.wait()
        return browser.post(form_path, {**fields, **extra})

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        return list(pool.map(post, zip(browsers, forms, strict=True)))


def test_last_places_of_a_slot_go_to_exactly_capacity_clients(app, database_url, make_user):
    from portal.health.models import Appointment, Clinic, Service, Slot, WeeklyHours

    clinic = Clinic(name="Race Clinic", type="bhu", district="Lahore", address="Mall Road", active=True)
    service = Service(
        clinic=clinic,
        name="Vaccination",
        slot_minutes=30,
        places_per_slot=CAPACITY,
        min_notice_hours=1,
        horizon_days=14,
        cancel_cutoff_hours=1,
        active=True,
    )
    service.hours = [WeeklyHours(weekday=d, start=time(9), end=time(13)) for d in range(7)]
    db.session.add(clinic)
    db.session.commit()
    users = _citizens(make_user, CLIENTS)
    # Tuesday 3 March 2026, 10:00 in Karachi (the fixed clock says Monday 09:00).
    at = int(datetime(2026, 3, 3, 5, 0, tzinfo=UTC).timestamp())
    path = f"/appointments/book/{service.id}/{at}"
    service_id = service.id

    with Gunicorn(database_url, workers=4, env=SERVER_ENV) as server:
        results = _race(server.url, users, path, {"person": "0"})

    statuses = sorted(status for status, _, _ in results)
    assert not [s for s in statuses if s >= 500], statuses
    booked = [h for s, h, _ in results if s == 302]
    assert len(booked) == CAPACITY, statuses
    assert all("/appointments/H-" in h["Location"] for h in booked)
    assert statuses.count(409) == CLIENTS - CAPACITY, statuses
    db.session.rollback()  # end the snapshot taken before the race
    slot = db.session.scalar(select(Slot).where(Slot.service_id == service_id))
    assert slot.booked == CAPACITY
    active = db.session.scalar(
        select(func.count(Appointment.id)).where(Appointment.slot_id == slot.id, Appointment.status == "booked")
    )
    assert active == CAPACITY


def test_last_seats_of_a_section_go_to_exactly_capacity_clients_and_the_rest_wait(app, database_url, make_user):
    from portal.education.models import Course, Enrolment, Institution, Section

    institution = Institution(name="Race College", type="college", district="Lahore", address="Canal Road")
    course = Course(
        institution=institution, title="Web development", category="digital", mode="onsite", description="", fee_paisa=0
    )
    today = date(2026, 3, 2)
    section = Section(
        course=course,
        name="Evening",
        start_date=today + timedelta(days=20),
        end_date=today + timedelta(days=80),
        capacity=CAPACITY,
        enrol_opens=today - timedelta(days=5),
        enrol_closes=today + timedelta(days=10),
        waitlist_enabled=True,
    )
    db.session.add(institution)
    db.session.commit()
    users = _citizens(make_user, CLIENTS)
    section_id = section.id
    path = f"/courses/sections/{section_id}/enrol"

    with Gunicorn(database_url, workers=4, env=SERVER_ENV) as server:
        results = _race(server.url, users, path, {"person": "self"})

    statuses = [status for status, _, _ in results]
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses.count(302) == CLIENTS, statuses
    db.session.rollback()  # end the snapshot taken before the race
    rows = db.session.execute(
        select(Enrolment.status, func.count()).where(Enrolment.section_id == section_id).group_by(Enrolment.status)
    ).all()
    counts = dict(rows)
    assert counts.get("enrolled") == CAPACITY, counts
    assert counts.get("waitlisted") == CLIENTS - CAPACITY, counts
    assert db.session.get(Section, section_id).enrolled_count == CAPACITY
