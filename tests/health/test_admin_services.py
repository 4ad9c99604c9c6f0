"""Service-layer rules of the clinic admin side: scope, status transitions, walk-ins, schedules, counts."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent, User
from portal.extensions import db
from portal.health import admin, services
from portal.health.errors import (
    AlreadyHereToday,
    DomainError,
    InvalidSchedule,
    NoPlaceToday,
    NotCancellable,
    ScheduleConflict,
    ServiceClosedToday,
    SlotFull,
    WrongArrivalCode,
    WrongStatus,
)
from portal.health.models import Appointment, Clinic, Closure, Service, Slot
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


def test_someone_who_lost_the_arrival_code_is_checked_in_with_the_cnic_on_their_card(clinic_admin, citizen, make_user):
    service, staff = clinic_admin
    mine = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    child = citizen.dependants[0]
    child.id_number = "3520299999991"
    for_child = services.book_slot(citizen, service.id, karachi(MONDAY, 12, 30), dependant_id=child.id)
    stranger = make_user(full_name="Someone Else")
    db.session.commit()
    # Another person's CNIC, the child's B-form on the mother's booking, or digits that are not a CNIC
    # check no one in.
    for wrong, booking in ((stranger.cnic, mine), ("3520299999991", mine), ("12345", for_child)):
        with pytest.raises(WrongArrivalCode) as refused:
            admin.set_status(staff, booking.id, "arrived", wrong)
        assert refused.value.field == "arrival_code"
        db.session.rollback()
    cnic = citizen.cnic
    admin.set_status(staff, mine.id, "arrived", f"{cnic[:5]}-{cnic[5:12]}-{cnic[12]}")
    # The child's own B-form, or the parent who booked, checks the child in.
    admin.set_status(staff, for_child.id, "arrived", "35202-9999999-1")
    db.session.commit()
    assert mine.status == for_child.status == "arrived"
    shown = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "health.appointment.arrived").order_by(AuditEvent.id)
    ).all()
    assert [d["checked_with"] for d in shown] == ["cnic", "cnic"]


def test_the_arrival_code_is_recorded_as_what_was_shown(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    shown = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "health.appointment.arrived"))
    assert shown["checked_with"] == "code"


def test_future_appointment_cannot_be_checked_in_or_marked_no_show(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "no_show")


def test_no_show_only_once_the_time_has_passed(app, clinic_admin, citizen):
    service, staff = clinic_admin  # the clock: Monday 09:00
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    assert not admin.no_show_allowed(booking)
    with pytest.raises(WrongStatus, match="once its time has passed"):
        admin.set_status(staff, booking.id, "no_show")
    db.session.rollback()
    app.config["FIXED_NOW"] = karachi(MONDAY, 11, 59).isoformat()
    assert not admin.no_show_allowed(booking)
    app.config["FIXED_NOW"] = karachi(MONDAY, 12).isoformat()
    assert admin.no_show_allowed(booking)
    admin.set_status(staff, booking.id, "no_show")
    db.session.commit()
    assert booking.status == "no_show" and not admin.no_show_allowed(booking)


def test_a_no_show_who_comes_late_that_day_is_checked_in_with_the_code(app, clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 30).isoformat()
    admin.set_status(staff, booking.id, "no_show")
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 50).isoformat()
    with pytest.raises(WrongArrivalCode) as wrong:
        admin.set_status(staff, booking.id, "arrived", "ZZZZ")
    assert wrong.value.field == "arrival_code"
    db.session.rollback()
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    assert booking.status == "arrived" and booking.arrived_at == karachi(MONDAY, 12, 50)
    arrived = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "health.appointment.arrived"))
    assert arrived["previous"] == "no_show"


def test_a_no_show_cannot_be_checked_in_on_a_later_day(app, clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(MONDAY, 13).isoformat()
    admin.set_status(staff, booking.id, "no_show")
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()
    with pytest.raises(WrongStatus):
        admin.set_status(staff, booking.id, "arrived", booking.arrival_code)


def test_walk_in_refused_for_a_service_without_hours_today(clinic_admin, make_service):
    service, staff = clinic_admin
    tuesdays_only = make_service(clinic=service.clinic, name="Dental", hours=[(TUESDAY.weekday(), time(9), time(13))])
    for mode in ("queue", "slot"):
        with pytest.raises(ServiceClosedToday) as refused:
            admin.register_walk_in(staff, service.clinic, tuesdays_only.id, "3740522222221", "Nasreen Bibi", None, mode)
        assert refused.value.field == "service_id"
        db.session.rollback()
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
    assert db.session.scalar(select(func.count(User.id)).where(User.cnic == "3740522222221")) == 0


def test_walk_in_refused_for_a_service_closed_today(clinic_admin):
    service, staff = clinic_admin
    db.session.add(Closure(clinic_id=service.clinic_id, start_date=MONDAY, end_date=MONDAY, reason="Strike"))
    db.session.commit()
    for mode in ("queue", "slot"):
        with pytest.raises(ServiceClosedToday):
            admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, mode)
        db.session.rollback()
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_walk_in_when_todays_times_are_gone_points_to_a_queue_token(app, clinic_admin):
    service, staff = clinic_admin
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 45).isoformat()  # the last time (12:30) is under way
    for cnic in ("3740522222222", "3740522222223"):  # its two places taken
        admin.register_walk_in(staff, service.clinic, service.id, cnic, "Walk In", None, "slot")
    db.session.commit()
    with pytest.raises(NoPlaceToday) as full:
        admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "slot")
    assert full.value.field == "mode"
    db.session.rollback()
    token = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "queue")
    assert token.queue_number == 1


def test_no_queue_token_after_the_service_has_closed_for_the_day(app, clinic_admin):
    """Open 09:00-13:00 with 30-minute times: the last one ends at 13:00. A token given after that sent the
    person to a closed counter; the counter is told the service has closed, at the service."""
    service, staff = clinic_admin
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 59).isoformat()
    token = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "queue")
    assert token.queue_number == 1
    db.session.commit()
    for at in (karachi(MONDAY, 13), karachi(MONDAY, 20)):
        app.config["FIXED_NOW"] = at.isoformat()
        for mode in ("queue", "slot"):
            with pytest.raises(DomainError, match="closed for today: its last appointment time ended at 1:00") as late:
                admin.register_walk_in(staff, service.clinic, service.id, "3740522222229", "Late Comer", None, mode)
            assert late.value.field == "service_id"
            db.session.rollback()
    assert db.session.scalar(select(func.count(Appointment.id))) == 1
    assert db.session.scalar(select(func.count(User.id)).where(User.cnic == "3740522222229")) == 0


def test_walk_in_errors_name_their_field(clinic_admin):
    service, staff = clinic_admin
    with pytest.raises(DomainError) as bad_cnic:
        admin.register_walk_in(staff, service.clinic, service.id, "12345", None, None, "queue")
    with pytest.raises(DomainError) as no_name:
        admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", " ", None, "queue")
    assert (bad_cnic.value.field, no_name.value.field) == ("cnic", "full_name")


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
    admin.set_status(staff, first.id, "seen")  # back later that day: a new token, not a duplicate
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


def test_a_second_walk_in_for_the_same_service_the_same_day_is_refused_naming_the_first(clinic_admin, make_service):
    service, staff = clinic_admin
    dental = make_service(clinic=service.clinic, name="Dental")
    first = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "queue")
    db.session.commit()
    for mode in ("queue", "slot"):
        with pytest.raises(AlreadyHereToday) as refused:
            admin.register_walk_in(staff, service.clinic, service.id, "37405-2222222-1", None, None, mode)
        db.session.rollback()
        assert refused.value.field == "cnic"
        assert str(refused.value) == (
            f"Nasreen Bibi already has queue token 1 for this service today ({first.reference}). "
            "A second token was not given: find them on today's list."
        )
    assert db.session.scalar(select(func.count(Appointment.id))) == 1
    # another service the same day is a visit of its own
    again = admin.register_walk_in(staff, service.clinic, dental.id, "3740522222221", None, None, "queue")
    assert again.queue_number == 2
    # a place taken at a time is named by its time
    timed = admin.register_walk_in(staff, service.clinic, dental.id, "3740533333331", "Bashir Ahmed", None, "slot")
    db.session.commit()
    with pytest.raises(AlreadyHereToday, match=r"already registered for this service today at 9:00\u202fAM"):
        admin.register_walk_in(staff, service.clinic, dental.id, "3740533333331", None, None, "queue")
    db.session.rollback()
    # once seen (or cancelled), the person may be registered again: they came back later
    admin.set_status(staff, timed.id, "seen")
    db.session.commit()
    assert admin.register_walk_in(staff, service.clinic, dental.id, "3740533333331", None, None, "queue").walk_in


def test_a_walk_in_for_someone_booked_today_says_to_check_them_in_instead(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    with pytest.raises(AlreadyHereToday) as refused:
        admin.register_walk_in(staff, service.clinic, service.id, citizen.cnic, None, None, "queue")
    assert str(refused.value) == (
        f"Ayesha Khan already has an appointment for this service today at 12:00\u202fPM ({booking.reference}). "
        "Nothing was registered: check them in on today's list with their arrival code or CNIC."
    )
    db.session.rollback()
    # a family member's booking is theirs, not the account holder's
    services.cancel(citizen, booking.reference)
    services.book_slot(citizen, service.id, karachi(MONDAY, 12), dependant_id=citizen.dependants[0].id)
    db.session.commit()
    assert admin.register_walk_in(staff, service.clinic, service.id, citizen.cnic, None, None, "queue").walk_in


def test_a_walk_in_registered_by_mistake_is_cancelled_without_a_message(clinic_admin):
    service, staff = clinic_admin
    walk_in = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "slot")
    db.session.commit()
    assert db.session.get(Slot, walk_in.slot_id).booked == 1
    admin.admin_cancel(staff, walk_in.id, " Registered twice ")
    db.session.commit()
    assert (walk_in.status, walk_in.cancelled_reason) == ("cancelled", "Registered twice")
    assert db.session.get(Slot, walk_in.slot_id).booked == 0
    assert db.session.scalar(select(func.count(Message.id))) == 0
    # one already seen stays seen
    seen = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", None, None, "queue")
    admin.set_status(staff, seen.id, "seen")
    db.session.commit()
    with pytest.raises(NotCancellable):
        admin.admin_cancel(staff, seen.id, "Oops")


def test_validate_hours_rules():
    cases = [
        ((time(10), time(10), None, None), "end"),
        ((time(9), time(13), time(12), time(11)), "break_end"),
        ((time(9), time(13), time(12), time(13)), "break_end"),  # break must end before closing
        ((time(9), time(13), time(8), time(10)), "break_start"),
        ((time(9), time(13), time(11), None), "break_end"),  # half a break: shown at the empty one
        ((time(9), time(13), None, time(11)), "break_start"),
    ]
    for args, field in cases:
        with pytest.raises(InvalidSchedule) as refused:
            admin.validate_hours(*args)
        assert refused.value.field == field, args
    admin.validate_hours(time(9), time(13), time(11), time(11, 30))


def test_overlapping_hours_refused_but_adjacent_allowed(clinic_admin):
    service, staff = clinic_admin
    with pytest.raises(InvalidSchedule) as overlap:
        admin.save_hours(staff, service, None, 1, time(12), time(14))
    assert overlap.value.field == "start" and "09:00–13:00" in str(overlap.value)
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


def test_a_confirmation_covers_only_the_appointments_the_admin_reviewed(clinic_admin, citizen):
    """The admin reviewed Tuesday's booking, then widened the closure to Wednesday before confirming:
    Wednesday's booking was never shown, so nothing is cancelled and the whole new list is asked for."""
    service, staff = clinic_admin
    wednesday = TUESDAY + timedelta(days=1)
    tuesday_booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    wednesday_booking = services.book_slot(citizen, service.id, karachi(wednesday, 10), citizen.dependants[0].id)
    db.session.commit()
    with pytest.raises(ScheduleConflict) as shown:
        admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY, "Strike")
    reviewed = {a.id for a in shown.value.affected}
    db.session.rollback()

    with pytest.raises(ScheduleConflict) as again:
        admin.add_closure(staff, service.clinic, None, TUESDAY, wednesday, "Strike", confirm=True, reviewed=reviewed)
    assert again.value.unseen == 1
    assert [a.reference for a in again.value.affected] == [tuesday_booking.reference, wednesday_booking.reference]
    assert "not in the list you reviewed (new in the list: 1)" in str(again.value)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    assert {tuesday_booking.status, wednesday_booking.status} == {"booked"}
    told = select(func.count(Message.id)).where(Message.subject == "Appointment cancelled by the clinic")
    assert db.session.scalar(told) == 0

    added = admin.add_closure(
        staff,
        service.clinic,
        None,
        TUESDAY,
        wednesday,
        "Strike",
        confirm=True,
        reviewed={a.id for a in again.value.affected},
    )
    db.session.commit()
    assert len(added.cancelled) == 2 and {tuesday_booking.status, wednesday_booking.status} == {"cancelled"}


