"""Several OS processes race for the last places of a slot, over HTTP through the real views,
and for one booking (two reschedules and a cancel). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import re
import traceback

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.health import services
from portal.health.models import Appointment, Slot
from tests.conftest import PASSWORD
from tests.health.conftest import TUESDAY, karachi

pytestmark = pytest.mark.slow

RACERS = 8


def _token(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html) or re.search(
        rf'name="{name}" value="([^"]+)"', html
    )
    return match.group(1) if match else ""


def _book_over_http(url: str, cnic: str, path: str, barrier, results) -> None:
    try:
        from portal import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        client.post(
            "/login", data={"identifier": cnic, "password": PASSWORD, "csrf_token": _token(login, "csrf_token")}
        )
        page = client.get(path).get_data(as_text=True)
        data = {
            "csrf_token": _token(page, "csrf_token"),
            "submission_token": _token(page, "submission_token"),
            "person": "0",
        }
        barrier.wait(timeout=60)
        response = client.post(path, data=data)
        body = response.get_data(as_text=True)
        if response.status_code == 302:
            results.put("booked")
        elif response.status_code == 409 and "this time is now full" in body:
            results.put("full")
        else:
            results.put(f"unexpected {response.status_code}")
        with app.app_context():
            db.engine.dispose()
    except Exception:  # noqa: BLE001 - reported to the parent
        results.put("error " + traceback.format_exc())


def _race(target, args_list):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args_list))
    results = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, barrier, results)) for args in args_list]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    return outcomes


def test_many_processes_race_for_the_last_places(app, database_url, make_service, make_user):
    service = make_service(places_per_slot=4)
    at = karachi(TUESDAY, 9, 0)
    first = make_user()
    with app.test_request_context():
        services.book_slot(first, service.id, at)  # one place gone: three left
    db.session.commit()
    cnics = [make_user().cnic for _ in range(RACERS)]
    path = f"/appointments/book/{service.id}/{int(at.timestamp())}"
    db.session.remove()
    db.engine.dispose()  # the children open their own connections

    outcomes = _race(_book_over_http, [(database_url, cnic, path) for cnic in cnics])

    assert sorted(outcomes) == ["booked"] * 3 + ["full"] * (RACERS - 3), outcomes
    assert db.session.scalar(select(Slot.booked)) == 4
    assert db.session.scalar(select(func.count(Appointment.id))) == 4


def _change_booking(url: str, user_id: int, reference: str, action: str, at_ts: int | None, barrier, results):
    try:
        from datetime import UTC, datetime

        from portal import create_app
        from portal.auth.models import User
        from portal.health.errors import DomainError

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.test_request_context():
            user = db.session.get(User, user_id)
            barrier.wait(timeout=60)
            try:
                if action == "cancel":
                    services.cancel(user, reference)
                else:
                    services.reschedule(user, reference, datetime.fromtimestamp(at_ts, UTC))
                db.session.commit()
                results.put(f"{action} ok")
            except DomainError as exc:
                db.session.rollback()
                results.put(f"{action} refused: {exc}")
            db.engine.dispose()
    except Exception:  # noqa: BLE001
        results.put("error " + traceback.format_exc())


def test_two_reschedules_and_a_cancel_race_on_one_booking(app, database_url, make_service, citizen):
    service = make_service(places_per_slot=1)
    with app.test_request_context():
        appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    reference, user_id = appointment.reference, citizen.id
    targets = [karachi(TUESDAY, 10, 0), karachi(TUESDAY, 12, 0)]
    db.session.remove()
    db.engine.dispose()

    outcomes = _race(
        _change_booking,
        [
            (database_url, user_id, reference, "reschedule", int(targets[0].timestamp())),
            (database_url, user_id, reference, "reschedule", int(targets[1].timestamp())),
            (database_url, user_id, reference, "cancel", None),
        ],
    )

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    appointment = db.session.scalar(select(Appointment))
    slots = {s.id: s.booked for s in db.session.scalars(select(Slot))}
    if appointment.status == "cancelled":
        assert sum(slots.values()) == 0, (outcomes, slots)
    else:
        assert appointment.status == "booked"
        assert slots[appointment.slot_id] == 1 and sum(slots.values()) == 1, (outcomes, slots)
        assert appointment.starts_at in targets
    assert db.session.scalar(select(func.count(Appointment.id))) == 1


def _walk_in(url: str, admin_id: int, clinic_id: int, service_id: int, cnic: str, barrier, results):
    try:
        from portal import create_app
        from portal.auth.models import User
        from portal.health import admin
        from portal.health.models import Clinic

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.test_request_context():
            staff = db.session.get(User, admin_id)
            clinic = db.session.get(Clinic, clinic_id)
            barrier.wait(timeout=60)
            appointment = admin.register_walk_in(staff, clinic, service_id, cnic, "Walk In", None, "queue")
            db.session.commit()
            results.put(appointment.queue_number)
            db.engine.dispose()
    except Exception:  # noqa: BLE001
        results.put("error " + traceback.format_exc())


def test_counters_racing_for_queue_tokens_get_distinct_numbers(app, database_url, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    args = [(database_url, staff.id, service.clinic_id, service.id, f"37405{i:07d}1") for i in range(5)]
    db.session.remove()
    db.engine.dispose()

    outcomes = _race(_walk_in, args)

    assert sorted(outcomes) == [1, 2, 3, 4, 5], outcomes


def test_a_closure_waits_for_a_booking_being_moved_and_leaves_it_at_its_new_time(app, make_service, make_user, citizen):
    """The clinic closes Tuesday while the person is moving their Tuesday booking to Wednesday. The
    closure reads the bookings it cancels once the move is done: the booking, now on Wednesday, is
    left alone. (Before, the closure read it as still on Tuesday, cancelled it after the move and freed
    the Tuesday place a second time, while the Wednesday place stayed taken by a cancelled booking.)"""
    import threading
    import time as clock_time
    from datetime import timedelta

    from portal.health import admin

    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    tuesday, wednesday = karachi(TUESDAY, 9), karachi(TUESDAY + timedelta(days=1), 9)
    with app.test_request_context():
        reference = services.book_slot(citizen, service.id, tuesday).reference
    db.session.commit()
    staff_id, clinic_id = staff.id, service.clinic_id
    outcome = {}

    def close_tuesday():
        try:
            from portal.auth.models import User
            from portal.health.models import Clinic

            with app.app_context(), app.test_request_context():
                admin.add_closure(
                    db.session.get(User, staff_id),
                    db.session.get(Clinic, clinic_id),
                    None,
                    TUESDAY,
                    TUESDAY,
                    "Strike",
                    confirm=True,
                )
                db.session.commit()
                outcome["closed"] = True
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome["error"] = repr(exc)

    with app.test_request_context():
        services.reschedule(citizen, reference, wednesday)  # not committed yet: the booking is locked
        closing = threading.Thread(target=close_tuesday)
        closing.start()
        clock_time.sleep(0.5)  # the closure is now waiting for the booking (or, before, had read it)
        db.session.commit()
    closing.join(timeout=30)
    assert outcome == {"closed": True}, outcome

    db.session.expire_all()
    booking = db.session.scalar(select(Appointment).where(Appointment.reference == reference))
    assert (booking.status, booking.starts_at) == ("booked", wednesday)
    booked = {s.starts_at: s.booked for s in db.session.scalars(select(Slot))}
    assert booked == {tuesday: 0, wednesday: 1}


def _add_hours(url: str, user_id: int, service_id: int, start_hour: int, barrier, results) -> None:
    try:
        from datetime import time

        from portal import create_app
        from portal.auth.models import User
        from portal.health import admin
        from portal.health.models import Service

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.test_request_context():
            user, service = db.session.get(User, user_id), db.session.get(Service, service_id)
            barrier.wait(timeout=60)
            admin.save_hours(user, service, None, 0, time(start_hour), time(start_hour + 1))
            db.session.commit()
            results.put("saved")
            db.engine.dispose()
    except Exception:  # noqa: BLE001
        results.put("error " + traceback.format_exc())


def test_admins_adding_hours_to_one_day_at_once_leave_one_version_in_force(app, database_url, make_service, make_user):
    """Each save ends the version in force and adds its own (portal.health.offered): two at once must
    queue, or both would end the same one and leave two versions of one day in force."""
    from datetime import time

    from portal.health.offered import current_offers, live_places

    service = make_service(hours=[(0, time(9), time(10))], slot_minutes=30, places_per_slot=1)
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    service_id, staff_id = service.id, staff.id
    db.session.remove()
    db.engine.dispose()

    outcomes = _race(_add_hours, [(database_url, staff_id, service_id, hour) for hour in (11, 13, 15, 17)])

    assert outcomes == ["saved"] * 4, outcomes
    assert live_places([service_id]) == {(service_id, 0): 10}
    assert current_offers([service_id]) == live_places([service_id])
