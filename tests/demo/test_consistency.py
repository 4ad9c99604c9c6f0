"""The seeded small dataset never contradicts itself on the pages officials are shown.

Run on the fixed test clock (TestingConfig.FIXED_NOW, a Monday; and a Friday, whose "in two days" is
a Sunday) with the default seed of ``flask seed-demo``:
a booking fits its service's opening hours and closures (health's own ``schedule.fits_schedule``
rule), each slot counts exactly the appointments holding it, no service's bookable hours are cut to
a sliver (under an hour a day), and nobody has completed a course whose section has not ended.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.auth.models import User
from portal.dashboard import services as dashboard
from portal.dashboard.services import Filters
from portal.demo.generate import FUTURE_DAYS, PAST_DAYS
from portal.demo.personas import PERSONAS
from portal.demo.seed import seed, seed_punjab
from portal.extensions import db
from portal.health import schedule
from portal.health.models import STATUS_CANCELLED, Appointment, Closure, Service, Slot
from portal.health.offered import current_offers, live_places

SEED = 2026  # what `flask seed-demo` uses
HOLDING_A_PLACE = ("booked", "arrived", "seen", "no_show")
# The small dataset's few bookings are spread over realistic places offered (about a fifth taken), so
# its services' online quota is thin: at least an hour, on at least one day a week; never the half-hour
# slivers it had, nor an hour cut off the day a persona's booking is on.
MIN_DAY_HOURS = 1


def seed_small() -> None:
    seed("small", SEED)
    seed_punjab("small", SEED)
    db.session.flush()


def services_by_id() -> dict[int, Service]:
    services = db.session.scalars(
        select(Service).options(selectinload(Service.hours), selectinload(Service.clinic))
    ).all()
    return {s.id: s for s in services}


def closures_by_service(services: dict[int, Service]) -> dict[int, set[date]]:
    """Every closed Karachi date of each service (its own closures and its clinic's), in one query."""
    closed: dict[int, set[date]] = defaultdict(set)
    by_clinic: dict[int, list[int]] = defaultdict(list)
    for service in services.values():
        by_clinic[service.clinic_id].append(service.id)
    for clinic_id, service_id, start, end in db.session.execute(
        select(Closure.clinic_id, Closure.service_id, Closure.start_date, Closure.end_date)
    ):
        for sid in [service_id] if service_id else by_clinic[clinic_id]:
            day = start
            while day <= end:
                closed[sid].add(day)
                day = date.fromordinal(day.toordinal() + 1)
    return closed


# The test clock, and a Friday: the personas' bookings are made "two days ahead", and from a Friday
# that is the next Monday (the reviewer's run that showed a booking on a day the OPD was closed).
CLOCKS = (None, "2026-03-06T06:00:00+00:00")


@pytest.mark.parametrize("fixed_now", CLOCKS, ids=("test-clock", "friday"))
def test_every_booking_fits_its_services_hours_and_closures(app, fixed_now):
    if fixed_now:
        app.config["FIXED_NOW"] = fixed_now
    seed_small()
    services = services_by_id()
    closed = closures_by_service(services)
    starts: dict[tuple[int, date], set[datetime]] = {}
    misfits = []
    rows = db.session.execute(
        select(Appointment.reference, Appointment.service_id, Appointment.starts_at, Slot.service_id, Slot.starts_at)
        .join(Slot, Slot.id == Appointment.slot_id)
        .where(Appointment.status.in_(HOLDING_A_PLACE))
    ).all()
    assert len(rows) > 1000
    for reference, service_id, starts_at, slot_service_id, slot_starts_at in rows:
        service = services[service_id]
        day = schedule.karachi_date(starts_at)
        key = (service_id, day)
        if key not in starts:
            starts[key] = set(schedule.day_starts(service, day, closed[service_id]))
        fits = service.active and service.clinic.active and starts_at in starts[key]
        if not fits or (slot_service_id, slot_starts_at) != (service_id, starts_at):
            misfits.append((reference, service.clinic.name, service.name, starts_at))
    assert not misfits, f"{len(misfits)} bookings outside their service's hours, e.g. {misfits[:3]}"
    # The same rule through health's own function, for the personas' bookings (made by the domain seeder
    # before the dataset, which must not change the hours they were made in).
    persona_bookings = db.session.scalars(
        select(Appointment)
        .join(User, User.id == Appointment.user_id)
        .where(Appointment.status.in_(HOLDING_A_PLACE), User.cnic.in_([p.cnic for p in PERSONAS]))
    ).all()
    assert persona_bookings
    for appointment in persona_bookings:
        assert schedule.fits_schedule(appointment.service, appointment.starts_at), appointment.reference


def test_each_slot_counts_the_appointments_holding_it(app):
    seed_small()
    holding = Counter(
        dict(
            db.session.execute(
                select(Appointment.slot_id, func.count())
                .where(Appointment.slot_id.is_not(None), Appointment.status != STATUS_CANCELLED)
                .group_by(Appointment.slot_id)
            ).all()
        )
    )
    slots = db.session.execute(select(Slot.id, Slot.booked, Slot.capacity)).all()
    assert slots
    wrong = [(sid, booked, holding[sid]) for sid, booked, capacity in slots if booked != holding[sid]]
    assert not wrong, wrong[:5]
    assert all(booked <= capacity for _sid, booked, capacity in slots)


def test_no_service_is_bookable_for_less_than_an_hour_on_its_days(app):
    seed_small()
    too_short = []
    for service in services_by_id().values():
        if not service.active:
            continue
        minutes_by_day: dict[int, int] = defaultdict(int)
        for hours in service.hours:
            minutes_by_day[hours.weekday] += len(schedule.starts_in_hours(hours, date(2026, 3, 2), 1))
        shortest = min(minutes_by_day.values(), default=0) / 60
        if shortest < MIN_DAY_HOURS:
            too_short.append((service.clinic.name, service.name, len(minutes_by_day), shortest))
    assert not too_short, f"{len(too_short)} services with too few hours, e.g. {too_short[:3]}"


def test_completed_enrolments_are_in_sections_that_have_ended(app):
    from portal.education.models import Enrolment, Section

    seed_small()
    today = clock.today()
    completed = db.session.execute(
        select(Enrolment.reference, Section.name, Section.end_date)
        .join(Section, Section.id == Enrolment.section_id)
        .where(Enrolment.status == "completed")
    ).all()
    assert completed
    early = [row for row in completed if row.end_date >= today]
    assert not early, early[:5]


def test_the_places_offered_in_force_are_what_the_seeded_hours_say(app):
    """Every path the seeders write services, hours and active flags by records the places offered
    (portal.health.offered): the versions in force today say what the live tables say, service by
    service and weekday by weekday."""
    seed("small", SEED)  # the domain seeders' few clinics alone
    db.session.flush()
    ids = list(db.session.scalars(select(Service.id)))
    assert live_places(ids) and current_offers(ids) == live_places(ids)
    seed_punjab("small", SEED)  # then the dataset, which also cuts those clinics' hours to a quota
    db.session.flush()
    ids = list(db.session.scalars(select(Service.id)))
    assert current_offers(ids) == live_places(ids)


def test_no_clinic_is_used_beyond_the_places_it_offered(app):
    """Over the seeded past (and the days booked ahead), the places taken never pass the places offered
    then, for the province, any district, service or clinic."""
    seed_small()
    today = clock.today()
    f = Filters(None, today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS))
    summary = dashboard.health_summary(f)
    assert summary["places_offered"] > summary["places_taken"] > 0
    assert summary["utilisation"] <= 1
    rows = dashboard.clinic_league(f) + dashboard.busiest_services(f, limit=None)
    rows += list(dashboard.health_by_district(f).values())
    assert rows
    over = [row for row in rows if (row.get("utilisation") or 0) > 1]
    assert not over, over[:3]
