"""Factories for health tests. The clock is Monday 2 March 2026, 09:00 Karachi (04:00 UTC)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from portal.clock import KARACHI
from portal.extensions import db

MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)


def karachi(day: date, hour: int, minute: int = 0) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(hour, minute), tzinfo=KARACHI).astimezone(UTC)


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
