"""The signed-in person, kept in the shared cache between their pages.

Every signed-in page needs the person and their roles before anything else. Read from PostgreSQL that
is a pooled connection's ping and a query with a join, turned into ORM objects: about two fifths of the
officials' dashboard page. Kept in the shared cache (Redis in production, so every worker and every app
server sees the same), it is one read that the page's own cache read already pays for.

Each device has its own sign-in (``SignIn``, one row per device; its cookie carries the token, the row
keeps its SHA-256). Nothing is served from the cache that the database has since changed:

- A snapshot is keyed by the device's token (hashed) and names its sign-in. Ending a sign-in (signing
  out there, from another device, or everywhere; a password changed or reset) marks that device's
  snapshot stale when its transaction commits, and the ended row is never read as signed in again.
- Any change to a person or to their roles, made through the ORM, marks the snapshots of all that
  person's devices stale when its transaction commits (a new *generation* stamp per device). A snapshot
  is used only if it carries the current stamp; both are read in one round trip. A snapshot written by a
  request that read the database before a change and stored it after carries the stamp read before the
  change, so it is never used.
- The password hash is not kept; the rare page that needs it loads it from the database.
- A snapshot lives SNAPSHOT_SECONDS, a stamp longer; without the cache (NullCache, Redis down) every page
  loads the person from the database, as before.
- Marking stale must reach Redis even when this process has just seen it fail: after a failure a process
  leaves Redis alone for CACHE_RETRY_SECONDS (portal/shared_cache.py), but another worker that does
  reach it would go on serving the revoked copy (a role taken away, a device signed out, a password
  changed) for the rest of its SNAPSHOT_SECONDS. So the new stamps are written despite that pause, in one
  round trip. If Redis still cannot be reached from here, the process *owes* them: it serves those
  devices from the database itself, and a thread of its own writes the owed stamps every
  OWED_RETRY_SECONDS until Redis takes them. **Bound**: a revocation is honoured on every worker as soon
  as its commit returns when the revoking process reaches Redis (the usual case, a pause included);
  otherwise at most OWED_RETRY_SECONDS (1 s) after Redis answers that process again (a process that
  exits normally tries once more as it goes). Only if that process ends before Redis answers it again
  (killed, or cut off from Redis while others are not) does the copy live out its SNAPSHOT_SECONDS
  (5 minutes) after the change, the most a copy ever lives.
- When the person is read from the database (at most every SNAPSHOT_SECONDS while the cache answers),
  the sign-in's ``last_seen_at`` is moved on if it is older than LAST_SEEN_EVERY: after the page, in a
  transaction of its own (left for a later page if this one holds SQLite's write lock), never on a
  page served from the snapshot.

Bulk statements that change users, roles or sign-ins without the ORM (the demo reset) name the
sign-ins they make stale (``stale_on_commit``, by token hash).
"""

from __future__ import annotations

import atexit
import logging
import secrets
import threading
import time
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import get_history, set_committed_value

from portal.extensions import PortalSession, cache, db
from portal.shared_cache import cache_failure, set_many_despite_pause

log = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 300
# Longer than a snapshot lives: a snapshot stored without a stamp must be gone before a stamp set after
# it expires (the key then reads "no stamp" again).
STAMP_SECONDS = 3 * SNAPSHOT_SECONDS
# Never kept: a credential, read only where a password is checked or changed.
NOT_KEPT = frozenset({"password_hash"})
_PENDING = "portal.signed_in.stale_sign_ins"
# How stale a sign-in's "last seen" may get before a page read from the database moves it on.
LAST_SEEN_EVERY = timedelta(minutes=5)
# Stamps that could not be written (Redis out of reach from this process): tried again this often, and
# given up once every snapshot they were about has expired.
OWED_RETRY_SECONDS = 1.0
OWED_SECONDS = STAMP_SECONDS
_OWED = "portal.signed_in.owed"


def _keys(token_hash: str) -> tuple[str, str]:
    """The cache keys of a device's snapshot and stamp, from the SHA-256 of its token."""
    digest = token_hash[:40]
    return f"signed-in:{digest}", f"signed-in-stamp:{digest}"


def _columns(obj) -> dict:
    state = inspect(obj)
    return {
        attr.key: state.dict[attr.key]
        for attr in state.mapper.column_attrs
        if attr.key not in NOT_KEPT and attr.key in state.dict
    }


def _snapshot(user, stamp, sign_in_id: int) -> dict:
    return {
        "stamp": stamp,
        "sign_in": sign_in_id,
        "user": _columns(user),
        "roles": [_columns(r) for r in user.roles],
    }


