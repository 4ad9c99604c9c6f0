"""Wrong passwords never lock an account: anyone who knows a CNIC could keep its owner out, and a lock
that only accounts have told which CNICs have one. Guessing is held back by limits on failed sign-ins
instead, per account and address and per account from every address (a browser that has signed in to
the account is not held back by the second), counted the same for a CNIC or an email with no account."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.auth.conftest import audit_actions, post_form, text_of
from tests.auth.test_passwords import ask_reset, reset_link
from tests.conftest import PASSWORD, AuthActions

WRONG = "Wrong-password-123"
GENERIC = "The CNIC or email and password do not match our records."


def from_address(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser, AuthActions(browser)


@pytest.fixture
def limits(app):
    app.config["LOGIN_RATE_LIMIT_IP"] = "1000 per minute"
    app.config["LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS"] = "3 per 15 minutes"
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "6 per minute"
    return app


def test_the_right_password_is_never_refused_for_wrong_ones_typed_elsewhere(limits, citizen):
    """The old lock: five wrong passwords from anywhere, and the owner was refused for 15 minutes."""
    app = limits
    phone, owner = from_address(app, "192.0.2.1")
    assert owner.login(citizen).status_code == 302  # the owner's phone has signed in to the account before
    owner.logout()
    for number in range(2):  # the account's limit altogether, from addresses of their own
        _, someone = from_address(app, f"198.51.100.{number}")
        for _ in range(3):
            assert someone.login(citizen, WRONG).status_code == 200
    _, someone = from_address(app, "198.51.100.99")
    assert someone.login(citizen, WRONG).status_code == 429  # the account's limit holds guessing back
    assert owner.login(citizen).status_code == 302  # but not its owner, on their own phone
    assert "auth.account_locked" not in audit_actions() and "auth.login_refused_locked" not in audit_actions()


def test_wrong_passwords_lock_nothing_and_a_right_one_from_another_address_signs_in(app, citizen):
    _, someone = from_address(app, "198.51.100.1")
    for _ in range(5):  # what locked the account before
        assert GENERIC in text_of(someone.login(citizen, WRONG))
    laptop, owner = from_address(app, "192.0.2.1")
    assert owner.login(citizen).status_code == 302
    db.session.refresh(citizen)
    assert citizen.locked_until is None


def test_one_address_that_failed_too_often_waits_even_with_the_right_password(limits, citizen):
    app = limits
    _, someone = from_address(app, "198.51.100.1")
    for _ in range(3):
        assert someone.login(citizen, WRONG).status_code == 200
    refused = someone.login(citizen)
    assert refused.status_code == 429 and "Too many attempts" in text_of(refused)
    _, owner = from_address(app, "192.0.2.1")  # another address is not held back by it
    assert owner.login(citizen).status_code == 302


def test_right_passwords_are_not_counted(limits, citizen):
    _, owner = from_address(limits, "192.0.2.1")
    for _ in range(8):
        assert owner.login(citizen).status_code == 302
        owner.logout()


def answers(app, identifier: str, prefix: str) -> list[tuple[int, str]]:
    """What a sequence of wrong sign-ins to ``identifier`` is answered, from three addresses."""
    seen = []
    for address in ("1", "2", "1", "3", "1", "2", "2", "3", "3", "2"):
        _, someone = from_address(app, f"{prefix}.{address}")
        response = someone.login(identifier, WRONG)
        page = text_of(response)
        seen.append((response.status_code, "Too many attempts" if "Too many attempts" in page else GENERIC in page))
    return seen


@pytest.mark.parametrize(
    ("known", "unknown"),
    [("CNIC", "35202-9999999-9"), ("EMAIL", "nobody@example.pk"), ("SPACED", "3 5202 9999999 9")],
)
def test_an_identifier_without_an_account_is_answered_as_one_with_an_account(limits, citizen, known, unknown):
    cnic = citizen.cnic
    known = {"CNIC": citizen.cnic_display, "EMAIL": citizen.email, "SPACED": f"{cnic[:1]} {cnic[1:5]} {cnic[5:]}"}[
        known
    ]
    with_account = answers(limits, known, "198.51.100")
    without = answers(limits, unknown, "203.0.113")
    assert with_account == without
    assert {status for status, _ in with_account} == {200, 429}  # both limits were reached on the way


def test_a_password_reset_starts_the_counts_afresh(limits, client, citizen):
    app = limits
    _, someone = from_address(app, "198.51.100.1")
    for _ in range(3):
        someone.login(citizen, WRONG)
    assert someone.login(citizen).status_code == 429
    ask_reset(client, citizen.cnic)
    new_password = "Blue-river-2027"
    post_form(client, reset_link(citizen), {"password": new_password, "confirm": new_password})
    assert someone.login(citizen, new_password).status_code == 302


def test_the_known_device_cookie_names_no_account_and_cannot_be_made_up(limits, citizen, make_user):
    app = limits
    phone, owner = from_address(app, "192.0.2.1")
    owner.login(citizen)
    tag = phone.get_cookie("known_device").value
    assert str(citizen.id) not in tag.split(".") and citizen.cnic not in tag
    other = make_user()
    thief, someone = from_address(app, "198.51.100.1")
    thief.set_cookie("known_device", tag)  # the tag of another account does not exempt this one
    for number in range(2):
        _, helper = from_address(app, f"198.51.100.{number + 10}")
        for _ in range(3):
            helper.login(other, WRONG)
    assert someone.login(other, PASSWORD).status_code == 429


def test_a_new_password_voids_the_known_device_tags_a_cafe_browser_kept(limits, client, citizen):
    """A browser once signed in on (a café's, a borrowed phone) keeps its tag after signing out; the
    owner's password reset must end its exemption from the account's limit, as it ends every sign-in."""
    app = limits
    cafe, visitor = from_address(app, "192.0.2.7")
    assert visitor.login(citizen).status_code == 302
    visitor.logout()
    ask_reset(client, citizen.cnic)
    new_password = "Blue-river-2027"
    post_form(client, reset_link(citizen), {"password": new_password, "confirm": new_password})
    for number in range(2):  # the account's limit, used up from addresses of their own
        _, someone = from_address(app, f"198.51.100.{number + 20}")
        for _ in range(3):
            assert someone.login(citizen, WRONG).status_code == 200
    assert visitor.login(citizen, WRONG).status_code == 429  # the old tag no longer exempts the café


def test_the_account_limit_also_counts_by_the_hour(app, citizen):
    """Spread over many addresses (an IPv6 network has plenty), ten a minute would be 600 guesses an hour:
    the default limit also counts the hour, as the old lock held guessing to a few an hour."""
    app.config["LOGIN_RATE_LIMIT_IP"] = "1000 per minute"
    assert "hour" in app.config["LOGIN_RATE_LIMIT_ACCOUNT"]
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "100 per minute; 7 per hour"
    statuses = []
    for number in range(4):
        _, someone = from_address(app, f"2001:db8::{number + 1}")
        statuses += [someone.login(citizen, WRONG).status_code for _ in range(2)]
    assert statuses == [200] * 7 + [429]
