"""A form sent after its CSRF token expired (open for more than 4 hours) keeps what was typed: a page
holds it under a fresh token and sends it again with one press. Passwords are never written back; a
token that is missing, forged or another session's still gets the plain "This form expired" page.
(Among the health tests for their citizen, who has a child to book for; portal.resend serves every form.)"""

from __future__ import annotations

import re
import time
from html import unescape

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.health.models import Appointment
from tests.auth.conftest import register_data, text_of
from tests.conftest import PASSWORD, csrf_token
from tests.health.conftest import TUESDAY, karachi
from tests.health.test_views_citizen import book_page, form_fields


def expired_token(app, client, hours: float = 5) -> str:
    """A token this site signed for this browser's session ``hours`` ago (past the 4-hour limit)."""

    class Earlier(TimestampSigner):
        def get_timestamp(self):
            return int(time.time() - hours * 3600)

    with client.session_transaction() as session:
        raw = session["csrf_token"]
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=Earlier).dumps(raw)


def hidden_fields(html: str) -> list[tuple[str, str]]:
    form = re.search(r'<form method="post" action="([^"]*)" class="resend"[^>]*>(.*?)</form>', html, re.S)
    assert form, "no form on the page"
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    return [(name, unescape(value)) for name, value in pairs]


def appointments() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Appointment.id)))


def test_a_booking_sent_after_four_hours_is_kept_and_books_once_on_send_again(app, client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    page = book_page(service, karachi(TUESDAY, 9))
    fields = form_fields(client.get(page).get_data(as_text=True))
    sent = {**fields, "person": "1", "csrf_token": expired_token(app, client)}
    response = client.post(page, data=sent)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Send this form again" in html and "What you typed is kept" in html
    assert "Passwords are not kept" not in html  # there was none
    assert appointments() == 0  # nothing was booked by the refused post
    assert re.search(rf'<form method="post" action="{re.escape(page)}" class="resend"', html)
    kept = hidden_fields(html)
    assert ("person", "1") in kept and ("submission_token", fields["submission_token"]) in kept
    new_token = dict(kept)["csrf_token"]
    assert new_token != sent["csrf_token"]  # a token valid from now, not the expired one
    response = client.post(page, data=dict(kept))  # the "Send again" button
    assert response.status_code == 302 and appointments() == 1
    booked = db.session.scalars(select(Appointment)).one()
    assert booked.dependant_id == citizen.dependants[0].id  # for the family member chosen hours ago
    assert client.post(page, data=dict(kept)).status_code == 302 and appointments() == 1  # pressed twice: once


def test_passwords_are_never_written_back_and_the_rest_of_a_registration_is_kept(app, client):
    client.get("/register")
    data = register_data(full_name="Bushra <b>Iqbal</b> & Co")
    response = client.post("/register", data={**data, "csrf_token": expired_token(app, client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Passwords are not kept: type yours again" in html
    assert PASSWORD not in html
    kept = dict(hidden_fields(html))
    assert "password" not in kept and "confirm" not in kept
    assert kept["full_name"] == "Bushra <b>Iqbal</b> & Co" and "<b>Iqbal" not in html  # escaped, as typed
    assert kept["cnic"] == data["cnic"] and kept["district"] == "Lahore"
    response = client.post("/register", data=kept)  # sent again: asks for the password, keeps the rest
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="password-error"' in page
    assert 'value="Bushra &lt;b&gt;Iqbal&lt;/b&gt; &amp; Co"' in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_password_change_keeps_no_password_at_all(app, client, auth, citizen):
    auth.login(citizen)
    client.get("/account/password")
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "Another-pass-2026", "confirm": "Another-pass-2026"}
        | {"csrf_token": expired_token(app, client)},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Send this form again" in html
    assert PASSWORD not in html and "Another-pass-2026" not in html
    assert [name for name, _ in hidden_fields(html)] == ["csrf_token"]


def test_a_token_missing_forged_or_from_another_session_gets_the_plain_expired_page(app, client, auth, citizen):
    service_page = "/register"
    client.get(service_page)
    stale = expired_token(app, client)
    data = register_data(full_name="Typed Name")
    for token in ("", "forged", stale[:-2] + "xx"):
        response = client.post(service_page, data={**data, "csrf_token": token})
        assert response.status_code == 400 and "This form expired" in text_of(response)
        assert "Typed Name" not in response.get_data(as_text=True)
    with client.session_transaction() as session:
        session["csrf_token"] = "another session's secret"  # signed out and in again, another browser
    response = client.post(service_page, data={**data, "csrf_token": stale})
    assert response.status_code == 400 and "This form expired" in text_of(response)
    assert "Typed Name" not in response.get_data(as_text=True)


def test_the_send_again_page_reads_in_urdu(app, client):
    client.get("/register")
    with client.session_transaction() as session:
        session["lang"] = "ur"
    response = client.post("/register", data={**register_data(), "csrf_token": expired_token(app, client)})
    html = response.get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html
    assert "Send this form again" not in html and "Send again" not in html
    assert re.search(r"<h1>[\u0600-\u06FF][^<]*</h1>", html)


def test_a_script_posting_json_gets_json_not_the_page(app, client, auth, citizen):
    auth.login(citizen)
    client.get("/")
    response = client.post(
        "/logout", data={"csrf_token": expired_token(app, client)}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"] == 400
    assert csrf_token(client, "/")  # still signed in: nothing was done
