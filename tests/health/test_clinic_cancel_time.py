"""The clinic cancels a booking only while it is still to come.

Found on main: a week after a visit nobody marked, the admin could cancel it; the person was sent
"Sorry: … has cancelled appointment … (Tuesday 3 March 2026, 9:00 AM) because … Please book another
time", a place in the past was freed and the dashboard counted a cancellation that day. Once its time
has passed, what the list records is whether the person came ("Did not come"), not a cancellation.
A walk-in registered by mistake is still cancelled on its day (admin.undo_to sends the admin there)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import AuditEvent
from portal.extensions import db
from portal.health import admin, services
from portal.health.errors import ClinicCancelTooLate, NotCancellable, WalkInDayOver
from portal.health.models import Appointment, Slot
from portal.notifications.models import Message
from tests.conftest import csrf_token
from tests.health.conftest import MONDAY, TUESDAY, karachi

A_WEEK_LATER = TUESDAY + timedelta(days=7)


@pytest.fixture
def clinic(make_service, make_user, citizen):
    """A service, its clinic's admin and the citizen's booking on Tuesday 3 March at 9:00."""
    service = make_service()
    staff = make_user(full_name="Dr. Imran", roles=[("clinic_admin", service.clinic_id)])
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    return service, staff, booking


def _clinic_messages() -> int:
    return db.session.scalar(select(func.count(Message.id)).where(Message.subject.like("%cancelled by the clinic%")))


def _cancel_events() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "health.appointment.cancelled")
    )


# --- service layer -----------------------------------------------------------------------------


@pytest.mark.usefixtures("request_ctx")
def test_a_booking_whose_time_has_passed_is_not_cancelled_nor_the_person_told(app, clinic):
    service, staff, booking = clinic
    app.config["FIXED_NOW"] = karachi(A_WEEK_LATER, 9).isoformat()
    with pytest.raises(ClinicCancelTooLate) as refused:
        admin.admin_cancel(staff, booking.id, "Doctor on leave")
    db.session.rollback()
    assert "Did not come" in str(refused.value)
    booking = db.session.get(Appointment, booking.id)
    assert booking.status == "booked" and booking.cancelled_at is None
    assert db.session.get(Slot, booking.slot_id).booked == 1  # the place in the past is not freed
    assert _clinic_messages() == 0 and _cancel_events() == 0
    assert not admin.clinic_cancel_allowed(booking)
    # "Did not come" is what the list records instead
    admin.set_status(staff, booking.id, "no_show")


@pytest.mark.usefixtures("request_ctx")
def test_the_start_time_is_the_line(app, clinic):
    _service, staff, booking = clinic
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()  # its time has come
    assert isinstance(admin.why_clinic_cannot_cancel(booking), ClinicCancelTooLate)
    with pytest.raises(ClinicCancelTooLate):
        admin.admin_cancel(staff, booking.id, "Doctor on leave")
    db.session.rollback()
    app.config["FIXED_NOW"] = karachi(TUESDAY, 8, 59).isoformat()  # a minute before: still to come
    assert admin.why_clinic_cannot_cancel(booking) is None
    admin.admin_cancel(staff, booking.id, "Doctor on leave")
    db.session.commit()
    assert db.session.get(Appointment, booking.id).status == "cancelled" and _clinic_messages() > 0


def test_a_queue_token_without_a_time_is_still_to_come_until_its_day_is_over(app):
    """A booking without a start time: cancellable through its day, not after."""
    token = Appointment(status="booked", starts_at=None, visit_date=MONDAY, walk_in=False)
    assert admin.why_clinic_cannot_cancel(token) is None
    app.config["FIXED_NOW"] = karachi(TUESDAY, 0, 1).isoformat()
    assert isinstance(admin.why_clinic_cannot_cancel(token), ClinicCancelTooLate)


@pytest.mark.usefixtures("request_ctx")
def test_a_walk_in_registered_by_mistake_is_cancelled_the_same_day_even_after_its_time(app, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    timed = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "slot")
    token = admin.register_walk_in(staff, service.clinic, service.id, "3740533333331", "Bashir Ahmed", None, "queue")
    db.session.commit()
    assert timed.starts_at == karachi(MONDAY, 9) and token.starts_at is None
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 30).isoformat()  # the walk-in's 9:00 place has passed
    for walk_in in (timed, token):
        assert admin.clinic_cancel_allowed(walk_in)
        admin.admin_cancel(staff, walk_in.id, "Registered twice")
    db.session.commit()
    assert {a.status for a in (timed, token)} == {"cancelled"}
    assert db.session.scalar(select(func.count(Message.id)).where(Message.subject.like("%cancelled%"))) == 0


@pytest.mark.usefixtures("request_ctx")
def test_a_walk_in_left_waiting_is_not_cancelled_after_its_day(app, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    walk_in = admin.register_walk_in(staff, service.clinic, service.id, "3740522222221", "Nasreen Bibi", None, "queue")
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()
    assert not admin.clinic_cancel_allowed(walk_in)
    with pytest.raises(WalkInDayOver):
        admin.admin_cancel(staff, walk_in.id, "Registered twice")
    db.session.rollback()
    assert db.session.get(Appointment, walk_in.id).status == "arrived"


@pytest.mark.usefixtures("request_ctx")
def test_anything_but_a_booking_or_a_waiting_walk_in_is_still_not_cancellable(app, clinic):
    _service, staff, booking = clinic
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9, 5).isoformat()
    admin.set_status(staff, booking.id, "arrived", booking.arrival_code)
    db.session.commit()
    refusal = admin.why_clinic_cannot_cancel(booking)
    assert type(refusal) is NotCancellable
    with pytest.raises(NotCancellable):
        admin.admin_cancel(staff, booking.id, "late")


# --- pages -------------------------------------------------------------------------------------


def _row(html: str, appointment_id: int) -> str:
    return re.search(rf'<tr id="a{appointment_id}">.*?</tr>', html, re.S).group(0)


def test_the_daily_list_of_a_past_day_offers_did_not_come_and_no_cancel(app, client, auth, clinic):
    service, staff, booking = clinic
    auth.login(staff)
    day_page = f"/clinic-admin/clinics/{service.clinic_id}/day?date={TUESDAY.isoformat()}"
    cancel_path = f"/clinic-admin/appointments/{booking.id}/cancel"
    assert cancel_path in _row(client.get(day_page).get_data(as_text=True), booking.id)  # still to come
    app.config["FIXED_NOW"] = karachi(A_WEEK_LATER, 9).isoformat()
    auth.login_again()  # a week later: a new sign-in (a session lasts 12 hours)
    row = _row(client.get(day_page).get_data(as_text=True), booking.id)
    assert "Did not come" in row and cancel_path not in row


def test_cancelling_a_past_booking_is_refused_on_the_page_and_nothing_is_sent(app, client, auth, clinic):
    service, staff, booking = clinic
    auth.login(staff)
    cancel_path = f"/clinic-admin/appointments/{booking.id}/cancel"
    day_page = f"/clinic-admin/clinics/{service.clinic_id}/day?date={TUESDAY.isoformat()}"
    token = csrf_token(client, cancel_path)  # the form was opened before the visit …
    app.config["FIXED_NOW"] = karachi(A_WEEK_LATER, 9).isoformat()  # … and sent a week later
    auth.login_again()  # by someone who has signed in again (a session lasts 12 hours)
    token = csrf_token(client, "/")  # a sign-in starts an empty session: a new form token
    page = client.get(cancel_path).get_data(as_text=True)
    assert "time has passed, so it can no longer be cancelled" in page
    assert 'name="reason"' not in page and "Cancel and tell the person" not in page and day_page in page
    response = client.post(cancel_path, data={"csrf_token": token, "reason": "Doctor on leave"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "“Did not come”" in html
    db.session.expire_all()
    assert db.session.get(Appointment, booking.id).status == "booked"
    assert _clinic_messages() == 0 and _cancel_events() == 0
    # in Urdu too
    client.get("/language/ur?next=/")
    html = client.get(cancel_path).get_data(as_text=True)
    assert "منسوخ" in html and "time has passed" not in html


def test_a_waiting_walk_in_is_cancelled_from_todays_list_after_its_time(app, client, auth, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    auth.login(staff)
    walk_in_page = f"/clinic-admin/clinics/{service.clinic_id}/walk-in"
    data = {"cnic": "37405-1111111-1", "full_name": "Ghulam Rasool", "service_id": service.id, "mode": "slot"}
    assert client.post(walk_in_page, data={"csrf_token": csrf_token(client, walk_in_page), **data}).status_code == 302
    walk_in = db.session.scalar(select(Appointment).where(Appointment.walk_in.is_(True)))
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 30).isoformat()  # its 9:00 place is behind us
    cancel_path = f"/clinic-admin/appointments/{walk_in.id}/cancel"
    day = client.get(f"/clinic-admin/clinics/{service.clinic_id}/day").get_data(as_text=True)
    assert cancel_path in _row(day, walk_in.id)
    assert "Cancel this walk-in" in client.get(cancel_path).get_data(as_text=True)
    response = client.post(cancel_path, data={"csrf_token": csrf_token(client, cancel_path), "reason": "Twice"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, walk_in.id).status == "cancelled"
    # the next day the list is the record: no Cancel on a walk-in left waiting
    again = client.post(walk_in_page, data={"csrf_token": csrf_token(client, walk_in_page), **data})
    assert again.status_code == 302
    left = db.session.scalar(select(Appointment).where(Appointment.walk_in.is_(True), Appointment.status == "arrived"))
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()
    auth.login_again()  # the next day: a new sign-in (a session lasts 12 hours)
    day = client.get(f"/clinic-admin/clinics/{service.clinic_id}/day?date={MONDAY.isoformat()}").get_data(as_text=True)
    assert f"/clinic-admin/appointments/{left.id}/cancel" not in _row(day, left.id)


def test_the_citizen_cannot_cancel_or_move_a_booking_whose_time_has_passed(app, client, auth, make_service, citizen):
    """The citizen's own cancel and reschedule already refuse (services.why_unchangeable): kept so."""
    service = make_service()
    auth.login(citizen)
    booking = services.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    ref = booking.reference
    cancel_path = f"/appointments/{ref}/cancel"
    move_path = f"/appointments/{ref}/reschedule/{int(karachi(TUESDAY + timedelta(days=8), 9).timestamp())}"
    cancel_token = csrf_token(client, cancel_path)
    app.config["FIXED_NOW"] = karachi(A_WEEK_LATER, 9).isoformat()
    auth.login_again()  # a week later: a new sign-in (a session lasts 12 hours)
    cancel_token = csrf_token(client, "/")  # a sign-in starts an empty session: a new form token
    over = "already taken place or its time has passed"
    response = client.post(cancel_path, data={"csrf_token": cancel_token})
    assert response.status_code == 200 and over in response.get_data(as_text=True)
    response = client.post(move_path, data={"csrf_token": cancel_token})
    assert response.status_code != 302 and over in response.get_data(as_text=True)
    db.session.expire_all()
    booking = db.session.get(Appointment, booking.id)
    assert booking.status == "booked" and booking.starts_at == karachi(TUESDAY, 9)
    assert db.session.scalar(select(func.count(Message.id)).where(Message.subject == "Appointment cancelled")) == 0


def test_a_closure_or_schedule_change_never_cancels_a_past_booking(app, clinic):
    """The other ways the clinic cancels only reach bookings still to come (admin._upcoming_booked)."""
    _service, _staff, booking = clinic
    app.config["FIXED_NOW"] = karachi(A_WEEK_LATER, 9).isoformat()
    assert booking not in admin._upcoming_booked([booking.service_id])
