"""What leaves the portal by SMS and email: Urdu starts right to left, nothing non-urgent at night,
reminders only in the daytime, proper email headers, English SMS in the GSM-7 alphabet."""

from __future__ import annotations

import ast
import email
import pathlib
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import session
from flask_login import login_user
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.health import admin as health_admin
from portal.health import services as health
from portal.notifications import services
from portal.notifications.models import CHANNEL_EMAIL, CHANNEL_IN_APP, CHANNEL_SMS, STATUS_PENDING, Message
from portal.notifications.services import notify
from portal.notifications.transports import SMTPTransport
from tests.conftest import post_form
from tests.notifications import transports

RLM = "\u200f"
ALL = (CHANNEL_SMS, CHANNEL_EMAIL, CHANNEL_IN_APP)
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)  # the tests' clock: Monday 09:00 Karachi


def karachi(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.KARACHI).astimezone(UTC)


@pytest.fixture(autouse=True)
def recording_gateway(app):
    app.config["SMS_TRANSPORT"] = "tests.notifications.transports:RecordingGateway"
    app.config["MAIL_TRANSPORT"] = "tests.notifications.transports:RecordingGateway"
    app.extensions.pop("notification_transports", None)
    transports.SENT.clear()
    yield transports.SENT
    transports.SENT.clear()


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield


def bodies(user, channel: str) -> list[str]:
    db.session.expire_all()
    query = select(Message.body).where(Message.user_id == user.id, Message.channel == channel).order_by(Message.id)
    return db.session.scalars(query).all()


# --- 1. Urdu SMS and email start right to left -------------------------------------------------


def test_an_urdu_booking_sms_starts_right_to_left(request_ctx, make_service, make_user):
    """The Urdu confirmation starts with the person's name (Latin letters): an SMS app that takes the
    direction from the first strong letter would set the Urdu sentence left to right."""
    service = make_service()
    urdu = make_user(full_name="Ayesha Khan", preferred_language="ur", email="ayesha@example.pk")
    appointment = health.book_slot(urdu, service.id, karachi(TUESDAY, 9, 30))
    db.session.commit()
    (sms,), (in_app,) = bodies(urdu, CHANNEL_SMS), bodies(urdu, CHANNEL_IN_APP)
    assert sms.startswith(RLM + "Ayesha Khan کے لیے") and appointment.reference in sms
    assert in_app == sms


def test_the_mark_reaches_the_gateway_and_english_has_none(app, make_user, recording_gateway):
    urdu = make_user(preferred_language="ur", mobile="+923001000001", email="u@example.pk")
    english = make_user(preferred_language="en", mobile="+923001000002", email="e@example.pk")
    for user in (urdu, english):
        notify(user, subject="x", body="H-1234 ok", channels=ALL, dedupe_key=f"k{user.id}")
    db.session.commit()
    services.deliver()
    sent = {recipient: body for recipient, _subject, body in recording_gateway}
    assert sent == {
        "+923001000001": RLM + "H-1234 ok",  # SMS
        "u@example.pk": RLM + "H-1234 ok",  # email
        "+923001000002": "H-1234 ok",
        "e@example.pk": "H-1234 ok",
    }
    # The dedupe key is the caller's, whatever the body.
    keys = set(db.session.scalars(select(Message.dedupe_key).where(Message.user_id == urdu.id)))
    assert keys == {f"k{urdu.id}:sms", f"k{urdu.id}:email", f"k{urdu.id}:in_app"}


def test_the_inbox_shows_an_urdu_message_right_to_left(client, auth, make_user, make_service, app):
    """Its English names and addresses outnumber its Urdu letters: the mark, not the count, says Urdu."""
    urdu = make_user(preferred_language="ur")
    with app.test_request_context():
        health.book_slot(urdu, make_service().id, karachi(TUESDAY, 9, 30))
    db.session.commit()
    auth.login(urdu)
    html = client.get("/messages").get_data(as_text=True)
    assert '<span lang="ur" dir="rtl">اپائنٹمنٹ بک ہو گئی</span>' in html
    assert '<p lang="ur" dir="rtl">Test Citizen کے لیے' in html


