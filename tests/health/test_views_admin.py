"""Request tests for the clinic admin pages, and scope: other clinics answer 404, citizens 403."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import AuditEvent, RoleAssignment, User
from portal.extensions import db
from portal.health import admin as health_admin
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


def _row(html: str, appointment_id: int) -> str:
    return re.search(rf'<tr id="a{appointment_id}">.*?</tr>', html, re.S).group(0)


def _reviewed(html: str) -> str:
    """The appointments a page asking to confirm a schedule change listed (its hidden field), as the
    form sends them back with the ticked box."""
    return re.search(r'<input[^>]*name="reviewed"[^>]*value="([^"]*)"', html).group(1)


def _field(html: str, field_id: str) -> str:
    """The block of one form field: its label, error message and input."""
    return re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}".*?</div>', html, re.S).group(0)


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
    # a wrong arrival code is refused at its row, the code as typed kept in the box, which takes the focus
    response = post(client, status, {"status": "arrived", "arrival_code": "ZZZZ"}, day)
    assert response.status_code == 400
    row = _row(response.get_data(as_text=True), appointment.id)
    assert (
        f'<p class="error-message" id="status-error-{appointment.id}" role="alert">Neither the arrival code nor ' in row
    )
    code_box = re.search(r'<input id="code-\d+"[^>]*>', row).group(0)
    assert 'value="ZZZZ"' in code_box and "autofocus" in code_box and 'aria-invalid="true"' in code_box
    assert f'aria-describedby="status-error-{appointment.id}"' in code_box
    assert "does not match" not in client.get(day).get_data(as_text=True)  # nothing left behind in a flash
    # an empty box asks for the code or the CNIC; it does not say that nothing matches
    response = post(client, status, {"status": "arrived", "arrival_code": "  "}, day)
    row = _row(response.get_data(as_text=True), appointment.id)
    assert response.status_code == 400 and "Enter the arrival code or the CNIC." in row and "Neither" not in row
    assert db.session.get(Appointment, appointment.id).status == "booked"
    response = post(client, status, {"status": "arrived", "arrival_code": appointment.arrival_code.lower()}, day)
    assert db.session.get(Appointment, appointment.id).status == "arrived"
    # The list opens at the row (#a<id>), and the row says what changed: on a phone the top is out of view.
    assert response.headers["Location"].endswith(f"#a{appointment.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    done = f'<p class="flash flash-success row-notice" role="status">{appointment.reference} is now: Arrived.</p>'
    assert done in _row(html, appointment.id) and html.count(f"{appointment.reference} is now") == 1
    assert "is now" not in client.get(day).get_data(as_text=True)  # said once
    post(client, status, {"status": "seen"}, day)
    assert db.session.get(Appointment, appointment.id).status == "seen"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "health_appointments")).all()
    assert "health.appointment.arrived" in actions and "health.appointment.seen" in actions
    # nonsense transition
    post(client, status, {"status": "booked"}, day)
    assert db.session.get(Appointment, appointment.id).status == "seen"


def test_a_code_too_long_to_be_one_is_refused_at_its_row_not_with_a_bare_error_page(client, auth, setup):
    auth.login(setup["admin"])
    appointment = setup["today"]
    day = f"/clinic-admin/clinics/{setup['clinic'].id}/day"
    status = f"/clinic-admin/appointments/{appointment.id}/status"
    response = post(client, status, {"status": "arrived", "arrival_code": "<b>" + "7" * 300}, day)
    assert response.status_code == 400
    row = _row(response.get_data(as_text=True), appointment.id)
    assert "Field cannot be longer than 20 characters." in row and 'aria-invalid="true"' in row
    assert "<b>7777" not in response.get_data(as_text=True)
    assert db.session.get(Appointment, appointment.id).status == "booked"


def test_someone_without_the_arrival_code_is_checked_in_with_the_cnic_typed_from_their_card(
    client, auth, setup, citizen
):
    auth.login(setup["admin"])
    clinic, appointment = setup["clinic"], setup["today"]
    day = f"/clinic-admin/clinics/{clinic.id}/day"
    html = client.get(day).get_data(as_text=True)
    code_box = re.search(r'<input id="code-\d+"[^>]*>', _row(html, appointment.id)).group(0)
    assert 'placeholder="Code or CNIC"' in code_box and 'maxlength="20"' in code_box
    assert f'<label for="code-{appointment.id}" class="visually-hidden">Arrival code or CNIC</label>' in html
    status = f"/clinic-admin/appointments/{appointment.id}/status"
    cnic = citizen.cnic
    post(client, status, {"status": "arrived", "arrival_code": f"{cnic[:5]}-{cnic[5:12]}-{cnic[12]}"}, day)
    assert db.session.get(Appointment, appointment.id).status == "arrived"


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


def test_no_show_once_the_time_has_passed_and_a_late_arrival_is_still_checked_in(client, auth, setup, app):
    auth.login(setup["admin"])
    appointment = setup["today"]  # 12:00; the clock says 09:00
    day = f"/clinic-admin/clinics/{setup['clinic'].id}/day"
    status = f"/clinic-admin/appointments/{appointment.id}/status"
    assert "Did not come" not in _row(client.get(day).get_data(as_text=True), appointment.id)
    response = post(client, status, {"status": "no_show"}, day)
    assert response.status_code == 400
    assert "once its time has passed" in _row(response.get_data(as_text=True), appointment.id)
    assert db.session.get(Appointment, appointment.id).status == "booked"

    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 15).isoformat()
    row = _row(client.get(day).get_data(as_text=True), appointment.id)
    # its form posts to an address ending in the row's anchor: an answer with an error opens at the row
    assert "Did not come" in row and f'action="{status}#a{appointment.id}" class="inline"' in row
    assert post(client, status, {"status": "no_show"}, day).status_code == 302
    assert db.session.get(Appointment, appointment.id).status == "no_show"
    # she comes at 12:40: her row still takes the arrival code
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 40).isoformat()
    row = _row(client.get(day).get_data(as_text=True), appointment.id)
    assert f'id="code-{appointment.id}"' in row and "Did not come" in row
    post(client, status, {"status": "arrived", "arrival_code": appointment.arrival_code}, day)
    assert db.session.get(Appointment, appointment.id).status == "arrived"


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
    for cnic, name in (("3740522222222", "Noor Bibi"), ("3740533333333", "Bashir Ahmed")):
        response = post(client, path, {"cnic": cnic, "full_name": name, "service_id": service.id, "mode": "queue"})
        assert response.status_code == 302
    numbers = db.session.scalars(select(Appointment.queue_number).where(Appointment.queue_number.is_not(None))).all()
    assert sorted(numbers) == [1, 2]
    html = client.get(f"/clinic-admin/clinics/{clinic.id}/day").get_data(as_text=True)
    assert "Ghulam Rasool" in html and "Bashir Ahmed" in html and "token 2" in html


def test_walk_in_of_a_counter_record_seen_at_another_clinic_keeps_its_number_and_says_so(
    app, client, auth, setup, make_user
):
    """The mobile number guards a counter record (registering online with it completes the record): a
    counter whose admin does not run every clinic of the record's visits leaves it, and the form says so."""
    other_admin = make_user(roles=[("clinic_admin", setup["other"].id)])
    with app.test_request_context():
        seen_elsewhere = health_admin.register_walk_in(
            other_admin,
            setup["other"],
            setup["other_service"].id,
            "3740511111111",
            "Ghulam Rasool",
            "+923211234567",
            "queue",
        )
    db.session.commit()
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    data = {"cnic": "37405-1111111-1", "mobile": "0333 1112222", "service_id": service.id, "mode": "queue"}
    response = post(client, path, data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Queue token 1 for" in page
    assert "The mobile number was not recorded: this person&#39;s record keeps the number it had" in page
    assert "+923211234567" not in page and "0321" not in page
    db.session.expire_all()
    assert db.session.get(User, seen_elsewhere.user_id).mobile == "+923211234567"
    # an online account: its number is never changed at the counter, and the form says so too
    citizen = db.session.get(User, setup["today"].user_id)
    data = {"cnic": citizen.cnic, "mobile": "0333 1112222", "service_id": service.id, "mode": "queue"}
    db.session.get(Appointment, setup["today"].id).status = "seen"
    db.session.commit()
    page = client.get(post(client, path, data).headers["Location"]).get_data(as_text=True)
    assert "this person has an online account and changes it there" in page


def test_the_same_person_registered_twice_for_a_service_is_refused_and_a_mistake_can_be_cancelled(client, auth, setup):
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    data = {"cnic": "37405-1111111-1", "full_name": "Ghulam Rasool", "service_id": service.id, "mode": "queue"}
    assert post(client, path, data).status_code == 302
    first = db.session.scalar(select(Appointment).where(Appointment.walk_in.is_(True)))
    response = post(client, path, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already has queue token 1 for this service today" in _field(html, "cnic")
    assert first.reference in _field(html, "cnic") and 'href="#cnic"' in html
    assert db.session.scalar(select(func.count()).where(Appointment.walk_in.is_(True))) == 1
    # In Urdu too
    client.get("/language/ur?next=/")
    html = post(client, path, data).get_data(as_text=True)
    assert "ٹوکن" in _field(html, "cnic") and first.reference in _field(html, "cnic")
    client.get("/language/en?next=/")
    # the entry made by mistake is cancelled from the daily list, with a reason and no message
    day = client.get(f"/clinic-admin/clinics/{clinic.id}/day").get_data(as_text=True)
    assert f"/clinic-admin/appointments/{first.id}/cancel" in _row(day, first.id)
    cancel_path = f"/clinic-admin/appointments/{first.id}/cancel"
    page = client.get(cancel_path).get_data(as_text=True)
    assert "Cancel this walk-in" in page and "reason_ur" not in page and "kept in the clinic" in page
    response = post(client, cancel_path, {"reason": "Registered twice"})
    assert response.status_code == 302
    assert "is cancelled and its place is free" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Appointment, first.id).status == "cancelled"
    assert db.session.scalar(select(func.count(Message.id)).where(Message.subject.like("%cancelled%"))) == 0
    assert post(client, path, data).status_code == 302  # registered again, correctly


def test_walk_in_form_posted_twice_registers_the_person_once(client, auth, setup):
    """A double tap or a retry on a slow link: one place taken, the first registration shown again."""
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    for mode, cnic, name, shown in (
        (
            "slot",
            "3740511111111",
            "Ghulam Rasool",
            '<bdi class="name">Ghulam Rasool</bdi> is booked in at <bdi>9:00\u202fAM</bdi> today.',
        ),
        ("queue", "3740522222222", "Noor Bibi", 'Queue token 1 for <bdi class="name">Noor Bibi</bdi>.'),
    ):
        html = client.get(path).get_data(as_text=True)
        data = {
            "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
            "cnic": cnic,
            "full_name": name,
            "service_id": service.id,
            "mode": mode,
        }
        first, second = client.post(path, data=data), client.post(path, data=data)
        assert first.status_code == second.status_code == 302
        person = db.session.scalar(select(User).where(User.cnic == cnic))
        assert db.session.scalar(select(func.count()).where(Appointment.user_id == person.id)) == 1
        assert client.get(second.headers["Location"]).get_data(as_text=True).count(shown) == 2
    slot = db.session.scalar(select(Slot).where(Slot.service_id == service.id, Slot.starts_at == karachi(MONDAY, 9)))
    assert slot.booked == 1


def test_walk_in_page_sent_again_for_someone_else_registers_them(client, auth, setup):
    """The browser's Back to the filled form, a new CNIC, Register: a second person, not the first again."""
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    html = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
        "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
        "service_id": service.id,
        "mode": "queue",
    }
    client.post(path, data={**data, "cnic": "37405-1111111-1", "full_name": "Ghulam Rasool"})
    client.post(path, data={**data, "cnic": "37405-2222222-2", "full_name": "Noor Bibi"})
    names = db.session.scalars(
        select(User.full_name).join(Appointment, Appointment.user_id == User.id).where(Appointment.walk_in.is_(True))
    ).all()
    assert sorted(names) == ["Ghulam Rasool", "Noor Bibi"]