def test_hours_removal_confirmed_before_a_new_booking_asks_again(clinic_admin, citizen):
    """A booking made while the admin read the list is not cancelled by their tick."""
    service, staff = clinic_admin
    tuesday_hours = next(h for h in service.hours if h.weekday == TUESDAY.weekday())
    first = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    with pytest.raises(ScheduleConflict) as shown:
        admin.delete_hours(staff, tuesday_hours)
    reviewed = {a.id for a in shown.value.affected}
    db.session.rollback()
    meanwhile = services.book_slot(citizen, service.id, karachi(TUESDAY, 10), citizen.dependants[0].id)
    db.session.commit()
    with pytest.raises(ScheduleConflict) as again:
        admin.delete_hours(staff, tuesday_hours, confirm=True, reviewed=reviewed)
    assert again.value.unseen == 1 and meanwhile.reference in [a.reference for a in again.value.affected]
    db.session.rollback()
    assert {first.status, meanwhile.status} == {"booked"}


def test_closure_returns_the_appointments_it_cancelled(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    added = admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY, "Strike", confirm=True)
    assert [a.reference for a in added.cancelled] == [booking.reference]
    assert added.closure.reason == "Strike"
    quiet = admin.add_closure(
        staff, service.clinic, None, TUESDAY + timedelta(days=7), TUESDAY + timedelta(days=7), "Eid"
    )
    assert quiet.cancelled == []


