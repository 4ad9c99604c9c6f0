"""A form that creates something, posted twice, creates it once.

A double tap on a slow phone, or a browser sending a form again after a timeout, posts the same form
twice. Such a form carries a one-time ``submission_token`` (portal.forms.SubmissionTokenMixin), and the
service that creates the record claims the post before it creates anything::

    posted = submissions.claim(actor, submission_token, Clinic, data)
    if posted.earlier is not None:
        return posted.earlier  # the first post's clinic: nothing is created a second time
    clinic = Clinic(...)
    db.session.flush()
    posted.created(clinic)

A post is one person, one kind of record, one token and the values sent. The same page sent again with
other values (the browser's Back, a name corrected, Save) is another post and creates its own record, as
the walk-in counter does for another CNIC; another person's token finds nothing of theirs.

The claim is a row of ``form_submissions`` written in the same transaction as the record, so a service
that refuses (the view rolls back) leaves no claim, and the form shown again with its error can be sent
once more. A second post made while the first is still working waits for it (SQLite: the write lock
taken by ``begin_write``; PostgreSQL: the unique key, which holds the second insert until the first
transaction ends) and then finds the first one's record, without doing the work a second time.

A record deleted (a role removed, a rule taken away, a closure lifted) takes its claims with it: SQLite
gives the highest id again, and a post sent again must then create anew, never find another record.

Bookings, walk-ins and enrolments keep the token in a column of their own (they came first).
A post is only ever repeated within minutes, so ``prune`` deletes claims older than a day
(``flask housekeeping``, run daily from cron): the table holds about a day of admin creates and family
additions, whatever the portal's age.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, delete, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.database import UTCDateTime, utcnow
from portal.extensions import PortalSession, db


class FormSubmission(db.Model):
    """One accepted post of a form that creates a record, and the record it created."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the person, the kind of record, the form's token and the values sent (see _key).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # the table of the record created
    # None only inside the transaction that claimed the post, until the record is created.
    record_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A post sent again after this long is treated as a new post: far beyond a double tap or a browser's retry.
KEPT_FOR = timedelta(days=1)


@dataclass
class Claim:
    """A post claimed by ``claim``: ``earlier`` is the record a previous post of it created (None: the
    caller creates it, then calls ``created``)."""

    earlier: Any | None
    _row: FormSubmission | None = None

    def created(self, record) -> None:
        """Remember ``record`` (flushed: it has its id) as what this post created."""
        if self._row is not None:
            self._row.record_id = record.id


def _key(user, token: str, kind: str, values: dict) -> str:
    sent = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256("\n".join((str(user.id), kind, token, sent)).encode()).hexdigest()


def _find(user, key: str, kind: str) -> FormSubmission | None:
    # Locked: a post that finds the record gone and creates it again (see claim) is waited for.
    return db.session.scalar(
        select(FormSubmission)
        .where(FormSubmission.key == key, FormSubmission.user_id == user.id, FormSubmission.kind == kind)
        .with_for_update()
    )


def claim(user, token: str | None, model: type, values: dict) -> Claim:
    """Claim the post of a form that creates a ``model`` record with ``values`` (what decides the record:
    its fields and where it goes), sent by ``user`` with ``token``. Call it after ``begin_write`` and
    before creating anything.

    Returns a Claim whose ``earlier`` is the record an earlier post of the same form created, to be
    returned instead of a new one; otherwise the caller creates the record and calls
    ``Claim.created``. Without a token (an old page, or a value the form did not accept) every post
    creates. An earlier record deleted since (a role removed, a rule taken away) is created again."""
    if not token:
        return Claim(None)
    kind = model.__tablename__
    key = _key(user, token, kind, values)
    for _attempt in range(2):
        row = _find(user, key, kind)
        if row is not None:
            earlier = db.session.get(model, row.record_id) if row.record_id is not None else None
            return Claim(earlier, row)
        row = FormSubmission(key=key, user_id=user.id, kind=kind, created_at=clock.now())
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue  # the same post, sent at the same moment, got there first: its record is read next
        return Claim(None, row)
    return Claim(None)  # its row went in between (pruned): this post creates, unclaimed


@event.listens_for(PortalSession, "before_flush")
def _forget_deleted_records(session, flush_context, instances):
    """Before a flush that deletes records, delete the claims of the posts that created them."""
    deleted: dict[str, list[int]] = {}
    for obj in session.deleted:
        identity = inspect(obj).identity
        if identity is not None and len(identity) == 1 and hasattr(obj, "__tablename__"):
            deleted.setdefault(obj.__tablename__, []).append(identity[0])
    for kind, ids in deleted.items():
        session.connection().execute(
            delete(FormSubmission.__table__).where(FormSubmission.kind == kind, FormSubmission.record_id.in_(ids))
        )


def prune() -> int:
    """Delete claims older than KEPT_FOR; return how many (the caller commits). A post repeated after
    that creates anew."""
    cutoff = clock.now() - KEPT_FOR
    return db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < cutoff)).rowcount or 0
