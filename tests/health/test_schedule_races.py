"""A booking and a schedule change at the same moment, and other writers that meet on the same rows.

Each test holds one transaction open (a booking taken and not yet committed, or a change not yet
committed) while another thread's transaction runs, then commits: the other must either see it or
wait for it. SQLite serialises writers (BEGIN IMMEDIATE), so the second always waits there;
PostgreSQL (READ COMMITTED) does only where the portal takes row locks (the lock order is in
portal.health.services). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time as clock_time
from datetime import time

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.health import admin, services
from portal.health.errors import ClosedDay, DuplicateSubmission, NotFound, OutsideHours, SlotFull
from portal.health.models import Appointment, Clinic, Service, Slot, WeeklyHours
from tests.health.conftest import MONDAY, TUESDAY, karachi

pytestmark = pytest.mark.slow

PAUSE = 0.7  # how long the first transaction stays open once the other has started


def _in_thread(app, work, name="other"):
    """Run ``work`` in a thread with a session of its own, and commit it; returns the thread and its
    outcome ({"ok": True, "result": …} or {"error": …})."""
    outcome = {}

    def run():
        try:
            with app.app_context(), app.test_request_context():
                outcome["result"] = work()
                db.session.commit()
                outcome["ok"] = True
        except Exception as exc:  # noqa: BLE001 - reported by the test
            outcome["error"] = repr(exc)[:300]

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, outcome


def _while_a_booking_is_open(app, user, service, at, change):
    """Book ``at`` and, before committing, let ``change`` (an admin's) run in another thread for PAUSE
    seconds; then commit the booking and wait for the change."""
    with app.test_request_context():
        services.book_slot(user, service.id, at)
        thread, outcome = _in_thread(app, change)
        clock_time.sleep(PAUSE)
        db.session.commit()
    thread.join(timeout=30)
    db.session.expire_all()
    return outcome


def _while_a_change_is_open(app, change, book):
    """Make ``change`` (an admin's) and, before committing it, let ``book`` run in another thread for
    PAUSE seconds; then commit the change and wait for the booking."""
    with app.test_request_context():
        change()
        thread, outcome = _in_thread(app, book)
        clock_time.sleep(PAUSE)
        db.session.commit()
    thread.join(timeout=30)
    db.session.expire_all()
    return outcome


@pytest.fixture
def opd(make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    return service, staff


def _fields(service: Service) -> dict:
    return {name: getattr(service, name) for name in admin.SERVICE_FIELDS}


# --- a booking in flight while a change is confirmed: the change cancels it ----------------------


def test_a_closure_confirmed_while_a_booking_is_being_made_cancels_it(app, opd, citizen):
    service, staff = opd
    staff_id, clinic_id = staff.id, service.clinic_id

    def close_tuesday():
        added = admin.add_closure(
            db.session.get(User, staff_id), db.session.get(Clinic, clinic_id), None, TUESDAY, TUESDAY, "Strike",
            confirm=True,
        )  # fmt: skip
        return len(added.cancelled)

    outcome = _while_a_booking_is_open(app, citizen, service, karachi(TUESDAY, 9), close_tuesday)

    assert outcome == {"ok": True, "result": 1}, outcome
    booking = db.session.scalar(select(Appointment))
    assert (booking.status, booking.cancelled_reason) == ("cancelled", "Strike")
    assert db.session.scalar(select(Slot.booked)) == 0


def test_a_service_closed_while_a_booking_is_being_made_cancels_it(app, opd, citizen):
    service, staff = opd
    staff_id, service_id, data = staff.id, service.id, _fields(service)

    def stop_taking_appointments():
        closing = db.session.get(Service, service_id)
        saved = admin.save_service(db.session.get(User, staff_id), closing.clinic, closing, data, active=False,
                                   confirm=True)  # fmt: skip
        return len(saved.cancelled)

    outcome = _while_a_booking_is_open(app, citizen, service, karachi(TUESDAY, 9), stop_taking_appointments)

    assert outcome == {"ok": True, "result": 1}, outcome
    assert db.session.scalar(select(Appointment.status)) == "cancelled"


def test_a_clinic_closed_while_a_booking_is_being_made_cancels_it(app, opd, citizen):
    service, staff = opd
    staff_id, clinic_id = staff.id, service.clinic_id

    def close_the_clinic():
        clinic = db.session.get(Clinic, clinic_id)
        data = {name: getattr(clinic, name) for name in admin.CLINIC_FIELDS}
        return len(
            admin.save_clinic(db.session.get(User, staff_id), clinic, data, active=False, confirm=True).cancelled
        )

    outcome = _while_a_booking_is_open(app, citizen, service, karachi(TUESDAY, 9), close_the_clinic)

    assert outcome == {"ok": True, "result": 1}, outcome
    assert db.session.scalar(select(Appointment.status)) == "cancelled"


def test_hours_removed_while_a_booking_is_being_made_cancel_it(app, opd, citizen):
    service, staff = opd
    staff_id = staff.id
    tuesday_hours_id = next(h.id for h in service.hours if h.weekday == TUESDAY.weekday())

    def remove_tuesday():
        hours = db.session.get(WeeklyHours, tuesday_hours_id)
        return len(admin.delete_hours(db.session.get(User, staff_id), hours, confirm=True))

    outcome = _while_a_booking_is_open(app, citizen, service, karachi(TUESDAY, 9), remove_tuesday)

    assert outcome == {"ok": True, "result": 1}, outcome
    assert db.session.scalar(select(Appointment.status)) == "cancelled"


def test_hours_shortened_while_a_booking_is_being_made_cancel_it(app, opd, citizen):
    service, staff = opd
    staff_id, service_id = staff.id, service.id
    tuesday_hours_id = next(h.id for h in service.hours if h.weekday == TUESDAY.weekday())

    def open_at_ten():
        user, hours = db.session.get(User, staff_id), db.session.get(WeeklyHours, tuesday_hours_id)
        new = (TUESDAY.weekday(), time(10), time(13), time(11), time(11, 30))
        saved = admin.save_hours(user, db.session.get(Service, service_id), hours, *new, confirm=True)
        return len(saved.cancelled)

    outcome = _while_a_booking_is_open(app, citizen, service, karachi(TUESDAY, 9), open_at_ten)

    assert outcome == {"ok": True, "result": 1}, outcome
    assert db.session.scalar(select(Appointment.status)) == "cancelled"


def test_places_lowered_while_the_first_booking_of_a_time_is_being_made(app, make_service, make_user, citizen):
    """The slot is created by the booking (not yet committed) with the 3 places read before: the
    change must still bring it down to 1, so that no one else gets a place there."""
    service = make_service(places_per_slot=3)
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    staff_id, service_id, at = staff.id, service.id, karachi(TUESDAY, 9)
    data = {**_fields(service), "places_per_slot": 1}

    def lower_places():
        lowered = db.session.get(Service, service_id)
        admin.save_service(db.session.get(User, staff_id), lowered.clinic, lowered, data, active=True, confirm=True)

    outcome = _while_a_booking_is_open(app, citizen, service, at, lower_places)

    assert outcome.get("ok"), outcome
    assert [(s.capacity, s.booked) for s in db.session.scalars(select(Slot))] == [(1, 1)]
    with app.test_request_context(), pytest.raises(SlotFull):
        services.book_slot(make_user(), service_id, at)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Appointment.id))) == 1


# --- a change in flight while a booking is made: the booking reads the new rules ----------------


def _book(app, user_id, service_id, at):
    def book():
        try:
            return services.book_slot(db.session.get(User, user_id), service_id, at).reference
        except (ClosedDay, OutsideHours, NotFound, SlotFull) as exc:
            db.session.rollback()
            return type(exc).__name__

    return book


def test_a_booking_made_while_a_closure_is_being_confirmed_is_refused(app, opd, citizen):
    service, staff = opd
    clinic, user_id = service.clinic, citizen.id

    def close_tuesday():
        admin.add_closure(staff, clinic, None, TUESDAY, TUESDAY, "Strike", confirm=True)

    outcome = _while_a_change_is_open(app, close_tuesday, _book(app, user_id, service.id, karachi(TUESDAY, 9)))

    assert outcome == {"ok": True, "result": "ClosedDay"}, outcome
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_a_clinic_wide_closure_waits_for_a_service_being_created(app, opd):
    """A service created while a clinic-wide closure was being confirmed was not among the services the
    closure locked: given hours and booked before the closure committed, its bookings on the closed
    days stayed. The closure now waits for the new service (and locks it with the others)."""
    service, staff = opd
    staff_id, clinic_id = staff.id, service.clinic_id
    data = {**_fields(service), "name": "Eye OPD", "name_ur": "آنکھوں کی او پی ڈی"}
    finished = {}

    def close_tuesday():
        added = admin.add_closure(
            db.session.get(User, staff_id), db.session.get(Clinic, clinic_id), None, TUESDAY, TUESDAY, "Strike",
            confirm=True,
        )  # fmt: skip
        finished["at"] = clock_time.monotonic()
        return added.closure.id

    with app.test_request_context():
        admin.save_service(staff, service.clinic, None, data)
        thread, outcome = _in_thread(app, close_tuesday)
        clock_time.sleep(PAUSE)
        committed_at = clock_time.monotonic()
        db.session.commit()
    thread.join(timeout=30)

    assert outcome.get("ok"), outcome
    assert finished["at"] > committed_at  # it waited for the new service instead of missing it


def test_a_booking_made_while_hours_are_being_removed_is_refused(app, opd, citizen):
    """The booking waits for the change and then reads the service's hours as they are now (read in
    the statement that waited, they would be the hours from before the change)."""
    service, staff = opd
    tuesday = next(h for h in service.hours if h.weekday == TUESDAY.weekday())
    user_id = citizen.id

    def remove_tuesday():
        admin.delete_hours(staff, tuesday, confirm=True)

    outcome = _while_a_change_is_open(app, remove_tuesday, _book(app, user_id, service.id, karachi(TUESDAY, 9)))

    assert outcome == {"ok": True, "result": "OutsideHours"}, outcome
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_a_booking_made_while_the_clinic_is_being_closed_is_refused(app, opd, citizen):
    service, staff = opd
    clinic, user_id = service.clinic, citizen.id
    data = {name: getattr(clinic, name) for name in admin.CLINIC_FIELDS}

    def close_the_clinic():
        admin.save_clinic(staff, clinic, data, active=False, confirm=True)

    outcome = _while_a_change_is_open(app, close_the_clinic, _book(app, user_id, service.id, karachi(TUESDAY, 9)))

    assert outcome == {"ok": True, "result": "NotFound"}, outcome
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_a_booking_made_while_places_are_being_lowered_takes_the_new_number(app, make_service, make_user, citizen):
    service = make_service(places_per_slot=3)
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    data, user_id, at = {**_fields(service), "places_per_slot": 1}, citizen.id, karachi(TUESDAY, 9)

    def lower_places():
        admin.save_service(staff, service.clinic, service, data, active=True, confirm=True)

    outcome = _while_a_change_is_open(app, lower_places, _book(app, user_id, service.id, at))

    assert outcome.get("ok") and outcome["result"].startswith("H-"), outcome
    assert [(s.capacity, s.booked) for s in db.session.scalars(select(Slot))] == [(1, 1)]


def test_a_move_made_while_places_are_being_lowered_takes_the_new_number(app, make_service, make_user, citizen):
    """The move waits for the change (which holds the booking) either way; it must then read the
    service's places as they are now, not as they were when it started waiting."""
    from datetime import timedelta

    service = make_service(places_per_slot=3)
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    wednesday = TUESDAY + timedelta(days=1)
    with app.test_request_context():
        reference = services.book_slot(citizen, service.id, karachi(wednesday, 9)).reference
    db.session.commit()
    data, user_id = {**_fields(service), "places_per_slot": 1}, citizen.id

    def lower_places():
        admin.save_service(staff, service.clinic, service, data, active=True, confirm=True)

    def move_to_tuesday():
        return services.reschedule(db.session.get(User, user_id), reference, karachi(TUESDAY, 9)).starts_at

    outcome = _while_a_change_is_open(app, lower_places, move_to_tuesday)

    assert outcome == {"ok": True, "result": karachi(TUESDAY, 9)}, outcome
    slots = db.session.scalars(select(Slot).order_by(Slot.starts_at))
    assert [(s.starts_at, s.capacity, s.booked) for s in slots] == [
        (karachi(TUESDAY, 9), 1, 1),
        (karachi(wednesday, 9), 1, 0),
    ]


# --- writers that used to take the same rows in opposite orders ---------------------------------


def test_a_service_edit_and_a_cancellation_at_once_both_go_through(app, opd, citizen, monkeypatch):
    """The edit once locked every future slot of the service and then the bookings, while a person
    cancelling locks their booking and then its slot: on PostgreSQL one of them died in a deadlock."""
    service, staff = opd
    with app.test_request_context():
        reference = services.book_slot(citizen, service.id, karachi(TUESDAY, 9)).reference
    db.session.commit()
    staff_id, service_id = staff.id, service.id
    data = {**_fields(service), "practitioner": "Dr. Someone Else"}
    original_audit = admin.audit

    def slow_audit(*args, **kwargs):
        event = original_audit(*args, **kwargs)
        if threading.current_thread().name == "admin":
            clock_time.sleep(0.6)  # the cancellation starts meanwhile
        return event

    monkeypatch.setattr(admin, "audit", slow_audit)

    def edit():
        edited = db.session.get(Service, service_id)
        admin.save_service(db.session.get(User, staff_id), edited.clinic, edited, data, active=True, confirm=True)

    thread, outcome = _in_thread(app, edit, name="admin")
    clock_time.sleep(0.3)
    with app.test_request_context():
        services.cancel(citizen, reference)
        db.session.commit()
    thread.join(timeout=30)

    assert outcome.get("ok"), outcome
    db.session.expire_all()
    assert db.session.scalar(select(Appointment.status)) == "cancelled"
    assert db.session.scalar(select(Slot.booked)) == 0


def test_two_people_swapping_times_at_once_both_move(app, make_service, make_user, monkeypatch):
    """X moves 9:00 -> 9:30 while Y moves 9:30 -> 9:00: each move once took its new place and then
    freed its old one, so each held the slot the other waited for."""
    service = make_service(places_per_slot=2)
    x, y = make_user(), make_user()
    nine, half_past = karachi(TUESDAY, 9), karachi(TUESDAY, 9, 30)
    with app.test_request_context():
        ref_x = services.book_slot(x, service.id, nine).reference
        ref_y = services.book_slot(y, service.id, half_past).reference
    db.session.commit()
    original = services.release_place

    def slow_release(slot_id):
        clock_time.sleep(0.5)  # between taking one place and freeing the other
        return original(slot_id)

    monkeypatch.setattr(services, "release_place", slow_release)

    def move(user_id, reference, to):
        return lambda: services.reschedule(db.session.get(User, user_id), reference, to).starts_at

    moves = [_in_thread(app, move(x.id, ref_x, half_past)), _in_thread(app, move(y.id, ref_y, nine))]
    for thread, _outcome in moves:
        thread.join(timeout=30)

    assert [outcome for _thread, outcome in moves] == [
        {"ok": True, "result": half_past},
        {"ok": True, "result": nine},
    ]
    db.session.expire_all()
    assert [(s.starts_at, s.booked) for s in db.session.scalars(select(Slot).order_by(Slot.starts_at))] == [
        (nine, 1),
        (half_past, 1),
    ]


# --- the counter --------------------------------------------------------------------------------


def test_the_counter_posting_a_new_person_twice_at_once_registers_them_once(app, opd):
    """A double tap on "Register" for a CNIC the portal does not know: the second post waits for the
    first and returns its registration (before, it created the person again: an IntegrityError, a 500)."""
    service, staff = opd
    staff_id, clinic_id, service_id = staff.id, service.clinic_id, service.id
    cnic, token = "3740512345671", "walk-in-form-1"

    def register():
        try:
            return admin.register_walk_in(
                db.session.get(User, staff_id), db.session.get(Clinic, clinic_id), service_id, cnic, "Nasreen Bibi",
                None, "queue", submission_token=token,
            ).id  # fmt: skip
        except DuplicateSubmission:  # what the view turns into the first post's page
            db.session.rollback()
            return admin.walk_in_by_token(db.session.get(Clinic, clinic_id), token).id

    with app.test_request_context():
        first = register()
        thread, outcome = _in_thread(app, register)
        clock_time.sleep(PAUSE)
        db.session.commit()
    thread.join(timeout=30)

    assert outcome == {"ok": True, "result": first}, outcome
    assert db.session.scalar(select(func.count(User.id)).where(User.cnic == cnic)) == 1
    assert db.session.scalar(select(func.count(Appointment.id))) == 1


def test_two_clinics_registering_the_same_new_person_at_once_share_one_record(app, make_service, make_user):
    """Two counters of two clinics register one new CNIC at the same moment: the second finds the
    record the first created (its clinic's lock does not order them)."""
    first_service, second_service = make_service(), make_service()
    staff = make_user(roles=[("clinic_admin", first_service.clinic_id), ("clinic_admin", second_service.clinic_id)])
    staff_id, cnic = staff.id, "3740512345672"

    def register(service_id, clinic_id):
        return lambda: admin.register_walk_in(
            db.session.get(User, staff_id), db.session.get(Clinic, clinic_id), service_id, cnic, "Nasreen Bibi",
            None, "queue",
        ).user_id  # fmt: skip

    with app.test_request_context():
        person_id = register(first_service.id, first_service.clinic_id)()
        thread, outcome = _in_thread(app, register(second_service.id, second_service.clinic_id))
        clock_time.sleep(PAUSE)
        db.session.commit()
    thread.join(timeout=30)

    assert outcome == {"ok": True, "result": person_id}, outcome
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.user_id == person_id)) == 2


