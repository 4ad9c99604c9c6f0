"""The outbox: notify() per channel, the deliver command, retries, overlapping runs, the Messages page."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta

import pytest
from flask import session
from flask_babel import get_locale
from flask_login import login_user
from sqlalchemy import func, select, update

from portal import clock
from portal.extensions import db
from portal.notifications import services
from portal.notifications.models import (
    CHANNEL_EMAIL,
    CHANNEL_IN_APP,
    CHANNEL_SMS,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENDING,
    STATUS_SENT,
    Message,
)
from portal.notifications.services import notify
from tests.notifications import transports

ALL = (CHANNEL_SMS, CHANNEL_EMAIL, CHANNEL_IN_APP)


@pytest.fixture(autouse=True)
def recording_gateway(app):
    app.config["SMS_TRANSPORT"] = "tests.notifications.transports:RecordingGateway"
    app.config["MAIL_TRANSPORT"] = "tests.notifications.transports:RecordingGateway"
    app.extensions.pop("notification_transports", None)
    transports.SENT.clear()
    yield transports.SENT
    transports.SENT.clear()


def messages(**where):
    db.session.expire_all()
    query = select(Message).order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return db.session.scalars(query).all()


# --- notify ------------------------------------------------------------------------------------


def test_notify_queues_one_message_per_channel(make_user):
    user = make_user(mobile="+923001234567", email="a@example.pk")
    created = notify(user, subject="Booked", body="Your reference is H-1234", channels=ALL)
    db.session.commit()
    assert len(created) == 3
    by_channel = {m.channel: m for m in messages()}
    assert by_channel[CHANNEL_SMS].recipient == "+923001234567"
    assert by_channel[CHANNEL_SMS].status == STATUS_PENDING
    assert by_channel[CHANNEL_EMAIL].recipient == "a@example.pk"
    assert by_channel[CHANNEL_EMAIL].status == STATUS_PENDING
    in_app = by_channel[CHANNEL_IN_APP]
    assert in_app.status == STATUS_SENT and in_app.sent_at == clock.now()  # delivered at once
    assert all(m.subject == "Booked" and m.body == "Your reference is H-1234" for m in by_channel.values())
    assert all(m.user_id == user.id and m.created_at == clock.now() for m in by_channel.values())


def test_the_person_who_acted_is_told_in_the_language_they_are_reading(app, make_user):
    """A demo persona keeps its saved language (English) while a phone in the room shows it in Urdu: the
    message to the person signed in is written in the language of their pages, anyone else's in their own."""
    me = make_user(preferred_language="en")
    other = make_user(preferred_language="en")
    with app.test_request_context("/"):
        session["lang"] = "ur"
        login_user(me)
        for user in (me, other):
            notify(user, subject=lambda: str(get_locale()), body="-", channels=(CHANNEL_SMS, CHANNEL_IN_APP))
    db.session.commit()
    assert [(m.user_id, m.channel, m.subject) for m in messages()] == [
        (me.id, CHANNEL_SMS, "ur"),
        (me.id, CHANNEL_IN_APP, "ur"),
        (other.id, CHANNEL_SMS, "en"),
        (other.id, CHANNEL_IN_APP, "en"),
    ]


def test_notify_skips_email_when_there_is_no_address(make_user):
    user = make_user(email=None)
    notify(user, subject="s", body="b", channels=ALL)
    db.session.commit()
    assert {m.channel for m in messages()} == {CHANNEL_SMS, CHANNEL_IN_APP}


def test_notify_records_sms_as_failed_when_there_is_no_mobile(make_user):
    user = make_user(mobile=None)
    notify(user, subject="s", body="b", channels=(CHANNEL_SMS,))
    db.session.commit()
    (sms,) = messages()
    assert sms.status == STATUS_FAILED and sms.last_error == "no recipient address" and sms.recipient is None


def test_notify_with_dedupe_key_queues_only_once(make_user):
    user = make_user()
    first = notify(user, subject="Reminder", body="Tomorrow", dedupe_key="reminder:appointment:42")
    db.session.commit()
    second = notify(user, subject="Reminder", body="Tomorrow", dedupe_key="reminder:appointment:42")
    db.session.commit()
    assert len(first) == 2 and second == []
    assert sorted(m.dedupe_key for m in messages()) == [
        "reminder:appointment:42:in_app",
        "reminder:appointment:42:sms",
    ]
    # Another key is another message.
    assert len(notify(user, subject="Reminder", body="Tomorrow", dedupe_key="reminder:appointment:43")) == 2