def test_walk_in_when_today_is_full(client, auth, make_service, make_user, app):
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 45).isoformat()  # the last time (12:30) is under way
    service = make_service(places_per_slot=1)
    admin = make_user(roles=[("clinic_admin", service.clinic_id)])
    auth.login(admin)
    path = f"/clinic-admin/clinics/{service.clinic_id}/walk-in"
    data = {"cnic": "3740511111111", "full_name": "A B", "service_id": service.id, "mode": "slot"}
    assert post(client, path, data).status_code == 302  # its one place
    response = post(client, path, {**data, "cnic": "3740511111112"})
    assert "Give the person a queue token instead" in response.get_data(as_text=True)


def test_a_walk_in_after_the_service_has_closed_for_the_day_is_told_so_at_the_service(
    client, auth, make_service, make_user, app
):
    app.config["FIXED_NOW"] = karachi(MONDAY, 13, 5).isoformat()  # after the last time ended, at 13:00
    service = make_service()
    admin = make_user(roles=[("clinic_admin", service.clinic_id)])
    auth.login(admin)
    path = f"/clinic-admin/clinics/{service.clinic_id}/walk-in"
    for mode in ("queue", "slot"):
        data = {"cnic": "3740511111111", "full_name": "A B", "service_id": service.id, "mode": mode}
        html = post(client, path, data).get_data(as_text=True)
        assert "This service has closed for today: its last appointment time ended at 1:00" in _field(
            html, "service_id"
        )
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


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
    with client.get(f"/clinic-admin/clinics/{clinic.id}/export?start=bad&end=2026-03-31") as response:
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Enter the date as year-month-day, for example 2026-12-31." in _field(html, "start")
        assert "Not a valid date value" not in html
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/export").status_code == 200


