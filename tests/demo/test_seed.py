"""flask seed-demo: sizes, determinism, idempotency, and the invariants the services rely on."""

from __future__ import annotations

import phonenumbers
import pytest
from sqlalchemy import case, func, select

from portal.auth.models import ROLE_CLINIC_ADMIN, Dependant, RoleAssignment, User
from portal.demo import generate
from portal.demo.data import CNIC_PREFIX
from portal.demo.personas import PERSONAS
from portal.demo.seed import PERSONA_CLINIC, education_available, reset_demo_data, seed, seed_punjab
from portal.districts import DISTRICT_NAMES
from portal.extensions import db
from portal.health.models import Appointment, Clinic, Service, Slot


def full_seed(size: str, seed_value: int) -> dict[str, int]:
    counts = seed(size, seed_value)
    counts.update(seed_punjab(size, seed_value))
    return counts


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def fingerprint() -> list:
    """What a person would see of the data, without database ids or secrets."""
    users = db.session.execute(
        select(User.cnic, User.full_name, User.mobile, User.date_of_birth, User.district).order_by(User.cnic)
    ).all()
    # The personas' own bookings come from the domain seeders, whose references are random.
    personas = [p.cnic for p in PERSONAS]
    appointments = db.session.execute(
        select(Appointment.reference, Appointment.status, Appointment.visit_date, Appointment.starts_at, Clinic.name)
        .join(Clinic, Clinic.id == Appointment.clinic_id)
        .join(User, User.id == Appointment.user_id)
        .where(User.cnic.not_in(personas))
        .order_by(Appointment.reference)
    ).all()
    out = [tuple(r) for r in users] + [tuple(r) for r in appointments]
    if education_available():
        from portal.education.models import Enrolment

        out += [
            tuple(r)
            for r in db.session.execute(
                select(Enrolment.reference, Enrolment.status, User.cnic)
                .join(User, User.id == Enrolment.user_id)
                .where(User.cnic.not_in(personas))
                .order_by(Enrolment.reference)
            )
        ]
    return out


def test_small_counts(app):
    counts = full_seed("small", 7)
    db.session.commit()
    size = generate.SIZES["small"]
    assert counts["personas"] == len(PERSONAS)
    assert counts["citizens"] == size.citizens
    assert db.session.scalar(select(func.count(User.id))) >= size.citizens + len(PERSONAS)
    assert 0.6 * size.appointments <= counts["appointments"] <= 1.2 * size.appointments
    # Every district has at least its DHQ hospital; the big cities have more.
    per_district = dict(db.session.execute(select(Clinic.district, func.count()).group_by(Clinic.district)).all())
    assert set(per_district) == set(DISTRICT_NAMES)
    assert per_district["Lahore"] > per_district["Chiniot"]
    assert counts["family_members"] == db.session.scalar(
        select(func.count(Dependant.id)).join(User).where(User.cnic.not_in([p.cnic for p in PERSONAS]))
    )
    if education_available():
        assert counts["enrolments"] > 0.5 * size.enrolments
        assert counts["certificates"] > 0


def test_same_seed_same_data_and_other_seed_differs(app):
    full_seed("small", 11)
    db.session.commit()
    first = fingerprint()
    reset_demo_data()
    db.session.commit()
    full_seed("small", 11)
    db.session.commit()
    assert fingerprint() == first
    reset_demo_data()
    full_seed("small", 12)
    assert fingerprint() != first


def test_seeding_twice_changes_nothing(app):
    full_seed("small", 3)
    db.session.commit()
    before = table_counts()
    counts = full_seed("small", 3)
    db.session.commit()
    assert counts.get("already_seeded") == 1 and "citizens" not in counts
    assert table_counts() == before


def test_reset_keeps_personas_only(app):
    full_seed("small", 3)
    db.session.commit()
    reset_demo_data()
    db.session.commit()
    assert db.session.scalar(select(func.count(User.id))) == len(PERSONAS)
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_people_look_real(app):
    full_seed("small", 5)
    for cnic, mobile, gender, district in db.session.execute(
        select(User.cnic, User.mobile, User.gender, User.district)
    ):
        assert len(cnic) == 13 and cnic.isdigit() and cnic.startswith("3")
        number = phonenumbers.parse(mobile)
        assert phonenumbers.is_valid_number(number) and mobile.startswith("+923")
        if cnic not in {p.cnic for p in PERSONAS}:
            assert cnic.startswith(CNIC_PREFIX[district])
            assert int(cnic[-1]) % 2 == (1 if gender == "male" else 0)