def test_closure_already_over_is_refused_at_its_last_day(clinic_admin):
    service, staff = clinic_admin  # today is Monday 2 March 2026
    with pytest.raises(InvalidSchedule, match="already over") as refused:
        admin.add_closure(staff, service.clinic, None, date(2025, 1, 1), date(2025, 1, 5), "Old closure")
    assert refused.value.field == "end_date"
    db.session.rollback()
    with pytest.raises(InvalidSchedule, match="already over"):
        admin.add_closure(staff, service.clinic, None, MONDAY - timedelta(days=3), MONDAY - timedelta(days=1), "x")
    db.session.rollback()
    # one that began earlier and still runs today is kept, and shown
    admin.add_closure(staff, service.clinic, None, MONDAY - timedelta(days=3), MONDAY, "Flood")
    db.session.commit()
    assert [c.reason for c in admin.clinic_closures(service.clinic)] == ["Flood"]


def test_closure_longer_than_a_year_is_refused(clinic_admin):
    service, staff = clinic_admin
    with pytest.raises(InvalidSchedule, match="at most 366 days") as refused:
        admin.add_closure(staff, service.clinic, None, date(2026, 12, 20), date(2126, 12, 20), "Century")
    assert refused.value.field == "end_date"
    db.session.rollback()
    with pytest.raises(InvalidSchedule):
        admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY + timedelta(days=366), "Too long")
    db.session.rollback()
    admin.add_closure(staff, service.clinic, None, TUESDAY, TUESDAY + timedelta(days=365), "A year", confirm=True)


