"""A new mobile number or email (where password-reset links go) asks for the current password, tells the
number and address the account had, and is audited: a borrowed session cannot become a takeover by a
reset to the borrower's own number."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.auth.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import CHANNEL_EMAIL, CHANNEL_IN_APP, CHANNEL_SMS, Message
from tests.auth.conftest import audit_actions, post_form, text_of
from tests.conftest import PASSWORD

NEEDED = "Enter your current password to change your mobile number or email."
WRONG = "Your current password is not correct."


def details(**overrides) -> dict:
    """The profile form as the citizen fixture's page shows it (nothing changed), with ``overrides``."""
    data = {"mobile": "0300 1234567", "email": "bilal@example.pk", "district": "Lahore", "preferred_language": "en"}
    data.update(overrides)
    return data


def notices(user) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.user_id == user.id).order_by(Message.id)))


@pytest.mark.parametrize(
    "change",
    [{"mobile": "0321 7654321"}, {"email": "taker@example.pk"}, {"email": ""}],
    ids=["mobile", "email", "email removed"],
)
def test_a_new_mobile_or_email_without_the_password_is_refused_next_to_the_field(client, auth, citizen, change):
    auth.login(citizen)
    response = post_form(client, "/account", details(**change))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert text_of(response).count(NEEDED) == 2  # in the summary at the top and by the field
    assert 'href="#current_password"' in html and 'id="current_password-error"' in html
    db.session.refresh(citizen)
    assert (citizen.mobile, citizen.email) == ("+923001234567", "bilal@example.pk")
    assert notices(citizen) == []
    assert "account.contact_changed" not in audit_actions()


def test_a_wrong_password_is_refused_and_changes_nothing(client, auth, citizen):
    auth.login(citizen)
    response = post_form(client, "/account", details(mobile="0321 7654321", current_password="Not-the-password-1"))
    assert response.status_code == 200 and WRONG in text_of(response)
    db.session.refresh(citizen)
    assert citizen.mobile == "+923001234567"
    assert notices(citizen) == []


def test_district_and_language_need_no_password(client, auth, citizen):
    auth.login(citizen)
    response = post_form(
        client, "/account", details(district="Multan", mobile="+92 300 1234567", email="Bilal@Example.PK")
    )
    assert response.status_code == 302
    db.session.refresh(citizen)
    assert citizen.district == "Multan"
    assert notices(citizen) == [] and "account.contact_changed" not in audit_actions()


def test_with_the_password_the_change_is_saved_told_to_the_old_contacts_and_audited(client, auth, citizen):
    auth.login(citizen)
    response = post_form(
        client, "/account", details(mobile="0321 7654321", email="new@example.pk", current_password=PASSWORD)
    )
    assert response.status_code == 302
    db.session.refresh(citizen)
    assert (citizen.mobile, citizen.email) == ("+923217654321", "new@example.pk")
    sent = {(m.channel, m.recipient) for m in notices(citizen)}
    assert sent == {(CHANNEL_SMS, "+923001234567"), (CHANNEL_EMAIL, "bilal@example.pk")}  # the old ones only
    assert all(m.channel != CHANNEL_IN_APP for m in notices(citizen))
    body = notices(citizen)[0].body
    assert "was changed" in body and "If you did not do this" in body
    assert "7654321" not in body and "new@example.pk" not in body
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.contact_changed")).one()
    assert event.actor_id == citizen.id and event.target_id == str(citizen.id)
    assert event.details == {"changed": ["mobile", "email"]}  # which, not the numbers or addresses


def test_the_notice_is_in_the_persons_language(client, auth, make_user):
    person = make_user(preferred_language="ur", mobile="+923001112222", email="ur@example.pk")
    auth.login(person)
    post_form(
        client,
        "/account",
        details(mobile="0300 1112222", email="nayi@example.pk", preferred_language="ur", current_password=PASSWORD),
    )
    sent = notices(person)
    assert sorted(m.recipient for m in sent) == ["+923001112222", "ur@example.pk"]
    assert all("ڈیجیٹل پنجاب اکاؤنٹ کا موبائل نمبر یا ای میل پتہ تبدیل" in m.body for m in sent)
    assert all("آپ کی رابطے کی تفصیلات" in m.subject for m in sent)


def test_the_audit_log_says_what_changed(client, auth, citizen, make_user):
    auth.login(citizen)
    post_form(client, "/account", details(email="new@example.pk", current_password=PASSWORD))
    auth.logout()
    boss = make_user(roles=[("superadmin", None)])
    auth.login(boss)
    page = text_of(client.get(f"/admin/audit?cnic={citizen.cnic}"))
    assert "Mobile number or email changed" in page and "Email" in page
    assert "new@example.pk" not in page


def test_an_account_without_a_password_cannot_change_its_contacts(app, make_user):
    """A clinic counter's record has no password (it cannot sign in either): nothing proves its contacts
    are the asker's to change."""
    person = make_user()
    person.password_hash = None
    db.session.commit()
    with app.test_request_context(), pytest.raises(services.WrongPassword):
        services.update_profile(
            person, mobile="+923217654321", email=None, district="Lahore", language="en", password="anything-1"
        )


@pytest.mark.parametrize("path", ["/account", "/account/password"])
def test_guessing_the_current_password_while_signed_in_is_limited_and_audited(app, client, auth, citizen, path):
    """Whoever holds a borrowed session must not be able to guess the password that guards the mobile
    number, the email and the password itself: each wrong one is audited, and a few are allowed."""
    app.config["PASSWORD_CHECK_RATE_LIMIT"] = "3 per 15 minutes"
    auth.login(citizen)
    if path == "/account":
        guess = details(mobile="0321 7654321", current_password="Not-the-password-1")
    else:
        guess = {"current": "Not-the-password-1", "password": "Green-field-2027", "confirm": "Green-field-2027"}
    statuses = [post_form(client, path, guess).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert audit_actions().count("auth.password_check_failed") == 3
    right = (
        details(mobile="0321 7654321", current_password=PASSWORD)
        if path == "/account"
        else {"current": PASSWORD, "password": "Green-field-2027", "confirm": "Green-field-2027"}
    )
    assert post_form(client, path, right).status_code == 429  # the right one waits too, for a while
    db.session.refresh(citizen)
    assert citizen.mobile == "+923001234567"