def test_slot_counters_match_appointments(app):
    full_seed("small", 5)
    holding = (
        select(Appointment.slot_id, func.count().label("n"))
        .where(Appointment.status != "cancelled")
        .group_by(Appointment.slot_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Slot.id, Slot.booked, Slot.capacity, func.coalesce(holding.c.n, 0)).outerjoin(
            holding, holding.c.slot_id == Slot.id
        )
    ).all()
    assert rows
    for _id, booked, capacity, held in rows:
        assert booked == held <= capacity


def test_outcomes_are_realistic(app):
    full_seed("small", 5)
    statuses = dict(db.session.execute(select(Appointment.status, func.count()).group_by(Appointment.status)).all())
    kept = statuses.get("seen", 0) + statuses.get("no_show", 0)
    assert 0.05 < statuses["no_show"] / kept < 0.16
    assert statuses["cancelled"] > 0 and statuses["booked"] > 0
    # One active booking per person and service (the unique active_key held while inserting).
    active = db.session.scalar(select(func.count()).where(Appointment.active_key.is_not(None)))
    assert active == statuses["booked"]


def test_personas_are_scoped_to_seeded_places(app):
    full_seed("small", 5)
    clinic_id = db.session.scalar(select(Clinic.id).where(Clinic.name == PERSONA_CLINIC))
    persona = db.session.scalar(select(User).where(User.cnic == PERSONAS[1].cnic))
    scopes = db.session.scalars(
        select(RoleAssignment.scope_id).where(
            RoleAssignment.user_id == persona.id, RoleAssignment.role == ROLE_CLINIC_ADMIN
        )
    ).all()
    assert clinic_id in scopes


@pytest.mark.parametrize("seed_value", [5, 7, 2026])
def test_the_clinic_admin_persona_has_people_to_check_in_whatever_day_the_demo_is(app, seed_value):
    """A demo is given on any day: today (from the seed's time on) and on each of the next days Mayo
    Hospital OPD opens (Monday to Saturday), its admin's daily list holds bookings to check in. The
    quota cut had left its services two or three mornings a week, and a Monday demo showed 'No
    appointments on this day'."""
    from datetime import timedelta

    from portal import clock

    full_seed("small", seed_value)
    clinic_id = db.session.scalar(select(Clinic.id).where(Clinic.name == PERSONA_CLINIC).order_by(Clinic.id))
    booked = dict(
        db.session.execute(
            select(Appointment.visit_date, func.count())
            .where(Appointment.clinic_id == clinic_id, Appointment.status == "booked")
            .group_by(Appointment.visit_date)
        ).all()
    )
    days = [clock.today() + timedelta(days=n) for n in range(7)]
    open_days = [day for day in days if day.weekday() != 6]  # closed on Sundays
    assert all(booked.get(day, 0) >= 5 for day in open_days), {d: booked.get(d, 0) for d in days}
    # Today's are still to come (the seed's clock is 9:00 in Karachi): nothing whose slot is over is
    # "booked". A slot starting at 9:00 is not over: its person may still come (not yet "did not come").
    assert not db.session.scalar(
        select(func.count())
        .select_from(Appointment)
        .join(Slot, Slot.id == Appointment.slot_id)
        .where(Appointment.clinic_id == clinic_id, Appointment.status == "booked", Slot.ends_at <= clock.now())
    )