def test_csv_exports_never_hand_a_spreadsheet_a_formula(client, auth, setup):
    """A name typed to start a formula ('=HYPERLINK(…)', or a tab before one, which spreadsheets
    strip and then run) comes out behind an apostrophe in the clinic's CSV files."""
    dependant = setup["tomorrow"].dependant
    auth.login(setup["admin"])
    for name in ('=HYPERLINK("http://evil.example")', "\t=1+1", "-2+3", "@SUM(A1)"):
        dependant.full_name = name
        db.session.commit()
        path = f"/clinic-admin/clinics/{setup['clinic'].id}/export?start=2026-03-01&end=2026-03-31"
        with client.get(path) as response:
            rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert "'" + name in {r[4] for r in rows[1:]}, name


def test_counts_on_daily_page(client, auth, setup):
    auth.login(setup["admin"])
    html = client.get(f"/clinic-admin/clinics/{setup['clinic'].id}/day").get_data(as_text=True)
    # 7 starts a day × 2 places = 14 places today; one used
    assert "1 of 14 (7%)" in html
    assert "2 of 98 (2%)" in html  # the week: 7 days


def test_counts_on_daily_page_count_the_places_offered_each_day(app, client, auth, setup):
    """Hours edited today change the places from today on; last week's page keeps last week's hours, less
    the day the clinic was closed then, and both pages say how the places are counted (English, Urdu)."""
    service, staff = setup["service"], setup["admin"]
    monday = next(h for h in service.hours if h.weekday == 0)
    with app.test_request_context():
        health_admin.save_hours(staff, service, monday, 0, time(10), time(13))  # no break: 6 slots, 12 places
    db.session.add(
        Closure(clinic_id=service.clinic_id, start_date=date(2026, 2, 25), end_date=date(2026, 2, 25), reason="Strike")
    )
    db.session.commit()
    auth.login(staff)
    day = f"/clinic-admin/clinics/{setup['clinic'].id}/day"
    html = client.get(day).get_data(as_text=True)
    assert "1 of 12 (8%)" in html  # today, at the hours in force now
    assert "2 of 96 (2%)" in html  # the week: Monday 12, six days at 14
    assert "counted from the weekly hours in force that day, less the days the clinic" in html
    html = client.get(f"{day}?date=2026-02-23").get_data(as_text=True)  # last Monday
    assert "0 of 14 (0%)" in html  # the hours then
    assert "0 of 84 (0%)" in html  # seven days at 14, less the closed Wednesday
    client.get("/language/ur?next=/")
    html = client.get(f"{day}?date=2026-02-23").get_data(as_text=True)
    assert "14 میں سے 0 (0%)" in html and "84 میں سے 0 (0%)" in html
    assert "اُس دن نافذ ہفتہ وار اوقات سے گنی جاتی ہیں" in html


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


