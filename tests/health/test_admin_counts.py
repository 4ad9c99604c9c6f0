"""The clinic admin's places offered (admin.counts) count what was offered on each day, less closed days,
as the officials' figures do (portal.health.offered.places_offered), not today's hours.

The clock is Monday 2 March 2026, 09:00 Karachi. Last week: Mon 23 Feb – Sun 1 Mar; this week: Mon 2 Mar
(today) – Sun 8 Mar. The service (make_service's default): every day 09:00–13:00 with a break
11:00–11:30, 30-minute slots of two places: 7 slots, 14 places a day, 98 a week.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from portal.dashboard import services as dashboard
from portal.dashboard.services import Filters
from portal.extensions import db
from portal.health import admin, services
from portal.health.models import Closure
from tests.health.conftest import MONDAY, TUESDAY, karachi

pytestmark = pytest.mark.usefixtures("request_ctx")

LAST_WEEK = (date(2026, 2, 23), date(2026, 3, 1))
THIS_WEEK = (MONDAY, date(2026, 3, 8))
LAST_WEDNESDAY = date(2026, 2, 25)


@pytest.fixture
def clinic_admin(make_service, make_user):
    service = make_service()
    return service, make_user(roles=[("clinic_admin", service.clinic_id)])


def places(clinic, period: tuple[date, date]) -> int:
    return admin.counts(clinic, *period).places


def set_clock(app, day: date) -> None:
    app.config["FIXED_NOW"] = f"{day.isoformat()}T04:00:00+00:00"  # 09:00 Karachi


def service_data(service, **changes) -> dict:
    return {name: getattr(service, name) for name in admin.SERVICE_FIELDS} | changes


def test_hours_edited_today_leave_last_weeks_places_and_count_from_today(clinic_admin):
    service, staff = clinic_admin
    monday = next(h for h in service.hours if h.weekday == 0)
    tuesday = next(h for h in service.hours if h.weekday == 1)
    admin.save_hours(staff, service, monday, 0, time(10), time(13))  # no break, an hour later: 6 slots
    admin.save_hours(staff, service, tuesday, 1, time(9), time(10))  # 2 slots
    db.session.commit()
    assert places(service.clinic, LAST_WEEK) == 98
    # Today and the days to come count the hours in force now.
    assert places(service.clinic, THIS_WEEK) == 12 + 4 + 5 * 14
    assert places(service.clinic, (TUESDAY, TUESDAY)) == 4


def test_a_service_deactivated_today_still_counts_for_the_days_it_was_active(clinic_admin, make_service):
    service, staff = clinic_admin
    make_service(clinic=service.clinic, name="Dental OPD")  # 14 a day as well, still active
    admin.save_service(staff, service.clinic, service, service_data(service), active=False)
    db.session.commit()
    assert places(service.clinic, LAST_WEEK) == 2 * 98
    assert places(service.clinic, THIS_WEEK) == 98  # from today, the other service's only
    assert places(service.clinic, (date(2026, 2, 23), MONDAY)) == 2 * 98 + 14


def test_a_service_created_mid_week_counts_only_from_the_day_it_was_created(app, make_clinic, make_user):
    clinic = make_clinic()
    staff = make_user(roles=[("clinic_admin", clinic.id)])
    set_clock(app, LAST_WEDNESDAY)
    data = {
        "name": "Eye OPD",
        "slot_minutes": 30,
        "places_per_slot": 2,
        "min_notice_hours": 2,
        "horizon_days": 14,
        "cancel_cutoff_hours": 2,
    }
    service = admin.save_service(staff, clinic, None, data).record
    for weekday in range(7):
        admin.save_hours(staff, service, None, weekday, time(9), time(13))  # 8 slots: 16 places a day
    db.session.commit()
    set_clock(app, MONDAY)
    assert places(clinic, LAST_WEEK) == 5 * 16  # Wednesday to Sunday
    assert places(clinic, (date(2026, 2, 23), date(2026, 2, 24))) == 0
    assert places(clinic, THIS_WEEK) == 7 * 16


def test_a_closed_day_is_not_offered(clinic_admin, make_service):
    service, staff = clinic_admin
    dental = make_service(clinic=service.clinic, name="Dental OPD")
    # Last Wednesday the clinic was shut (written as it was then: a closure already over can no longer be
    # added); last Thursday Dental alone, and on Friday both it and the clinic (the day counts once).
    for service_id, day in ((None, LAST_WEDNESDAY), (dental.id, date(2026, 2, 26)), (dental.id, date(2026, 2, 27))):
        closure = Closure(clinic_id=service.clinic_id, service_id=service_id, start_date=day, end_date=day, reason="x")
        db.session.add(closure)
    db.session.add(
        Closure(clinic_id=service.clinic_id, start_date=date(2026, 2, 27), end_date=date(2026, 2, 27), reason="x")
    )
    # Hours edited today: the closed days of last week are taken off at last week's hours.
    monday = next(h for h in service.hours if h.weekday == 0)
    admin.save_hours(staff, service, monday, 0, time(10), time(13))
    # A closure ahead this week (Thursday 5 March, General OPD only) is taken off the days to come.
    admin.add_closure(staff, service.clinic, service.id, date(2026, 3, 5), date(2026, 3, 5), "Training")
    db.session.commit()
    assert places(service.clinic, LAST_WEEK) == 2 * 98 - 2 * 14 - 14 - 2 * 14
    assert places(service.clinic, (LAST_WEDNESDAY, LAST_WEDNESDAY)) == 0
    assert places(service.clinic, THIS_WEEK) == 12 + 6 * 14 - 14 + 98


def test_the_admins_figures_are_the_officials_for_the_same_clinic_and_days(
    app, clinic_admin, make_service, citizen, make_user
):
    """admin.counts and the dashboard's league read one definition: for every period asked, the same
    places offered and the same utilisation, whatever changed since."""
    service, staff = clinic_admin
    dental = make_service(clinic=service.clinic, name="Dental OPD", places_per_slot=1)
    make_service(name="Elsewhere")  # another clinic, left out of both
    set_clock(app, LAST_WEDNESDAY)
    services.book_slot(citizen, service.id, karachi(date(2026, 2, 26), 9))
    services.book_slot(make_user(), dental.id, karachi(date(2026, 2, 27), 12))
    db.session.commit()
    set_clock(app, MONDAY)
    db.session.add(
        Closure(clinic_id=service.clinic_id, start_date=date(2026, 2, 24), end_date=date(2026, 2, 24), reason="Strike")
    )
    monday = next(h for h in service.hours if h.weekday == 0)
    admin.save_hours(staff, service, monday, 0, time(10), time(13))
    admin.save_service(staff, service.clinic, dental, service_data(dental), active=False)
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    clinic = service.clinic
    for first, last in (LAST_WEEK, THIS_WEEK, (date(2026, 2, 24), date(2026, 2, 24)), (date(2026, 2, 1), TUESDAY)):
        counts = admin.counts(clinic, first, last)
        f = Filters(None, first, last)
        league = next(row for row in dashboard.clinic_league(f) if row["clinic_id"] == clinic.id)
        assert counts.places == dashboard.offered_places(f, "clinic")[clinic.id], (first, last)
        assert counts.utilisation == (league["utilisation"] or 0.0), (first, last)
    assert places(clinic, LAST_WEEK) == 98 - 14 + 49 - 7  # both services, less the closed Tuesday
    assert admin.counts(clinic, *LAST_WEEK).used == 2
