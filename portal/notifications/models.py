"""The outbox: every message the portal sends (email, SMS, in-app) is a row here first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

CHANNEL_EMAIL = "email"
CHANNEL_SMS = "sms"
CHANNEL_IN_APP = "in_app"
CHANNELS = (CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_IN_APP)

STATUS_PENDING = "pending"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"  # gave up after the last attempt, or nothing to send to


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=STATUS_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # Set when a message must not be created twice (e.g. "reminder:appointment:42:sms").
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An SMS nobody is waiting for (a reminder, a seat from the waitlist, a decision): never sent in quiet
    # hours, whenever it falls due (queued late, retried after a failure, or a backlog after an outage).
    may_wait: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_messages_user_channel", "user_id", "channel", "created_at"),
        Index("ix_messages_status_next", "status", "next_attempt_at"),
    )
