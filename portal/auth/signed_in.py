"""The signed-in person, kept in the shared cache between their pages.

Every signed-in page needs the person and their roles before anything else. Read from PostgreSQL that
is a pooled connection's ping and a query with a join, turned into ORM objects: about two fifths of the
officials' dashboard page. Kept in the shared cache (Redis in production, so every worker and every app
server sees the same), it is one read that the page's own cache read already pays for.

Nothing is served from the cache that the database has since changed:

- A snapshot is keyed by the session token (hashed): signing out everywhere, changing or resetting a
  password rotates the token, and the old key is never asked for again.
- Any change to a person or to their roles, made through the ORM, marks that person's snapshot stale when
  its transaction commits (a new *generation* stamp). A snapshot is used only if it carries the current
  stamp; both are read in one round trip. A snapshot written by a request that read the database before
  a change and stored it after carries the stamp read before the change, so it is never used.
- The password hash is not kept; the rare page that needs it loads it from the database.
- A snapshot lives SNAPSHOT_SECONDS, a stamp longer; without the cache (NullCache, Redis down) every page
  loads the person from the database, as before.

Bulk statements that change users or roles without the ORM (the demo reset) name the people they
change (``stale_on_commit``).
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import get_history, set_committed_value

from portal.extensions import PortalSession, cache, db
from portal.shared_cache import cache_failure

SNAPSHOT_SECONDS = 300
# Longer than a snapshot lives: a snapshot stored without a stamp must be gone before a stamp set after
# it expires (the key then reads "no stamp" again).
STAMP_SECONDS = 3 * SNAPSHOT_SECONDS
# Never kept: a credential, read only where a password is checked or changed.
NOT_KEPT = frozenset({"password_hash"})
_PENDING = "portal.signed_in.stale_tokens"


def _keys(token: str) -> tuple[str, str]:
    digest = hashlib.sha256(token.encode()).hexdigest()[:40]
    return f"signed-in:{digest}", f"signed-in-stamp:{digest}"


def _columns(obj) -> dict:
    state = inspect(obj)
    return {
        attr.key: state.dict[attr.key]
        for attr in state.mapper.column_attrs
        if attr.key not in NOT_KEPT and attr.key in state.dict
    }


def _snapshot(user, stamp) -> dict:
    return {"stamp": stamp, "user": _columns(user), "roles": [_columns(r) for r in user.roles]}


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
    """Flask-Login's user loader: the person whose session token this is, or None."""
    from portal.auth.models import User

    snapshot_key, stamp_key = _keys(token)
    try:
        snapshot, stamp = cache.get_many(snapshot_key, stamp_key)
        cached = True
    except Exception:  # noqa: BLE001 - whatever the backend raises: read the database instead
        _warn("not read")
        snapshot = stamp = None
        cached = False
    if snapshot is not None and snapshot.get("stamp") == stamp:
        return _attach(snapshot)
    # Roles come in the same query: every page's navigation asks for them.
    stmt = select(User).where(User.session_token == token).options(joinedload(User.roles))
    user = db.session.scalars(stmt).unique().first()
    if user is not None and cached and user.session_token == token:
        try:
            cache.set(snapshot_key, _snapshot(user, stamp), timeout=SNAPSHOT_SECONDS)
        except Exception:  # noqa: BLE001 - the page is served all the same
            _warn("not stored")
    return user


def forget(tokens) -> None:
    """Mark the snapshots of these session tokens stale (a new stamp each)."""
    for token in tokens:
        try:
            cache.set(_keys(token)[1], secrets.token_hex(8), timeout=STAMP_SECONDS)
        except Exception:  # noqa: BLE001 - the snapshot then lives out its SNAPSHOT_SECONDS
            _warn("not marked stale")


def stale_on_commit(session, tokens) -> None:
    """For changes made without the ORM (bulk statements): these people's snapshots are marked stale
    when the session's transaction commits."""
    session.info.setdefault(_PENDING, set()).update(tokens)


@event.listens_for(PortalSession, "before_flush")
def _note_changed_people(session, flush_context, instances):
    """Before a flush that changes people or roles, note the session tokens whose snapshots it makes
    stale, read as they are before the flush (a token being replaced is still the stored one)."""
    from portal.auth.models import RoleAssignment, User

    tokens: set[str] = set()
    user_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            history = get_history(obj, "session_token")
            tokens.update(t for t in (*history.added, *history.unchanged, *history.deleted) if t)
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
    if user_ids:
        found = session.connection().execute(select(User.session_token).where(User.id.in_(user_ids)))
        tokens.update(found.scalars())
    if tokens:
        stale_on_commit(session, tokens)


@event.listens_for(PortalSession, "after_commit")
def _forget_changed_people(session):
    tokens = session.info.pop(_PENDING, None)
    if tokens:
        forget(tokens)


@event.listens_for(PortalSession, "after_soft_rollback")
def _nothing_changed(session, previous_transaction):
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
