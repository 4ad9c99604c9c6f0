"""A signed-in session ends 12 hours (PERMANENT_SESSION_LIFETIME) after sign-in however it is used, checked
on the server (portal/auth/lifetime.py): the cookie itself is signed again with a fresh expiry whenever the
session changes, so a copied cookie refreshed now and then would otherwise never end. "Keep me signed in"
goes on from its remember cookie."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from tests.auth.test_devices import ANDROID_CHROME, device, signed_in_on
from tests.conftest import AuthActions


def at(app, signed_in_at, hours: float) -> None:
    app.config["FIXED_NOW"] = signed_in_at + timedelta(hours=hours)


def test_a_session_ends_twelve_hours_after_sign_in_however_often_it_is_refreshed(app, citizen):
    phone = device(app, ANDROID_CHROME)
    signed_in_at = clock.now()
    AuthActions(phone).login(citizen)
    at(app, signed_in_at, 11)
    assert signed_in_on(phone)
    assert phone.get("/language/en").status_code == 302  # the session changes: its cookie is signed again
    assert signed_in_on(phone)
    at(app, signed_in_at, 13)
    page = phone.get("/account")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    at(app, signed_in_at, 11)  # and it is over for good, not only while the clock reads 13 h
    assert not signed_in_on(phone)


def test_keep_me_signed_in_goes_on_from_the_remember_cookie(app, citizen):
    phone = device(app, ANDROID_CHROME)
    signed_in_at = clock.now()
    AuthActions(phone).login(citizen, remember="y")
    at(app, signed_in_at, 13)
    assert signed_in_on(phone)  # a new session from the remember cookie, for another 12 hours
    at(app, signed_in_at, 24)
    assert signed_in_on(phone)
    at(app, signed_in_at, 26)
    assert signed_in_on(phone)


def test_a_copy_of_the_session_cookie_alone_ends_after_twelve_hours_with_keep_me_signed_in_too(app, citizen):
    phone = device(app, ANDROID_CHROME)
    signed_in_at = clock.now()
    AuthActions(phone).login(citizen, remember="y")
    thief = device(app, ANDROID_CHROME)
    thief.set_cookie("session", phone.get_cookie("session").value)
    at(app, signed_in_at, 11)
    assert signed_in_on(thief) and thief.get("/language/ur").status_code == 302
    at(app, signed_in_at, 13)
    assert not signed_in_on(thief)


def test_a_session_from_before_the_check_is_given_one_lifetime_from_its_next_page(app, citizen):
    phone = device(app, ANDROID_CHROME)
    AuthActions(phone).login(citizen)
    with phone.session_transaction() as session:
        del session["signed_in_at"]
    first_page = clock.now()
    assert signed_in_on(phone)
    at(app, first_page, 11.9)
    assert signed_in_on(phone)
    at(app, first_page, 12.1)
    assert not signed_in_on(phone)


def test_the_remember_cookie_signs_in_no_longer_than_its_fourteen_days(app, citizen):
    """Flask-Login's remember cookie carries no date, and its expiry is the browser's to honour: a copy sent
    by hand would sign in for as long as someone kept using it."""
    phone = device(app, ANDROID_CHROME)
    signed_in_at = clock.now()
    AuthActions(phone).login(citizen, remember="y")
    at(app, signed_in_at, 13 * 24)
    assert signed_in_on(phone)
    at(app, signed_in_at, 14 * 24 + 1)
    assert not signed_in_on(phone)
    assert phone.get_cookie("remember_token") is None
    assert not signed_in_on(phone)  # nor does the session it left behind sign in again