def miss_the_earlier_copy(monkeypatch) -> None:
    """notify()'s look for a message already queued under a key finds nothing, as when another
    transaction queues it just after the look: only the unique constraint is left to refuse it."""
    real_scalars = db.session.scalars

    def blind_scalars(statement, *args, **kwargs):
        if "messages.dedupe_key" in str(statement):
            return iter(())
        return real_scalars(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalars", blind_scalars)


def test_notify_survives_a_duplicate_key_queued_concurrently(make_user, monkeypatch):
    """If the existence check misses a row another transaction just added, the unique
    constraint refuses it and the caller's own work stays intact."""
    user = make_user()
    notify(user, subject="s", body="b", channels=(CHANNEL_SMS,), dedupe_key="k")
    db.session.commit()
    miss_the_earlier_copy(monkeypatch)
    user.full_name = "Changed in the same transaction"
    assert notify(user, subject="s", body="b", channels=(CHANNEL_SMS,), dedupe_key="k") == []
    monkeypatch.undo()
    db.session.commit()
    assert len(messages()) == 1
    db.session.refresh(user)
    assert user.full_name == "Changed in the same transaction"


# --- deliver -----------------------------------------------------------------------------------


def deliver(runner):
    result = runner.invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def test_deliver_sends_pending_messages_once(runner, make_user, recording_gateway):
    user = make_user(email="a@example.pk")
    notify(user, subject="Hello", body="Body", channels=ALL)
    db.session.commit()
    output = deliver(runner)
    assert "sent: 2, to retry: 0, failed: 0" in output
    assert sorted(r for r, _s, _b in recording_gateway) == ["+923001112233", "a@example.pk"]
    assert {m.status for m in messages()} == {STATUS_SENT}
    assert all(m.attempts == 1 and m.sent_at == clock.now() for m in messages(channel=CHANNEL_SMS))
    assert "sent: 0, to retry: 0, failed: 0" in deliver(runner)
    assert len(recording_gateway) == 2


def test_failing_recipient_is_retried_with_backoff_without_blocking_others(app, runner, make_user, recording_gateway):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 4
    app.config["FAILING_RECIPIENTS"] = {"+923009999999"}
    first = make_user(mobile="+923001111111")
    broken = make_user(mobile="+923009999999")
    last = make_user(mobile="+923002222222")
    for user in (first, broken, last):  # the failing one sits between two good ones
        notify(user, subject="Hello", body="Body", channels=(CHANNEL_SMS,))
    db.session.commit()
    start = clock.now()

    assert "sent: 2, to retry: 1, failed: 0" in deliver(runner)
    assert sorted(r for r, _s, _b in recording_gateway) == ["+923001111111", "+923002222222"]
    (failing,) = messages(recipient="+923009999999")
    assert failing.status == STATUS_PENDING and failing.attempts == 1
    assert failing.last_error == "gateway refused +923009999999"
    assert failing.next_attempt_at == start + timedelta(minutes=1)

    # Not due yet: nothing happens.
    assert "sent: 0, to retry: 0, failed: 0" in deliver(runner)
    assert messages(recipient="+923009999999")[0].attempts == 1

    # The wait doubles after each failure: 1, 2, 4 minutes.
    waits = []
    for attempt in (2, 3):
        app.config["FIXED_NOW"] = messages(recipient="+923009999999")[0].next_attempt_at.isoformat()
        assert "to retry: 1" in deliver(runner)
        failing = messages(recipient="+923009999999")[0]
        assert failing.attempts == attempt
        waits.append(failing.next_attempt_at - clock.now())
    assert waits == [timedelta(minutes=2), timedelta(minutes=4)]

    # The last allowed attempt fails: the message is given up, never sent again.
    app.config["FIXED_NOW"] = failing.next_attempt_at.isoformat()
    assert "sent: 0, to retry: 0, failed: 1" in deliver(runner)
    failing = messages(recipient="+923009999999")[0]
    assert failing.status == STATUS_FAILED and failing.attempts == 4
    app.config["FIXED_NOW"] = (clock.now() + timedelta(days=1)).isoformat()
    assert "sent: 0, to retry: 0, failed: 0" in deliver(runner)
    assert len(recording_gateway) == 2


def test_a_recipient_that_recovers_is_sent_on_retry(app, runner, make_user, recording_gateway):
    app.config["FAILING_RECIPIENTS"] = {"+923009999999"}
    notify(make_user(mobile="+923009999999"), subject="Hi", body="B", channels=(CHANNEL_SMS,))
    db.session.commit()
    deliver(runner)
    app.config["FAILING_RECIPIENTS"] = set()
    app.config["FIXED_NOW"] = (clock.now() + timedelta(minutes=1)).isoformat()
    assert "sent: 1" in deliver(runner)
    (message,) = messages()
    assert message.status == STATUS_SENT and message.attempts == 2 and message.last_error is None


def test_backoff_is_capped_at_an_hour():
    assert services._backoff(1) == timedelta(minutes=1)
    assert services._backoff(7) == timedelta(minutes=60)
    assert services._backoff(20) == timedelta(minutes=60)


def test_deliver_skips_a_message_claimed_by_another_run(runner, make_user, recording_gateway):
    notify(make_user(), subject="Hi", body="B", channels=(CHANNEL_SMS,))
    db.session.commit()
    db.session.execute(update(Message).values(status=STATUS_SENDING, claimed_at=clock.now(), claim_token="other"))
    db.session.commit()
    assert "sent: 0" in deliver(runner)
    assert recording_gateway == []


def test_deliver_loses_the_claim_race_gracefully(app, make_user, recording_gateway, monkeypatch):
    """Another run claims the message between this run's listing and its claim."""
    notify(make_user(), subject="Hi", body="B", channels=(CHANNEL_SMS,))
    db.session.commit()
    real_execute = db.session.execute
    raced = []

    def execute(statement, *args, **kwargs):
        if not raced and getattr(statement, "is_update", False) and "claim_token" in str(statement):
            raced.append(True)
            real_execute(update(Message).values(status=STATUS_SENDING, claim_token="rival", claimed_at=clock.now()))
        return real_execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", execute)
    assert services.deliver() == {"sent": 0, "retry": 0, "failed": 0}
    assert raced and recording_gateway == []
    assert messages()[0].claim_token == "rival"


def test_claims_left_by_a_dead_run_are_released_after_ten_minutes(app, runner, make_user, recording_gateway):
    notify(make_user(), subject="Hi", body="B", channels=(CHANNEL_SMS,))
    db.session.commit()
    db.session.execute(update(Message).values(status=STATUS_SENDING, claimed_at=clock.now(), claim_token="dead"))
    db.session.commit()
    app.config["FIXED_NOW"] = (clock.now() + timedelta(minutes=9)).isoformat()
    assert "sent: 0" in deliver(runner)
    app.config["FIXED_NOW"] = (clock.now() + timedelta(minutes=2)).isoformat()
    assert "sent: 1" in deliver(runner)


def test_deliver_runs_the_reminder_hooks(runner, make_user, monkeypatch, recording_gateway):
    user = make_user()
    calls = []

    def hook(now):
        calls.append(now)
        return len(notify(user, subject="Reminder", body="Tomorrow", channels=(CHANNEL_SMS,), dedupe_key="rem:1"))

    monkeypatch.setattr(services, "REMINDER_HOOKS", [])
    services.register_reminder_hook(hook)
    services.register_reminder_hook(hook)  # registering twice keeps one
    assert "reminders queued: 1; sent: 1" in deliver(runner)
    assert "reminders queued: 0; sent: 0" in deliver(runner)
    assert calls == [clock.now(), clock.now()]
    assert runner.invoke(args=["notifications", "reminders"]).output.strip() == "reminders queued: 0"


def test_deliver_respects_the_limit(runner, make_user, recording_gateway):
    for _ in range(3):
        notify(make_user(), subject="Hi", body="B", channels=(CHANNEL_SMS,))
    db.session.commit()
    assert "sent: 2" in runner.invoke(args=["notifications", "deliver", "--limit", "2"]).output
    assert "sent: 1" in deliver(runner)


# --- two overlapping runs in two processes -----------------------------------------------------


def _deliver_in_process(url: str, log: str, barrier) -> dict:
    from portal import create_app
    from portal.extensions import db as process_db
    from portal.notifications import services as process_services

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SMS_TRANSPORT": "tests.notifications.transports:FileGateway",
            "MAIL_TRANSPORT": "tests.notifications.transports:FileGateway",
            "SENT_LOG": log,
            "SEND_DELAY": 0.005,
        }
    )
    with app.app_context():
        barrier.wait(timeout=60)
        counts = process_services.deliver()
        process_db.engine.dispose()
    return counts


