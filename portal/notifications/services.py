"""Put messages in the outbox and deliver them.

``notify`` writes rows in the caller's transaction, so a message exists exactly when the booking
or enrolment it speaks of was committed. ``deliver`` claims each row with a conditional UPDATE,
so two overlapping runs never send the same message twice, and a failing recipient is retried
with back-off without holding up the others.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_login import current_user
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.database import begin_write
from portal.extensions import db
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
from portal.notifications.transports import DeliveryError, transport_for
from portal.refs import isolate_in_text

# Functions that create due reminders (e.g. health registers "appointments tomorrow").
# Each takes the current time and returns how many messages it queued.
REMINDER_HOOKS: list[Callable[[datetime], int]] = []


def register_reminder_hook(hook: Callable[[datetime], int]) -> Callable[[datetime], int]:
    if hook not in REMINDER_HOOKS:
        REMINDER_HOOKS.append(hook)
    return hook


# SMS apps lay a message out from its first strong letter: an Urdu one that starts with an English
# name or reference ("%(name)s کی اپائنٹمنٹ …") would be set left to right and read jumbled. A message
# written in a right-to-left language starts with this invisible mark, on every channel: the Messages
# page reads it as Urdu too (portal.bilingual.language_of), even when its English names outnumber its
# Urdu letters.
RIGHT_TO_LEFT_MARK = "\u200f"
RIGHT_TO_LEFT_LANGUAGES = frozenset({"ur"})

# Quiet hours (Karachi): an SMS nobody is waiting for is not sent between 21:00 and 08:00 but held for
# the morning (reminders, a seat from the waitlist, an institution's decision). Messages the person
# asked for just now (their own booking, a password reset) and urgent ones (the clinic cancelled) go at once.
QUIET_FROM = time(21)
QUIET_UNTIL = time(8)


def in_quiet_hours(at: datetime) -> bool:
    local = at.astimezone(clock.KARACHI).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def end_of_quiet_hours(at: datetime) -> datetime:
    """The next 08:00 in Karachi after ``at`` (which is in quiet hours), in UTC."""
    local = at.astimezone(clock.KARACHI)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return clock.karachi_to_utc(day, QUIET_UNTIL.hour, QUIET_UNTIL.minute)


def _is_acting(user) -> bool:
    """Whether ``user`` is the person signed in on this request (they did what the message is about)."""
    return bool(
        has_request_context() and getattr(current_user, "is_authenticated", False) and current_user.id == user.id
    )


def _language_for(user) -> str:
    """The language a message to ``user`` is written in: the one they are reading now when they are the
    person signed in on this request (they booked or enrolled themselves), else their account's.

    The two are the same for an ordinary account (choosing a language also saves it), but a demo persona
    is shared by a room and keeps its saved language while each phone shows its own: Ayesha booking on an
    Urdu phone is told in Urdu, on her Messages page and by SMS."""
    if _is_acting(user):
        return str(get_locale())
    return getattr(user, "preferred_language", None) or "en"


def _text(value, language: str) -> str:
    with force_locale(language or "en"):
        return str(value() if callable(value) else value)


def notify(
    user,
    subject,
    body,
    channels: Iterable[str] = (CHANNEL_SMS, CHANNEL_IN_APP),
    dedupe_key: str | None = None,
    urgent: bool = False,
) -> list[Message]:
    """Queue a message to ``user`` on each channel, in their language (``_language_for``).

    ``subject`` and ``body`` may be lazy strings or callables (rendered under the user's locale).
    With ``dedupe_key``, a message already queued under that key is not queued again.
    Email is skipped for people without an address; SMS to someone without a mobile number is
    recorded as failed so staff can see it.

    A body in a right-to-left language starts with RIGHT_TO_LEFT_MARK, and each time of day and
    reference in it is a left-to-right isolate (portal.refs.isolate_in_text). An SMS queued in quiet
    hours waits for 08:00 unless it is ``urgent`` or the recipient is the person acting on this request.
    """
    language = _language_for(user)
    subject_text = _text(subject, language)[:200]
    body_text = _text(body, language)
    if language.partition("_")[0] in RIGHT_TO_LEFT_LANGUAGES:
        # Its times and references as left-to-right isolates, stored so (an SMS app or mail reader has
        # no <bdi>): "8:50 AM", not "AM 8:50"; the Messages page makes them islands of its own.
        body_text = RIGHT_TO_LEFT_MARK + isolate_in_text(body_text)
    now = clock.now()
    may_wait = not urgent and not _is_acting(user)
    held_until = end_of_quiet_hours(now) if may_wait and in_quiet_hours(now) else None
    messages = []
    for channel in channels:
        if channel == CHANNEL_EMAIL:
            recipient = user.email
            if not recipient:
                continue
        elif channel == CHANNEL_SMS:
            recipient = user.mobile
        else:
            recipient = None
        message = Message(
            user_id=user.id,
            channel=channel,
            recipient=recipient,
            subject=subject_text,
            body=body_text,
            dedupe_key=f"{dedupe_key}:{channel}" if dedupe_key else None,
            created_at=now,
        )
        if channel == CHANNEL_IN_APP:
            message.status, message.sent_at = STATUS_SENT, now
        elif not recipient:
            message.status, message.last_error = STATUS_FAILED, "no recipient address"
        elif channel == CHANNEL_SMS:
            message.may_wait = may_wait
            if held_until is not None:
                message.next_attempt_at = held_until  # deliver() leaves it until the morning
        messages.append(message)
    if not dedupe_key:
        db.session.add_all(messages)  # nothing can clash: inserted with the rest of the transaction
        return messages
    # One look for every channel's key, then one savepoint for the lot.
    keys = [m.dedupe_key for m in messages]
    queued = set(db.session.scalars(select(Message.dedupe_key).where(Message.dedupe_key.in_(keys))))
    messages = [m for m in messages if m.dedupe_key not in queued]
    try:
        with db.session.begin_nested():
            db.session.add_all(messages)
        return messages
    except IntegrityError:
        pass  # another transaction queued one of them since the look: add each on its own
    created = []
    for message in messages:
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            continue  # queued concurrently under the same key
        created.append(message)
    return created


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def deliver(limit: int = 500, now: datetime | None = None) -> dict[str, int]:
    """Send due pending messages. Commits after each message. Returns counts by outcome."""
    now = now or clock.now()
    max_attempts = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    counts = {"sent": 0, "retry": 0, "failed": 0}
    # Claims left by a run that died are released after ten minutes.
    begin_write()
    db.session.execute(
        update(Message)
        .where(Message.status == STATUS_SENDING, Message.claimed_at < now - timedelta(minutes=10))
        .values(status=STATUS_PENDING)
    )
    if in_quiet_hours(now):
        # An SMS that may wait and falls due at night (queued just before 21:00 and sent late, a retry
        # after a failure, a backlog after an outage) waits for the morning, as it would have when queued.
        db.session.execute(
            update(Message)
            .where(
                Message.status == STATUS_PENDING,
                Message.channel == CHANNEL_SMS,
                Message.may_wait.is_(True),
                or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            )
            .values(next_attempt_at=end_of_quiet_hours(now))
        )
    db.session.commit()
    ids = db.session.scalars(
        select(Message.id)
        .where(
            Message.status == STATUS_PENDING,
            Message.channel != CHANNEL_IN_APP,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        .order_by(Message.id)
        .limit(limit)
    ).all()
    for message_id in ids:
        token = secrets.token_hex(8)
        # Every write starts its own write transaction (BEGIN IMMEDIATE on SQLite), so that two
        # overlapping runs queue for the lock instead of failing with "database is locked".
        begin_write()
        claimed = db.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == STATUS_PENDING)
            .values(status=STATUS_SENDING, claim_token=token, claimed_at=now)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue  # another run has it
        message = db.session.get(Message, message_id)
        error = None
        try:
            transport_for(message.channel).send(recipient=message.recipient, subject=message.subject, body=message.body)
        except DeliveryError as exc:
            error = str(exc)[:300]
        begin_write()
        message = db.session.get(Message, message_id)
        message.attempts += 1
        if error is None:
            message.status, message.sent_at, message.last_error = STATUS_SENT, now, None
            counts["sent"] += 1
        else:
            message.last_error = error
            if message.attempts >= max_attempts:
                message.status = STATUS_FAILED
                counts["failed"] += 1
            else:
                message.status = STATUS_PENDING
                message.next_attempt_at = now + _backoff(message.attempts)
                counts["retry"] += 1
        db.session.commit()
    return counts


def run_reminder_hooks(now: datetime | None = None) -> int:
    now = now or clock.now()
    total = 0
    for hook in REMINDER_HOOKS:
        total += hook(now)
        db.session.commit()
    return total


def inbox(user, page: int = 1, per_page: int = 20):
    """A page of the user's in-app messages, newest first."""
    return db.paginate(
        select(Message)
        .where(Message.user_id == user.id, Message.channel == CHANNEL_IN_APP)
        .order_by(Message.created_at.desc(), Message.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def unread_count(user) -> int:
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count(Message.id)).where(
                Message.user_id == user.id, Message.channel == CHANNEL_IN_APP, Message.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(user, ids) -> None:
    """Mark those of the person's in-app messages read that they have been shown (``ids``: one page of
    the inbox; the older ones on later pages stay new until their page is opened). Starts a
    transaction of its own: on SQLite the inbox's read transaction could not be turned into a write
    once another writer had overtaken it."""
    if not ids:
        return
    begin_write()
    db.session.execute(
        update(Message)
        .where(
            Message.id.in_(ids),
            Message.user_id == user.id,
            Message.channel == CHANNEL_IN_APP,
            Message.read_at.is_(None),
        )
        .values(read_at=clock.now())
    )


__all__ = ["CHANNEL_EMAIL", "CHANNEL_IN_APP", "CHANNEL_SMS", "deliver", "notify", "register_reminder_hook"]