def test_a_second_service_or_clinic_of_the_same_name_is_refused_at_the_name(client, auth, setup):
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    data = {
        "name": " general opd",
        "slot_minutes": "15",
        "places_per_slot": "1",
        "min_notice_hours": "1",
        "horizon_days": "7",
        "cancel_cutoff_hours": "1",
        "active": "y",
    }
    response = post(client, f"/clinic-admin/clinics/{clinic.id}/services/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="#name"' in html
    assert "already has a service called “general opd”" in _field(html, "name")
    assert db.session.scalar(select(func.count()).where(Service.clinic_id == clinic.id)) == 1
    response = post(
        client,
        "/clinic-admin/clinics/new",
        {"name": clinic.name.upper(), "type": "bhu", "district": clinic.district, "address": "x", "active": "y"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "already a clinic called" in _field(html, "name")
    assert db.session.scalar(select(func.count()).where(Clinic.name.ilike(clinic.name))) == 1
    assert service.name == "General OPD"


def test_pages_with_a_form_per_row_give_no_id_twice(client, auth, setup):
    """The opening hours and today's list carry a small form per row (remove these hours, arrived, did
    not come) beside the page's own: their CSRF tokens are written without an id, so that no id is on
    the page twice (a label's ``for`` or an error summary's link would find the first one)."""
    auth.login(setup["admin"])
    for path in (
        f"/clinic-admin/services/{setup['service'].id}/hours",
        f"/clinic-admin/clinics/{setup['clinic'].id}/day",
    ):
        html = client.get(path).get_data(as_text=True)
        assert html.count('name="csrf_token"') > 2, path
        twice = [name for name, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
        assert not twice, f"{path}: {twice}"


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
    response = post(client, path, {**data, "confirm": "y", "reviewed": _reviewed(html)})
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
    response = post(client, path, {**data, "confirm": "y", "reviewed": _reviewed(response.get_data(as_text=True))})
    assert response.status_code == 302
    assert db.session.get(Appointment, appointment.id).status == "cancelled"
    assert db.session.get(Appointment, setup["today"].id).status == "booked"
    closure = db.session.scalar(select(Closure))
    response = post(client, f"/clinic-admin/closures/{closure.id}/delete", {}, path)
    assert response.status_code == 302 and db.session.scalar(select(func.count(Closure.id))) == 0


def test_closure_widened_after_the_list_was_shown_asks_again_before_cancelling(client, auth, setup, make_user):
    """Seen in the browser: Tuesday's list showed one booking; the admin ticked the box and, in the
    same post, moved the last day to Wednesday. Only what was listed may be cancelled by that tick."""
    auth.login(setup["admin"])
    clinic, tuesday = setup["clinic"], setup["tomorrow"]  # Tuesday 09:00
    with client.application.test_request_context():
        someone = make_user(full_name="Bilal Ahmed")
        wednesday = services.book_slot(someone, setup["service"].id, karachi(TUESDAY + timedelta(days=1), 10))
    db.session.commit()
    path = f"/clinic-admin/clinics/{clinic.id}/closures"
    data = {"service_id": "0", "start_date": "2026-03-03", "end_date": "2026-03-03", "reason": "Strike"}
    html = post(client, path, data).get_data(as_text=True)
    assert tuesday.reference in html and wednesday.reference not in html
    assert _reviewed(html) == str(tuesday.id)

    widened = {**data, "end_date": "2026-03-04", "confirm": "y", "reviewed": _reviewed(html)}
    html = post(client, path, widened).get_data(as_text=True)
    assert "would now cancel appointments that were not in the list you reviewed (new in the list: 1)" in html
    assert tuesday.reference in html and wednesday.reference in html
    assert set(_reviewed(html).split(",")) == {str(tuesday.id), str(wednesday.id)}
    assert not re.search(r'<input[^>]*name="confirm"[^>]*checked', html)  # ticked for the old list
    assert 'value="2026-03-04"' in html  # what was typed is kept
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    assert {db.session.get(Appointment, a.id).status for a in (tuesday, wednesday)} == {"booked"}

    response = post(client, path, {**widened, "reviewed": _reviewed(html)})
    assert response.status_code == 302
    assert "2 booked appointments were cancelled" in client.get(path).get_data(as_text=True)
    assert {db.session.get(Appointment, a.id).status for a in (tuesday, wednesday)} == {"cancelled"}


def test_delete_hours_needs_confirmation_when_bookings_exist(client, auth, setup):
    auth.login(setup["admin"])
    service = setup["service"]
    hours_id = next(h.id for h in service.hours if h.weekday == 1)
    path = f"/clinic-admin/hours/{hours_id}/delete"
    form_path = f"/clinic-admin/services/{service.id}/hours"
    response = post(client, path, {}, form_path)
    assert setup["tomorrow"].reference in response.get_data(as_text=True)
    assert db.session.get(WeeklyHours, hours_id) is not None
    response = post(client, path, {"confirm": "y", "reviewed": _reviewed(response.get_data(as_text=True))}, form_path)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(WeeklyHours, hours_id) is None


def _summary_link(html: str) -> str | None:
    """Where the page's summary of the problem leads (the href of its link), None when it has none."""
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    found = re.search(r'<a href="#([^"]+)"', summary)
    return found.group(1) if found else None


def test_the_summary_asking_to_confirm_cancellations_leads_to_the_tick_box(client, auth, setup):
    """The list of appointments a change would cancel can be long (5,000 px on a phone): the summary at
    the top, which asks to review and confirm, is a link to the box to tick at the bottom."""
    auth.login(setup["admin"])
    service, clinic = setup["service"], setup["clinic"]
    tuesday_hours = next(h for h in service.hours if h.weekday == 1)
    closure = {"service_id": "0", "start_date": "2026-03-03", "end_date": "2026-03-03", "reason": "Strike"}
    pages = [
        (f"/clinic-admin/clinics/{clinic.id}/closures", closure, None),
        (f"/clinic-admin/hours/{tuesday_hours.id}/edit", {"weekday": "1", "start": "10:00", "end": "13:00"}, None),
        (f"/clinic-admin/services/{service.id}/edit", dict(SERVICE_DATA), None),
        (f"/clinic-admin/hours/{tuesday_hours.id}/delete", {}, f"/clinic-admin/services/{service.id}/hours"),
    ]
    for path, data, token_from in pages:
        html = post(client, path, data, token_from).get_data(as_text=True)
        assert setup["tomorrow"].reference in html, path
        target = _summary_link(html)
        assert target, f"{path}: the summary does not lead to the box"
        box = re.search(rf'<input[^>]*\bid="{target}"[^>]*>', html)
        assert box and 'name="confirm"' in box.group(0), path
    # A problem with a field is no confirmation: its summary leads to the field, not to a box.
    html = post(client, pages[0][0], {**closure, "end_date": "2026-03-01"}).get_data(as_text=True)
    assert 'href="#confirm"' not in html


# The service form as the setup's service has it, without "active" (ticked: taking appointments).
SERVICE_DATA = {
    "name": "General OPD",
    "slot_minutes": "30",
    "places_per_slot": "2",
    "min_notice_hours": "2",
    "horizon_days": "14",
    "cancel_cutoff_hours": "2",
}


def test_deactivating_a_service_asks_first(client, auth, setup):
    auth.login(setup["admin"])
    service = setup["service"]
    path = f"/clinic-admin/services/{service.id}/edit"
    data = dict(SERVICE_DATA)
    response = post(client, path, data)  # no "active": deactivate
    assert "affects 2 booked appointments" in response.get_data(as_text=True)
    assert db.session.get(Service, service.id).active
    response = post(client, path, {**data, "active": "y", "places_per_slot": "3"})
    assert response.status_code == 302
    assert db.session.get(Slot, setup["tomorrow"].slot_id).capacity == 3


def test_after_confirming_a_save_the_admin_is_told_how_many_bookings_were_cancelled(client, auth, setup):
    """Seen in the browser: deactivating a service cancelled 34 bookings and the page said only "The
    service has been saved.", where a closure or removed hours say how many people were told."""
    auth.login(setup["admin"])
    service, clinic = setup["service"], setup["clinic"]
    tuesday_hours = next(h for h in service.hours if h.weekday == 1)
    hours_path = f"/clinic-admin/hours/{tuesday_hours.id}/edit"
    hours = {"weekday": "1", "start": "10:00", "end": "13:00"}
    html = post(client, hours_path, hours).get_data(as_text=True)
    post(client, hours_path, {**hours, "confirm": "y", "reviewed": _reviewed(html)})
    told = "1 booked appointment was cancelled and the person has been told."
    assert f"The opening hours have been saved. {told}" in client.get(hours_path).get_data(as_text=True)

    service_path = f"/clinic-admin/services/{service.id}/edit"
    data = dict(SERVICE_DATA)  # no "active": stop taking appointments
    html = post(client, service_path, data).get_data(as_text=True)
    post(client, service_path, {**data, "confirm": "y", "reviewed": _reviewed(html)})
    page = client.get(f"/clinic-admin/services/{service.id}/hours").get_data(as_text=True)
    assert f"The service has been saved. {told}" in page  # Monday's; Tuesday's went with the hours

    other = setup["other"]
    admin = setup["admin"]
    db.session.add(RoleAssignment(user=admin, role="clinic_admin", scope_id=other.id, created_at=admin.created_at))
    db.session.commit()
    clinic_path = f"/clinic-admin/clinics/{other.id}/edit"
    data = {"name": other.name, "type": other.type, "district": other.district, "address": other.address}
    html = post(client, clinic_path, data).get_data(as_text=True)  # no "active": closed for bookings
    assert setup["elsewhere"].reference in html
    post(client, clinic_path, {**data, "confirm": "y", "reviewed": _reviewed(html)})
    page = client.get(f"/clinic-admin/clinics/{other.id}").get_data(as_text=True)
    assert f"The clinic has been saved. {told}" in page
    assert db.session.get(Appointment, setup["elsewhere"].id).status == "cancelled"
    assert clinic.active


def test_daily_list_with_a_bad_date_shows_todays_list_with_an_error_at_the_date(client, auth, setup):
    auth.login(setup["admin"])
    clinic = setup["clinic"]
    cases = {
        "nonsense": "Enter a real date as year-month-day",
        "2026-02-30": "Enter a real date as year-month-day",
        "9999-12-31": "Enter a date between the years 2000 and 2100",
        "0001-01-01": "Enter a date between the years 2000 and 2100",
    }
    for value, message in cases.items():
        for page in ("day", "day.csv"):
            response = client.get(f"/clinic-admin/clinics/{clinic.id}/{page}?date={value}")
            html = response.get_data(as_text=True)
            assert response.status_code == 400 and response.mimetype == "text/html", (page, value)
            field = _field(html, "date")
            assert f"<span>{message}" in field and f'value="{value}"' in field and 'aria-invalid="true"' in field
            assert 'class="error-summary"' in html and 'href="#date"' in html
            assert "Daily list: Monday, March 2, 2026" in html and setup["today"].reference in html  # today's list
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/day?date=2026-03-03").status_code == 200
    assert client.get(f"/clinic-admin/clinics/{clinic.id}/day?date=").status_code == 200


def test_walk_in_errors_are_shown_at_their_fields(client, auth, setup, make_service):
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    response = post(client, path, {"cnic": "37405-1111111-1", "service_id": service.id, "mode": "slot"})
    html = response.get_data(as_text=True)
    assert "enter the person&#39;s full name" in _field(html, "full_name")
    assert 'href="#full_name"' in html  # and in the summary
    assert "There is a problem</h2>\n  <p>" not in html  # not a second, loose box


def test_walk_in_service_is_chosen_by_the_officer_unless_the_clinic_has_only_one(client, auth, setup, make_service):
    """The first service (a different one in each language's alphabet) was chosen for the officer: a
    CNIC typed and Register pressed filed the person under it."""
    auth.login(setup["admin"])
    clinic = setup["clinic"]
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"

    def service_select(html):
        return re.search(r'<select[^>]*id="service_id".*?</select>', html, re.S).group(0)

    only = service_select(client.get(path).get_data(as_text=True))  # the setup's clinic has one service
    assert re.search(rf'<option selected value="{setup["service"].id}">', only)
    make_service(clinic=clinic, name="Dental")
    for lang, choose in (("en", "Choose a service"), ("ur", "سروس منتخب کریں")):
        client.get(f"/language/{lang}?next=/")
        services_shown = service_select(client.get(path).get_data(as_text=True))
        assert re.search(rf'<option selected value="">{choose}</option>', services_shown), lang
        assert services_shown.count(" selected") == 1, lang
    client.get("/language/en?next=/")
    before = db.session.scalar(select(func.count(Appointment.id)))
    html = post(client, path, {"cnic": setup["admin"].cnic, "service_id": "", "mode": "slot"}).get_data(as_text=True)
    assert "Choose a service." in _field(html, "service_id") and 'href="#service_id"' in html
    assert db.session.scalar(select(func.count(Appointment.id))) == before


def test_walk_in_refused_for_a_service_closed_today_in_both_modes(client, auth, setup, make_service):
    dental = make_service(clinic=setup["clinic"], name="Dental", hours=[(TUESDAY.weekday(), time(9), time(13))])
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/walk-in"
    for mode in ("queue", "slot"):
        response = post(client, path, {"cnic": setup["admin"].cnic, "service_id": dental.id, "mode": mode})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "no opening hours today, or is closed today" in _field(html, "service_id")
        assert "queue token" not in html.split('id="service_id-error"')[1].split("</p>")[0]
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.service_id == dental.id)) == 0


def test_hours_errors_are_shown_at_their_fields(client, auth, setup):
    auth.login(setup["admin"])
    hours = f"/clinic-admin/services/{setup['service'].id}/hours"
    response = post(client, hours, {"weekday": "1", "start": "14:00", "end": "17:00", "break_start": "15:00"})
    html = response.get_data(as_text=True)
    assert "Give both the start and the end of the break, or neither." in _field(html, "break_end")
    assert 'href="#break_end"' in html
    response = post(client, hours, {"weekday": "1", "start": "14:00", "end": "17:00", "break_end": "15:00"})
    assert "or neither" in _field(response.get_data(as_text=True), "break_start")
    response = post(client, hours, {"weekday": "1", "start": "12:00", "end": "15:00"})
    html = response.get_data(as_text=True)
    assert "overlap the hours 09:00–13:00" in _field(html, "start") and 'href="#start"' in html


def test_closure_errors_at_their_fields_and_the_count_of_people_told(client, auth, setup):
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/closures"
    old = {"service_id": "0", "start_date": "2025-01-01", "end_date": "2025-01-05", "reason": "Old closure"}
    html = post(client, path, old).get_data(as_text=True)
    assert "already over" in _field(html, "end_date") and "has been added" not in html
    century = {**old, "start_date": "2026-12-20", "end_date": "2126-12-20", "reason": "Century"}
    assert "at most 366 days" in _field(post(client, path, century).get_data(as_text=True), "end_date")
    assert db.session.scalar(select(func.count(Closure.id))) == 0

    tuesday = {"service_id": "0", "start_date": "2026-03-03", "end_date": "2026-03-03", "reason": "Strike"}
    reviewed = _reviewed(post(client, path, tuesday).get_data(as_text=True))
    response = post(client, path, {**tuesday, "confirm": "y", "reviewed": reviewed})
    assert response.status_code == 302
    message = "The closure has been added. 1 booked appointment was cancelled and the person has been told."
    assert message in client.get(path).get_data(as_text=True)
    again = post(client, path, tuesday).get_data(as_text=True)
    assert "overlap the closure already set" in _field(again, "start_date")
    assert db.session.scalar(select(func.count(Closure.id))) == 1
    response = post(client, path, {**tuesday, "start_date": "2026-03-10", "end_date": "2026-03-10"})
    assert response.status_code == 302
    assert "The closure has been added.</" in client.get(path).get_data(as_text=True)  # nobody to tell


def test_a_closure_far_ahead_is_refused_and_date_problems_come_with_the_others(client, auth, setup):
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/closures"
    year_2099 = {"service_id": "0", "start_date": "2099-01-01", "end_date": "2099-12-31", "reason": "Typo"}
    response = post(client, path, year_2099)
    html = response.get_data(as_text=True)
    assert "A closure can start at most one year ahead, by March 3, 2027." in _field(html, "start_date")
    assert 'href="#start_date"' in html
    # a past day and a missing reason are said at once
    html = post(client, path, {**year_2099, "start_date": "2025-01-01", "end_date": "2025-01-05", "reason": ""})
    html = html.get_data(as_text=True)
    assert "already over" in _field(html, "end_date") and "This field is required" in _field(html, "reason")
    assert db.session.scalar(select(func.count(Closure.id))) == 0
    # the last day a year ahead is fine
    assert post(client, path, {**year_2099, "start_date": "2027-03-03", "end_date": "2027-03-04"}).status_code == 302


def test_clinic_phone_must_be_a_pakistani_number_and_is_stored_formatted(client, auth, setup):
    auth.login(setup["admin"])
    clinic = setup["clinic"]
    path = f"/clinic-admin/clinics/{clinic.id}/edit"
    data = {"name": clinic.name, "type": clinic.type, "district": clinic.district, "address": clinic.address}
    for nonsense in ("call me maybe!!", "1122", "+44 20 7946 0958"):
        html = post(client, path, {**data, "phone": nonsense, "active": "y"}).get_data(as_text=True)
        assert "Enter a Pakistani phone number" in _field(html, "phone"), nonsense
    for typed, stored in (("042-99201234", "(042) 99201234"), ("+92 300 1234567", "0300 1234567"), ("", None)):
        assert post(client, path, {**data, "phone": typed, "active": "y"}).status_code == 302
        db.session.expire_all()
        assert db.session.get(Clinic, clinic.id).phone == stored
    post(client, path, {**data, "phone": "04299201234", "active": "y"})
    assert "(042) 99201234" in client.get(f"/clinics/{clinic.id}").get_data(as_text=True)


def test_service_number_that_is_not_a_number_gets_one_message_and_is_kept(client, auth, setup):
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/services/new"
    data = {
        "name": "Dental",
        "slot_minutes": "fifteen",
        "places_per_slot": "1",
        "min_notice_hours": "2",
        "horizon_days": "14",
        "cancel_cutoff_hours": "2",
    }
    html = post(client, path, data).get_data(as_text=True)
    field = _field(html, "slot_minutes")
    assert field.count("<span>") == 1 and "Enter a whole number in figures" in field
    assert 'value="fifteen"' in field and 'type="text"' in field and 'inputmode="numeric"' in field
    assert html.count("slot_minutes-error") == 2  # the message, and the box that points to it
    assert "Between 5 and 240" in _field(
        post(client, path, {**data, "slot_minutes": "2"}).get_data(as_text=True), "slot_minutes"
    )


def test_urdu_daily_list_sets_times_left_to_right(client, auth, setup):
    auth.login(setup["admin"])
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get(f"/clinic-admin/clinics/{setup['clinic'].id}/day").get_data(as_text=True)
    time_cell = re.search(r'<td data-label="وقت">(.*?)</td>', _row(html, setup["today"].id)).group(1)
    assert re.fullmatch(r'<bdi dir="ltr">12:00 [^<]+</bdi>', time_cell), time_cell
    assert not ltr_cells(html)


def test_daily_list_and_csv_show_the_same_cnic_for_a_family_member(client, auth, setup, citizen):
    auth.login(setup["admin"])
    citizen.dependants[0].id_number = "3520277777771"
    db.session.commit()
    clinic, booking = setup["clinic"], setup["tomorrow"]  # Hamza's, booked by Ayesha
    html = client.get(f"/clinic-admin/clinics/{clinic.id}/day?date={TUESDAY.isoformat()}").get_data(as_text=True)
    shown = re.search(r'<td data-label="CNIC"><bdi dir="ltr">([^<]+)</bdi>', _row(html, booking.id)).group(1)
    with client.get(f"/clinic-admin/clinics/{clinic.id}/day.csv?date={TUESDAY.isoformat()}") as response:
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["name"], r["cnic"], r["booked_by"]) for r in rows] == [("Hamza Khan", shown, "Ayesha Khan")]
    assert shown == f"{citizen.cnic[:5]}-•••••{citizen.cnic[10:12]}-{citizen.cnic[12]}"