def test_cli_prints_summary_and_is_idempotent(app, runner):
    result = runner.invoke(args=["seed-demo", "--size", "small", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert "citizens" in result.output and "appointments" in result.output
    again = runner.invoke(args=["seed-demo", "--size", "small", "--seed", "9"])
    assert "already there" in again.output
    reset = runner.invoke(args=["seed-demo", "--size", "small", "--seed", "9", "--reset"])
    assert reset.exit_code == 0 and "deleted" in reset.output and "citizens" in reset.output


def test_section_counters_match_enrolments(app):
    from portal.education.models import Certificate, Enrolment, Section

    counts = full_seed("small", 5)
    held = (
        select(
            Enrolment.section_id,
            func.count().label("seats"),
            func.sum(case((Enrolment.seat_kind == "reserved", 1), else_=0)).label("reserved"),
        )
        .where(Enrolment.seat_kind.is_not(None))
        .group_by(Enrolment.section_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Section.enrolled_count,
            Section.capacity,
            Section.reserved_taken,
            Section.reserved_seats,
            func.coalesce(held.c.seats, 0),
            func.coalesce(held.c.reserved, 0),
        ).outerjoin(held, held.c.section_id == Section.id)
    ).all()
    assert rows
    for enrolled, capacity, reserved_taken, reserved_seats, seats, reserved in rows:
        assert enrolled == seats <= capacity
        assert reserved_taken == reserved <= reserved_seats
    statuses = dict(db.session.execute(select(Enrolment.status, func.count()).group_by(Enrolment.status)).all())
    for status in ("enrolled", "waitlisted", "completed", "dropped"):
        assert statuses.get(status, 0) > 0, status
    assert counts["certificates"] == db.session.scalar(select(func.count(Certificate.id))) - db.session.scalar(
        select(func.count(Certificate.id))
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .where(User.cnic.in_([p.cnic for p in PERSONAS]))
    )


def test_every_demo_place_has_its_urdu_address_or_venue(app):
    """Clinics, institutions and sections get an Urdu address / venue built from the English one: no
    English letter left in it (every street, town and district known), and the same for the same seed."""
    import re

    full_seed("small", 5)
    db.session.commit()
    rows = [tuple(r) for r in db.session.execute(select(Clinic.address, Clinic.address_ur).order_by(Clinic.id))]
    if education_available():
        from portal.education.models import Institution, Section

        rows += db.session.execute(select(Institution.address, Institution.address_ur).order_by(Institution.id)).all()
        rows += db.session.execute(select(Section.venue, Section.venue_ur).order_by(Section.id)).all()
    assert rows and all(urdu and not re.search(r"[A-Za-z]", urdu) for _english, urdu in rows), [
        r for r in rows if not r[1] or re.search(r"[A-Za-z]", r[1])
    ]
    assert ("Hospital Road, Anarkali, Lahore", "ہسپتال روڈ، انارکلی، لاہور") in rows
    assert ("G.T. Road, Gujar Khan", "جی ٹی روڈ، گوجر خان") in rows
    if education_available():
        assert ("Room 4, Rawalpindi IT Skills Centre", "کمرہ 4، راولپنڈی آئی ٹی اسکلز سینٹر") in rows
    reset_demo_data()
    db.session.commit()
    full_seed("small", 5)
    db.session.commit()
    again = [tuple(r) for r in db.session.execute(select(Clinic.address, Clinic.address_ur).order_by(Clinic.name))]
    assert sorted(again) == sorted(r for r in rows[: len(again)])


def test_every_demo_cohort_has_its_urdu_name_and_cancelled_appointments_their_urdu_reason(app):
    """Sections get an Urdu name, and appointments cancelled with a reason an Urdu one beside it, by
    look-up from the English (no English letter left in it); the same for the same seed."""
    import re

    from portal.demo.data import CANCEL_REASONS_UR, SECTION_NAMES_UR

    def demo_texts():
        rows = [
            tuple(r)
            for r in db.session.execute(
                select(Appointment.cancelled_reason, Appointment.cancelled_reason_ur)
                .where(Appointment.cancelled_reason.is_not(None))
                .distinct()
            )
        ]
        assert rows and all(CANCEL_REASONS_UR[english] == urdu for english, urdu in rows), rows
        if education_available():
            from portal.education.models import Section

            names = db.session.execute(select(Section.name, Section.name_ur).order_by(Section.id)).all()
            assert names and all(SECTION_NAMES_UR[english] == urdu for english, urdu in names), names
            rows += [tuple(r) for r in names]
        assert not [urdu for _english, urdu in rows if re.search(r"[A-Za-z]", urdu)]
        return sorted(set(rows))

    full_seed("small", 5)
    db.session.commit()
    first = demo_texts()
    reset_demo_data()
    db.session.commit()
    full_seed("small", 5)
    db.session.commit()
    assert demo_texts() == first


def test_every_demo_doctor_has_a_name_in_urdu_letters(app):
    """Each service's doctor or practitioner gets the Urdu spelling beside the English one, by look-up
    (no English letter left in it), the hand-written clinics' and the generated ones' alike."""
    import re

    from portal.demo.data import PRACTITIONERS_UR

    full_seed("small", 5)
    db.session.commit()
    rows = db.session.execute(
        select(Service.practitioner, Service.practitioner_ur).where(Service.practitioner.is_not(None)).distinct()
    ).all()
    assert len(rows) > 5 and all(PRACTITIONERS_UR[english] == urdu for english, urdu in rows), rows
    assert not [urdu for _english, urdu in rows if re.search(r"[A-Za-z]", urdu)]
    assert ("Dr. Sana Javed", "ڈاکٹر ثنا جاوید") in [tuple(r) for r in rows]  # Mayo Hospital's General OPD
