"""Sign in and out: CNIC or email, one generic message, remember me, safe `next`, rate limits, CSRF."""

import pytest

from portal import clock
from portal.extensions import db
from tests.auth.conftest import audit_actions, text_of
from tests.conftest import PASSWORD, AuthActions

GENERIC = "The CNIC or email and password do not match our records."


def signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


@pytest.mark.parametrize("identifier", ["CNIC_PLAIN", "CNIC_DASHED", "bilal@example.pk", "BILAL@Example.PK"])
def test_sign_in_by_cnic_or_email(client, auth, citizen, identifier):
    identifier = {"CNIC_PLAIN": citizen.cnic, "CNIC_DASHED": citizen.cnic_display}.get(identifier, identifier)
    response = auth.login(identifier)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    assert "Bilal Ahmed" in text_of(client.get("/"))
    db.session.refresh(citizen)
    assert citizen.last_login_at == clock.now()
    assert audit_actions()[-1] == "auth.login"


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("CNIC", "Wrong-password-123"),
        ("bilal@example.pk", "Wrong-password-123"),
        ("35202-9999999-9", PASSWORD),  # no such account
        ("nobody@example.pk", PASSWORD),
        ("not a cnic", PASSWORD),
    ],
)
def test_any_wrong_credential_gives_one_generic_message(client, auth, citizen, identifier, password):
    response = auth.login(citizen.cnic if identifier == "CNIC" else identifier, password)
    assert response.status_code == 200
    page = text_of(response)
    assert GENERIC in page
    assert "There is a problem" in page
    assert not signed_in(client)
    assert audit_actions()[-1] == "auth.login_failed"


@pytest.mark.parametrize("identifier", ["35202-9999999-9", "nobody@example.pk", "COUNTER_RECORD"])
def test_a_sign_in_without_an_account_costs_the_same_password_check(app, auth, make_user, monkeypatch, identifier):
    """A wrong password for a real account is checked against its scrypt hash (half a second); a CNIC or
    email without an account was checked against a cheap dummy hash and answered at once. Timing the
    answer told anyone which CNICs and emails have an account, past the one generic message. Every
    check must use the hashing method real passwords use."""
    from portal.auth import services

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2000"  # not the testing default, as scrypt is not
    real = make_user(email="real@example.pk")
    counter_record = make_user()
    counter_record.password_hash = None
    db.session.commit()
    checked = []
    real_check = services.check_password_hash

    def check_password_hash(stored, password):
        checked.append(stored.split("$", 1)[0])
        return real_check(stored, password)

    monkeypatch.setattr(services, "check_password_hash", check_password_hash)
    auth.login(real.cnic, "Wrong-password-123")
    auth.login(counter_record.cnic if identifier == "COUNTER_RECORD" else identifier, "Wrong-password-123")
    assert checked == ["pbkdf2:sha256:2000", "pbkdf2:sha256:2000"]


@pytest.mark.parametrize("mobile", ["0300-1234567", "0300 1234567", "+92 300 1234567", "923001234567"])
def test_a_mobile_number_typed_to_sign_in_is_said_to_be_one(client, auth, citizen, mobile):
    """The person's own mobile number with the right password: told that sign-in takes the CNIC or email
    (not that the details do not match, which sends them to reset a password that is right)."""
    response = auth.login(mobile)
    page = text_of(response)
    assert response.status_code == 200 and not signed_in(client)
    assert "This looks like a mobile number. Enter your 13-digit CNIC or the email address on your account." in page
    assert GENERIC not in page
    assert "auth.login_failed" not in audit_actions()  # not an attempt on any account
    auth.login(citizen.cnic_display)  # the CNIC, as asked
    assert signed_in(client)


@pytest.mark.parametrize("typed", ["35202-123456-1", "352021234567", "35202-12345678-1", "3520 2123 4567"])
def test_a_cnic_with_a_digit_missing_or_too_many_is_said_to_be_one(client, auth, citizen, typed):
    """No account can have such a number (CNICs are kept as 13 digits): told to check the card, not
    that the details do not match, which would send them to reset a password that is right."""
    response = auth.login(typed)
    page = text_of(response)
    assert response.status_code == 200 and not signed_in(client)
    assert "A CNIC has 13 digits, for example 35202-1234567-1. Check the number on your card." in page
    assert GENERIC not in page and "auth.login_failed" not in audit_actions()
    with client.session_transaction() as session:
        session["lang"] = "ur"
    assert "13 ہندسے" in text_of(auth.login(typed))