def test_an_urdu_sms_and_email_store_their_times_and_references_as_left_to_right_isolates(
    request_ctx, make_service, make_user
):
    """Found on main: the stored Urdu body read "AM 9:30" and split its reference in any SMS app or
    mail reader (only the Messages page set them apart, when it showed them). Each is now stored as an
    LRI … PDI isolate; English bodies are as they were."""
    service = make_service()
    urdu = make_user(full_name="Ayesha Khan", preferred_language="ur", email="ayesha@example.pk")
    english = make_user(full_name="Bilal Ahmed", preferred_language="en", email="bilal@example.pk")
    booked = {user: health.book_slot(user, service.id, karachi(TUESDAY, 9, 30)) for user in (urdu, english)}
    db.session.commit()
    (sms,) = bodies(urdu, CHANNEL_SMS)
    assert f"\u2066{booked[urdu].reference}\u2069" in sms
    assert "\u20669:30\u202fAM\u2069" in sms or "\u20669:30 AM\u2069" in sms
    (sms,) = bodies(english, CHANNEL_SMS)
    assert "\u2066" not in sms and "\u2069" not in sms and booked[english].reference in sms
    for user in (urdu, english):
        notify(user, subject="x", body="E-NVFQ-DE6X 8:50 AM", channels=(CHANNEL_EMAIL,))
    db.session.commit()
    assert bodies(urdu, CHANNEL_EMAIL) == [RLM + "\u2066E-NVFQ-DE6X\u2069 \u20668:50 AM\u2069"]
    assert bodies(english, CHANNEL_EMAIL) == ["E-NVFQ-DE6X 8:50 AM"]


def test_isolating_a_body_twice_changes_nothing_and_the_messages_page_makes_one_island_of_each():
    from portal.refs import isolate_in_text, isolate_references

    body = "Ayesha Khan کی اپائنٹمنٹ H-7KQ2-9FXD، منگل 9:30\u202fAM"
    once = isolate_in_text(body)
    assert once == "Ayesha Khan کی اپائنٹمنٹ \u2066H-7KQ2-9FXD\u2069، منگل \u20669:30\u202fAM\u2069"
    assert isolate_in_text(once) == once
    shown = str(isolate_references(once))
    assert shown == str(isolate_references(body))
    assert shown.count("<bdi") == 2 and "\u2066" not in shown and "\u2069" not in shown


def test_the_inbox_shows_a_stored_urdu_message_with_one_island_per_time_and_reference(
    client, auth, make_user, make_service, app
):
    urdu = make_user(preferred_language="ur")
    with app.test_request_context():
        appointment = health.book_slot(urdu, make_service().id, karachi(TUESDAY, 9, 30))
    db.session.commit()
    auth.login(urdu)
    html = client.get("/messages").get_data(as_text=True)
    (body,) = re.findall(r'<p lang="ur" dir="rtl">(.*?)</p>', html, re.S)
    assert f'<bdi dir="ltr">{appointment.reference}</bdi>' in body and '<bdi dir="ltr">9:30' in body
    assert "\u2066" not in body and "\u2069" not in body and body.count("<bdi") == 2


# --- 2. quiet hours and daytime reminders ------------------------------------------------------


def test_reminders_are_queued_only_in_the_daytime_the_day_before(request_ctx, make_service, make_user):
    """Reproduction of the report: the first run after midnight sent every reminder of the next day."""
    service = make_service()
    citizen = make_user()
    wednesday = TUESDAY + timedelta(days=1)
    health.book_slot(citizen, service.id, karachi(wednesday, 9, 30))
    db.session.commit()
    for hour, minute in ((0, 3), (7, 59), (8, 59), (21, 0), (23, 50)):
        assert health.queue_reminders(karachi(TUESDAY, hour, minute)) == 0, (hour, minute)
    assert health.queue_reminders(karachi(TUESDAY, 9)) == 1
    db.session.commit()
    assert len(bodies(citizen, CHANNEL_SMS)) == 2  # the confirmation and the reminder


def test_the_deliver_command_after_midnight_sends_no_reminder(app, runner, make_service, make_user):
    service = make_service()
    citizen = make_user()
    with app.test_request_context():
        health.book_slot(citizen, service.id, karachi(MONDAY + timedelta(days=2), 9, 30))  # Wednesday
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-03T00:03"  # Tuesday, just after midnight in Karachi
    assert "reminders queued: 0" in runner.invoke(args=["notifications", "deliver"]).output
    app.config["FIXED_NOW"] = "2026-03-03T09:00"
    assert "reminders queued: 1" in runner.invoke(args=["notifications", "deliver"]).output


def test_an_sms_nobody_is_waiting_for_is_held_until_eight(app, make_user, recording_gateway):
    """A message queued at 23:00 by a job (a seat from the waitlist, an institution's decision) waits
    for 08:00; the in-app copy is there at once."""
    user = make_user(mobile="+923001000003")
    app.config["FIXED_NOW"] = "2026-03-02T23:00"
    notify(user, subject="A seat is yours", body="A seat has become free.", channels=ALL)
    db.session.commit()
    sms = db.session.scalar(select(Message).where(Message.channel == CHANNEL_SMS))
    assert sms.status == STATUS_PENDING and sms.next_attempt_at == karachi(TUESDAY, 8)
    assert services.deliver()["sent"] == 0
    app.config["FIXED_NOW"] = "2026-03-03T07:59"
    assert services.deliver()["sent"] == 0
    app.config["FIXED_NOW"] = "2026-03-03T08:00"
    assert services.deliver()["sent"] == 1 and recording_gateway[0][0] == "+923001000003"


