"""Factories for health tests. The clock is Monday 2 March 2026, 09:00 Karachi (04:00 UTC)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from portal.clock import KARACHI
from portal.extensions import db
from portal.health.models import Clinic, Service, WeeklyHours

MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)


def karachi(day: date, hour: int, minute: int = 0) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(hour, minute), tzinfo=KARACHI).astimezone(UTC)


@pytest.fixture
def make_clinic(app):
    def factory(**fields):
        values = {
            "name": "Mayo Hospital OPD",
            "type": "teaching_opd",
            "district": "Lahore",
            "address": "Hospital Road, Lahore",
            "phone": "042 99211100",
            "active": True,
        }
        values.update(fields)
        clinic = Clinic(**values)
        db.session.add(clinic)
        db.session.commit()
        return clinic

    return factory


@pytest.fixture
def make_service(app, make_clinic):
    """A service open every day 09:00–13:00 (break 11:00–11:30) unless ``hours`` says otherwise."""

    def factory(clinic=None, hours=None, **fields):
        clinic = clinic or make_clinic()
        values = {
            "name": "General OPD",
            "slot_minutes": 30,
            "places_per_slot": 2,
            "min_notice_hours": 2,
            "horizon_days": 14,
            "cancel_cutoff_hours": 2,
            "practitioner": "Dr. Sana Javed",
            "active": True,
        }
        values.update(fields)
        service = Service(clinic=clinic, **values)
        if hours is None:
            hours = [(d, time(9), time(13), time(11), time(11, 30)) for d in range(7)]
        for row in hours:
            weekday, start, end = row[:3]
            bs, be = (row[3], row[4]) if len(row) > 3 else (None, None)
            service.hours.append(WeeklyHours(weekday=weekday, start=start, end=end, break_start=bs, break_end=be))
        db.session.add(service)
        db.session.commit()
        return service

    return factory


@pytest.fixture
def citizen(make_user):
    from portal.auth.models import Dependant

    user = make_user(full_name="Ayesha Khan")
    user.dependants.append(
        Dependant(full_name="Hamza Khan", relationship_="child", date_of_birth=date(2016, 2, 3), gender="male")
    )
    db.session.commit()
    return user


@pytest.fixture
def request_ctx(app):
    """Service tests render messages (str(error)), which needs a request for the locale."""
    with app.test_request_context():
        yield