def test_empty_sign_in_form_shows_field_errors(client, auth):
    response = auth.login("", "")
    assert response.status_code == 200
    assert text_of(response).count("This field is required.") >= 2


def test_counter_record_without_password_cannot_sign_in(client, auth, make_user):
    user = make_user()
    user.password_hash = None
    db.session.commit()
    assert GENERIC in text_of(auth.login(user))


def test_deactivated_account_cannot_sign_in(client, auth, make_user):
    user = make_user(active=False)
    assert GENERIC in text_of(auth.login(user))


def test_audit_records_success_and_failure_with_ip(client, auth, citizen):
    from sqlalchemy import select

    from portal.auth.models import AuditEvent

    auth.login(citizen, "Wrong-password-123")
    auth.login(citizen)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["auth.login_failed", "auth.login"]
    assert all(e.actor_id == citizen.id and e.ip == "127.0.0.1" for e in events)
    assert events[0].details == {"reason": "wrong_password"}
    assert events[1].created_at == clock.now()


def test_remember_me_sets_a_remember_cookie(client, auth, citizen):
    auth.login(citizen, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only


def test_sign_out_deletes_the_remember_cookie(app, client, auth, citizen):
    auth.login(citizen, remember="y")
    assert client.get_cookie("remember_token") is not None
    auth.logout()
    assert client.get_cookie("remember_token") is None
    client.get("/")
    assert client.get("/account").status_code == 302


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working(app, client, auth, citizen):
    """A shared phone or a cyber café's computer: a copy of the cookies taken before sign-out (the
    session and remember-me cookies) must not carry on as the citizen."""
    auth.login(citizen, remember="y")
    copied = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    assert client.get("/account").status_code == 200
    auth.logout()

    for name, value in copied.items():
        thief = app.test_client()
        thief.set_cookie(name, value)
        response = thief.get("/account")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), name
    assert auth.login(citizen).status_code == 302  # signing in again works as usual


def test_in_a_demo_one_person_signing_out_leaves_the_others_on_the_shared_persona_signed_in(app, client, auth, citizen):
    app.config["DEMO_MODE"] = True
    auth.login(citizen)
    other = app.test_client()
    AuthActions(other).login(citizen)
    auth.logout()
    assert other.get("/account").status_code == 200


def test_without_remember_me_no_remember_cookie(client, auth, citizen):
    auth.login(citizen)
    assert client.get_cookie("remember_token") is None


def test_session_cookie_is_httponly_and_lax(client, auth, citizen):
    response = auth.login(citizen)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remember_cookie_signs_in_a_new_session(app, client, auth, citizen):
    auth.login(citizen, remember="y")
    remember = client.get_cookie("remember_token").value
    other = app.test_client()
    other.set_cookie("remember_token", remember)
    assert signed_in(other)


def test_remember_cookie_keeps_the_person_signed_in_after_the_browser_is_reopened(app, client, auth, citizen):
    auth.login(citizen, remember="y")
    reopened = app.test_client()  # no session cookie: only the remember cookie survived
    reopened.set_cookie("remember_token", client.get_cookie("remember_token").value)
    for _ in range(3):
        assert reopened.get("/account").status_code == 200
    assert reopened.get_cookie("remember_token") is not None
    # A phone that moves to another network keeps its session, as one made by signing in does.
    assert reopened.get("/account", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200
    assert client.get("/account", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200


def test_sign_in_redirects_to_next_within_the_site(client, auth, citizen):
    token_page = client.get("/login?next=/account/family")
    assert token_page.status_code == 200
    response = client.post(
        "/login?next=/account/family",
        data={"identifier": citizen.cnic, "password": PASSWORD, "csrf_token": _token(client)},
    )
    assert response.headers["Location"] == "/account/family"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/account",
        "https://evil.example",
        "http://evil.example/login",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " //evil.example",
        "evil.example",
        "https:/evil.example",
        "/%2F%2Fevil.example",
        "///evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
    ],
)
def test_sign_in_refuses_open_redirects(client, auth, citizen, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"identifier": citizen.cnic, "password": PASSWORD, "csrf_token": _token(client)},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    # Home, or (for "/%2F%2Fevil.example") a path on this site that a browser never reads as a host.
    assert location == "/" or location == "/%2F%2Fevil.example"