def test_removing_hours_with_bookings_says_which_hours_and_survives_a_reload(client, auth, setup):
    auth.login(setup["admin"])
    service = setup["service"]
    tuesday = next(h for h in service.hours if h.weekday == 1)
    path = f"/clinic-admin/hours/{tuesday.id}/delete"
    hours_page = f"/clinic-admin/services/{service.id}/hours"
    html = post(client, path, {}, hours_page).get_data(as_text=True)
    assert "<h1>Remove opening hours</h1>" in html
    assert "<dd>Tuesday</dd>" in html and '<bdi dir="ltr">09:00–13:00</bdi>' in html and "11:00–11:30" in html
    assert "would cancel 1 booked appointment." in html and setup["tomorrow"].reference in html
    assert "tick the box below and press “Remove these hours”" in html
    assert ">Remove these hours</button>" in html and "save again" not in html
    assert 'name="start"' not in html  # no second form whose Save button the text could mean
    response = client.get(path)  # a reload of the address
    assert response.status_code == 302 and response.headers["Location"].endswith(hours_page)
    assert db.session.get(WeeklyHours, tuesday.id) is not None
    response = post(client, path, {"confirm": "y", "reviewed": _reviewed(html)}, hours_page)
    assert "The opening hours have been removed. 1 booked appointment was cancelled" in client.get(hours_page).get_data(
        as_text=True
    )


