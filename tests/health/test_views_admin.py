"""Request tests for the clinic admin pages, and scope: other clinics answer 404, citizens 403."""

from __future__ import annotations

import csv
import io
from datetime import time

import pytest
from sqlalchemy import func, select

from portal.auth.models import AuditEvent, User
from portal.extensions import db
from portal.health import services
from portal.health.models import Appointment, Clinic, Closure, Service, Slot, WeeklyHours
from portal.notifications.models import Message
from tests.conftest import csrf_token, ltr_cells
from tests.health.conftest import MONDAY, TUESDAY, karachi


@pytest.fixture
def setup(app, make_service, make_user, citizen):
    service = make_service()
    other_service = make_service(clinic=None, name="Eye")
    other_service.clinic.name = "Other clinic"
    db.session.commit()
    admin = make_user(full_name="Dr. Imran", roles=[("clinic_admin", service.clinic_id)])
    with app.test_request_context():
        today = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
        tomorrow = services.book_slot(citizen, service.id, karachi(TUESDAY, 9), dependant_id=citizen.dependants[0].id)
        elsewhere = services.book_slot(citizen, other_service.id, karachi(TUESDAY, 9))
    db.session.commit()
    return {
        "service": service,
        "clinic": service.clinic,
        "other": other_service.clinic,
        "other_service": other_service,
        "admin": admin,
        "today": today,
        "tomorrow": tomorrow,
        "elsewhere": elsewhere,
    }


def post(client, path, data, form_path=None):
    return client.post(path, data={"csrf_token": csrf_token(client, form_path or path), **data})


def test_citizen_gets_403_on_admin_pages(client, auth, setup, citizen):
    auth.login(citizen)
    clinic = setup["clinic"]
    for path in (
        "/clinic-admin",
        f"/clinic-admin/clinics/{clinic.id}/day",
        f"/clinic-admin/clinics/{clinic.id}/day.csv",
    ):
        assert client.get(path).status_code == 403, path


def test_anonymous_is_sent_to_sign_in(client, setup):
    assert client.get("/clinic-admin").status_code == 302