def test_a_walk_in_given_a_place_while_places_are_being_lowered_takes_the_new_number(app, make_service, make_user):
    service = make_service(places_per_slot=3, min_notice_hours=0, hours=[(0, time(9, 30), time(11))])
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    data = {**_fields(service), "places_per_slot": 1}
    staff_id, clinic_id, service_id = staff.id, service.clinic_id, service.id

    def walk_in():
        return admin.register_walk_in(
            db.session.get(User, staff_id), db.session.get(Clinic, clinic_id), service_id, "3740599999991", "Walker",
            None, "slot",
        ).starts_at  # fmt: skip

    outcome = _while_a_change_is_open(
        app, lambda: admin.save_service(staff, service.clinic, service, data, active=True, confirm=True), walk_in
    )

    assert outcome == {"ok": True, "result": karachi(MONDAY, 9, 30)}, outcome
    assert [(s.capacity, s.booked) for s in db.session.scalars(select(Slot))] == [(1, 1)]


# --- no pause anywhere: a stream of bookings and a closure ----------------------------------------

BOOKERS = 4


def _book_stream(url, service_id, user_ids, seconds, barrier, results):
    try:
        import time as wall

        from portal import create_app
        from portal.health.errors import DomainError

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        times = [karachi(TUESDAY, hour, minute) for hour in (9, 10, 12) for minute in (0, 30)]
        booked = 0
        with app.test_request_context():
            barrier.wait(timeout=60)
            start = wall.monotonic()
            for number, user_id in enumerate(user_ids):
                if wall.monotonic() - start > seconds:
                    break
                try:
                    services.book_slot(db.session.get(User, user_id), service_id, times[number % len(times)])
                    db.session.commit()
                    booked += 1
                except DomainError:
                    db.session.rollback()
            db.engine.dispose()
        results.put(booked)
    except Exception:  # noqa: BLE001 - reported to the parent
        import traceback

        results.put("error " + traceback.format_exc())