def test_removing_hours_after_someone_booked_meanwhile_asks_again(client, auth, setup, make_user):
    auth.login(setup["admin"])
    service = setup["service"]
    tuesday = next(h for h in service.hours if h.weekday == 1)
    path = f"/clinic-admin/hours/{tuesday.id}/delete"
    hours_page = f"/clinic-admin/services/{service.id}/hours"
    html = post(client, path, {}, hours_page).get_data(as_text=True)
    with client.application.test_request_context():
        meanwhile = services.book_slot(make_user(full_name="Bilal Ahmed"), service.id, karachi(TUESDAY, 10))
    db.session.commit()
    html = post(client, path, {"confirm": "y", "reviewed": _reviewed(html)}, hours_page).get_data(as_text=True)
    assert "not in the list you reviewed (new in the list: 1)" in html
    assert "would cancel 1 booked appointment" not in html  # the page's own count is not shown instead
    assert meanwhile.reference in html and setup["tomorrow"].reference in html
    db.session.expire_all()
    assert db.session.get(WeeklyHours, tuesday.id) is not None
    assert db.session.get(Appointment, meanwhile.id).status == "booked"


def test_admin_pages_carry_their_scope_class_for_the_layout_rules(client, auth, setup):
    """health.css: on clinic admin pages the cards have no bullets, and an Actions cell stays a table
    cell (a flex box there left its border above the row's); the browser test measures both."""
    auth.login(setup["admin"])
    for path in ("/clinic-admin", f"/clinic-admin/clinics/{setup['clinic'].id}"):
        assert '<body class="clinic-admin">' in client.get(path).get_data(as_text=True)
    with client.get("/static/css/health.css") as response:
        css = response.get_data(as_text=True)
    assert ".clinic-admin ul.cards { list-style: none; padding: 0; }" in css
    assert ".clinic-admin td.actions { display: table-cell; }" in css


def test_the_audit_log_names_a_checked_in_appointment_by_its_reference_and_patient(
    client, auth, setup, citizen, make_user
):
    """What the room saw on the citizen's phone (the reference, the child's name) is what the superadmin
    reads in the audit log, not the appointment's row number."""
    auth.login(setup["admin"])
    appointment = setup["tomorrow"]
    appointment.visit_date, appointment.starts_at = MONDAY, karachi(MONDAY, 12, 15)
    db.session.commit()
    day = f"/clinic-admin/clinics/{setup['clinic'].id}/day"
    post(
        client,
        f"/clinic-admin/appointments/{appointment.id}/status",
        {"status": "arrived", "arrival_code": appointment.arrival_code},
        day,
    )
    assert db.session.get(Appointment, appointment.id).status == "arrived"
    auth.logout()
    auth.login(make_user(roles=["superadmin"]))
    row = next(r for r in re.findall(r"<tr>.*?</tr>", client.get("/admin/audit").text, re.S) if "checked in" in r)
    record = re.search(r'data-label="Record">(.*?)</td>', row, re.S).group(1)
    assert f'Appointment <bdi dir="ltr">{appointment.reference}</bdi>' in record
    assert "Hamza Khan" in record and f">{appointment.id}<" not in record


