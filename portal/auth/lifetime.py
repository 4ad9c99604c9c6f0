"""A signed-in session ends PERMANENT_SESSION_LIFETIME (12 hours) after sign-in, however busy the person is.

The session cookie's own expiry cannot hold that: Flask signs the cookie again, with a new expiry, each
time the session changes (a flash message, a language chosen, a form token), so a copied cookie used
now and then would never expire. The time of the sign-in is kept in the session (``signed_in_at``,
seconds since the epoch, by portal.clock) and checked on the server before the person is loaded: past
the lifetime, the session forgets who is signed in, as if its cookie had expired. With "Keep me signed
in" the remember cookie then signs the device in again (its own lifetime, REMEMBER_COOKIE_DURATION),
for another PERMANENT_SESSION_LIFETIME.

A session made before this check existed (no ``signed_in_at``) is given one lifetime from its next page.
"""

from __future__ import annotations

from flask import current_app, session

from portal import clock

SIGNED_IN_AT = "signed_in_at"
# What Flask-Login keeps in the session about who is signed in (not "_remember": a pending
# "clear" must still delete the remember cookie).
_SIGNED_IN_KEYS = ("_user_id", "_fresh", "_id", SIGNED_IN_AT)


def _now() -> int:
    return int(clock.now().timestamp())


def started() -> None:
    """Record in the session that a person has just signed in on this device."""
    session[SIGNED_IN_AT] = _now()


def end_if_over(app, **_kwargs) -> None:
    """Flask-Login's ``user_accessed`` signal, sent before the person is loaded: a session signed in
    longer ago than PERMANENT_SESSION_LIFETIME no longer names anyone."""
    if "_user_id" not in session:
        return
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int):
        started()  # made before the check existed: one lifetime from now
        return
    if _now() - signed_in_at < current_app.permanent_session_lifetime.total_seconds():
        return
    for key in _SIGNED_IN_KEYS:
        session.pop(key, None)


def restored_from_cookie(app, **_kwargs) -> None:
    """Flask-Login's ``user_loaded_from_cookie``: the remember cookie signed the device in again."""
    started()