def test_an_sms_that_may_wait_and_falls_due_at_night_waits_for_eight(app, make_user, recording_gateway):
    """Quiet hours held a message only when it was queued at night: one queued at 20:55 and picked up by
    a late run at 21:10, or a retry due at night after a failure in the evening, went out at night."""
    late, retried = make_user(mobile="+923001000011"), make_user(mobile="+923001000012")
    app.config["FIXED_NOW"] = "2026-03-02T20:55"
    notify(late, subject="Reminder", body="Your visit is tomorrow at 09:30.")
    notify(retried, subject="A seat is yours", body="A seat has become free.")
    db.session.commit()
    app.config["FAILING_RECIPIENTS"] = ("+923001000012",)
    app.config["FIXED_NOW"] = "2026-03-02T20:59"
    counts = services.deliver()
    assert counts["sent"] == 1 and counts["retry"] == 1  # the first went, the second failed: retry at 21:00
    recording_gateway.clear()
    app.config["FAILING_RECIPIENTS"] = ()
    notify(late, subject="Reminder", body="Another reminder, queued at 20:59.")
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-02T21:10"  # the next run is late
    assert services.deliver() == {"sent": 0, "retry": 0, "failed": 0}
    held = db.session.scalars(select(Message).where(Message.channel == CHANNEL_SMS, Message.sent_at.is_(None))).all()
    assert len(held) == 2 and {m.next_attempt_at for m in held} == {karachi(TUESDAY, 8)}
    app.config["FIXED_NOW"] = "2026-03-03T03:00"  # a backlog after an outage, sent at 03:00
    assert services.deliver()["sent"] == 0 and recording_gateway == []
    app.config["FIXED_NOW"] = "2026-03-03T08:00"
    assert services.deliver()["sent"] == 2
    assert sorted(r for r, *_ in recording_gateway) == ["+923001000011", "+923001000012"]


def test_a_retry_of_the_persons_own_message_is_not_held_at_night(app, make_user, recording_gateway):
    me = make_user(mobile="+923001000013")
    app.config["FIXED_NOW"] = "2026-03-02T22:00"
    with app.test_request_context("/"):
        session["lang"] = "en"
        login_user(me)
        notify(me, subject="Appointment booked", body="y")  # they booked just now: they are waiting for it
    db.session.commit()
    app.config["FAILING_RECIPIENTS"] = ("+923001000013",)
    assert services.deliver()["retry"] == 1
    app.config["FAILING_RECIPIENTS"] = ()
    app.config["FIXED_NOW"] = "2026-03-02T22:05"
    assert services.deliver()["sent"] == 1 and recording_gateway[0][1] == "Appointment booked"


def test_urgent_messages_and_the_persons_own_go_at_night(app, make_user, recording_gateway):
    someone, me = make_user(mobile="+923001000004"), make_user(mobile="+923001000005")
    app.config["FIXED_NOW"] = "2026-03-02T23:30"
    notify(someone, subject="Appointment cancelled by the clinic", body="x", urgent=True)
    with app.test_request_context("/"):
        session["lang"] = "en"
        login_user(me)
        notify(me, subject="Appointment booked", body="y")  # they booked just now: they are waiting for it
    db.session.commit()
    assert services.deliver()["sent"] == 2
    assert {recipient for recipient, *_ in recording_gateway} == {"+923001000004", "+923001000005"}


def test_a_password_reset_at_night_is_sent_at_once(app, client, make_user, recording_gateway):
    user = make_user(mobile="+923001000006")
    app.config["FIXED_NOW"] = "2026-03-02T02:00"
    post_form(client, "/password-reset", {"identifier": user.cnic})
    assert services.deliver()["sent"] == 1
    assert recording_gateway[0][1] == "Reset your password"


def test_a_clinic_cancellation_at_night_is_sent_at_once(app, make_service, make_user, recording_gateway):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    citizen = make_user(mobile="+923001000007")
    with app.test_request_context():
        booking = health.book_slot(citizen, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    services.deliver()
    recording_gateway.clear()
    app.config["FIXED_NOW"] = "2026-03-02T22:30"
    with app.test_request_context():
        health_admin.admin_cancel(staff, booking.id, "The lady doctor is on leave")
    db.session.commit()
    assert services.deliver()["sent"] == 1
    assert recording_gateway[0][1] == "Appointment cancelled by the clinic"


# --- 3. email headers --------------------------------------------------------------------------


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, msg):
        FakeSMTP.sent.append(msg.as_bytes())


