"""Password change, sign out of all devices, and password reset through the outbox."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.auth.models import PasswordResetToken, User
from portal.extensions import db
from portal.notifications.models import CHANNEL_EMAIL, CHANNEL_IN_APP, CHANNEL_SMS, Message
from tests.auth.conftest import audit_actions, post_form, text_of
from tests.conftest import PASSWORD, AuthActions

NEW_PASSWORD = "Blue-river-2027"


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def change(client, current=PASSWORD, password=NEW_PASSWORD, confirm=None):
    return post_form(
        client,
        "/account/password",
        {"current": current, "password": password, "confirm": password if confirm is None else confirm},
    )


# --- change ------------------------------------------------------------------------------------


def test_password_change_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_change_works_and_signs_out_other_sessions(app, client, auth, citizen):
    auth.login(citizen)
    other = app.test_client()  # another device, signed in before the change
    from tests.conftest import AuthActions

    AuthActions(other).login(citizen, remember="y")
    assert signed_in(other)

    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Your password has been changed. Other devices have been signed out." in text_of(client.get("/account"))
    assert signed_in(client)  # this device goes on
    # The other device's session cookie and remember cookie both stop working.
    assert not signed_in(other)
    assert "auth.password_changed" in audit_actions()

    auth.logout()
    assert auth.login(citizen, PASSWORD).status_code == 200  # the old password no longer works
    assert auth.login(citizen, NEW_PASSWORD).status_code == 302


def test_remember_cookie_from_before_the_change_stops_working(app, client, auth, citizen):
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(citizen, remember="y")
    remember = other.get_cookie("remember_token").value
    auth.login(citizen)
    change(client)
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert not signed_in(fresh)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current": "Wrong-password-1"}, "Your current password is not correct."),
        ({"current": ""}, "This field is required."),
        ({"password": "short"}, "Use at least 10 characters."),
        ({"password": "12345678901"}, "only digits"),
        ({"password": "x3520200000011"}, "Do not use your CNIC as your password."),
        ({"password": "my-03001234567"}, "Do not use your mobile number as your password."),
        ({"confirm": "Blue-river-2028"}, "The two passwords do not match."),
        ({"password": PASSWORD, "confirm": PASSWORD}, "Choose a new password: this is your current one."),
    ],
)
def test_password_change_refuses_bad_input(client, auth, make_user, fields, message):
    user = make_user(cnic="3520200000011", mobile="+923001234567")
    auth.login(user)
    response = change(client, **fields)
    assert response.status_code == 200
    assert message in text_of(response)
    db.session.refresh(user)
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, PASSWORD)
    assert "auth.password_changed" not in audit_actions()


def test_the_password_hint_says_the_rule_the_form_applies(client, auth, citizen):
    """The hint asks for 10 characters and not only numbers, and that is what is refused: a long
    password of letters only (a passphrase) is taken, as the hint lets a person expect."""
    auth.login(citizen)
    page = text_of(client.get("/account/password"))
    assert "At least 10 characters, and not only numbers." in page
    assert "letters as well as numbers" not in page
    assert "only digits" in text_of(change(client, password="12345678901"))
    response = change(client, password="green valley river")
    assert response.status_code == 302 and "auth.password_changed" in audit_actions()


def test_sign_out_of_all_devices(app, client, auth, citizen):
    from tests.conftest import AuthActions

    others = [app.test_client() for _ in range(2)]
    for other in others:
        AuthActions(other).login(citizen, remember="y")
    auth.login(citizen)
    response = post_form(client, "/account/sign-out-everywhere", {}, token_from="/account")
    assert response.status_code == 302
    assert "You have been signed out on every other device." in text_of(client.get("/account"))
    assert signed_in(client)
    assert not any(signed_in(other) for other in others)
    assert audit_actions()[-1] == "auth.signed_out_everywhere"


def test_sign_out_of_all_devices_needs_post_and_csrf(app, client, auth, citizen):
    auth.login(citizen)
    other = app.test_client()
    AuthActions(other).login(citizen)
    assert client.get("/account/sign-out-everywhere").status_code == 405
    assert client.post("/account/sign-out-everywhere").status_code == 400
    assert signed_in(other)


# --- reset -------------------------------------------------------------------------------------

SAME_MESSAGE = "If an account matches, we have sent a link to its mobile number and email."


def ask_reset(client, identifier, **kwargs):
    return post_form(client, "/password-reset", {"identifier": identifier}, **kwargs)


def reset_link(user) -> str:
    db.session.expire_all()
    body = db.session.scalars(
        select(Message.body)
        .where(Message.user_id == user.id, Message.channel == CHANNEL_SMS)
        .order_by(Message.id.desc())
    ).first()
    return re.search(r"http://localhost(/password-reset/[\w-]+)", body).group(1)


def test_reset_request_queues_the_link_by_sms_and_email_never_in_the_portal_inbox(client, citizen):
    """Whoever holds a copy of a signed-in cookie can read the inbox: a reset link there would let
    them set a new password without knowing the current one."""
    response = ask_reset(client, citizen.cnic_display)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert SAME_MESSAGE in text_of(client.get("/login"))
    messages = db.session.scalars(select(Message).where(Message.user_id == citizen.id)).all()
    assert {m.channel for m in messages} == {CHANNEL_SMS, CHANNEL_EMAIL}
    assert not any(m.channel == CHANNEL_IN_APP for m in messages)
    sms = next(m for m in messages if m.channel == CHANNEL_SMS)
    assert sms.recipient == "+923001234567" and sms.status == "pending"
    assert "30 minutes" in sms.body and "/password-reset/" in sms.body
    assert next(m for m in messages if m.channel == CHANNEL_EMAIL).recipient == "bilal@example.pk"
    token = db.session.scalars(select(PasswordResetToken)).one()
    assert token.expires_at == clock.now() + timedelta(minutes=30)
    assert reset_link(citizen).rsplit("/", 1)[1] not in token.token_hash  # only the hash is stored
    assert "auth.password_reset_requested" in audit_actions()


def test_reset_link_starts_with_the_public_address_whatever_host_the_request_named(app, client, citizen):
    """Password-reset poisoning: someone asks for a reset of another person's account with a Host
    header of their own; the link the person is sent must still point at the portal."""
    app.config["PUBLIC_BASE_URL"] = "https://portal.punjab.gov.pk"
    evil = "http://evil.example"
    page = client.get("/password-reset", base_url=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/password-reset", data={"identifier": citizen.cnic_display, "csrf_token": token}, base_url=evil
    )
    assert response.status_code == 302
    bodies = db.session.scalars(select(Message.body).where(Message.user_id == citizen.id)).all()
    assert bodies and all("https://portal.punjab.gov.pk/password-reset/" in body for body in bodies)
    assert not any("evil.example" in body for body in bodies)


def test_reset_request_by_email(client, citizen):
    ask_reset(client, "BILAL@example.pk")
    assert reset_link(citizen)


def test_reset_request_for_unknown_account_shows_the_same_message(client):
    response = ask_reset(client, "35202-9999999-9")
    assert response.status_code == 302
    assert SAME_MESSAGE in text_of(client.get("/login"))
    assert db.session.scalar(select(Message.id)) is None
    assert db.session.scalar(select(PasswordResetToken.id)) is None


def test_the_page_says_how_long_the_link_works_as_configured(app, client, citizen):
    app.config["PASSWORD_RESET_MINUTES"] = 15
    ask_reset(client, citizen.cnic_display)
    assert "It works for 15 minutes." in text_of(client.get("/login"))
    token = db.session.scalars(select(PasswordResetToken)).one()
    assert token.expires_at == clock.now() + timedelta(minutes=15)


def test_reset_request_needs_an_identifier(client):
    response = ask_reset(client, "")
    assert response.status_code == 200
    assert "This field is required." in text_of(response)


def test_demo_mode_shows_a_personas_link_on_screen(app, client, make_user):
    from portal.demo.personas import PERSONAS

    persona = make_user(cnic=PERSONAS[0].cnic, full_name=PERSONAS[0].full_name)
    app.config["DEMO_MODE"] = True
    response = ask_reset(client, persona.cnic)
    assert response.status_code == 200
    page = text_of(response)
    assert "Demo mode: this is the link we sent by SMS and email." in page
    assert reset_link(persona) in page


def test_demo_mode_never_shows_the_link_of_anyone_but_a_persona(app, client, citizen):
    """DEMO_MODE on a portal holding real people's accounts (left on, or turned on for a presentation)
    showed anyone who typed a CNIC the link to choose that person's password: their account."""
    app.config["DEMO_MODE"] = True
    response = ask_reset(client, citizen.cnic)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    link = reset_link(citizen)  # sent by SMS and email as usual
    assert link not in response.get_data(as_text=True)
    assert link not in client.get("/login").get_data(as_text=True)