def test_closure_starting_more_than_a_year_ahead_is_refused(clinic_admin):
    service, staff = clinic_admin  # today is Monday 2 March 2026
    with pytest.raises(InvalidSchedule, match="at most one year ahead") as refused:
        admin.add_closure(staff, service.clinic, None, date(2099, 1, 1), date(2099, 12, 31), "All of 2099")
    assert refused.value.field == "start_date"
    db.session.rollback()
    with pytest.raises(InvalidSchedule, match="at most one year ahead"):
        admin.add_closure(staff, service.clinic, None, date(2027, 3, 4), date(2027, 3, 4), "A day too far")
    db.session.rollback()
    admin.add_closure(staff, service.clinic, None, date(2027, 3, 3), date(2027, 3, 3), "A year ahead")


def test_overlapping_closure_of_the_same_clinic_or_service_is_refused(clinic_admin, make_service):
    service, staff = clinic_admin
    other = make_service(clinic=service.clinic, name="Dental")
    clinic = service.clinic
    admin.add_closure(staff, clinic, None, date(2026, 3, 20), date(2026, 3, 22), "Eid")
    admin.add_closure(staff, clinic, service.id, date(2026, 3, 10), date(2026, 3, 12), "Doctor on leave")
    db.session.commit()
    for service_id, first, last in (
        (None, date(2026, 3, 20), date(2026, 3, 22)),  # the same closure twice
        (None, date(2026, 3, 22), date(2026, 3, 25)),  # sharing a day
        (None, date(2026, 3, 15), date(2026, 3, 30)),  # around it
        (service.id, date(2026, 3, 12), date(2026, 3, 12)),
    ):
        with pytest.raises(InvalidSchedule, match="overlap the closure already set") as refused:
            admin.add_closure(staff, clinic, service_id, first, last, "Again")
        assert refused.value.field == "start_date"
        db.session.rollback()
    # another service, or the day after, is a different closure
    admin.add_closure(staff, clinic, other.id, date(2026, 3, 10), date(2026, 3, 12), "Dentist on leave")
    admin.add_closure(staff, clinic, None, date(2026, 3, 23), date(2026, 3, 23), "Strike")
    db.session.commit()
    assert db.session.scalar(select(func.count(Closure.id))) == 4