def test_two_overlapping_deliver_runs_never_send_a_message_twice(app, database_url, make_user, tmp_path):
    users = [make_user(email=f"p{i}@example.pk") for i in range(20)]
    for i, user in enumerate(users):
        notify(user, subject=f"message {i}", body="B", channels=(CHANNEL_SMS, CHANNEL_EMAIL))
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    log = tmp_path / "sent.log"
    log.touch()

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            results = [pool.apply_async(_deliver_in_process, (database_url, str(log), barrier)) for _ in range(2)]
            counts = [r.get(timeout=120) for r in results]

    lines = log.read_text().splitlines()
    per_message = Counter(line.split(" ", 1)[1] for line in lines)
    assert len(lines) == 40 and set(per_message.values()) == {2}  # each subject once per channel
    assert sum(c["sent"] for c in counts) == 40
    assert db.session.scalar(select(func.count()).where(Message.status == STATUS_SENT)) == 40


# --- the Messages page -------------------------------------------------------------------------


def test_messages_page_lists_only_my_in_app_messages(client, auth, make_user):
    me = make_user(full_name="Me", email="me@example.pk")
    other = make_user(full_name="Someone Else")
    notify(me, subject="Your appointment is booked", body="Reference H-AAAA-BBBB", channels=ALL)
    notify(me, subject="SMS only", body="not in the inbox", channels=(CHANNEL_SMS,))
    notify(other, subject="Their course starts", body="Reference E-CCCC-DDDD", channels=ALL)
    db.session.commit()
    auth.login(me)
    html = client.get("/messages").get_data(as_text=True)
    assert "Your appointment is booked" in html and "Reference H-AAAA-BBBB" in html
    assert html.count("Your appointment is booked") == 1
    assert "SMS only" not in html
    assert "Their course starts" not in html and "E-CCCC-DDDD" not in html
    assert "New" in html
    # Opening the page marks them read.
    assert all(m.read_at == clock.now() for m in messages(user_id=me.id, channel=CHANNEL_IN_APP))
    assert all(m.read_at is None for m in messages(user_id=other.id, channel=CHANNEL_IN_APP))
    assert services.unread_count(me) == 0 and services.unread_count(other) == 1