def _attach(snapshot: dict):
    """The person as a persistent object of this request's session, as if loaded by a query: no
    attribute history, the password hash (and anything else not kept) loaded from the database on use."""
    from portal.auth.models import RoleAssignment, User

    session = db.session()
    columns = snapshot["user"]
    existing = session.identity_map.get(inspect(User).identity_key_from_primary_key((columns["id"],)))
    if existing is not None:
        return existing  # a test's session that outlives its requests already holds them
    # Built as the ORM builds what a query loads (no constructor, no change events), then attached.
    user = _loaded(User, columns)
    roles = [_loaded(RoleAssignment, role) for role in snapshot["roles"]]
    for role in roles:
        set_committed_value(role, "user", user)
    set_committed_value(user, "roles", roles)
    for obj in (user, *roles):
        make_transient_to_detached(obj)
    session.add(user)
    return user


def _loaded(cls, columns: dict):
    obj = inspect(cls).class_manager.new_instance()
    for key, value in columns.items():
        set_committed_value(obj, key, value)
    return obj


def _warn(what: str) -> None:
    cache_failure(current_app.logger, "signed-in person: %s (shared cache unavailable)", what)


def load(token: str):
    """Flask-Login's user loader: the person signed in on the device whose token this is, while that
    sign-in has not ended; or None."""
    from portal import clock
    from portal.auth.models import SignIn, User, hash_sign_in_token

    token_hash = hash_sign_in_token(token)
    snapshot_key, stamp_key = _keys(token_hash)
    owed = current_app.extensions.get(_OWED)
    if owed is not None and owed.holds(token_hash):
        snapshot = stamp = None  # its copy in the cache is stale and not yet marked so: the database
        cached = False
    else:
        try:
            snapshot, stamp = cache.get_many(snapshot_key, stamp_key)
            cached = True
        except Exception:  # noqa: BLE001 - whatever the backend raises: read the database instead
            _warn("not read")
            snapshot = stamp = None
            cached = False
    if snapshot is not None and snapshot.get("stamp") == stamp and "sign_in" in snapshot:
        return _signed_in_with(_attach(snapshot), token, snapshot["sign_in"])
    # The sign-in, the person and their roles in one query: every page's navigation asks for the roles.
    stmt = (
        select(User, SignIn.id, SignIn.last_seen_at)
        .join(SignIn, SignIn.user_id == User.id)
        .where(SignIn.token_hash == token_hash, SignIn.ended_at.is_(None))
        .options(joinedload(User.roles))
    )
    row = db.session.execute(stmt).unique().first()
    if row is None:
        return None
    user, sign_in_id, last_seen_at = row
    if last_seen_at is None or last_seen_at <= clock.now() - LAST_SEEN_EVERY:
        g.sign_in_seen = sign_in_id  # moved on after the page (note_seen)
    if cached:
        try:
            cache.set(snapshot_key, _snapshot(user, stamp, sign_in_id), timeout=SNAPSHOT_SECONDS)
        except Exception:  # noqa: BLE001 - the page is served all the same
            _warn("not stored")
    return _signed_in_with(user, token, sign_in_id)


def _signed_in_with(user, token: str, sign_in_id: int):
    user.sign_in_token = token
    user.sign_in_id = sign_in_id
    return user


def note_seen(response):
    """After a page that read the person from the database: the sign-in's last_seen_at, if it was older
    than LAST_SEEN_EVERY, moved on in a transaction of its own (the page's may have been read-only).
    A failure costs only the date shown; the page is served."""
    from portal import clock
    from portal.auth.models import SignIn

    sign_in_id = g.pop("sign_in_seen", None)
    if sign_in_id is None or response.status_code >= 500 or _holds_sqlite_write_lock():
        return response  # a later page records it
    try:
        with db.engine.begin() as conn:
            conn.execute(update(SignIn).where(SignIn.id == sign_in_id).values(last_seen_at=clock.now()))
    except Exception:  # noqa: BLE001 - see above
        current_app.logger.warning("sign-in %s: last seen not recorded", sign_in_id, exc_info=True)
    return response


def _holds_sqlite_write_lock() -> bool:
    """Whether this request's transaction holds SQLite's write lock (a page that began a write and
    answered without committing, such as a wrong current password): another connection's write would
    wait for it until the busy timeout."""
    session = db.session()
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return False
    return bool(session.connection().info.get("sqlite_wrote"))


def _new_stamps(token_hashes) -> dict:
    return {_keys(token_hash)[1]: secrets.token_hex(8) for token_hash in token_hashes}


def forget(token_hashes) -> None:
    """Mark the snapshots of these sign-ins (by token hash) stale: a new stamp each, written at once even
    if this process has just seen Redis fail. If it cannot be reached, this process owes the stamps
    (``Owed``): it reads those devices from the database and retries until Redis takes them."""
    token_hashes = set(token_hashes)
    if not token_hashes:
        return
    backend = cache.cache
    try:
        set_many_despite_pause(backend, _new_stamps(token_hashes), timeout=STAMP_SECONDS)
    except Exception:  # noqa: BLE001 - whatever the backend raises: owed, retried by a thread
        _warn(f"not marked stale yet, retried every {OWED_RETRY_SECONDS:g} s")
        owed = current_app.extensions.get(_OWED)
        if owed is None:
            owed = current_app.extensions.setdefault(_OWED, Owed())
        owed.add(backend, token_hashes)