def test_export_shows_the_account_holders_cnic_for_a_family_member_as_the_daily_list_does(clinic_admin, citizen):
    service, staff = clinic_admin
    citizen.dependants[0].id_number = "3520277777771"
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9), dependant_id=citizen.dependants[0].id)
    services.book_slot(citizen, service.id, karachi(TUESDAY, 10))
    db.session.commit()
    rows = [
        dict(zip(admin.EXPORT_HEADER, row, strict=True)) for row in admin.export_rows(service.clinic, TUESDAY, TUESDAY)
    ]
    holder = f"{citizen.cnic[:5]}-•••••{citizen.cnic[10:12]}-{citizen.cnic[12]}"
    assert [(r["name"], r["cnic"], r["booked_by"]) for r in rows] == [
        ("Hamza Khan", holder, "Ayesha Khan"),
        ("Ayesha Khan", holder, ""),
    ]


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
    assert told[citizen.id].endswith(f"Reason: The clinic is closed - {reason}")
    assert told[reader.id].endswith(f"وجہ: کلینک بند ہے — {reason}")
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
    assert body.endswith("Reason: This service is closed - Doctor on leave")
    assert booking.cancelled_reason == "Doctor on leave"


def test_changed_hours_still_say_the_schedule_changed(clinic_admin, citizen):
    service, staff = clinic_admin
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 12))
    db.session.commit()
    tuesday_hours = next(h for h in service.hours if h.weekday == TUESDAY.weekday())
    admin.save_hours(staff, service, tuesday_hours, TUESDAY.weekday(), time(9), time(11), confirm=True)
    db.session.commit()
    body = db.session.scalar(select(Message.body).where(Message.subject == "Appointment cancelled by the clinic"))
    assert body.endswith("Reason: The clinic changed its schedule")
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


def _updates(action: str) -> list[dict]:
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [event.details for event in events]


def test_a_service_saved_as_it_was_writes_no_audit_line_and_a_change_names_its_fields(clinic_admin):
    """The audit log says what an edit changed; opening the form and pressing Save is no event. The
    service comes in expired by a commit, as in a request (and on SQLite begin_write rolls back)."""
    service, staff = clinic_admin
    db.session.commit()
    admin.save_service(staff, service.clinic, service, _service_data(service))
    db.session.commit()
    assert _updates("health.service.updated") == []
    admin.save_service(staff, service.clinic, service, _service_data(service, places_per_slot=5, practitioner="Dr. A"))
    db.session.commit()
    assert _updates("health.service.updated") == [{"changed": ["places_per_slot", "practitioner"]}]
    admin.save_service(staff, service.clinic, service, _service_data(service), active=False)
    db.session.commit()
    assert _updates("health.service.updated")[-1] == {"changed": ["active"]}
    assert db.session.get(type(service), service.id).places_per_slot == 5  # the change itself was saved