def test_messages_page_times_are_valid_html_datetimes_with_their_offset(app, client, auth, make_user):
    """A message written at a moment with microseconds: its <time datetime> is given to the second, in
    UTC with the offset (the validator refuses six decimal places)."""
    from tests.conftest import HTML_DATETIME, time_datetimes

    me = make_user()
    app.config["FIXED_NOW"] = "2026-03-02T04:05:06.123456+00:00"
    notify(me, subject="Your appointment is booked", body="Reference H-AAAA-BBBB", channels=ALL)
    db.session.commit()
    auth.login(me)
    stamps = time_datetimes(client.get("/messages").get_data(as_text=True))
    assert stamps == ["2026-03-02T04:05:06+00:00"]
    assert all(HTML_DATETIME.fullmatch(stamp) for stamp in stamps)


def test_messages_page_keeps_each_reference_whole_in_urdu_text_and_escapes_the_rest(client, auth, make_user):
    me = make_user(preferred_language="ur")
    body = "آپ کی اپائنٹمنٹ H-3VPQ-RVNR: میو ہسپتال <b>8:30 AM</b> (E-NVFQ-DE6X)"
    notify(me, subject="اپائنٹمنٹ بک ہو گئی", body=body, channels=(CHANNEL_IN_APP,))
    db.session.commit()
    auth.login(me)
    html = client.get("/messages").get_data(as_text=True)
    assert '<bdi dir="ltr">H-3VPQ-RVNR</bdi>: میو ہسپتال' in html
    # Each message takes its direction from its own text (an English one on an Urdu page keeps its stops).
    assert '<p lang="ur" dir="rtl">آپ کی اپائنٹمنٹ' in html
    assert '<span lang="ur" dir="rtl">اپائنٹمنٹ بک ہو گئی</span>' in html
    assert '(<bdi dir="ltr">E-NVFQ-DE6X</bdi>)' in html
    assert '&lt;b&gt;<bdi dir="ltr">8:30 AM</bdi>&lt;/b&gt;' in html and "<b>8:30" not in html


