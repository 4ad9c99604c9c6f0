"""One limit on a password's length, the same on every password box: a password accepted when it was
chosen always fits the sign-in box (its maxlength once cut a longer one short, and it never matched)."""

import re

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.validation import PASSWORD_MAX_LENGTH
from tests.auth.conftest import post_form, register_data, text_of
from tests.auth.test_passwords import ask_reset, reset_link
from tests.conftest import PASSWORD, input_tag

LONGEST = "Green-valley-" + "x" * (PASSWORD_MAX_LENGTH - 13)
TOO_LONG = LONGEST + "y"


def maxlength(html: str, name: str) -> int | None:
    found = re.search(r'\bmaxlength="(\d+)"', input_tag(html, name))
    return int(found.group(1)) if found else None


def test_every_password_box_has_the_sign_in_limit(app, client, auth, citizen):
    assert len(LONGEST) == PASSWORD_MAX_LENGTH
    assert maxlength(client.get("/login").text, "password") == PASSWORD_MAX_LENGTH
    register = client.get("/register").text
    assert maxlength(register, "password") == maxlength(register, "confirm") == PASSWORD_MAX_LENGTH
    ask_reset(client, citizen.cnic)
    reset = client.get(reset_link(citizen)).text
    assert maxlength(reset, "password") == maxlength(reset, "confirm") == PASSWORD_MAX_LENGTH
    auth.login(citizen)
    change = client.get("/account/password").text
    for name in ("current", "password", "confirm"):
        assert maxlength(change, name) == PASSWORD_MAX_LENGTH


@pytest.mark.parametrize("language", ["en", "ur"])
def test_registration_refuses_a_password_longer_than_sign_in_accepts(client, language):
    with client.session_transaction() as session:
        session["lang"] = language
    response = post_form(client, "/register", register_data(password=TOO_LONG, confirm=TOO_LONG))
    assert response.status_code == 200
    message = "Use at most 200 characters." if language == "en" else "زیادہ سے زیادہ 200 حروف استعمال کریں۔"
    assert message in text_of(response)
    assert 'id="password-error"' in response.text
    assert db.session.scalar(select(User.id)) is None


def test_the_longest_password_registration_accepts_signs_in(client, auth):
    response = post_form(client, "/register", register_data(password=LONGEST, confirm=LONGEST))
    assert response.status_code == 302
    auth.logout()
    assert auth.login("35202-1234567-1", LONGEST).status_code == 302


def test_a_new_password_longer_than_sign_in_accepts_is_refused(client, auth, citizen):
    auth.login(citizen)
    response = post_form(client, "/account/password", {"current": PASSWORD, "password": TOO_LONG, "confirm": TOO_LONG})
    assert response.status_code == 200
    assert "Use at most 200 characters." in text_of(response)
    auth.logout()
    assert auth.login(citizen, PASSWORD).status_code == 302  # unchanged


def test_a_reset_password_longer_than_sign_in_accepts_is_refused(client, auth, citizen):
    ask_reset(client, citizen.cnic)
    link = reset_link(citizen)
    response = post_form(client, link, {"password": TOO_LONG, "confirm": TOO_LONG})
    assert response.status_code == 200
    assert "Use at most 200 characters." in text_of(response)
    assert client.get(link).status_code == 200  # the link is still unused
    response = post_form(client, link, {"password": LONGEST, "confirm": LONGEST})
    assert response.status_code == 302
    assert auth.login(citizen, LONGEST).status_code == 302