def test_a_clinic_saved_as_it_was_writes_no_audit_line_and_a_change_names_its_fields(clinic_admin):
    service, staff = clinic_admin
    clinic = service.clinic
    same = {name: getattr(clinic, name) for name in admin.CLINIC_FIELDS}
    db.session.commit()
    admin.save_clinic(staff, clinic, same)
    db.session.commit()
    assert _updates("health.clinic.updated") == []
    admin.save_clinic(staff, clinic, same | {"phone": "+924299211100"})
    db.session.commit()
    assert _updates("health.clinic.updated") == [{"active": True, "changed": ["phone"]}]


def _clinic_data(clinic, **changes) -> dict:
    return {name: getattr(clinic, name) for name in admin.CLINIC_FIELDS} | changes


def test_a_service_name_already_used_in_the_clinic_is_refused_at_the_name(clinic_admin, make_service):
    service, staff = clinic_admin  # "General OPD"
    dental = make_service(clinic=service.clinic, name="Dental", active=False)
    for name in ("General OPD", "  general opd ", "General  OPD", "DENTAL"):  # case and spaces aside
        with pytest.raises(DomainError, match="already has a service called") as refused:
            admin.save_service(staff, service.clinic, None, _service_data(service, name=name))
        assert refused.value.field == "name"
        db.session.rollback()
    with pytest.raises(DomainError, match="already has a service called “Dental”"):
        admin.save_service(staff, service.clinic, service, _service_data(service, name="Dental"))
    db.session.rollback()
    # its own name, saved again, and the same name in another clinic are fine
    admin.save_service(staff, service.clinic, service, _service_data(service, name="General OPD ", horizon_days=7))
    other = make_service(name="Eye")
    admin.save_service(staff, other.clinic, None, _service_data(service, name="Dental"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Service.name == "Dental")) == 2
    assert dental.name == "Dental"


def test_a_clinic_name_already_used_in_the_district_is_refused_at_the_name(clinic_admin):
    service, staff = clinic_admin  # "Mayo Hospital OPD", Lahore
    clinic = service.clinic
    with pytest.raises(DomainError, match="already a clinic called “mayo hospital opd” in this district") as refused:
        admin.save_clinic(staff, None, _clinic_data(clinic, name=" mayo hospital opd"))
    assert refused.value.field == "name"
    db.session.rollback()
    other = admin.save_clinic(staff, None, _clinic_data(clinic, name="Mayo Hospital OPD", district="Rawalpindi"))
    db.session.commit()
    with pytest.raises(DomainError, match="already a clinic called"):
        admin.save_clinic(staff, other.record, _clinic_data(other.record, district="Lahore"))
    db.session.rollback()
    admin.save_clinic(staff, clinic, _clinic_data(clinic, phone="042 99211101"))  # its own name
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Clinic.name == "Mayo Hospital OPD")) == 2


def test_a_removed_closure_keeps_its_days_and_reason_in_its_audit_event(clinic_admin):
    """Once removed, the closure's row is gone: its audit event is all that says which days it closed and why."""
    service, staff = clinic_admin
    whole = admin.add_closure(
        staff, service.clinic, None, TUESDAY, TUESDAY + timedelta(days=2), " Eid holidays ", reason_ur="عید کی چھٹیاں"
    ).closure
    week_on = TUESDAY + timedelta(days=7)
    one = admin.add_closure(staff, service.clinic, service.id, week_on, week_on, "Doctor on leave").closure
    db.session.commit()
    admin.delete_closure(staff, whole, ip="10.0.0.9")
    admin.delete_closure(staff, one)
    db.session.commit()
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "health.closure.deleted").order_by(AuditEvent.id)
    ).all()
    assert [e.details for e in events] == [
        {"start": "2026-03-03", "end": "2026-03-05", "reason": "Eid holidays", "reason_ur": "عید کی چھٹیاں"},
        {"start": "2026-03-10", "end": "2026-03-10", "reason": "Doctor on leave"},  # no Urdu reason given: none kept
    ]
    assert events[0].actor_id == staff.id and events[0].ip == "10.0.0.9" and events[0].target_type == "health_closures"