def test_admin_of_a_gets_404_for_b(client, auth, setup):
    auth.login(setup["admin"])
    other, other_service, elsewhere = setup["other"], setup["other_service"], setup["elsewhere"]
    for path in (
        f"/clinic-admin/clinics/{other.id}",
        f"/clinic-admin/clinics/{other.id}/edit",
        f"/clinic-admin/clinics/{other.id}/day",
        f"/clinic-admin/clinics/{other.id}/day.csv",
        f"/clinic-admin/clinics/{other.id}/export?start=2026-03-01&end=2026-03-31",
        f"/clinic-admin/clinics/{other.id}/closures",
        f"/clinic-admin/clinics/{other.id}/walk-in",
        f"/clinic-admin/clinics/{other.id}/services/new",
        f"/clinic-admin/services/{other_service.id}/edit",
        f"/clinic-admin/services/{other_service.id}/hours",
        f"/clinic-admin/hours/{other_service.hours[0].id}/edit",
        f"/clinic-admin/appointments/{elsewhere.id}/cancel",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/clinic-admin")
    assert (
        client.post(
            f"/clinic-admin/appointments/{elsewhere.id}/status", data={"csrf_token": token, "status": "no_show"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/clinic-admin/hours/{other_service.hours[0].id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    assert db.session.get(Appointment, elsewhere.id).status == "booked"


def test_home_and_clinic_pages(client, auth, setup):
    auth.login(setup["admin"])
    html = client.get("/clinic-admin").get_data(as_text=True)
    assert "Mayo Hospital OPD" in html and "Other clinic" not in html
    html = client.get(f"/clinic-admin/clinics/{setup['clinic'].id}").get_data(as_text=True)
    assert "General OPD" in html and "09:00–13:00" in html


def test_daily_list_check_in_and_seen(client, auth, setup, citizen):
    auth.login(setup["admin"])
    clinic, appointment = setup["clinic"], setup["today"]
    day = f"/clinic-admin/clinics/{clinic.id}/day"
    html = client.get(day).get_data(as_text=True)
    assert appointment.reference in html and "Ayesha Khan" in html and "35202-•••••" in html
    assert citizen.cnic not in html
    assert f'<td data-label="Reference"><bdi dir="ltr">{appointment.reference}</bdi></td>' in html
    assert '<td data-label="CNIC"><bdi dir="ltr">35202-•••••' in html and not ltr_cells(html)
    status = f"/clinic-admin/appointments/{appointment.id}/status"
    # a wrong arrival code is refused
    response = post(client, status, {"status": "arrived", "arrival_code": "ZZZZ"}, day)
    assert response.status_code == 302
    assert "does not match" in client.get(day).get_data(as_text=True)
    assert db.session.get(Appointment, appointment.id).status == "booked"
    post(client, status, {"status": "arrived", "arrival_code": appointment.arrival_code.lower()}, day)
    assert db.session.get(Appointment, appointment.id).status == "arrived"
    post(client, status, {"status": "seen"}, day)
    assert db.session.get(Appointment, appointment.id).status == "seen"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "health_appointments")).all()
    assert "health.appointment.arrived" in actions and "health.appointment.seen" in actions
    # nonsense transition
    post(client, status, {"status": "booked"}, day)
    assert db.session.get(Appointment, appointment.id).status == "seen"


def test_cannot_check_in_tomorrows_appointment_or_no_show_it(client, auth, setup):
    auth.login(setup["admin"])
    appointment = setup["tomorrow"]
    day = f"/clinic-admin/clinics/{setup['clinic'].id}/day?date={TUESDAY.isoformat()}"
    html = client.get(day).get_data(as_text=True)
    assert "Hamza Khan" in html
    status = f"/clinic-admin/appointments/{appointment.id}/status"
    post(client, status, {"status": "arrived", "arrival_code": appointment.arrival_code}, day)
    post(client, status, {"status": "no_show"}, day)
    assert db.session.get(Appointment, appointment.id).status == "booked"


def test_no_show(client, auth, setup):
    auth.login(setup["admin"])
    appointment = setup["today"]
    post(client, f"/clinic-admin/appointments/{appointment.id}/status", {"status": "no_show"}, "/clinic-admin")
    assert db.session.get(Appointment, appointment.id).status == "no_show"


def test_admin_cancel_with_reason_notifies(client, auth, setup, citizen):
    auth.login(setup["admin"])
    appointment = setup["tomorrow"]
    path = f"/clinic-admin/appointments/{appointment.id}/cancel"
    response = post(client, path, {"reason": ""})
    assert response.status_code == 200 and "Give a reason" in response.get_data(as_text=True)
    response = post(client, path, {"reason": "Doctor on leave"})
    assert response.status_code == 302
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status == "cancelled" and appointment.cancelled_reason == "Doctor on leave"
    assert db.session.get(Slot, appointment.slot_id).booked == 0
    body = db.session.scalar(select(Message.body).where(Message.subject == "Appointment cancelled by the clinic"))
    assert "Doctor on leave" in body and appointment.reference in body


def test_walk_in_new_person_into_free_place_and_queue(client, auth, setup):
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    response = post(client, path, {"cnic": "12345", "service_id": service.id, "mode": "slot"})
    assert "13-digit CNIC" in response.get_data(as_text=True)
    response = post(client, path, {"cnic": "37405-1111111-1", "service_id": service.id, "mode": "slot"})
    assert "enter the person" in response.get_data(as_text=True)
    response = post(
        client,
        path,
        {"cnic": "37405-1111111-1", "full_name": "Ghulam Rasool", "service_id": service.id, "mode": "slot"},
    )
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.cnic == "3740511111111"))
    assert person.password_hash is None
    walk_in = db.session.scalar(select(Appointment).where(Appointment.user_id == person.id))
    assert walk_in.walk_in and walk_in.status == "arrived" and walk_in.starts_at == karachi(MONDAY, 9, 0)
    response = post(client, path, {"cnic": "3740511111111", "service_id": service.id, "mode": "queue"})
    response = post(client, path, {"cnic": "3740511111111", "service_id": service.id, "mode": "queue"})
    numbers = db.session.scalars(select(Appointment.queue_number).where(Appointment.queue_number.is_not(None))).all()
    assert sorted(numbers) == [1, 2]
    html = client.get(f"/clinic-admin/clinics/{clinic.id}/day").get_data(as_text=True)
    assert "Ghulam Rasool" in html and "token 2" in html


def test_walk_in_when_today_is_full(client, auth, make_service, make_user, app):
    app.config["FIXED_NOW"] = karachi(MONDAY, 13, 5).isoformat()  # after the last slot ended
    service = make_service()
    admin = make_user(roles=[("clinic_admin", service.clinic_id)])
    auth.login(admin)
    path = f"/clinic-admin/clinics/{service.clinic_id}/walk-in"
    response = post(
        client, path, {"cnic": "3740511111111", "full_name": "A B", "service_id": service.id, "mode": "slot"}
    )
    assert "queue token" in response.get_data(as_text=True)


def test_csv_exports(client, auth, setup):
    auth.login(setup["admin"])
    clinic = setup["clinic"]
    with client.get(f"/clinic-admin/clinics/{clinic.id}/day.csv") as response:
        assert response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "reference" and len(rows) == 2 and rows[1][0] == setup["today"].reference
    path = f"/clinic-admin/clinics/{clinic.id}/export?start=2026-03-01&end=2026-03-31"
    with client.get(path) as response:
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and {r[4] for r in rows[1:]} == {"Ayesha Khan", "Hamza Khan"}
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/export?start=2026-03-31&end=2026-03-01").status_code == 400
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/export?start=bad&end=").status_code == 400
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/export").status_code == 200
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/day?date=nonsense").status_code == 404


def test_counts_on_daily_page(client, auth, setup):
    auth.login(setup["admin"])
    html = client.get(f"/clinic-admin/clinics/{setup['clinic'].id}/day").get_data(as_text=True)
    # 7 starts a day × 2 places = 14 places today; one used
    assert "1 of 14 (7%)" in html
    assert "2 of 98 (2%)" in html  # the week: 7 days


def test_create_clinic_and_service_and_hours(client, auth, make_user):
    admin = make_user(roles=[("clinic_admin", 999)])
    auth.login(admin)
    response = post(
        client, "/clinic-admin/clinics/new", {"name": "", "type": "bhu", "district": "Lahore", "address": "x"}
    )
    assert "This field is required" in response.get_data(as_text=True)
    response = post(
        client,
        "/clinic-admin/clinics/new",
        {"name": "BHU Raiwind", "type": "bhu", "district": "Lahore", "address": "Raiwind Road", "active": "y"},
    )
    assert response.status_code == 302
    clinic = db.session.scalar(select(Clinic).where(Clinic.name == "BHU Raiwind"))
    assert clinic.active
    path = f"/clinic-admin/clinics/{clinic.id}/services/new"
    good = {
        "name": "Child immunisation",
        "slot_minutes": "15",
        "places_per_slot": "10",
        "min_notice_hours": "1",
        "horizon_days": "21",
        "cancel_cutoff_hours": "1",
        "active": "y",
    }
    response = post(client, path, {**good, "slot_minutes": "0"})
    assert "Between 5 and 240" in response.get_data(as_text=True)
    response = post(client, path, good)
    assert response.status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Child immunisation"))
    hours = f"/clinic-admin/services/{service.id}/hours"
    bad_cases = [
        ({"start": "10:00", "end": "09:00"}, "closing time must be after"),
        ({"start": "09:00", "end": "13:00", "break_start": "08:00", "break_end": "09:30"}, "inside the opening hours"),
        ({"start": "09:00", "end": "13:00", "break_start": "11:00"}, "or neither"),
        ({"start": "nine", "end": "13:00"}, "Not a valid time value"),
    ]
    for data, message in bad_cases:
        response = post(client, hours, {"weekday": "1", **data})
        assert message in response.get_data(as_text=True), message
    response = post(
        client, hours, {"weekday": "1", "start": "09:00", "end": "13:00", "break_start": "11:00", "break_end": "11:30"}
    )
    assert response.status_code == 302
    response = post(client, hours, {"weekday": "1", "start": "12:00", "end": "15:00"})
    assert "overlap" in response.get_data(as_text=True)
    response = post(client, hours, {"weekday": "1", "start": "14:00", "end": "16:00"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(WeeklyHours.id)).where(WeeklyHours.service_id == service.id)) == 2


def test_hours_change_shows_affected_and_cancels_after_confirmation(client, auth, setup):
    auth.login(setup["admin"])
    service, appointment = setup["service"], setup["tomorrow"]  # Tuesday 09:00
    tuesday_hours = next(h for h in service.hours if h.weekday == 1)
    path = f"/clinic-admin/hours/{tuesday_hours.id}/edit"
    data = {"weekday": "1", "start": "10:00", "end": "13:00"}
    response = post(client, path, data)
    html = response.get_data(as_text=True)
    assert "Appointments this change would cancel" in html and appointment.reference in html
    assert f'<td data-label="Reference"><bdi dir="ltr">{appointment.reference}</bdi></td>' in html
    assert not ltr_cells(html)
    hours_page = client.get(f"/clinic-admin/services/{service.id}/hours").get_data(as_text=True)
    assert '<td data-label="Hours"><bdi dir="ltr">09:00–13:00</bdi></td>' in hours_page
    assert not ltr_cells(hours_page)
    assert db.session.get(WeeklyHours, tuesday_hours.id).start == time(9)  # nothing changed yet
    assert db.session.get(Appointment, appointment.id).status == "booked"
    response = post(client, path, {**data, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(WeeklyHours, tuesday_hours.id).start == time(10)
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status == "cancelled" and appointment.cancelled_by_clinic
    assert (
        db.session.scalar(
            select(func.count(Message.id)).where(Message.subject == "Appointment cancelled by the clinic")
        )
        == 2
    )


def test_closure_shows_affected_then_cancels(client, auth, setup):
    auth.login(setup["admin"])
    clinic, appointment = setup["clinic"], setup["tomorrow"]
    path = f"/clinic-admin/clinics/{clinic.id}/closures"
    data = {"service_id": "0", "start_date": "2026-03-03", "end_date": "2026-03-04", "reason": "Public holiday"}
    response = post(client, path, {**data, "end_date": "2026-03-01"})
    assert "on or after the first day" in response.get_data(as_text=True)
    response = post(client, path, data)
    assert appointment.reference in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    response = post(client, path, {**data, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(Appointment, appointment.id).status == "cancelled"
    assert db.session.get(Appointment, setup["today"].id).status == "booked"
    closure = db.session.scalar(select(Closure))
    response = post(client, f"/clinic-admin/closures/{closure.id}/delete", {}, path)
    assert response.status_code == 302 and db.session.scalar(select(func.count(Closure.id))) == 0


def test_delete_hours_needs_confirmation_when_bookings_exist(client, auth, setup):
    auth.login(setup["admin"])
    service = setup["service"]
    hours_id = next(h.id for h in service.hours if h.weekday == 1)
    path = f"/clinic-admin/hours/{hours_id}/delete"
    form_path = f"/clinic-admin/services/{service.id}/hours"
    response = post(client, path, {}, form_path)
    assert setup["tomorrow"].reference in response.get_data(as_text=True)
    assert db.session.get(WeeklyHours, hours_id) is not None
    response = post(client, path, {"confirm": "y"}, form_path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(WeeklyHours, hours_id) is None


def test_deactivating_a_service_asks_first(client, auth, setup):
    auth.login(setup["admin"])
    service = setup["service"]
    path = f"/clinic-admin/services/{service.id}/edit"
    data = {
        "name": "General OPD",
        "slot_minutes": "30",
        "places_per_slot": "2",
        "min_notice_hours": "2",
        "horizon_days": "14",
        "cancel_cutoff_hours": "2",
    }
    response = post(client, path, data)  # no "active": deactivate
    assert "affects 2 booked appointments" in response.get_data(as_text=True)
    assert db.session.get(Service, service.id).active
    response = post(client, path, {**data, "active": "y", "places_per_slot": "3"})
    assert response.status_code == 302
    assert db.session.get(Slot, setup["tomorrow"].slot_id).capacity == 3


def test_daily_list_with_extreme_dates_is_404_not_500(client, auth, setup):
    auth.login(setup["admin"])
    clinic = setup["clinic"]
    for value in ("9999-12-31", "0001-01-01", "2026-02-30"):
        assert client.get(f"/clinic-admin/clinics/{clinic.id}/day?date={value}").status_code == 404
        assert client.get(f"/clinic-admin/clinics/{clinic.id}/day.csv?date={value}").status_code == 404