def test_sign_in_with_a_nul_in_next_is_refused_whole(client, citizen):
    """A control character anywhere in a request is refused before any view reads it (see
    portal/control_characters.py): nobody is signed in, and nothing redirects."""
    response = client.post(
        "/login",
        query_string={"next": "/\x00/evil.example"},
        data={"identifier": citizen.cnic, "password": PASSWORD, "csrf_token": _token(client)},
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert client.get("/account").status_code == 302  # not signed in


def test_signed_in_visit_to_login_follows_only_safe_next(client, auth, citizen):
    auth.login(citizen)
    assert client.get("/login?next=//evil.example").headers["Location"] == "/"
    assert client.get("/login?next=/messages").headers["Location"] == "/messages"


def test_protected_page_sends_anonymous_to_sign_in_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/login")


# Wrong passwords lock no account (anyone who knows a CNIC could keep its owner out): the limits on
# failed sign-ins hold guessing back instead, tests/auth/test_sign_in_limits.py.


# --- rate limits -------------------------------------------------------------------------------


def test_rate_limit_per_account_gives_429_page(app, client, auth, citizen):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "3 per minute"
    for _ in range(3):
        assert auth.login(citizen, "Wrong-password-123").status_code == 200
    response = auth.login(citizen, "Wrong-password-123")
    assert response.status_code == 429
    assert "Too many attempts" in text_of(response)
    # The same account from another address is limited too (the key is the account).
    other = app.test_client()
    response = other.post(
        "/login",
        data={"identifier": citizen.cnic, "password": PASSWORD, "csrf_token": _token(other)},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 429
    # Another account from the first address is not.
    assert auth.login("35202-9999999-9", "Wrong-password-123").status_code == 200


def test_the_per_account_limit_holds_however_the_cnic_is_spaced(app, client, auth, citizen):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "3 per minute"
    cnic = citizen.cnic
    for typed in (cnic, citizen.cnic_display, f"{cnic[:5]} {cnic[5:12]} {cnic[12:]}"):
        assert auth.login(typed, "Wrong-password-123").status_code == 200
    assert auth.login(f"{cnic[:1]} {cnic[1:]}", "Wrong-password-123").status_code == 429


def test_the_per_account_limit_counts_the_cnic_and_the_email_together(app, client, auth, citizen):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "3 per minute"
    for typed in (citizen.cnic, "Bilal@Example.pk", citizen.cnic_display):
        assert auth.login(typed, "Wrong-password-123").status_code == 200
    assert auth.login("bilal@example.pk", "Wrong-password-123").status_code == 429


def test_rate_limit_per_ip_gives_429_page(app, client, auth, make_user):
    app.config["LOGIN_RATE_LIMIT_IP"] = "4 per minute"
    users = [make_user() for _ in range(5)]
    for user in users[:4]:
        assert auth.login(user, "Wrong-password-123").status_code == 200
    response = auth.login(users[4], "Wrong-password-123")
    assert response.status_code == 429
    assert "Too many attempts" in text_of(response)
    other = app.test_client()
    response = other.post(
        "/login",
        data={"identifier": users[4].cnic, "password": PASSWORD, "csrf_token": _token(other)},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 302


def _failed_sign_ins(client, forwarded_for: str, times: int) -> list[int]:
    statuses = []
    for _ in range(times):
        response = client.post(
            "/login",
            data={"identifier": "35202-9999999-9", "password": "Wrong-password-123", "csrf_token": _token(client)},
            headers={"X-Forwarded-For": forwarded_for},
        )
        statuses.append(response.status_code)
    return statuses


def test_behind_a_proxy_each_visitor_has_their_own_sign_in_limit(app, database_url):
    """With PROXY_COUNT=1 the limit counts the address the proxy names, so one visitor's failures do
    not lock out everyone else coming through the same proxy."""
    from portal import create_app
    from tests.conftest import IsolatedClient

    proxied = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROXY_COUNT": 1})
    proxied.config["LOGIN_RATE_LIMIT_IP"] = "2 per minute"
    proxied.test_client_class = IsolatedClient
    client = proxied.test_client()
    try:
        assert _failed_sign_ins(client, "203.0.113.7", 3) == [200, 200, 429]
        assert _failed_sign_ins(client, "203.0.113.8", 1) == [200]
    finally:
        _close(proxied)


def _close(other_app) -> None:
    """Close a second app's database connections (they would otherwise be reported open at exit)."""
    with other_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_limit(app, client):
    app.config["LOGIN_RATE_LIMIT_IP"] = "2 per minute"
    assert _failed_sign_ins(client, "203.0.113.7", 3) == [200, 200, 429]
    assert _failed_sign_ins(client, "203.0.113.8", 1) == [429]


def test_showing_the_sign_in_page_is_not_rate_limited(app, client):
    app.config["LOGIN_RATE_LIMIT_IP"] = "2 per minute"
    for _ in range(5):
        assert client.get("/login").status_code == 200


# --- sign out and CSRF -------------------------------------------------------------------------


def test_sign_out_is_a_post_with_csrf(client, auth, citizen):
    auth.login(citizen)
    assert client.get("/logout").status_code == 405
    assert signed_in(client)
    response = client.post("/logout")  # no token
    assert response.status_code == 400
    assert "This form expired" in text_of(response)
    assert signed_in(client)
    response = auth.logout()
    assert response.status_code == 302
    assert not signed_in(client)
    assert "You have signed out." in text_of(client.get("/"))


def test_sign_out_keeps_the_language(client, auth, citizen):
    auth.login(citizen)
    with client.session_transaction() as s:
        s["lang"] = "ur"
    auth.logout()
    with client.session_transaction() as s:
        assert s["lang"] == "ur"
        assert "_user_id" not in s


def test_missing_csrf_token_gives_the_form_expired_page(client, citizen):
    response = client.post("/login", data={"identifier": citizen.cnic, "password": PASSWORD})
    assert response.status_code == 400
    page = text_of(response)
    assert "This form expired" in page
    assert "forms expire after a while" in page
    assert "Traceback" not in page


def test_wrong_csrf_token_is_refused(client, citizen):
    client.get("/login")
    response = client.post("/login", data={"identifier": citizen.cnic, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "This form expired" in text_of(response)


@pytest.mark.parametrize("target", ["/", "/account/family", "/messages?page=2", "/clinics/3#slots", "/a//b"])
def test_safe_next_keeps_paths_on_this_site(app, target):
    from portal.auth.views import safe_next

    with app.test_request_context():
        assert safe_next(target) == target


def test_language_chosen_by_the_link_before_sign_in_is_saved_on_the_profile(client, auth, make_user):
    from portal.extensions import db

    user = make_user(preferred_language="en")
    client.get("/language/ur?next=/login")
    auth.login(user)
    assert 'lang="ur" dir="rtl"' in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.preferred_language == "ur"


def test_language_chosen_before_sign_in_is_kept_and_saved(client, auth, make_user):
    from tests.conftest import csrf_token

    user = make_user(preferred_language="en")
    client.post("/language", data={"lang": "ur", "csrf_token": csrf_token(client, "/login")})
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in html
    from portal.extensions import db

    db.session.refresh(user)
    assert user.preferred_language == "ur"


def test_saved_language_applies_at_sign_in_when_none_was_chosen(client, auth, make_user):
    user = make_user(preferred_language="ur")
    auth.login(user)
    assert 'lang="ur" dir="rtl"' in client.get("/").get_data(as_text=True)


def test_with_the_rate_limit_store_down_sign_in_works_and_is_still_limited(app, database_url):
    """Redis unreachable: each worker counts in its own memory until it is back, instead of every
    sign-in failing with a server error."""
    from portal import create_app
    from tests.conftest import IsolatedClient

    cut_off = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    cut_off.config["LOGIN_RATE_LIMIT_IP"] = "2 per minute"
    cut_off.test_client_class = IsolatedClient
    try:
        assert _failed_sign_ins(cut_off.test_client(), "203.0.113.7", 3) == [200, 200, 429]
    finally:
        _close(cut_off)