def test_a_closure_already_over_cannot_be_removed(clinic_admin):
    """Its days are the clinic's record of when it was closed: removing it raised last week's places
    offered by the fourteen of the day it closed."""
    service, staff = clinic_admin
    last_week = (date(2026, 2, 23), date(2026, 3, 1))
    over = Closure(clinic_id=service.clinic_id, start_date=date(2026, 2, 25), end_date=date(2026, 2, 25), reason="x")
    ended_yesterday = Closure(
        clinic_id=service.clinic_id, start_date=date(2026, 2, 28), end_date=date(2026, 3, 1), reason="y"
    )
    db.session.add_all([over, ended_yesterday])
    db.session.commit()
    before = admin.counts(service.clinic, *last_week).places
    for closure in (over, ended_yesterday):
        with pytest.raises(DomainError, match="This closure is over, so it cannot be removed"):
            admin.delete_closure(staff, closure)
        db.session.rollback()
    assert db.session.scalar(select(func.count(Closure.id))) == 2
    assert admin.counts(service.clinic, *last_week).places == before
    assert _updates("health.closure.deleted") == []


def test_a_closure_under_way_is_ended_yesterday_and_keeps_its_past_days(clinic_admin):
    """Removing a closure that began last week opens the clinic from today on; the days already past
    stay closed (and out of the places offered)."""
    service, staff = clinic_admin
    last_week = (date(2026, 2, 23), date(2026, 3, 1))
    closure = Closure(
        clinic_id=service.clinic_id, start_date=date(2026, 2, 27), end_date=TUESDAY, reason="Strike", reason_ur="ہڑتال"
    )
    db.session.add(closure)
    db.session.commit()
    before = admin.counts(service.clinic, *last_week).places
    assert admin.counts(service.clinic, MONDAY, TUESDAY).places == 0
    assert admin.delete_closure(staff, closure, ip="10.0.0.9") == date(2026, 3, 1)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Closure, closure.id)
    assert (kept.start_date, kept.end_date) == (date(2026, 2, 27), date(2026, 3, 1))
    assert admin.counts(service.clinic, *last_week).places == before
    assert admin.counts(service.clinic, MONDAY, TUESDAY).places == 28  # open again today and tomorrow
    assert admin.clinic_closures(service.clinic) == []
    assert _updates("health.closure.ended") == [
        {"start": "2026-02-27", "end": "2026-03-01", "reason": "Strike", "reason_ur": "ہڑتال", "was_end": "2026-03-03"}
    ]
    assert _updates("health.closure.deleted") == []
    # One starting today has no day past: it is removed, as one still to come.
    today = admin.add_closure(staff, service.clinic, None, MONDAY, MONDAY, "Water cut").closure
    db.session.commit()
    assert admin.delete_closure(staff, today) is None
    db.session.commit()
    assert db.session.scalar(select(func.count(Closure.id))) == 1


def _told(person) -> list[tuple[str, str]]:
    db.session.expire_all()
    return db.session.execute(
        select(Message.subject, Message.body)
        .where(Message.user_id == person.id, Message.channel == "sms")
        .order_by(Message.id)
    ).all()[1:]  # after the booking's own message


def test_people_booked_are_told_when_the_clinic_moves(app, clinic_admin, citizen, make_user):
    """The booking message gave the old address: each person with a booking still to come is told the new
    one, in their language. A save that leaves the address as it was tells no one."""
    service, staff = clinic_admin
    clinic = service.clinic
    reader = make_user(full_name="Bilal Ahmed", preferred_language="ur")
    mine = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    services.book_slot(reader, service.id, karachi(TUESDAY, 9, 30))
    past = make_user(full_name="Seen Before")
    services.book_slot(past, service.id, karachi(MONDAY, 12))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 30).isoformat()  # past's time has gone by
    admin.save_clinic(staff, clinic, _clinic_data(clinic, phone="+924299211100"))
    db.session.commit()
    assert _told(citizen) == [] and _told(reader) == []
    moved = _clinic_data(clinic, address="New block, Jail Road, Lahore", address_ur="نیا بلاک، جیل روڈ، لاہور")
    admin.save_clinic(staff, clinic, moved)
    db.session.commit()
    ((subject, body),) = _told(citizen)
    assert subject == "Clinic address changed"
    assert body == (
        f"The address of the clinic has changed. Appointment {mine.reference} for Ayesha Khan (General OPD, "
        "Tuesday 3 March 2026, 9:00 AM) is at: Mayo Hospital OPD (New block, Jail Road, Lahore)"
    )
    ((_subject, in_urdu),) = _told(reader)
    assert "نیا بلاک، جیل روڈ، لاہور" in in_urdu and "Jail Road" not in in_urdu
    assert _told(past) == []
    # The clinic closed for bookings in the same save: those people are told of the cancellation alone.
    admin.save_clinic(staff, clinic, _clinic_data(clinic, address="Old block"), active=False, confirm=True)
    db.session.commit()
    assert [subject for subject, _body in _told(citizen)] == [
        "Clinic address changed",
        "Appointment cancelled by the clinic",
    ]