def test_an_email_has_a_date_and_a_message_id_of_the_senders_domain(app, monkeypatch):
    monkeypatch.setattr("portal.notifications.transports.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config.update(MAIL_FROM="Digital Punjab <no-reply@punjab.gov.pk>", MAIL_USE_TLS=False, MAIL_USERNAME=None)
    SMTPTransport().send(recipient="a@example.pk", subject="Reset your password", body="Open the link")
    SMTPTransport().send(recipient="a@example.pk", subject="Reset your password", body="Open the link")
    first, second = (email.message_from_bytes(raw) for raw in FakeSMTP.sent)
    assert email.utils.parsedate_to_datetime(first["Date"]).tzinfo is not None
    assert first["Message-ID"].startswith("<") and first["Message-ID"].endswith("@punjab.gov.pk>")
    assert first["Message-ID"] != second["Message-ID"]


# --- 4. English SMS in GSM-7 -------------------------------------------------------------------

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
) | set("^{}\\[~]|€\f")  # the basic set and its extension table
SENDERS = {"notify", "_notify", "_notify_clinic_cancel"}
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}
# Functions and constants whose texts go into a message without being in a sender's own function.
PARTS = {"describe_schedule", "describe_course", "_when", "SCHEDULE_CHANGED"}


def not_gsm7(text: str) -> set[str]:
    return {c for c in text if c not in GSM7}


def message_texts() -> dict[str, str]:
    """Every English text of a function that queues a message (or builds part of one): msgid -> where."""
    found = {}
    for path in pathlib.Path("portal").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                name = node.name
                sends = any(
                    isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) in SENDERS
                    for n in ast.walk(node)
                )
                if not sends and name not in PARTS:
                    continue
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in PARTS for t in node.targets):
                name = node.targets[0].id
            else:
                continue
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) in GETTEXT:
                    for arg in call.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            found[arg.value] = f"{path}:{call.lineno} ({name})"
    return found


def test_every_english_message_text_is_gsm7():
    texts = message_texts()
    # The scan finds the messages (a renamed sender would otherwise make this pass on nothing).
    for subject in (
        "Reset your password",
        "Appointment tomorrow",
        "Appointment cancelled by the clinic",
        "Course schedule changed",
        "Course details changed",
        "The fee is now %(fee)s.",
        "A seat is yours",
        "Enrolment approved",
    ):
        assert subject in texts
    bad = {text: (where, not_gsm7(text)) for text, where in texts.items() if not_gsm7(text)}
    assert not bad, f"characters outside GSM-7 make an SMS UCS-2 (half as long a segment): {bad}"


def test_the_english_sms_of_real_flows_are_gsm7(app, client, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    citizen = make_user(full_name="Ayesha Khan", email="ayesha@example.pk")
    with app.test_request_context():
        first = health.book_slot(citizen, service.id, karachi(TUESDAY, 9))
        second = health.book_slot(citizen, make_service(clinic=service.clinic, name="Dental").id, karachi(TUESDAY, 10))
        health.reschedule(citizen, first.reference, karachi(TUESDAY, 10, 30))
        health.queue_reminders(karachi(MONDAY, 10))
        health.cancel(citizen, first.reference)
        health_admin.admin_cancel(staff, second.id, "Doctor on leave")
    db.session.commit()
    post_form(client, "/password-reset", {"identifier": citizen.cnic})
    sms = bodies(citizen, CHANNEL_SMS)
    assert len(sms) == 8  # two booked, one moved, two reminders, one cancelled, one by the clinic, one reset
    assert {text: not_gsm7(text) for text in sms if not_gsm7(text)} == {}


# --- 5. the clinic's reason after a label ------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "ending"),
    [
        ("en", "Please book another time on the portal. Reason: The lady doctor is on leave"),
        ("ur", "براہِ کرم پورٹل پر کوئی اور وقت بک کریں۔ وجہ: لیڈی ڈاکٹر چھٹی پر ہیں"),
    ],
)
def test_a_clinic_cancellation_gives_its_reason_after_a_label(app, make_service, make_user, language, ending):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    citizen = make_user(preferred_language=language)
    with app.test_request_context():
        booking = health.book_slot(citizen, service.id, karachi(TUESDAY, 9))
        db.session.commit()
        health_admin.admin_cancel(staff, booking.id, "The lady doctor is on leave", reason_ur="لیڈی ڈاکٹر چھٹی پر ہیں")
    db.session.commit()
    body = bodies(citizen, CHANNEL_IN_APP)[-1]
    assert body.endswith(ending)
    assert "because" not in body
