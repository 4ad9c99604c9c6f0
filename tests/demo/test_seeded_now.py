"""The seeded data is what the portal could show at the seed's instant: nothing happened after "now"
(no visit seen, no "did not come", no enrolment or decision later than the clock), nobody applied to a
cohort before its enrolment opened, nobody waits for a seat they could take, and the education
fixtures of the personas are dated in their cohorts' enrolment windows, not today.

The clock is a weekday at 10:00 and at 10:05 in Lahore (a presenter's demo: clinics are busy, some visits
are under way), besides the test clock (9:00)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import and_, func, or_, select

from portal import clock
from portal.auth.models import Dependant, User
from portal.demo.generate import utc_at
from portal.demo.seed import seed, seed_punjab
from portal.extensions import db
from portal.health.models import Appointment, Slot

SEED = 2026
CLOCKS = (None, "2026-12-08T10:00", "2026-03-03T10:05")


def seed_small(app, fixed_now) -> datetime:
    if fixed_now:
        app.config["FIXED_NOW"] = fixed_now
    seed("small", SEED)
    seed_punjab("small", SEED)
    db.session.flush()
    return clock.now()


def later_than(now, *columns):
    return or_(*(column > now for column in columns))


@pytest.mark.parametrize("fixed_now", CLOCKS, ids=("test-clock", "tuesday-10", "tuesday-10-05"))
def test_no_seeded_appointment_is_dated_after_now(app, fixed_now):
    now = seed_small(app, fixed_now)
    a = Appointment
    future = db.session.execute(
        select(a.reference, a.status, a.starts_at, a.arrived_at, a.seen_at, a.updated_at).where(
            later_than(now, a.created_at, a.updated_at, a.arrived_at, a.seen_at, a.cancelled_at)
        )
    ).all()
    assert not future, f"{len(future)} appointments dated after {now}, e.g. {future[:3]}"
    # "Did not come" only for a slot that has ended; seen or waiting only once the time has come.
    early_no_show = db.session.scalar(
        select(func.count())
        .select_from(a)
        .join(Slot, Slot.id == a.slot_id)
        .where(a.status == "no_show", Slot.ends_at > now)
    )
    assert not early_no_show
    assert not db.session.scalar(
        select(func.count()).where(a.status.in_(("seen", "arrived")), a.walk_in.is_(False), a.starts_at > now)
    )
    # The day's visits so far are there: people seen before now, and (at 10:00) some still waiting.
    today_start = utc_at(clock.today(), time(0, 0))
    seen_today = db.session.scalar(
        select(func.count()).where(a.status == "seen", a.seen_at >= today_start, a.seen_at <= now)
    )
    if clock.today().weekday() != 6:
        assert seen_today > 0


@pytest.mark.parametrize("fixed_now", CLOCKS, ids=("test-clock", "tuesday-10", "tuesday-10-05"))
def test_no_seeded_enrolment_or_certificate_is_dated_after_now(app, fixed_now):
    from portal.education.models import Certificate, Enrolment

    now = seed_small(app, fixed_now)
    e = Enrolment
    future = db.session.execute(
        select(e.reference, e.status, e.source, e.created_at, e.decided_at, e.updated_at).where(
            later_than(now, e.created_at, e.updated_at, e.decided_at, e.waitlisted_at)
        )
    ).all()
    assert not future, f"{len(future)} enrolments dated after {now}, e.g. {future[:3]}"
    assert not db.session.scalar(select(func.count()).where(Certificate.issued_at > now))


@pytest.mark.parametrize("fixed_now", CLOCKS, ids=("test-clock", "tuesday-10", "tuesday-10-05"))
def test_nobody_applied_before_the_cohort_opened(app, fixed_now):
    from portal.education.models import Enrolment, Section

    seed_small(app, fixed_now)
    rows = db.session.execute(
        select(Enrolment.reference, Enrolment.source, Enrolment.created_at, Section.enrol_opens).join(
            Section, Section.id == Enrolment.section_id
        )
    ).all()
    assert rows
    early = [r for r in rows if r.created_at < utc_at(r.enrol_opens, time(0, 0))]
    assert not early, f"{len(early)} enrolments before their cohort's enrolment opened, e.g. {early[:3]}"
    # A cohort whose enrolment opens later has nobody in it yet.
    not_open = db.session.scalars(select(Section.id).where(Section.enrol_opens > clock.today())).all()
    if not_open:
        assert not db.session.scalar(select(func.count()).where(Enrolment.section_id.in_(not_open)))


@pytest.mark.parametrize("fixed_now", CLOCKS, ids=("test-clock", "tuesday-10", "tuesday-10-05"))
def test_nobody_waits_for_a_seat_they_could_take(app, fixed_now):
    """As education.services.take_seat reads the seats: a member of the reserved group takes a kept seat
    first, anyone a general one (or any seat once the kept ones are released). A seat given up is given
    to the first on the waitlist (promote_waitlist); so no cohort has a seat free that its first waiting
    person could take, and its counters match its rows."""
    from portal.education.models import Enrolment, Section

    seed_small(app, fixed_now)
    gender = func.coalesce(Dependant.gender, User.gender)
    waiting = db.session.execute(
        select(Enrolment.section_id, gender, Enrolment.waitlisted_at, Enrolment.decided_at)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Dependant, Dependant.id == Enrolment.dependant_id)
        .where(Enrolment.status == "waitlisted")
    ).all()
    seats = dict(
        db.session.execute(
            select(Enrolment.section_id, func.count())
            .where(Enrolment.status.in_(("enrolled", "completed")))
            .group_by(Enrolment.section_id)
        ).all()
    )
    sections = {s.id: s for s in db.session.scalars(select(Section))}
    could = []
    for section_id, person_gender, _waitlisted_at, _decided_at in waiting:
        s = sections[section_id]
        assert s.enrolled_count == seats.get(section_id, 0), s.name
        if s.enrolled_count >= s.capacity or clock.today() > s.end_date:
            continue
        member = s.reserved_kind == "gender" and person_gender == s.reserved_value
        kept_free = not s.reserved_released and s.reserved_taken < s.reserved_seats
        general_free = (
            s.reserved_released
            or s.reserved_kind is None
            or s.enrolled_count - s.reserved_taken < s.capacity - s.reserved_seats
        )
        if (member and kept_free) or general_free:
            could.append((s.course.title, s.name, s.capacity, s.enrolled_count))
    assert not could, f"{len(could)} people wait while a seat they could take is free, e.g. {could[:3]}"
    # Those moved up from a waitlist were given their seat after the seat holder left, before now.
    moved_up = db.session.execute(
        select(Enrolment.decided_at, Enrolment.waitlisted_at, Section.start_date)
        .join(Section, Section.id == Enrolment.section_id)
        .where(
            Enrolment.waitlisted_at.is_not(None),
            Enrolment.status.in_(("enrolled", "completed")),
            Enrolment.source != "demo",
        )
    ).all()
    assert moved_up, "no one was moved up from a waitlist"
    for decided_at, waitlisted_at, start in moved_up:
        assert waitlisted_at < decided_at <= clock.now()
        assert decided_at > utc_at(start, time(12, 0))


def test_the_personas_education_fixtures_are_dated_in_their_windows_not_today(app):
    """On a fresh seed "Today on the portal" counts nothing the personas did not do today: their
    enrolments were made in their cohorts' enrolment windows, before today; Ayesha's finished course was
    completed and its certificate issued on the cohort's last day (in October for a December demo)."""
    from portal.education.models import Certificate, Enrolment, Section

    now = seed_small(app, "2026-12-08T10:00")
    today_start = datetime.combine(clock.today(), time(0, 0), tzinfo=clock.KARACHI).astimezone(UTC)
    fixtures = db.session.execute(
        select(Enrolment, Section).join(Section, Section.id == Enrolment.section_id).where(Enrolment.source == "demo")
    ).all()
    assert len(fixtures) == 5
    for enrolment, section in fixtures:
        for when in (enrolment.created_at, enrolment.decided_at, enrolment.waitlisted_at):
            if when is not None:
                assert utc_at(section.enrol_opens, time(0, 0)) <= when < today_start, enrolment.submission_token
                assert clock.karachi_to_utc(section.enrol_closes + timedelta(days=1)) > when
        assert enrolment.updated_at < today_start
        if enrolment.status == "waitlisted":
            assert enrolment.decided_at is None  # a waitlist place is no decision (education.services.enrol)
    completed = next(e for e, _s in fixtures if e.status == "completed")
    section = db.session.get(Section, completed.section_id)
    end = clock.karachi_to_utc(section.end_date, 16)
    assert completed.updated_at == end
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == completed.id))
    assert certificate.issued_at == end < now
    # Nothing of the fixtures is counted as done today.
    assert not db.session.scalar(
        select(func.count()).where(
            Enrolment.source == "demo",
            or_(
                Enrolment.created_at >= today_start,
                Enrolment.updated_at >= today_start,
                and_(Enrolment.waitlisted_at.is_not(None), Enrolment.waitlisted_at >= today_start),
            ),
        )
    )