def test_messages_page_lays_out_each_message_in_the_language_it_was_written_in(client, auth, make_user):
    """An Urdu message that starts with an English name is right to left (dir="auto" guessed left to
    right from the name and scrambled the sentence), on the English page too; an English message that
    holds an Urdu name stays left to right; a time in Urdu text reads '8:00 AM', not 'AM 8:00'."""
    me = make_user(preferred_language="en")
    urdu = "Rashid Khan کے لیے آپ کی اپائنٹمنٹ H-3VPQ-RVNR: جمعرات 17 دسمبر 2026، 8:00 AM۔"
    notify(me, subject="اپائنٹمنٹ بک ہو گئی", body=urdu, channels=(CHANNEL_IN_APP,))
    english = "Your appointment H-3VPQ-RVNR for علی رضا: General OPD at Mayo Hospital, 8:00\u202fAM."
    notify(me, subject="Appointment booked", body=english, channels=(CHANNEL_IN_APP,))
    db.session.commit()
    auth.login(me)
    html = client.get("/messages").get_data(as_text=True)
    assert '<p lang="ur" dir="rtl">Rashid Khan کے لیے' in html
    assert '<span lang="ur" dir="rtl">اپائنٹمنٹ بک ہو گئی</span>' in html
    assert '2026، <bdi dir="ltr">8:00 AM</bdi>۔' in html
    assert '<p lang="en" dir="ltr">Your appointment' in html and '<span lang="en" dir="ltr">Appointment booked' in html
    assert '<bdi dir="ltr">8:00\u202fAM</bdi>.' in html


def test_messages_page_when_empty_and_signed_out(client, auth, make_user):
    assert client.get("/messages").headers["Location"].startswith("/login")
    auth.login(make_user())
    assert "You have no messages yet." in client.get("/messages").get_data(as_text=True)


def test_messages_page_is_paginated_newest_first(app, client, auth, make_user):
    me = make_user()
    for i in range(25):
        app.config["FIXED_NOW"] = f"2026-03-02T04:{i:02d}:00+00:00"
        notify(me, subject=f"Note {i:02d}", body="b", channels=(CHANNEL_IN_APP,))
    db.session.commit()
    auth.login(me)
    first = client.get("/messages").get_data(as_text=True)
    assert "Note 24" in first and "Note 05" in first and "Note 04" not in first
    assert first.index("Note 24") < first.index("Note 23")
    # Only what the page showed is marked read: the five older ones are still new until their page.
    assert services.unread_count(me) == 5
    assert {m.subject for m in messages(user_id=me.id, read_at=None)} == {f"Note {i:02d}" for i in range(5)}
    second = client.get("/messages?page=2").get_data(as_text=True)
    assert "Note 04" in second and "Note 00" in second and "Note 24" not in second
    assert second.count(">New</span>") == 5 and services.unread_count(me) == 0
    assert client.get("/messages?page=-3").status_code == 200
    # A page past the last (an old link, a typed number) leads to the last, not to "no messages yet".
    past = client.get("/messages?page=999")
    assert past.status_code == 302 and past.headers["Location"] == "/messages?page=2"
    empty = make_user()
    auth.logout()
    auth.login(empty)
    assert client.get("/messages?page=3").headers["Location"] == "/messages?page=1"


def test_a_key_queued_concurrently_on_one_channel_still_queues_the_others(make_user, monkeypatch):
    """The channels of one message are inserted together; when the unique constraint refuses one of
    them (queued by another transaction after the look), the others are still queued, once each."""
    user = make_user()
    notify(user, subject="s", body="b", channels=(CHANNEL_SMS,), dedupe_key="k")
    db.session.commit()
    miss_the_earlier_copy(monkeypatch)
    created = notify(user, subject="s", body="b", channels=(CHANNEL_SMS, CHANNEL_IN_APP), dedupe_key="k")
    monkeypatch.undo()
    db.session.commit()
    assert [m.channel for m in created] == [CHANNEL_IN_APP]
    assert sorted(m.dedupe_key for m in messages()) == ["k:in_app", "k:sms"]