def test_hours_audit_says_the_break_and_what_the_hours_were(clinic_admin):
    """Moving only the break left an event saying 09:00-13:00, as before; a removed range said its day only."""
    service, staff = clinic_admin
    monday = next(h for h in service.hours if h.weekday == 0)
    admin.save_hours(staff, service, monday, 0, time(9), time(13), time(12), time(12, 30))
    admin.save_hours(staff, service, None, 0, time(14), time(16))
    db.session.commit()
    assert _updates("health.hours.saved") == [
        {
            "weekday": 0,
            "start": "09:00:00",
            "end": "13:00:00",
            "break_start": "12:00:00",
            "break_end": "12:30:00",
            "was_weekday": 0,
            "was_start": "09:00:00",
            "was_end": "13:00:00",
            "was_break_start": "11:00:00",
            "was_break_end": "11:30:00",
        },
        {"weekday": 0, "start": "14:00:00", "end": "16:00:00", "break_start": None, "break_end": None},
    ]
    admin.delete_hours(staff, monday)
    db.session.commit()
    assert _updates("health.hours.deleted") == [
        {"weekday": 0, "start": "09:00:00", "end": "13:00:00", "break_start": "12:00:00", "break_end": "12:30:00"}
    ]


def test_two_services_of_a_clinic_cannot_share_an_urdu_name(clinic_admin, make_service):
    service, staff = clinic_admin
    service.name_ur = "جنرل او پی ڈی"
    make_service(clinic=service.clinic, name="Dental", name_ur=None)
    db.session.commit()
    for name_ur in ("جنرل او پی ڈی", " جنرل  او پی ڈی "):
        with pytest.raises(DomainError, match="already has a service called “.+” in Urdu") as refused:
            admin.save_service(staff, service.clinic, None, _service_data(service, name="Outdoor", name_ur=name_ur))
        assert refused.value.field == "name_ur"
        db.session.rollback()
    # its own Urdu name saved again, another Urdu name, and none at all are fine
    admin.save_service(staff, service.clinic, service, _service_data(service, horizon_days=7))
    admin.save_service(staff, service.clinic, None, _service_data(service, name="Outdoor", name_ur="بیرونی مریض"))
    admin.save_service(staff, service.clinic, None, _service_data(service, name="Eye", name_ur=None))
    db.session.commit()
    assert sorted(filter(None, (s.name_ur for s in service.clinic.services))) == ["بیرونی مریض", "جنرل او پی ڈی"]


def test_a_notice_as_long_as_the_booking_horizon_is_refused_at_the_notice(clinic_admin):
    """72 hours typed for "3 days' notice" with bookings open 2 days ahead: no time could ever be booked."""
    service, staff = clinic_admin
    db.session.commit()
    for notice in (72, 48):
        with pytest.raises(DomainError, match=r"shorter than the 2 days people may book ahead \(48 hours\)") as refused:
            admin.save_service(
                staff, service.clinic, service, _service_data(service, min_notice_hours=notice, horizon_days=2)
            )
        assert refused.value.field == "min_notice_hours"
        db.session.rollback()
    admin.save_service(staff, service.clinic, service, _service_data(service, min_notice_hours=47, horizon_days=2))
    db.session.commit()
    assert (service.min_notice_hours, service.horizon_days) == (47, 2)
