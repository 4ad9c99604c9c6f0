"""Places offered count what was in force on each day (portal.health.offered), not today's hours.

The clock is the test clock, Monday 2 March 2026, 09:00 Karachi; a test that needs another day sets
FIXED_NOW. The service: Mondays 09:00–13:00, 30-minute slots of two places: 16 places a Monday.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from portal.dashboard import services as dashboard
from portal.dashboard.services import Filters
from portal.extensions import db
from portal.health import admin
from portal.health.models import Closure, OfferedPlaces, Service
from portal.health.offered import current_offers, live_places, record_offers

MONDAYS = [(0, time(9), time(13))]
FEBRUARY = Filters(None, date(2026, 2, 2), date(2026, 3, 1))  # four Mondays, all before today
THIS_WEEK_ON = Filters(None, date(2026, 3, 2), date(2026, 3, 15))  # today and next Monday
ACROSS = Filters(None, date(2026, 2, 23), date(2026, 3, 8))  # last Monday and today


@pytest.fixture(autouse=True)
def request_ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def opd(make_service, make_user):
    service = make_service(hours=MONDAYS)
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    return service, staff


def offered(f: Filters, group: str = "all", key="all") -> int:
    return dashboard.offered_places(f, group).get(key, 0)


def versions(service) -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(OfferedPlaces.weekday, OfferedPlaces.valid_from, OfferedPlaces.valid_to, OfferedPlaces.places)
            .where(OfferedPlaces.service_id == service.id)
            .order_by(OfferedPlaces.weekday, OfferedPlaces.valid_from)
        )
    ]


def set_clock(app, day: date, hour_utc: int = 4) -> None:
    app.config["FIXED_NOW"] = f"{day.isoformat()}T{hour_utc:02d}:00:00+00:00"


def service_data(service, **changes) -> dict:
    return {name: getattr(service, name) for name in admin.SERVICE_FIELDS} | changes


def test_editing_hours_today_leaves_past_periods_and_changes_the_days_from_today(opd):
    service, staff = opd
    assert (offered(FEBRUARY), offered(THIS_WEEK_ON), offered(ACROSS)) == (64, 32, 32)
    admin.save_hours(staff, service, service.hours[0], 0, time(10), time(13))  # opens an hour later: 12 places
    db.session.commit()
    assert offered(FEBRUARY) == 64
    assert offered(THIS_WEEK_ON) == 12 + 12
    assert offered(ACROSS) == 16 + 12
    # Each grouping and filter reads the same history.
    assert offered(ACROSS, "district", "Lahore") == offered(ACROSS, "clinic", service.clinic_id) == 28
    # Services are grouped by the names people tell apart (Service.name_key).
    assert offered(Filters("Lahore", ACROSS.start, ACROSS.end, service="General OPD"), "service_name", "general opd")
    assert offered(Filters("Multan", ACROSS.start, ACROSS.end)) == 0


def test_a_break_and_a_new_weekday_are_new_versions_from_today(opd):
    service, staff = opd
    admin.save_hours(staff, service, service.hours[0], 0, time(9), time(13), time(11), time(11, 30))  # 7 slots
    admin.save_hours(staff, service, None, 1, time(9), time(10))  # Tuesdays: 2 slots
    db.session.commit()
    assert offered(FEBRUARY) == 64
    assert offered(ACROSS) == 16 + 14 + 4


def test_several_changes_in_one_day_replace_that_days_version(opd):
    service, staff = opd
    hours = service.hours[0]
    admin.save_hours(staff, service, hours, 0, time(10), time(13))
    admin.save_hours(staff, service, hours, 0, time(11), time(13))
    db.session.commit()
    assert versions(service) == [(0, date(2000, 1, 1), date(2026, 3, 2), 16), (0, date(2026, 3, 2), None, 8)]
    # Put back as it was the same day: the first version goes on as if nothing had happened.
    admin.save_hours(staff, service, hours, 0, time(9), time(13))
    db.session.commit()
    assert versions(service) == [(0, date(2000, 1, 1), None, 16)]


def test_a_change_the_next_day_keeps_the_days_before(app, opd):
    service, staff = opd
    admin.save_service(staff, service.clinic, service, service_data(service, places_per_slot=1))
    set_clock(app, date(2026, 3, 3))
    admin.save_service(staff, service.clinic, service, service_data(service, slot_minutes=60))
    db.session.commit()
    assert versions(service) == [
        (0, date(2000, 1, 1), date(2026, 3, 2), 16),
        (0, date(2026, 3, 2), date(2026, 3, 3), 8),
        (0, date(2026, 3, 3), None, 4),
    ]
    assert offered(Filters(None, date(2026, 2, 23), date(2026, 3, 15))) == 16 + 8 + 4


def test_a_closure_lowers_the_places_offered_on_its_days(opd, make_service):
    service, staff = opd
    other = make_service(clinic=service.clinic, name="Dental OPD", hours=MONDAYS)  # 16 a Monday as well
    # Eid in the past (written as it was then: a closure already over can no longer be added).
    db.session.add(
        Closure(clinic_id=service.clinic_id, start_date=date(2026, 2, 9), end_date=date(2026, 2, 11), reason="Eid")
    )
    # One service closed on a day its whole clinic is closed too: the day counts once.
    db.session.add(
        Closure(
            clinic_id=service.clinic_id,
            service_id=other.id,
            start_date=date(2026, 2, 16),
            end_date=date(2026, 2, 16),
            reason="Leave",
        )
    )
    db.session.add(
        Closure(clinic_id=service.clinic_id, start_date=date(2026, 2, 16), end_date=date(2026, 2, 16), reason="Strike")
    )
    db.session.commit()
    assert offered(FEBRUARY) == 2 * 4 * 16 - 2 * 16 - 2 * 16
    assert offered(FEBRUARY, "service_name", "dental opd") == 4 * 16 - 16 - 16
    # A closure added today for next Monday lowers the figures from today on; February's stay.
    admin.add_closure(staff, service.clinic, service.id, date(2026, 3, 9), date(2026, 3, 9), "Training")
    db.session.commit()
    assert offered(THIS_WEEK_ON) == 2 * 2 * 16 - 16
    assert offered(FEBRUARY) == 2 * 4 * 16 - 2 * 16 - 2 * 16
    # A closure outside the period, or of another clinic, changes nothing.
    assert offered(Filters(None, date(2026, 2, 2), date(2026, 2, 8))) == 2 * 16


def test_a_service_created_in_the_period_counts_from_the_day_it_was_created(app, make_clinic, make_user):
    clinic = make_clinic()
    staff = make_user(roles=[("clinic_admin", clinic.id)])
    set_clock(app, date(2026, 2, 18))  # a Wednesday
    data = {
        "name": "Eye OPD",
        "slot_minutes": 30,
        "places_per_slot": 2,
        "min_notice_hours": 2,
        "horizon_days": 14,
        "cancel_cutoff_hours": 2,
    }
    service = admin.save_service(staff, clinic, None, data).record
    admin.save_hours(staff, service, None, 0, time(9), time(13))
    db.session.commit()
    set_clock(app, date(2026, 3, 2))
    assert offered(FEBRUARY) == 16  # Monday 23 February only, not the three Mondays before it
    assert versions(service) == [(0, date(2026, 2, 18), None, 16)]


def test_deactivating_stops_counting_from_that_day(app, opd):
    service, staff = opd
    admin.save_service(staff, service.clinic, service, service_data(service), active=False)
    db.session.commit()
    assert offered(ACROSS) == 16  # last Monday only: today (a Monday) and after, none
    assert offered(FEBRUARY) == 64
    # Taking appointments again the next day: counted from then.
    set_clock(app, date(2026, 3, 3))
    admin.save_service(staff, service.clinic, service, service_data(service), active=True)
    db.session.commit()
    assert offered(ACROSS) == 16
    assert offered(THIS_WEEK_ON) == 16


def test_closing_a_clinic_stops_its_services_from_that_day(opd, make_service):
    service, staff = opd
    make_service(clinic=service.clinic, name="Dental OPD", hours=MONDAYS)
    clinic = service.clinic
    data = {name: getattr(clinic, name) for name in admin.CLINIC_FIELDS}
    admin.save_clinic(staff, clinic, data, active=False)
    db.session.commit()
    assert offered(ACROSS) == 2 * 16
    assert offered(FEBRUARY) == 2 * 64
    admin.save_clinic(staff, clinic, data, active=True)
    db.session.commit()
    assert offered(ACROSS) == 4 * 16  # reopened the same day: as if never closed


def test_removing_a_days_hours_stops_counting_it_from_today(opd):
    service, staff = opd
    admin.delete_hours(staff, service.hours[0])
    db.session.commit()
    assert offered(ACROSS) == 16
    assert versions(service) == [(0, date(2000, 1, 1), date(2026, 3, 2), 16)]


def test_the_history_in_force_is_what_the_tables_say(opd, make_service):
    """What the figures read for today agrees with the live tables after each kind of change."""
    service, staff = opd
    admin.save_hours(staff, service, None, 3, time(8), time(14), time(11), time(11, 30))
    admin.save_service(staff, service.clinic, service, service_data(service, slot_minutes=20, places_per_slot=3))
    db.session.commit()
    ids = list(db.session.scalars(select(Service.id)))
    assert current_offers(ids) == live_places(ids) == {(service.id, 0): 36, (service.id, 3): 48}


def test_recording_again_changes_nothing(opd):
    service, _staff = opd
    before = versions(service)
    record_offers([service.id])
    assert versions(service) == before
