"""A form sent after its CSRF token expired keeps what was typed.

A CSRF token is valid for ``WTF_CSRF_TIME_LIMIT`` (4 hours): long enough for nearly everyone, but a
person who opens a form, is called away and comes back in the evening would lose everything typed,
with "go back, reload the page and try again". When the token sent has only *expired* — it is still
signed by this site for this browser's session, so no other site can have sent it (another site
cannot read the token) — the answer is a page that holds what was typed in hidden fields under a
fresh token, with one button that sends it again. The form's own page then checks it as usual.

What is not kept: passwords (never written into a page; the person types theirs again) and
uploaded files (a browser cannot send a file back; the person chooses it again). A token that is
missing, forged, or from another session (signed out, signed in elsewhere) still gets the plain
"This form expired" page.
"""

from __future__ import annotations

import hmac
from functools import cache

from flask import current_app, render_template, request, session
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import PasswordField
from wtforms.fields.core import UnboundField

# Flask-WTF's own salt for its tokens (flask_wtf.csrf.generate_csrf).
_SALT = "wtf-csrf-token"


def _field_name() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def token_only_expired(sent: str | None) -> bool:
    """Whether ``sent`` is a token this site signed for this session, refused only for its age."""
    name = _field_name()
    raw = session.get(name)
    if not sent or not raw:
        return False
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    try:
        signed_for = URLSafeTimedSerializer(secret, salt=_SALT).loads(sent)  # no age limit
    except BadData:
        return False
    return isinstance(signed_for, str) and hmac.compare_digest(signed_for, raw)


@cache
def _password_fields() -> frozenset[str]:
    """The names of every password field of the portal's forms ("password", "confirm", "current"),
    read from the form classes (all imported with their blueprints before the first request)."""
    from portal.forms import FlaskForm

    names, classes = set(), [FlaskForm]
    while classes:
        form_class = classes.pop()
        classes.extend(form_class.__subclasses__())
        for name in dir(form_class):
            declared = getattr(form_class, name, None)
            if isinstance(declared, UnboundField) and issubclass(declared.field_class, PasswordField):
                names.add(name)
    return frozenset(names)


def is_secret(name: str) -> bool:
    """A field never written back into a page: a password, its confirmation, a current password."""
    return name in _password_fields() or "password" in name.lower()


def resend_page():
    """The "send again" page for a form post whose token only expired, or None when it cannot be
    offered (not a form post, a file upload, a token not this session's)."""
    name = _field_name()
    if request.method != "POST" or request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    if any(upload.filename for upload in request.files.values()):
        return None
    if not token_only_expired(request.form.get(name)):
        return None
    kept = [(key, value) for key, value in request.form.items(multi=True) if key != name and not is_secret(key)]
    dropped_secret = any(is_secret(key) for key in request.form)
    action = request.script_root + (request.full_path if request.query_string else request.path)
    return render_template("errors/resend.html", action=action, kept=kept, dropped_secret=dropped_secret), 400