def _close_tuesday_later(url, staff_id, clinic_id, delay, barrier, results):
    try:
        import time as wall

        from portal import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.test_request_context():
            staff, clinic = db.session.get(User, staff_id), db.session.get(Clinic, clinic_id)
            barrier.wait(timeout=60)
            wall.sleep(delay)
            admin.add_closure(staff, clinic, None, TUESDAY, TUESDAY, "Strike", confirm=True)
            db.session.commit()
            db.engine.dispose()
        results.put("closed")
    except Exception:  # noqa: BLE001 - reported to the parent
        import traceback

        results.put("error " + traceback.format_exc())


def _stream_target(kind, *args):
    (_close_tuesday_later if kind == "close" else _book_stream)(*args)


def test_no_booking_survives_a_closure_confirmed_among_a_stream_of_bookings(app, database_url, make_service, make_user):
    """Four processes book Tuesday times, one booking per transaction, while a fifth confirms a closure
    of Tuesday half-way through: afterwards no Tuesday booking is left standing."""
    import multiprocessing

    service = make_service(places_per_slot=500)
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    users = [make_user().id for _ in range(BOOKERS * 120)]
    args = [("book", database_url, service.id, users[i::BOOKERS], 1.2) for i in range(BOOKERS)]
    args.append(("close", database_url, staff.id, service.clinic_id, 0.6))
    db.session.remove()
    db.engine.dispose()  # the processes open their own connections

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(args)), ctx.Queue()
    processes = [ctx.Process(target=_stream_target, args=(*a, barrier, results)) for a in args]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert not [o for o in outcomes if isinstance(o, str) and o.startswith("error")], outcomes
    assert "closed" in outcomes
    standing = db.session.scalar(select(func.count(Appointment.id)).where(Appointment.status == "booked"))
    assert standing == 0, (standing, outcomes)
