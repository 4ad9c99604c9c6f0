"""Service-layer rules of the clinic admin side: scope, status transitions, walk-ins, schedules, counts."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent, User
from portal.extensions import db
from portal.health import admin, services
from portal.health.errors import (
    InvalidSchedule,
    NotCancellable,
    ScheduleConflict,
    SlotFull,
    WrongArrivalCode,
    WrongStatus,
)
from portal.health.models import Appointment, Closure, Slot
from portal.notifications.models import Message
from tests.health.conftest import MONDAY, TUESDAY, karachi

pytestmark = pytest.mark.usefixtures("request_ctx")


@pytest.fixture
def clinic_admin(make_service, make_user):
    service = make_service()
    return service, make_user(roles=[("clinic_admin", service.clinic_id)])


def test_scope_lookups_refuse_other_clinics(clinic_admin, make_service, citizen):
    service, staff = clinic_admin
    other = make_service(name="Other")  # a new clinic
    booking = services.book_slot(citizen, other.id, karachi(TUESDAY, 9))
    db.session.commit()
    with pytest.raises(NotFound):
        admin.clinic_for_admin(staff, other.clinic_id)
    with pytest.raises(NotFound):
        admin.service_for_admin(staff, other.id)
    with pytest.raises(NotFound):
        admin.appointment_for_admin(staff, booking.id)
    with pytest.raises(NotFound):
        admin.set_status(staff, booking.id, "no_show")
    assert admin.admin_clinics(staff) == [service.clinic]


def test_status_transitions(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "seen")  # must arrive first
    with pytest.raises(WrongArrivalCode):
        admin.set_status(staff, booking.id, "arrived", "XXXX")
    admin.set_status(staff, booking.id, "arrived", f" {booking.arrival_code.lower()} ")
    admin.set_status(staff, booking.id, "seen")
    db.session.commit()
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "no_show")
    with pytest.raises(NotCancellable):
        admin.admin_cancel(staff, booking.id, "late")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"health.appointment.arrived", "health.appointment.seen"} <= actions


def test_future_appointment_cannot_be_checked_in_or_marked_no_show(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "no_show")


def test_walk_in_reuses_known_person_and_minimal_record_can_register_later(clinic_admin, citizen):
    from portal.auth import services as auth_services

    service, staff = clinic_admin
    known = admin.register_walk_in(staff, service.clinic, service.id, citizen.cnic, None, None, "queue")
    assert known.user_id == citizen.id and known.queue_number == 1
    new = admin.register_walk_in(
        staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", "+923001234568", "queue"
    )
    db.session.commit()
    assert new.queue_number == 2
    person = db.session.get(User, new.user_id)
    assert person.password_hash is None
    auth_services.register(
        auth_services.Registration(
            full_name="Nasreen Bibi",
            cnic="3740522222221",
            mobile="+923001234568",
            email=None,
            date_of_birth=date(1970, 1, 1),
            gender="female",
            district="Rawalpindi",
            password="Saffron-field-70",
        )
    )
    db.session.commit()
    assert db.session.scalar(select(func.count(User.id)).where(User.cnic == "3740522222221")) == 1


def test_walk_in_records_the_mobile_on_a_counter_record_but_never_on_an_account(clinic_admin, citizen):
    service, staff = clinic_admin
    first = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "queue")
    db.session.commit()
    person = db.session.get(User, first.user_id)
    assert person.mobile is None
    admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", None, "+923001234568", "queue")
    admin.register_walk_in(staff, service.clinic, service.id, citizen.cnic, None, "+923339999999", "queue")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, person.id).mobile == "+923001234568"
    assert db.session.get(User, citizen.id).mobile == "+923001112233"
    recorded = db.session.scalars(
        select(AuditEvent.target_id).where(AuditEvent.action == "health.walk_in.mobile_recorded")
    ).all()
    assert recorded == [str(person.id)]


def test_validate_hours_rules():
    with pytest.raises(InvalidSchedule):
        admin.validate_hours(time(10), time(10), None, None)
    with pytest.raises(InvalidSchedule):
        admin.validate_hours(time(9), time(13), time(12), time(11))
    with pytest.raises(InvalidSchedule):
        admin.validate_hours(time(9), time(13), time(12), time(13))  # break must end before closing
    admin.validate_hours(time(9), time(13), time(11), time(11, 30))


def test_overlapping_hours_refused_but_adjacent_allowed(clinic_admin):
    service, staff = clinic_admin
    with pytest.raises(InvalidSchedule):
        admin.save_hours(staff, service, None, 1, time(12), time(14))
    db.session.rollback()
    admin.save_hours(staff, service, None, 1, time(13), time(15))  # starts as the other closes


def test_closure_conflict_lists_then_cancels(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    with pytest.raises(ScheduleConflict) as info:
        admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY, "Strike")
    assert [a.reference for a in info.value.affected] == [booking.reference]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY, "Strike", confirm=True)
    db.session.commit()
    assert booking.status == "cancelled" and booking.slot.booked == 0


def test_closure_tells_each_person_its_reason(clinic_admin, citizen, make_user):
    service, staff = clinic_admin
    reason = "Public holiday (Pakistan Day)"
    reader = make_user(preferred_language="ur")
    bookings = [services.book_slot(person, service.id, karachi(TUESDAY, 9)) for person in (citizen, reader)]
    db.session.commit()
    admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY, f" {reason} ", confirm=True)
    db.session.commit()
    assert [b.cancelled_reason for b in bookings] == [reason, reason]
    told = dict(
        db.session.execute(
            select(Message.user_id, Message.body).where(
                Message.subject.in_(["Appointment cancelled by the clinic", "کلینک نے اپائنٹمنٹ منسوخ کر دی"]),
                Message.channel == "sms",
            )
        ).all()
    )
    assert f"because the clinic is closed: {reason}." in told[citizen.id]
    assert f"کلینک بند ہے — {reason}" in told[reader.id]
    cancelled = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "health.appointment.cancelled")
    ).all()
    assert [d["reason"] for d in cancelled] == [reason, reason]


def test_closure_of_one_service_says_that_service_is_closed(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    admin.add_closure(staff, service.clinic, service.id, TUESDAY, TUESDAY, "Doctor on leave", confirm=True)
    db.session.commit()
    body = db.session.scalar(select(Message.body).where(Message.subject == "Appointment cancelled by the clinic"))
    assert "because this service is closed: Doctor on leave." in body
    assert booking.cancelled_reason == "Doctor on leave"


def test_changed_hours_still_say_the_schedule_changed(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 12))
    db.session.commit()
    tuesday_hours = next(h for h in service.hours if h.weekday == TUESDAY.weekday())
    admin.save_hours(staff, service, tuesday_hours, TUESDAY.weekday(), time(9), time(11), confirm=True)
    db.session.commit()
    body = db.session.scalar(select(Message.body).where(Message.subject == "Appointment cancelled by the clinic"))
    assert "because the clinic changed its schedule." in body
    assert booking.cancelled_reason == "The clinic changed its schedule"
    details = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "health.appointment.cancelled"))
    assert details["reason"] == "schedule change"


def _service_data(service, **changes) -> dict:
    return {name: getattr(service, name) for name in admin.SERVICE_FIELDS} | changes


def _slot_counts(appointment: Appointment) -> tuple[int, int]:
    slot = db.session.get(Slot, appointment.slot_id)
    db.session.refresh(slot)
    return slot.capacity, slot.booked


def test_fewer_places_keep_those_booked_and_shrink_as_they_cancel(clinic_admin, citizen, make_user):
    service, staff = clinic_admin  # two places per slot
    at = karachi(TUESDAY, 9, 30)
    other = make_user()
    first, second = (services.book_slot(person, service.id, at) for person in (citizen, other))
    db.session.commit()
    admin.save_service(staff, service.clinic, service, _service_data(service, places_per_slot=1))
    db.session.commit()
    assert _slot_counts(first) == (2, 2)  # both keep their appointment; the slot is full

    services.cancel(citizen, first.reference)
    db.session.commit()
    assert _slot_counts(first) == (1, 1)  # down to the one place the service now offers, taken
    with pytest.raises(SlotFull):
        services.book_slot(make_user(), service.id, at)
    db.session.rollback()

    services.cancel(other, second.reference)
    db.session.commit()
    assert _slot_counts(first) == (1, 0)
    services.book_slot(make_user(), service.id, at)
    db.session.commit()
    with pytest.raises(SlotFull):
        services.book_slot(make_user(), service.id, at)
    db.session.rollback()
    assert _slot_counts(first) == (1, 1)


def test_more_places_open_future_slots_at_once(clinic_admin, citizen, make_user):
    service, staff = clinic_admin
    at = karachi(TUESDAY, 9, 30)
    first = services.book_slot(citizen, service.id, at)
    services.book_slot(make_user(), service.id, at)
    db.session.commit()
    admin.save_service(staff, service.clinic, service, _service_data(service, places_per_slot=3))
    db.session.commit()
    assert _slot_counts(first) == (3, 2)
    services.book_slot(make_user(), service.id, at)
    db.session.commit()
    assert _slot_counts(first) == (3, 3)


def test_counts_subtract_closures(clinic_admin):
    service, staff = clinic_admin
    assert admin.counts(service.clinic, TUESDAY, TUESDAY).places == 14
    db.session.add(Closure(clinic_id=service.clinic_id, start_date=TUESDAY, end_date=TUESDAY, reason="x"))
    db.session.commit()
    assert admin.counts(service.clinic, TUESDAY, TUESDAY).places == 0
    assert admin.counts(service.clinic, TUESDAY, TUESDAY).utilisation == 0.0