def test_the_audit_log_says_the_days_and_reason_of_a_removed_closure(client, auth, setup, make_user):
    """ "Closure removed | Closure 3" said nothing once the closure was gone: its days and reason are kept."""
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/closures"
    data = {"service_id": "0", "start_date": "2026-03-10", "end_date": "2026-03-12", "reason": "Polio campaign"}
    assert post(client, path, {**data, "reason_ur": "پولیو مہم"}).status_code == 302
    closure = db.session.scalar(select(Closure))
    assert post(client, f"/clinic-admin/closures/{closure.id}/delete", {}, path).status_code == 302
    auth.logout()
    auth.login(make_user(roles=["superadmin"]))
    rows = re.findall(r"<tr>.*?</tr>", client.get("/admin/audit").text, re.S)
    removed = next(r for r in rows if "Closure removed" in r)
    details = " ".join(
        re.sub(r"<[^>]+>", " ", re.search(r'data-label="Details">(.*?)</td>', removed, re.S).group(1)).split()
    )
    assert details == (
        "First closed day: Mar 10, 2026 · Last closed day: Mar 12, 2026 · Reason: Polio campaign · "
        "Reason in Urdu: پولیو مہم"
    )


def test_a_walk_in_named_in_english_keeps_its_words_in_order_on_an_urdu_page(client, auth, setup):
    """ "Walk In 1" in an Urdu sentence: the name is an island marked English, so the number stays at its
    end instead of jumping before it ("1 Walk In کے لیے…")."""
    auth.login(setup["admin"])
    clinic, service = setup["clinic"], setup["service"]
    client.get("/language/ur?next=/")
    path = f"/clinic-admin/clinics/{clinic.id}/walk-in"
    html = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
        "submission_token": re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1),
        "cnic": "3740533333333",
        "full_name": "Walk In 1",
        "service_id": service.id,
        "mode": "queue",
    }
    response = client.post(path, data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<bdi class="name" lang="en">Walk In 1</bdi>' in page


def test_a_closure_added_after_the_newest_was_removed_gets_an_id_of_its_own(client, auth, setup, make_user):
    """SQLite gave a new row the id of the newest row deleted: a closure added after the newest one was
    removed took its id, and the log's lines about the removed closure then named the new one."""
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/closures"
    whole = {"service_id": "0", "reason_ur": ""}
    assert (
        post(
            client, path, {**whole, "start_date": "2026-03-10", "end_date": "2026-03-10", "reason": "Polio"}
        ).status_code
        == 302
    )
    one = {"service_id": str(setup["service"].id), "start_date": "2026-03-17", "end_date": "2026-03-17"}
    assert post(client, path, {**one, "reason": "Doctor on leave", "reason_ur": ""}).status_code == 302
    removed = db.session.scalar(select(Closure).order_by(Closure.id.desc()).limit(1))
    removed_id = removed.id
    assert post(client, f"/clinic-admin/closures/{removed_id}/delete", {}, path).status_code == 302
    assert (
        post(client, path, {**whole, "start_date": "2026-03-24", "end_date": "2026-03-24", "reason": "Eid"}).status_code
        == 302
    )
    added = db.session.scalar(select(Closure).where(Closure.reason == "Eid"))
    assert added.id > removed_id
    about_removed = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "health_closures", AuditEvent.target_id == str(removed_id))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in about_removed] == ["health.closure.added", "health.closure.deleted"]
    auth.logout()
    auth.login(make_user(roles=["superadmin"]))
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", r).split())
        for r in re.findall(r"<tr>.*?</tr>", client.get("/admin/audit").text, re.S)
    ]
    # The removed closure (of one service, on the 17th) is named by its id alone, never as the whole
    # clinic closed on the 24th that came after it.
    about_the_17th = [r for r in rows if "Mar 17, 2026" in r]
    assert len(about_the_17th) == 2
    assert all(f"Closure {removed_id}" in r and "The whole clinic" not in r for r in about_the_17th)
    assert sum("The whole clinic" in r for r in rows) == 2  # the closures of the 10th and the 24th


def test_a_closure_over_posted_by_hand_is_refused_with_a_message_and_one_under_way_reopens_from_today(
    client, auth, setup
):
    """The page lists only closures not over; the id of one that is, posted by hand, removed it and raised
    last week's places offered. Now it is refused with a message (no 500), and a closure under way has
    "Reopen from today" instead of "Remove": it ends yesterday and keeps its past days."""
    clinic = setup["clinic"]
    over = Closure(clinic_id=clinic.id, start_date=date(2026, 2, 25), end_date=date(2026, 2, 25), reason="Strike")
    under_way = Closure(clinic_id=clinic.id, start_date=date(2026, 2, 27), end_date=MONDAY, reason="Flood")
    db.session.add_all([over, under_way])
    db.session.commit()
    last_week = (date(2026, 2, 23), date(2026, 3, 1))
    before = health_admin.counts(clinic, *last_week).places
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{clinic.id}/closures"
    html = client.get(path).get_data(as_text=True)
    assert f"/clinic-admin/closures/{over.id}/delete" not in html
    row = re.search(rf"<tr>(?:(?!</tr>).)*/clinic-admin/closures/{under_way.id}/delete.*?</tr>", html, re.S).group(0)
    assert "Reopen from today" in row and "Remove" not in row
    response = post(client, f"/clinic-admin/closures/{over.id}/delete", {}, path)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div class="flash flash-error" role="alert">This closure is over, so it cannot be removed' in page
    response = post(client, f"/clinic-admin/closures/{under_way.id}/delete", {}, path)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The closure now ends on March 1, 2026: bookings are open again from today" in page
    db.session.expire_all()
    assert [(c.start_date, c.end_date) for c in db.session.scalars(select(Closure).order_by(Closure.id))] == [
        (date(2026, 2, 25), date(2026, 2, 25)),
        (date(2026, 2, 27), date(2026, 3, 1)),
    ]
    assert health_admin.counts(clinic, *last_week).places == before


