"""A signed-in session ends PERMANENT_SESSION_LIFETIME (12 hours) after sign-in, however busy the person is.

The session cookie's own expiry cannot hold that: Flask signs the cookie again, with a new expiry, each
time the session changes (a flash message, a language chosen, a form token), so a copied cookie used
now and then would never expire. The time of the sign-in is kept in the session (``signed_in_at``,
seconds since the epoch, by portal.clock) and checked on the server before the person is loaded: past
the lifetime, the session forgets who is signed in, as if its cookie had expired. With "Keep me signed
in" the remember cookie then signs the device in again (its own lifetime, REMEMBER_COOKIE_DURATION),
for another PERMANENT_SESSION_LIFETIME.

A session made before this check existed (no ``signed_in_at``) is given one lifetime from its next page.

The remember cookie is not dated either (Flask-Login signs the token alone), and the cookie's expiry is
the browser's to honour: a copy sent by hand would sign in for as long as its sign-in is used. So a
session is started from it only while the device's sign-in is younger than REMEMBER_COOKIE_DURATION
(14 days): one lookup of the sign-in's time, once per PERMANENT_SESSION_LIFETIME, never on another page.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, session
from sqlalchemy import select

from portal import clock
from portal.extensions import db

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


def _remember_lifetime() -> timedelta:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def checked(load):
    """The user loader ``load``, refusing a remember cookie whose sign-in is older than its lifetime.

    The loader is called for the session's person (``end_if_over`` has made sure the session says when
    they signed in) or, with no one in the session, for the remember cookie's: only then is the sign-in's
    age read."""

    def load_user(token: str):
        from portal.auth.models import SignIn

        user = load(token)
        if user is None or not has_request_context() or SIGNED_IN_AT in session:
            return user
        created_at = db.session.scalar(select(SignIn.created_at).where(SignIn.id == user.sign_in_id))
        if created_at is not None and clock.now() - created_at < _remember_lifetime():
            return user
        for key in _SIGNED_IN_KEYS:  # Flask-Login has put the cookie's token in the session already
            session.pop(key, None)
        session["_remember"] = "clear"  # and the browser is told to delete the cookie
        return None

    return load_user
