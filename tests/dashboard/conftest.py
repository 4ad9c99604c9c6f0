"""A small fixed dataset whose figures are worked out by hand in the tests.

Clock: Monday 2 March 2026, 09:00 Karachi. Health range: Mon 23 Feb – Sun 1 Mar 2026.

Clinic A (Lahore), "General OPD": Mondays 08:00–12:00, 60-minute slots, 2 places → 8 places a Monday.
Clinic B (Multan), "Dental OPD": Mondays 09:00–11:00, break 10:00–10:30, 30-minute slots, 1 place → 3.
  Mon 23 Feb: A 3 seen, 1 no-show, 2 cancelled; B 1 seen, 1 no-show. Tue 24 Feb: A 1 seen.
  Mon 2 Mar (today, outside the range): A fully booked (8), so A's next free day is Mon 9 Mar.

Education: S1 (Lahore, AI and data, capacity 10, 1–28 Feb): 2 completed (woman, man), 1 dropped after
holding a seat, 1 still enrolled (woman); enrolled_count 3; 2 certificates issued 28 Feb.
S2 (Multan, vocational, capacity 5, 10 Mar – 10 Apr): 5 enrolled (3 women), 2 waitlisted,
1 refused for capacity, 1 rejected for another reason; all applied on 1 Mar (Karachi).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.dashboard.services import CAPACITY_REFUSAL_REASON
from portal.education.models import Certificate, Course, Enrolment, Institution, Section
from portal.extensions import db
from portal.health.models import Appointment, Clinic, Service, Slot, WeeklyHours
from portal.health.offered import record_offers

HEALTH_RANGE = {"start": "2026-02-23", "end": "2026-03-01"}
EDU_RANGE = {"start": "2026-02-01", "end": "2026-03-31"}

_refs = itertools.count(1)


def _ref(prefix: str) -> str:
    n = next(_refs)
    return f"{prefix}-{n:04d}-TEST"


def _slot(service, starts: datetime) -> Slot:
    """The slot of ``service`` at ``starts``, made on first use (each booking here holds a place in one)."""
    slot = db.session.scalar(select(Slot).where(Slot.service_id == service.id, Slot.starts_at == starts))
    if slot is None:
        ends = starts + timedelta(minutes=service.slot_minutes)
        slot = Slot(service_id=service.id, starts_at=starts, ends_at=ends, capacity=service.places_per_slot)
        db.session.add(slot)
        db.session.flush()
    return slot


def _held(slot: Slot, status: str) -> Slot:
    """``slot``, its counter raised for an appointment that holds a place in it (as booking does: the
    counter is what the booking pages, and the days to the next free place, read)."""
    if status != "cancelled":
        slot.booked = (slot.booked or 0) + 1
    return slot


def _appointment(user, clinic, service, day: date, status: str, hour: int = 9) -> Appointment:
    starts = datetime(day.year, day.month, day.day, hour - 5, 0, tzinfo=UTC)
    return Appointment(
        reference=_ref("H"),
        arrival_code="AAAA",
        user_id=user.id,
        clinic_id=clinic.id,
        service_id=service.id,
        slot_id=_held(_slot(service, starts), status).id,
        starts_at=starts,
        visit_date=day,
        status=status,
        active_key=f"{service.id}:{user.id}:{next(_refs)}" if status == "booked" else None,
    )


def _enrolment(user, section, status, *, created, seat=None, reason=None, decided=True) -> Enrolment:
    return Enrolment(
        reference=_ref("E"),
        user_id=user.id,
        person_key=f"u{user.id}",
        section_id=section.id,
        course_id=section.course_id,
        status=status,
        seat_kind=seat,
        reason=reason,
        created_at=created,
        updated_at=created,
        decided_at=created if decided else None,
    )


@pytest.fixture
def dataset(app, make_user):
    women = [make_user(full_name=f"Woman {i}", gender="female") for i in range(6)]
    men = [make_user(full_name=f"Man {i}", gender="male") for i in range(6)]
    a = Clinic(name="Clinic A", type="dhq", district="Lahore", address="Lahore")
    b = Clinic(name="Clinic B", type="bhu", district="Multan", address="Multan")
    db.session.add_all([a, b])
    db.session.flush()
    opd = Service(clinic_id=a.id, name="General OPD", slot_minutes=60, places_per_slot=2, horizon_days=14)
    dental = Service(clinic_id=b.id, name="Dental OPD", slot_minutes=30, places_per_slot=1, horizon_days=14)
    db.session.add_all([opd, dental])
    db.session.flush()
    db.session.add_all(
        [
            WeeklyHours(service_id=opd.id, weekday=0, start=time(8), end=time(12)),
            WeeklyHours(
                service_id=dental.id,
                weekday=0,
                start=time(9),
                end=time(11),
                break_start=time(10),
                break_end=time(10, 30),
            ),
        ]
    )
    # Both have offered these hours since well before the ranges the tests ask about.
    db.session.flush()
    record_offers([opd.id, dental.id], day=date(2026, 1, 1))
    monday, tuesday, today = date(2026, 2, 23), date(2026, 2, 24), date(2026, 3, 2)
    people = iter(women + men + women + men)
    rows = (
        [(a, opd, monday, "seen")] * 3
        + [(a, opd, monday, "no_show")]
        + [(a, opd, monday, "cancelled")] * 2
        + [(b, dental, monday, "seen"), (b, dental, monday, "no_show"), (a, opd, tuesday, "seen")]
    )
    for clinic, service, day, status in rows:
        db.session.add(_appointment(next(people), clinic, service, day, status))
    for i in range(8):
        db.session.add(_appointment((women + men)[i], a, opd, today, "booked", hour=8 + i // 2))

    i1 = Institution(name="Institute L", type="it_centre", district="Lahore")
    i2 = Institution(name="Institute M", type="vocational", district="Multan")
    db.session.add_all([i1, i2])
    db.session.flush()
    c1 = Course(institution_id=i1.id, title="Intro to AI", category="ai_data", mode="on_site")
    c2 = Course(institution_id=i2.id, title="Solar PV", category="vocational", mode="on_site")
    db.session.add_all([c1, c2])
    db.session.flush()
    s1 = Section(
        course_id=c1.id,
        start_date=date(2026, 2, 1),
        end_date=date(2026, 2, 28),
        capacity=10,
        enrolled_count=3,
        enrol_opens=date(2026, 1, 1),
        enrol_closes=date(2026, 1, 30),
    )
    s2 = Section(
        course_id=c2.id,
        start_date=date(2026, 3, 10),
        end_date=date(2026, 4, 10),
        capacity=5,
        enrolled_count=5,
        enrol_opens=date(2026, 2, 20),
        enrol_closes=date(2026, 3, 8),
    )
    db.session.add_all([s1, s2])
    db.session.flush()
    feb10 = datetime(2026, 2, 10, 10, tzinfo=UTC)
    mar1 = datetime(2026, 3, 1, 6, tzinfo=UTC)
    late_feb28 = datetime(2026, 2, 28, 20, tzinfo=UTC)  # 1 March 01:00 in Karachi
    done1 = _enrolment(women[0], s1, "completed", created=feb10, seat="general")
    done2 = _enrolment(men[0], s1, "completed", created=feb10, seat="general")
    db.session.add_all(
        [
            done1,
            done2,
            _enrolment(men[1], s1, "dropped", created=feb10),
            _enrolment(women[1], s1, "enrolled", created=feb10, seat="general"),
        ]
    )
    for person in women[2:5] + men[2:4]:
        db.session.add(_enrolment(person, s2, "enrolled", created=mar1, seat="general"))
    db.session.add_all(
        [
            _enrolment(women[5], s2, "waitlisted", created=mar1, decided=False),
            _enrolment(men[4], s2, "waitlisted", created=late_feb28, decided=False),
            _enrolment(men[5], s2, "rejected", created=mar1, reason=CAPACITY_REFUSAL_REASON),
            _enrolment(women[0], s2, "rejected", created=mar1, reason="Does not meet the entry test"),
        ]
    )
    db.session.flush()
    for number, enrolment in enumerate((done1, done2)):
        db.session.add(
            Certificate(
                enrolment_id=enrolment.id,
                code=f"CERT{number}",
                holder_name="x",
                course_title=c1.title,
                institution_name=i1.name,
                institution_district="Lahore",
                start_date=s1.start_date,
                end_date=s1.end_date,
                issued_at=datetime(2026, 2, 28, 11, tzinfo=UTC),
            )
        )
    db.session.commit()
    return {"clinic_a": a, "clinic_b": b}


@pytest.fixture
def provincial(make_user):
    return make_user(full_name="Provincial Official", roles=["official"])


@pytest.fixture
def lahore_official(make_user):
    return make_user(full_name="Lahore Official", roles=[("official", "Lahore")])
