"""Undo on the daily list (health.admin.undo_status): a status pressed on the wrong row is taken back the
same day, the booking holds its person's place again, and the undo is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent
from portal.extensions import db
from portal.health import admin, services
from portal.health.errors import AlreadyBooked, BookedAgainSince, WrongStatus
from portal.health.models import Appointment
from tests.health.conftest import MONDAY, TUESDAY, karachi

pytestmark = pytest.mark.usefixtures("request_ctx")


@pytest.fixture
def clinic_admin(make_service, make_user):
    service = make_service()
    return service, make_user(roles=[("clinic_admin", service.clinic_id)])


@pytest.fixture
def booking(clinic_admin, citizen):
    """Ayesha's booking today (Monday) at 12:00; the clock says Monday 09:00."""
    service, _staff = clinic_admin
    appointment = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    db.session.commit()
    return appointment


def _undone_events() -> list[dict]:
    return list(db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "health.appointment.undone")))


def test_a_check_in_on_the_wrong_row_is_undone_back_to_booked(clinic_admin, citizen, booking):
    service, staff = clinic_admin
    key = booking.active_key
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    assert booking.active_key is None and booking.arrived_at is not None
    assert admin.undo_to(booking) == "booked"

    undone = admin.undo_status(staff, booking.id, ip="10.0.0.7")
    db.session.commit()
    assert undone.status == "booked" and undone.arrived_at is None
    assert undone.active_key == key  # as booking gave it: services.active_key(service, user, dependant)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "health.appointment.undone"))
    assert event.details == {"previous": "arrived", "status": "booked"}
    assert event.actor_id == staff.id and event.target_id == str(booking.id) and event.ip == "10.0.0.7"
    # She holds her booking again, so she cannot book the same service a second time ...
    with pytest.raises(AlreadyBooked):
        services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.rollback()
    # ... and she is checked in again with her code when she really comes.
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    assert db.session.get(Appointment, booking.id).status == "arrived"


def test_seen_on_the_wrong_row_is_undone_back_to_arrived(clinic_admin, booking):
    _service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    admin.set_status(staff, booking.id, "seen")
    db.session.commit()
    arrived_at = booking.arrived_at
    assert admin.undo_to(booking) == "arrived"
    admin.undo_status(staff, booking.id)
    db.session.commit()
    assert booking.status == "arrived" and booking.seen_at is None and booking.arrived_at == arrived_at
    assert booking.active_key is None  # still waiting in the room: no longer an upcoming booking
    assert _undone_events() == [{"previous": "seen", "status": "arrived"}]
    # Undone once: a second undo takes the check-in back too (the row was wrong for both).
    admin.undo_status(staff, booking.id)
    db.session.commit()
    assert booking.status == "booked"


def test_did_not_come_by_mistake_is_undone_back_to_booked(app, clinic_admin, citizen, booking):
    service, staff = clinic_admin
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 20).isoformat()
    admin.set_status(staff, booking.id, "no_show")
    db.session.commit()
    assert booking.active_key is None
    admin.undo_status(staff, booking.id)
    db.session.commit()
    assert booking.status == "booked" and booking.active_key is not None
    assert _undone_events() == [{"previous": "no_show", "status": "booked"}]
    # Booked again, at a time already past: as with any such booking, she may book another time, which
    # takes the place over (services.book_slot); she is still checked in with her code if she comes today.
    again = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    assert again.active_key is not None and booking.active_key is None
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    assert booking.status == "arrived"


def test_undo_is_refused_on_another_day(app, clinic_admin, booking):
    _service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()
    assert admin.undo_to(booking) is None
    with pytest.raises(WrongStatus, match="only be undone on the day of the appointment"):
        admin.undo_status(staff, booking.id)
    db.session.rollback()
    assert db.session.get(Appointment, booking.id).status == "arrived" and _undone_events() == []


def test_undo_is_refused_where_there_is_nothing_to_undo(clinic_admin, citizen, booking):
    _service, staff = clinic_admin
    assert admin.undo_to(booking) is None
    with pytest.raises(WrongStatus, match="nothing to undo"):
        admin.undo_status(staff, booking.id)  # still booked
    db.session.rollback()
    admin.admin_cancel(staff, booking.id, "Doctor on leave")
    db.session.commit()
    assert admin.undo_to(booking) is None
    with pytest.raises(WrongStatus, match="nothing to undo"):
        admin.undo_status(staff, booking.id)  # cancelled: undone by booking again, not here
    db.session.rollback()
    assert db.session.get(Appointment, booking.id).status == "cancelled" and _undone_events() == []