def test_demo_mode_off_never_shows_the_link(client, citizen):
    ask_reset(client, citizen.cnic)
    assert reset_link(citizen) not in client.get("/login").get_data(as_text=True)


def test_reset_sets_the_password_once(app, client, auth, citizen):
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(citizen)
    ask_reset(client, citizen.cnic)
    link = reset_link(citizen)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Your password has been changed. Please sign in." in text_of(client.get("/login"))
    assert not signed_in(other)  # every session ends
    assert auth.login(citizen, NEW_PASSWORD).status_code == 302
    assert "auth.password_reset" in audit_actions()

    # The same link cannot be used again.
    auth.logout()
    response = client.get(link)
    assert response.status_code == 400
    assert "This reset link has expired or has already been used." in text_of(response)


def test_reused_token_post_is_refused(client, citizen):
    ask_reset(client, citizen.cnic)
    link = reset_link(citizen)
    token = __import__("tests.conftest", fromlist=["csrf_token"]).csrf_token(client, link)
    assert (
        client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    response = client.post(
        link, data={"password": "Another-one-2028", "confirm": "Another-one-2028", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "already been used" in text_of(response)
    db.session.expire_all()
    from werkzeug.security import check_password_hash

    assert check_password_hash(db.session.get(User, citizen.id).password_hash, NEW_PASSWORD)


def test_reset_token_expires_after_30_minutes(app, client, citizen):
    ask_reset(client, citizen.cnic)
    link = reset_link(citizen)
    start = clock.now()
    app.config["FIXED_NOW"] = (start + timedelta(minutes=29, seconds=59)).isoformat()
    assert client.get(link).status_code == 200
    app.config["FIXED_NOW"] = (start + timedelta(minutes=30)).isoformat()
    response = client.get(link)
    assert response.status_code == 400
    assert "This reset link has expired" in text_of(response)
    assert 'href="/password-reset"' in response.get_data(as_text=True)


def test_unknown_reset_token_is_refused(client):
    response = client.get("/password-reset/not-a-real-token")
    assert response.status_code == 400
    assert "This reset link has expired or has already been used." in text_of(response)


def test_a_new_request_leaves_older_links_usable_until_used(client, citizen):
    ask_reset(client, citizen.cnic)
    first = reset_link(citizen)
    ask_reset(client, citizen.cnic)
    second = reset_link(citizen)
    assert first != second
    assert client.get(first).status_code == 200


def test_reset_lets_the_address_that_failed_too_often_sign_in_again(app, client, auth, citizen):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS"] = "1 per 15 minutes"
    auth.login(citizen, "Wrong-password-1")
    assert auth.login(citizen).status_code == 429
    ask_reset(client, citizen.cnic)
    post_form(client, reset_link(citizen), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert auth.login(citizen, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 10 characters."),
        ("12345678901", "12345678901", "only digits"),
        ("Blue-river-2027", "Blue-river-2028", "The two passwords do not match."),
        ("x03001234567x", "x03001234567x", "Do not use your mobile number"),
    ],
)
def test_reset_refuses_weak_passwords(client, citizen, password, confirm, message):
    ask_reset(client, citizen.cnic)
    link = reset_link(citizen)
    response = post_form(client, link, {"password": password, "confirm": confirm})
    assert response.status_code == 200
    assert message in text_of(response)
    assert client.get(link).status_code == 200  # the token is still unused


def test_two_uses_of_one_token_at_once_only_one_wins(client, citizen, monkeypatch):
    """The token is marked used by a conditional UPDATE: a rival use that lands between our
    check and our update makes ours fail instead of setting a second password."""
    from portal.auth import services
    from portal.auth.errors import InvalidResetToken

    ask_reset(client, citizen.cnic)
    token = reset_link(citizen).rsplit("/", 1)[1]
    real_check = services.reset_token_user

    def check_then_rival_uses_it(value):
        record = real_check(value)
        db.session.execute(
            PasswordResetToken.__table__.update().where(PasswordResetToken.id == record.id).values(used_at=clock.now())
        )
        return record

    monkeypatch.setattr(services, "reset_token_user", check_then_rival_uses_it)
    with pytest.raises(InvalidResetToken):
        services.reset_password(token, NEW_PASSWORD)
    db.session.rollback()
    from werkzeug.security import check_password_hash

    db.session.refresh(citizen)
    assert check_password_hash(citizen.password_hash, PASSWORD)


def test_reset_requests_are_rate_limited_per_account(app, client, citizen):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "2 per minute"
    assert ask_reset(client, citizen.cnic).status_code == 302
    assert ask_reset(client, citizen.cnic).status_code == 302
    response = ask_reset(client, citizen.cnic)
    assert response.status_code == 429
    assert "Too many attempts" in text_of(response)
    assert len(db.session.scalars(select(Message).where(Message.channel == CHANNEL_SMS)).all()) == 2
    # Signing in is counted separately.
    from tests.conftest import AuthActions

    assert AuthActions(client).login(citizen).status_code == 302


def test_a_cnic_typed_with_spaces_counts_against_the_same_reset_limit(app, client, citizen):
    """Each request sends an SMS and an email: spaces typed anywhere in the CNIC (which sign-in ignores)
    started a fresh count, so one address could send a person's phone a message for every spacing."""
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "2 per minute"
    cnic = citizen.cnic
    assert ask_reset(client, cnic).status_code == 302
    assert ask_reset(client, f"{cnic[:5]} {cnic[5:12]} {cnic[12:]}").status_code == 302
    for spaced in (f"{cnic[:3]} {cnic[3:]}", f" {cnic[:8]} {cnic[8:]}", citizen.cnic_display):
        assert ask_reset(client, spaced).status_code == 429
    assert len(db.session.scalars(select(Message).where(Message.channel == CHANNEL_SMS)).all()) == 2


def test_reset_requests_for_one_account_stop_after_five_an_hour_from_any_address(client, citizen):
    """Within the minute limit, many addresses could still send one phone 600 reset SMS an hour: a
    sixth request for the same account within the hour is refused and sends nothing, whichever
    address it comes from; another account is not affected."""
    from portal.auth.models import User

    other = User(cnic="3520299999991", full_name="Other Person", mobile="+923001112223", district="Lahore")
    db.session.add(other)
    db.session.commit()
    for n in range(5):
        assert ask_reset(client, citizen.cnic, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 302
    refused = ask_reset(client, citizen.cnic_display, environ_base={"REMOTE_ADDR": "10.0.1.9"})
    assert refused.status_code == 429
    assert len(db.session.scalars(select(Message).where(Message.channel == CHANNEL_SMS)).all()) == 5
    assert ask_reset(client, other.cnic).status_code == 302


def test_the_reset_limit_counts_the_cnic_and_the_email_of_one_account_together(client, citizen):
    """Asked by CNIC five times and by email five times more, one account's phone was sent ten reset SMS
    in the hour: the limit is the account's, however it is named."""
    for n in range(3):
        assert ask_reset(client, citizen.cnic, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 302
    for n in range(2):
        assert ask_reset(client, " BILAL@example.pk", environ_base={"REMOTE_ADDR": f"10.0.2.{n}"}).status_code == 302
    for typed in ("bilal@example.pk", citizen.cnic_display):
        assert ask_reset(client, typed, environ_base={"REMOTE_ADDR": "10.0.3.1"}).status_code == 429
    assert len(db.session.scalars(select(Message).where(Message.channel == CHANNEL_SMS)).all()) == 5


def test_reset_requests_for_an_unknown_account_are_limited_as_for_a_known_one(client, citizen):
    """The answers to five requests and the sixth do not tell whether an account exists."""
    for typed in ("nobody@example.pk", "35202-9999999-1"):
        answers = [ask_reset(client, typed, environ_base={"REMOTE_ADDR": f"10.0.4.{n}"}).status_code for n in range(6)]
        assert answers == [302] * 5 + [429]


def test_a_new_password_ends_every_reset_link_still_waiting(client, auth, citizen):
    ask_reset(client, citizen.cnic_display)
    link = reset_link(citizen)
    auth.login(citizen)
    response = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(link).status_code == 400  # "expired or already used"


def test_a_mobile_number_typed_to_reset_the_password_is_said_to_be_one(client, citizen):
    """'If an account matches, we have sent a link' for a mobile number would leave the person waiting
    for a link that never comes: the page asks for the CNIC or email instead, and sends nothing."""
    response = ask_reset(client, "0300-1234567")
    page = text_of(response)
    assert response.status_code == 200
    assert "This looks like a mobile number. Enter your 13-digit CNIC or the email address on your account." in page
    assert SAME_MESSAGE not in page
    assert db.session.scalar(select(func.count(Message.id))) == 0
    # The CNIC or the email still works as before.
    assert ask_reset(client, citizen.cnic_display).status_code == 302
    assert db.session.scalar(select(func.count(Message.id))) > 0
