"""What a sign-in does to the session: "Keep me signed in" alone makes it outlive the browser, nothing
held before the sign-in (a form token) is carried over, and a phone changing networks stays signed in."""

from __future__ import annotations

from tests.auth.conftest import post_form, register_data
from tests.conftest import PASSWORD, AuthActions, csrf_token


def session_cookie_header(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1, cookies
    return cookies[0]


def signed_in(client, **kwargs) -> bool:
    return client.get("/account", **kwargs).status_code == 200


def test_without_keep_me_signed_in_the_session_cookie_ends_with_the_browser(client, auth, citizen):
    response = auth.login(citizen)
    assert response.status_code == 302
    cookie = session_cookie_header(response).lower()
    assert "expires=" not in cookie and "max-age=" not in cookie
    assert not any(value.startswith("remember_token=") for value in response.headers.getlist("Set-Cookie"))
    assert signed_in(client)


def test_with_keep_me_signed_in_the_session_cookie_lasts(client, auth, citizen):
    response = auth.login(citizen, remember="y")
    assert response.status_code == 302
    cookie = session_cookie_header(response).lower()
    assert "expires=" in cookie
    assert any(value.startswith("remember_token=") for value in response.headers.getlist("Set-Cookie"))


def test_a_new_account_signed_in_by_registering_ends_with_the_browser(client):
    response = post_form(client, "/register", register_data())
    assert response.status_code == 302
    cookie = session_cookie_header(response).lower()
    assert "expires=" not in cookie and "max-age=" not in cookie


def test_a_phone_changing_networks_stays_signed_in_without_keep_me_signed_in(app, citizen):
    phone = app.test_client()
    wifi = {"REMOTE_ADDR": "192.0.2.10"}
    phone.environ_base.update(wifi)
    AuthActions(phone).login(citizen)
    assert signed_in(phone)
    phone.environ_base.update({"REMOTE_ADDR": "198.51.100.77"})  # mobile data now
    assert signed_in(phone)
    assert signed_in(phone, headers={"X-Forwarded-For": "203.0.113.5"})


def test_another_browser_with_a_copy_of_the_session_cookie_is_refused(app, citizen):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile"
    AuthActions(phone).login(citizen)
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0"
    other.set_cookie("session", phone.get_cookie("session").value)
    assert not signed_in(other)


def test_a_form_token_from_before_sign_in_is_refused_after_it(client, auth, citizen):
    before = csrf_token(client, "/login")
    assert auth.login(citizen).status_code == 302
    response = client.post("/logout", data={"csrf_token": before})
    assert response.status_code == 400
    assert signed_in(client)
    after = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_a_form_token_from_before_registering_is_refused_after_it(client):
    before = csrf_token(client, "/register")
    response = client.post("/register", data={**register_data(), "csrf_token": before})
    assert response.status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert signed_in(client)


def test_signing_in_keeps_the_language_and_nothing_else(client, auth, citizen):
    with client.session_transaction() as s:
        s["lang"] = "ur"
        s["left_over"] = "from before"
    auth.login(citizen, PASSWORD)
    with client.session_transaction() as s:
        assert "left_over" not in s
        assert s["_user_id"]