def test_a_walk_ins_check_in_is_not_undone_but_its_seen_is(clinic_admin):
    service, staff = clinic_admin
    walk_in = admin.register_walk_in(
        staff, service.clinic, service.id, "37405-1111111-1", "Ghulam Rasool", None, admin.WALK_IN_QUEUE
    )
    db.session.commit()
    # Registered arrived: its token was never booked. A walk-in registered by mistake is cancelled instead.
    assert admin.undo_to(walk_in) is None
    with pytest.raises(WrongStatus, match="cancel it instead"):
        admin.undo_status(staff, walk_in.id)
    db.session.rollback()
    admin.set_status(staff, walk_in.id, "seen")
    db.session.commit()
    assert admin.undo_to(walk_in) == "arrived"
    admin.undo_status(staff, walk_in.id)
    db.session.commit()
    assert walk_in.status == "arrived" and walk_in.seen_at is None and walk_in.active_key is None
    assert walk_in.waiting_walk_in  # waiting again: the clinic may still cancel it


def test_undo_is_refused_when_the_person_booked_the_service_again_since(clinic_admin, citizen, booking):
    """The check-in let go of her place for the service, and she booked it again (for Tuesday): putting
    this one back to booked would give her two, which the unique key refuses. Said plainly, nothing changed."""
    service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    again = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    with pytest.raises(BookedAgainSince) as refused:
        admin.undo_status(staff, booking.id)
    assert again.reference in str(refused.value) and "Ayesha Khan has booked this service again" in str(refused.value)
    db.session.rollback()
    assert db.session.get(Appointment, booking.id).status == "arrived" and _undone_events() == []
    # Once that booking is cancelled, the undo goes through.
    services.cancel(citizen, again.reference)
    db.session.commit()
    admin.undo_status(staff, booking.id)
    db.session.commit()
    assert booking.status == "booked" and booking.active_key is not None


def test_a_family_members_booking_is_not_in_the_way_of_the_account_holders(clinic_admin, citizen, booking):
    service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9), dependant_id=citizen.dependants[0].id)
    db.session.commit()
    admin.undo_status(staff, booking.id)  # her son's booking holds his own place, not hers
    db.session.commit()
    assert booking.status == "booked"


def test_a_booking_whose_time_has_passed_lets_go_of_the_place_as_when_booking(app, clinic_admin, citizen, booking):
    """As book_slot: another booking of hers whose time has passed without a status is no longer upcoming."""
    service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    later = services.book_slot(citizen, service.id, karachi(MONDAY, 12, 30))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 45).isoformat()
    admin.undo_status(staff, booking.id)
    db.session.commit()
    assert booking.active_key is not None and later.active_key is None


def test_undo_is_refused_for_another_clinics_appointment(clinic_admin, make_service, make_user, citizen, booking):
    _service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    other = make_user(roles=[("clinic_admin", make_service(name="Eye").clinic_id)])
    with pytest.raises(NotFound):
        admin.undo_status(other, booking.id)
    with pytest.raises(NotFound):
        admin.undo_status(staff, 999999)
    db.session.rollback()
    assert db.session.get(Appointment, booking.id).status == "arrived"


def test_a_booking_made_at_the_very_moment_of_the_undo_is_refused_the_same_way(
    clinic_admin, citizen, booking, monkeypatch
):
    """The check finds no other booking, but one is made at that moment (PostgreSQL: another
    connection): the unique key refuses the second holder, and the undo says so rather than failing."""
    service, staff = clinic_admin
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    again = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    look_up, looks = admin._key_holder, []

    def missed_at_first(key, appointment):
        looks.append(key)  # the look before misses it; the one after the refusal finds it
        return None if len(looks) == 1 else look_up(key, appointment)

    monkeypatch.setattr(admin, "_key_holder", missed_at_first)
    with pytest.raises(BookedAgainSince, match=again.reference):
        admin.undo_status(staff, booking.id)
    assert len(looks) == 2
    db.session.rollback()
    assert db.session.get(Appointment, booking.id).status == "arrived"