class Owed:
    """The stamps one app (a worker process) could not write, by token hash, and the thread that writes
    them: every OWED_RETRY_SECONDS while any is owed, despite the shared cache's pause. Each is given up
    OWED_SECONDS after it was first owed (every snapshot it was about has expired by then)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._owed: dict[str, tuple[object, float]] = {}  # token hash: (cache backend, first owed at)
        self._thread: threading.Thread | None = None
        self._at_exit = False

    def holds(self, token_hash: str) -> bool:
        return token_hash in self._owed

    def __len__(self) -> int:
        return len(self._owed)

    def add(self, backend, token_hashes) -> None:
        now = time.monotonic()
        with self._lock:
            for token_hash in token_hashes:
                self._owed[token_hash] = (backend, now)
            if self._thread is None:
                self._thread = threading.Thread(target=self._retry, name="signed-in-stale-stamps", daemon=True)
                self._thread.start()
            if not self._at_exit:  # a worker replaced after GUNICORN_MAX_REQUESTS tries once more as it goes
                atexit.register(self.deliver)
                self._at_exit = True

    def _retry(self) -> None:
        while True:
            time.sleep(OWED_RETRY_SECONDS)
            self.deliver()
            with self._lock:
                if not self._owed:
                    self._thread = None
                    return

    def deliver(self) -> None:
        """One attempt at writing every owed stamp (one round trip per cache backend)."""
        now = time.monotonic()
        with self._lock:
            for token_hash, (_backend, since) in list(self._owed.items()):
                if now - since > OWED_SECONDS:
                    del self._owed[token_hash]
            taken = dict(self._owed)
        by_backend: dict[int, tuple[object, list[str]]] = {}
        for token_hash, (backend, _since) in taken.items():
            by_backend.setdefault(id(backend), (backend, []))[1].append(token_hash)
        for backend, token_hashes in by_backend.values():
            try:
                set_many_despite_pause(backend, _new_stamps(token_hashes), timeout=STAMP_SECONDS)
            except Exception:  # noqa: BLE001, S112 - still out of reach: the next attempt (logged when it failed first)
                continue
            with self._lock:
                for token_hash in token_hashes:
                    if self._owed.get(token_hash) == taken[token_hash]:  # not owed again meanwhile
                        del self._owed[token_hash]
            log.warning("signed-in person: %d stale copies marked so once the shared cache answered", len(token_hashes))


def stale_on_commit(session, token_hashes) -> None:
    """For changes made without the ORM (bulk statements): these sign-ins' snapshots (by token hash) are
    marked stale when the session's transaction commits."""
    session.info.setdefault(_PENDING, set()).update(token_hashes)


@event.listens_for(PortalSession, "before_flush")
def _note_changed_people(session, flush_context, instances):
    """Before a flush that changes people, roles or sign-ins, note the sign-ins whose snapshots it makes
    stale: every live sign-in of a person changed (or whose roles change), and each sign-in ended."""
    from portal.auth.models import RoleAssignment, SignIn, User

    token_hashes: set[str] = set()
    user_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            if (identity := inspect(obj).identity) is not None:
                user_ids.add(identity[0])
        elif isinstance(obj, RoleAssignment):
            history = get_history(obj, "user_id")
            user_ids.update(i for i in (*history.added, *history.unchanged, *history.deleted) if i)
            person = inspect(obj).dict.get("user")  # a role given as RoleAssignment(user=...)
            if person is not None and (identity := inspect(person).identity) is not None:
                user_ids.add(identity[0])
            if history.empty() and inspect(obj).identity is not None:
                user_ids.add(obj.user_id)  # not loaded: load it
        elif isinstance(obj, SignIn) and inspect(obj).identity is not None:
            token_hashes.add(obj.token_hash)  # ended (or deleted): its device's snapshot goes
    if user_ids:
        found = session.connection().execute(
            select(SignIn.token_hash).where(SignIn.user_id.in_(user_ids), SignIn.ended_at.is_(None))
        )
        token_hashes.update(found.scalars())
    if token_hashes:
        stale_on_commit(session, token_hashes)


@event.listens_for(PortalSession, "after_commit")
def _forget_changed_people(session):
    token_hashes = session.info.pop(_PENDING, None)
    if token_hashes:
        forget(token_hashes)


@event.listens_for(PortalSession, "after_soft_rollback")
def _nothing_changed(session, previous_transaction):
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
