"""Records made at a clinic counter (walk-ins with no password) and registering online later.

CNICs are printed on many documents, so an online registration completes a counter record only with
the mobile number the counter recorded; anyone else is refused and the record stays as it was.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth import services
from portal.auth.errors import CounterRecordNotProven
from portal.auth.models import AuditEvent, User
from portal.extensions import db
from portal.health import admin
from portal.health.models import Appointment
from tests.auth.conftest import audit_actions, post_form, register_data, text_of

WALK_IN_CNIC = "3740522222221"
COUNTER_MOBILE = "+923211234567"
# The same answer as for any CNIC that has an account: a message of its own told whoever typed a CNIC
# that its owner had been to a clinic.
REFUSAL = "An account with this CNIC already exists. Please sign in, or reset your password if you have forgotten it."


@pytest.fixture
def counter_record(make_service, make_user):
    """A walk-in registered at the counter: a User with no password and one arrived visit.

    ``counter_record(mobile=None)`` when the counter recorded no mobile number."""

    def factory(mobile: str | None = COUNTER_MOBILE) -> User:
        service = make_service()
        staff = make_user(roles=[("clinic_admin", service.clinic_id)])
        appointment = admin.register_walk_in(
            staff, service.clinic, service.id, WALK_IN_CNIC, "Nasreen Bibi", mobile, "queue"
        )
        db.session.commit()
        return db.session.get(User, appointment.user_id)

    return factory


def registration(**overrides) -> services.Registration:
    values = {
        "full_name": "Nasreen Akhtar",
        "cnic": "37405-2222222-1",
        "mobile": COUNTER_MOBILE,
        "email": None,
        "date_of_birth": date(1970, 1, 1),
        "gender": "female",
        "district": "Rawalpindi",
        "password": "Saffron-field-70",
    }
    values.update(overrides)
    return services.Registration(**values)


def test_matching_mobile_completes_the_counter_record_and_keeps_its_visits(counter_record):
    person = counter_record()
    user = services.register(registration())
    db.session.commit()
    assert user.id == person.id
    db.session.expire_all()
    user = db.session.get(User, person.id)
    assert user.full_name == "Nasreen Akhtar" and user.password_hash and user.mobile == COUNTER_MOBILE
    assert db.session.scalar(select(func.count(User.id)).where(User.cnic == WALK_IN_CNIC)) == 1
    visits = db.session.scalars(select(Appointment).where(Appointment.user_id == user.id)).all()
    assert [(v.walk_in, v.status) for v in visits] == [(True, "arrived")]
    assert services.authenticate(WALK_IN_CNIC, "Saffron-field-70").id == user.id


@pytest.mark.parametrize(
    ("recorded", "given"),
    [
        (COUNTER_MOBILE, "+923001234567"),  # someone who knows the CNIC but not the number
        (None, COUNTER_MOBILE),  # the counter recorded no number: nothing to prove it with
        (None, "+923001234567"),
    ],
)
def test_other_or_missing_mobile_is_refused_and_changes_nothing(counter_record, recorded, given):
    counter_record(mobile=recorded)
    with pytest.raises(CounterRecordNotProven):
        services.register(registration(mobile=given))
    assert not db.session.dirty and not db.session.new
    db.session.rollback()  # as the view does after a refusal
    db.session.expire_all()
    record = db.session.scalars(select(User).where(User.cnic == WALK_IN_CNIC)).one()
    assert record.full_name == "Nasreen Bibi"
    assert record.password_hash is None
    assert record.mobile == recorded
    assert record.date_of_birth is None and record.privacy_accepted_at is None
    assert "account.registered" not in audit_actions()


def test_the_mobile_is_compared_in_e164(counter_record):
    person = counter_record()
    user = services.register(registration(mobile="0321 1234567"))
    assert user.id == person.id and user.password_hash


def test_the_refusal_names_neither_the_number_nor_the_person(app, counter_record):
    counter_record()
    with app.test_request_context(), pytest.raises(CounterRecordNotProven) as refused:
        services.register(registration(mobile="+923001234567"))
    with app.test_request_context():
        message = str(refused.value)
    assert message == REFUSAL
    for secret in ("Nasreen", "1234567", "0321"):
        assert secret not in message


def test_registration_form_shows_the_refusal_next_to_the_cnic_and_in_the_summary(client, counter_record):
    counter_record()
    response = post_form(client, "/register", register_data(cnic="37405-2222222-1", mobile="0300 1234567"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(REFUSAL) == 2  # the error summary at the top and the message by the field
    assert 'href="#cnic"' in html and 'aria-describedby="cnic-hint cnic-error"' in html
    assert "Nasreen" not in page and "0321" not in page
    db.session.expire_all()
    record = db.session.scalars(select(User).where(User.cnic == WALK_IN_CNIC)).one()
    assert record.password_hash is None and record.full_name == "Nasreen Bibi"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "account.registered")) == 0


def test_registration_form_with_the_counter_mobile_completes_the_record(client, counter_record):
    person = counter_record()
    response = post_form(client, "/register", register_data(cnic="37405-2222222-1", mobile="0321-1234567"))
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, person.id)
    assert user.full_name == "Ayesha Siddiqui" and user.password_hash
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.user_id == user.id)) == 1


def test_the_refusal_is_shown_in_urdu(client, counter_record):
    counter_record()
    with client.session_transaction() as s:
        s["lang"] = "ur"
    response = post_form(client, "/register", register_data(cnic="37405-2222222-1", mobile="0300 1234567"))
    page = text_of(response)
    assert "اس شناختی کارڈ نمبر سے ایک اکاؤنٹ پہلے سے موجود ہے۔" in page
    assert REFUSAL not in page


def test_the_refusal_is_the_one_an_existing_account_gets(client, counter_record, make_user):
    """Whoever types a CNIC learns no more than that it cannot be registered again: not that its owner
    was seen at a clinic."""
    counter_record()
    existing = make_user()
    counter = text_of(post_form(client, "/register", register_data(cnic="37405-2222222-1", mobile="0300 1234567")))
    account = text_of(post_form(client, "/register", register_data(cnic=existing.cnic, mobile="0300 1234567")))
    assert REFUSAL in counter and REFUSAL in account
    assert "clinic counter" not in counter and counter.count(REFUSAL) == account.count(REFUSAL) == 2


def test_the_counter_person_gets_in_by_resetting_the_password_to_the_counter_number(client, counter_record):
    """What the refusal offers ("reset your password") works for them: the link goes to the number the
    counter recorded, and the record, its visits with it, becomes an account they sign in to."""
    from portal.notifications.models import CHANNEL_SMS, Message
    from tests.auth.test_passwords import reset_link

    person = counter_record()
    post_form(client, "/password-reset", {"identifier": "37405-2222222-1"})
    sms = db.session.scalars(select(Message).where(Message.user_id == person.id, Message.channel == CHANNEL_SMS)).one()
    assert sms.recipient == COUNTER_MOBILE
    new_password = "Saffron-field-70"
    link = reset_link(person)
    assert post_form(client, link, {"password": new_password, "confirm": new_password}).status_code == 302
    response = post_form(client, "/login", {"identifier": "37405-2222222-1", "password": new_password})
    assert response.status_code == 302
    visits = db.session.scalars(select(Appointment).where(Appointment.user_id == person.id)).all()
    assert len(visits) == 1


@pytest.mark.parametrize("recorded", [COUNTER_MOBILE, None])
def test_a_walk_in_at_another_clinic_cannot_set_the_number_that_guards_the_record(
    counter_record, make_service, make_user, recorded
):
    """The admin of clinic B types the CNIC of someone seen at clinic A and their own number: the record
    keeps its number, so they cannot complete it online (or reset it by SMS) and read the visit at A."""
    person = counter_record(mobile=recorded)
    visit_at_a = db.session.scalars(select(Appointment).where(Appointment.user_id == person.id)).one()
    other = make_service()
    assert other.clinic_id != visit_at_a.clinic_id
    staff_b = make_user(roles=[("clinic_admin", other.clinic_id)])
    admin.register_walk_in(staff_b, other.clinic, other.id, WALK_IN_CNIC, None, "+923331112222", "queue")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, person.id).mobile == recorded
    assert "health.walk_in.mobile_recorded" not in audit_actions()
    with pytest.raises(CounterRecordNotProven):
        services.register(registration(mobile="+923331112222"))
    db.session.rollback()
    assert db.session.get(User, person.id).password_hash is None


def test_an_admin_who_runs_every_clinic_of_the_record_may_correct_its_number(counter_record, make_service, make_user):
    person = counter_record()
    visit_at_a = db.session.scalars(select(Appointment).where(Appointment.user_id == person.id)).one()
    other = make_service()
    staff = make_user(roles=[("clinic_admin", visit_at_a.clinic_id), ("clinic_admin", other.clinic_id)])
    admin.register_walk_in(staff, other.clinic, other.id, WALK_IN_CNIC, None, "+923331112222", "queue")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, person.id).mobile == "+923331112222"
    assert "health.walk_in.mobile_recorded" in audit_actions()
    # now with visits at both clinics, the admin of only one of them can no longer change it
    staff_b = make_user(roles=[("clinic_admin", other.clinic_id)])
    admin.set_status(
        staff_b,
        db.session.scalars(select(Appointment).where(Appointment.clinic_id == other.clinic_id)).one().id,
        "seen",
    )
    admin.register_walk_in(staff_b, other.clinic, other.id, WALK_IN_CNIC, None, "+923004445555", "queue")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, person.id).mobile == "+923331112222"