def test_the_service_form_says_a_shared_urdu_name_and_a_notice_too_long_at_their_fields(client, auth, setup):
    service = setup["service"]
    service.name_ur = "جنرل او پی ڈی"
    db.session.commit()
    auth.login(setup["admin"])
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/services/new"
    data = {
        "name": "Outdoor",
        "name_ur": "جنرل او پی ڈی",
        "slot_minutes": "15",
        "places_per_slot": "1",
        "min_notice_hours": "2",
        "horizon_days": "14",
        "cancel_cutoff_hours": "2",
        "active": "y",
    }
    html = post(client, path, data).get_data(as_text=True)
    assert "already has a service called" in _field(html, "name_ur")
    html = post(client, path, {**data, "name_ur": "", "min_notice_hours": "72", "horizon_days": "3"}).get_data(
        as_text=True
    )
    assert "must be shorter than the 3 days people may book ahead (72 hours)" in _field(html, "min_notice_hours")
    assert db.session.scalar(select(func.count(Service.id)).where(Service.name == "Outdoor")) == 0


def test_each_hours_edit_and_remove_control_says_which_hours(client, auth, setup):
    """A screen reader's list of links and buttons read "Edit, Edit, Edit …": each names its day and hours."""
    auth.login(setup["admin"])
    html = client.get(f"/clinic-admin/services/{setup['service'].id}/hours").get_data(as_text=True)
    for control in (
        r'<a href="/clinic-admin/hours/\d+/edit">(.*?)</a>',
        r'<button type="submit" class="link-button danger">(.*?)</button>',
    ):
        names = [re.sub(r"<[^>]+>", "", name) for name in re.findall(control, html)]
        assert len(names) == 7 and len(set(names)) == 7, names
    assert 'Edit<span class="visually-hidden"> Tuesday <bdi dir="ltr">09:00–13:00</bdi></span></a>' in html


# --- Urdu: times, time ranges and references in error messages are left-to-right isolates ---------

LRI, PDI = "\u2066", "\u2069"


def test_urdu_hours_overlap_error_gives_the_range_as_one_left_to_right_isolate(client, auth, setup):
    """Found on main: the Urdu error read "13:00–09:00" beside a table showing 09:00–13:00."""
    auth.login(setup["admin"])
    client.get("/language/ur?next=/")
    hours = f"/clinic-admin/services/{setup['service'].id}/hours"
    html = post(client, hours, {"weekday": "1", "start": "12:00", "end": "15:00"}).get_data(as_text=True)
    assert f"{LRI}09:00–13:00{PDI}" in _field(html, "start")
    client.get("/language/en?next=/")
    html = post(client, hours, {"weekday": "1", "start": "12:00", "end": "15:00"}).get_data(as_text=True)
    assert "overlap the hours 09:00–13:00 already" in _field(html, "start") and LRI not in html


def test_urdu_walk_in_after_the_days_last_time_isolates_that_time(client, auth, make_service, make_user, app):
    app.config["FIXED_NOW"] = karachi(MONDAY, 13, 5).isoformat()
    service = make_service()
    auth.login(make_user(roles=[("clinic_admin", service.clinic_id)]))
    client.get("/language/ur?next=/")
    path = f"/clinic-admin/clinics/{service.clinic_id}/walk-in"
    data = {"cnic": "3740511111111", "full_name": "A B", "service_id": service.id, "mode": "queue"}
    field = _field(post(client, path, data).get_data(as_text=True), "service_id")
    assert re.search(f"{LRI}1:00[ \u202f]PM{PDI} پر", field), field


def test_urdu_walk_in_already_booked_today_isolates_the_time_and_the_reference(client, auth, setup):
    auth.login(setup["admin"])
    client.get("/language/ur?next=/")
    path = f"/clinic-admin/clinics/{setup['clinic'].id}/walk-in"
    citizen = db.session.get(User, setup["today"].user_id)
    data = {"cnic": citizen.cnic, "service_id": setup["service"].id, "mode": "slot"}
    field = _field(post(client, path, data).get_data(as_text=True), "cnic")
    assert re.search(f"{LRI}12:00[ \u202f]PM{PDI}", field), field
    assert f"{LRI}{setup['today'].reference}{PDI}" in field
    assert "بجے" not in field  # "8:15 AM بجے" said the hour twice


def test_urdu_flash_sets_a_reference_apart(client, auth, setup):
    """A plain-text flash with a reference in it ("Appointment H-… is cancelled …") on an Urdu page."""
    auth.login(setup["admin"])
    client.get("/language/ur?next=/")
    appointment = setup["tomorrow"]
    response = post(client, f"/clinic-admin/appointments/{appointment.id}/cancel", {"reason": "Doctor on leave"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    (flash,) = re.findall(r'<div class="flash flash-success"[^>]*>(.*?)</div>', page, re.S)
    assert f'<bdi dir="ltr">{appointment.reference}</bdi>' in flash


@pytest.mark.parametrize(
    ("language", "header", "service", "status", "walk_in"),
    [
        ("en", list(health_admin.EXPORT_HEADER), "General OPD", "booked", "no"),
        ("ur", ["حوالہ نمبر", "تاریخ", "وقت", "قطار کا ٹوکن", "نام", "شناختی کارڈ نمبر", "سروس", "صورتحال",
                "بغیر اپائنٹمنٹ", "وجہ", "بک کرنے والا"], "جنرل او پی ڈی", "بک شدہ", "نہیں"),
    ],
)  # fmt: skip
def test_the_day_csv_is_in_the_interfaces_language(client, auth, setup, language, header, service, status, walk_in):
    """Found on main: under the Urdu interface the day's file stayed English (header, the service's
    English name, "booked", "no"), while the dashboard's file is Urdu. English is as it was."""
    setup["service"].name_ur = "جنرل او پی ڈی"
    setup["today"].dependant = setup["tomorrow"].dependant  # a name a spreadsheet would run
    setup["today"].dependant.full_name = "=1+1"
    db.session.commit()
    auth.login(setup["admin"])
    client.get(f"/language/{language}?next=/")
    with client.get(f"/clinic-admin/clinics/{setup['clinic'].id}/day.csv") as response:
        text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == header and len(rows) == 2
    row = dict(zip(health_admin.EXPORT_HEADER, rows[1], strict=True))
    assert (row["service"], row["status"], row["walk_in"]) == (service, status, walk_in)
    assert row["reference"] == setup["today"].reference and row["name"] == "'=1+1" and row["time"] == "12:00"


def test_urdu_row_notice_sets_the_reference_apart(client, auth, setup):
    """The daily list's "H-… is now: آ گئے" at the row, on an Urdu page: the reference an island."""
    auth.login(setup["admin"])
    client.get("/language/ur?next=/")
    clinic, appointment = setup["clinic"], setup["today"]
    day = f"/clinic-admin/clinics/{clinic.id}/day"
    status = f"/clinic-admin/appointments/{appointment.id}/status"
    response = post(client, status, {"status": "arrived", "arrival_code": appointment.arrival_code}, day)
    row = _row(client.get(response.headers["Location"]).get_data(as_text=True), appointment.id)
    notice = re.search(r'<p class="flash flash-success row-notice" role="status">(.*?)</p>', row, re.S).group(1)
    assert notice.startswith(f'<bdi dir="ltr">{appointment.reference}</bdi>')
