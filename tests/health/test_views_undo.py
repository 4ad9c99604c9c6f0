"""Request tests for Undo on the daily list: shown only where a status can be taken back, a POST with
CSRF that works without JavaScript, said at the row, scoped like the list's other buttons, audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import AuditEvent
from portal.extensions import db
from portal.health import admin, services
from portal.health.models import Appointment
from tests.auth.conftest import text_of
from tests.conftest import csrf_token
from tests.health.conftest import MONDAY, TUESDAY, karachi


@pytest.fixture
def setup(app, make_service, make_user, citizen):
    service = make_service()
    other_service = make_service(name="Eye")  # another clinic
    staff = make_user(full_name="Dr. Imran", roles=[("clinic_admin", service.clinic_id)])
    other_staff = make_user(full_name="Dr. Other", roles=[("clinic_admin", other_service.clinic_id)])
    with app.test_request_context():
        today = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
        admin.set_status(staff, today.id, "arrived", today.arrival_code)
        waiting = services.book_slot(
            citizen, service.id, karachi(MONDAY, 12, 30), dependant_id=citizen.dependants[0].id
        )
        walk_in = admin.register_walk_in(
            staff, service.clinic, service.id, "37405-1111111-1", "Ghulam Rasool", None, admin.WALK_IN_QUEUE
        )
    db.session.commit()
    return {
        "clinic": service.clinic,
        "staff": staff,
        "other_staff": other_staff,
        "today": today,
        "waiting": waiting,
        "walk_in": walk_in,
        "day": f"/clinic-admin/clinics/{service.clinic_id}/day",
    }


def undo_path(appointment_id) -> str:
    return f"/clinic-admin/appointments/{appointment_id}/undo"


def post(client, path, data=None, form_path="/clinic-admin"):
    return client.post(path, data={"csrf_token": csrf_token(client, form_path), **(data or {})})


def _row(html: str, appointment_id: int) -> str:
    return re.search(rf'<tr id="a{appointment_id}">.*?</tr>', html, re.S).group(0)


def test_undo_is_offered_only_where_a_status_can_be_taken_back(client, auth, setup, app):
    auth.login(setup["staff"])
    today, waiting, walk_in = setup["today"], setup["waiting"], setup["walk_in"]
    html = client.get(setup["day"]).text
    row = _row(html, today.id)
    assert f'action="{undo_path(today.id)}#a{today.id}"' in row and "Undo “Arrived”" in row
    assert 'name="csrf_token"' in re.search(r"<form[^>]*/undo#.*?</form>", row, re.S).group(0)
    assert "/undo" not in _row(html, waiting.id)  # still booked: nothing to undo
    assert "/undo" not in _row(html, walk_in.id)  # a walk-in's check-in: cancelled instead, never undone
    # The next day, yesterday's list is the record of what happened: no Undo on it.
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()
    html = client.get(f"{setup['day']}?date={MONDAY.isoformat()}").text
    assert "/undo" not in html


def test_undo_a_check_in_posts_and_the_row_says_what_happened(client, auth, setup, citizen):
    auth.login(setup["staff"])
    today = setup["today"]
    response = post(client, undo_path(today.id), form_path=setup["day"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/day?date={MONDAY.isoformat()}#a{today.id}")
    db.session.expire_all()
    undone = db.session.get(Appointment, today.id)
    assert undone.status == "booked" and undone.arrived_at is None and undone.active_key is not None
    html = client.get(response.headers["Location"]).text
    row = _row(html, today.id)
    done = f'<p class="flash flash-success row-notice" role="status">Undone: {today.reference} is “Booked” again.</p>'
    assert done in row and html.count("Undone:") == 1
    assert f'id="code-{today.id}"' in row and "/undo" not in row  # checked in again with the code
    assert "Undone:" not in client.get(setup["day"]).text  # said once
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "health.appointment.undone"))
    assert event.details == {"previous": "arrived", "status": "booked"} and event.actor_id == setup["staff"].id


def test_undo_seen_then_a_walk_ins_row_can_be_cancelled_again(client, auth, setup):
    auth.login(setup["staff"])
    walk_in = setup["walk_in"]
    post(client, f"/clinic-admin/appointments/{walk_in.id}/status", {"status": "seen"}, setup["day"])
    row = _row(client.get(setup["day"]).text, walk_in.id)
    assert "Undo “Seen”" in row and f"/appointments/{walk_in.id}/cancel" not in row
    assert post(client, undo_path(walk_in.id), form_path=setup["day"]).status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, walk_in.id).status == "arrived"
    row = _row(client.get(setup["day"]).text, walk_in.id)
    assert "is “Arrived” again." in row and f"/appointments/{walk_in.id}/cancel" in row


def test_a_refused_undo_is_said_at_its_row(client, auth, setup, citizen):
    """Booked again since (the check-in had let go of her place for the service): a plain message at the
    row, never a 500; nothing changed. A second press (a double tap) says there is nothing to undo."""
    auth.login(setup["staff"])
    today = setup["today"]
    with client.application.test_request_context():
        again = services.book_slot(citizen, today.service_id, karachi(TUESDAY, 9))
    db.session.commit()
    response = post(client, undo_path(today.id), form_path=setup["day"])
    assert response.status_code == 400
    row = _row(response.text, today.id)
    assert 'class="error-message"' in row and "has booked this service again since" in row and again.reference in row
    db.session.expire_all()
    assert db.session.get(Appointment, today.id).status == "arrived"
    # the booking waiting in the same list gives an undo that does not apply: refused at its row too
    response = post(client, undo_path(setup["waiting"].id), form_path=setup["day"])
    assert response.status_code == 400
    row = _row(response.text, setup["waiting"].id)
    assert "There is nothing to undo on this appointment." in row
    code_box = re.search(r'<input id="code-\d+"[^>]*>', row).group(0)
    assert "aria-invalid" not in code_box and "autofocus" not in code_box  # the code was not at fault


def test_undo_is_refused_on_another_day(client, auth, setup, app):
    auth.login(setup["staff"])
    app.config["FIXED_NOW"] = karachi(TUESDAY, 9).isoformat()
    auth.login_again()  # the next day: a new sign-in (a session lasts 12 hours)
    response = post(client, undo_path(setup["today"].id), form_path=setup["day"])
    assert response.status_code == 400
    assert "only be undone on the day of the appointment" in _row(response.text, setup["today"].id)
    assert db.session.get(Appointment, setup["today"].id).status == "arrived"


def test_undo_is_scoped_like_the_lists_other_buttons(client, auth, setup, citizen):
    today = setup["today"]
    path = undo_path(today.id)
    # anonymous: sent to sign in
    response = client.post(path, data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # a citizen, even the appointment's own: 403
    auth.login(citizen)
    assert post(client, path, form_path="/account").status_code == 403
    auth.logout()
    # the clinic admin of another clinic: 404, as if it did not exist
    auth.login(setup["other_staff"])
    assert post(client, path).status_code == 404
    db.session.expire_all()
    assert db.session.get(Appointment, today.id).status == "arrived"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "health.appointment.undone")) is None


def test_bad_requests_to_undo_never_fail(client, auth, setup):
    auth.login(setup["staff"])
    today = setup["today"]
    assert post(client, undo_path(999999)).status_code == 404
    assert post(client, "/clinic-admin/appointments/abc/undo").status_code == 404
    assert post(client, "/clinic-admin/appointments/-1/undo").status_code == 404
    assert client.post(undo_path(today.id)).status_code == 400  # no CSRF token
    assert client.post(undo_path(today.id), data={"csrf_token": "forged"}).status_code == 400
    assert client.get(undo_path(today.id)).status_code == 405
    db.session.expire_all()
    assert db.session.get(Appointment, today.id).status == "arrived"


def test_undo_in_urdu_and_in_the_audit_log(client, auth, setup, make_user):
    auth.login(setup["staff"])
    today = setup["today"]
    client.get("/language/ur?next=/")
    row = _row(client.get(setup["day"]).text, today.id)
    assert "”پہنچ گئے“ واپس لیں" in row
    response = post(client, undo_path(today.id), form_path=setup["day"])
    row = _row(client.get(response.headers["Location"]).text, today.id)
    # The reference a left-to-right island in the Urdu sentence (flash_text).
    assert f'واپس لے لیا گیا: <bdi dir="ltr">{today.reference}</bdi> کی صورتحال دوبارہ ”بک شدہ“ ہے۔' in row
    auth.logout()
    auth.login(make_user(roles=["superadmin"]))
    client.get("/language/en?next=/")
    page = text_of(client.get("/admin/audit"))
    assert "Status change undone on the daily list" in page
    assert "Status before: Arrived · Status after: Booked" in page
    client.get("/language/ur?next=/")
    page = text_of(client.get("/admin/audit"))
    assert "روزانہ فہرست پر صورتحال کی تبدیلی واپس لی گئی" in page
    assert "پہلے کی صورتحال: پہنچ گئے · بعد کی صورتحال: بک شدہ" in page
