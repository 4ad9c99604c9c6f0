"""Access decorators: sign-in and staff roles. Scope checks (which clinic, which institution)
live in each domain's services and answer 404 for records out of scope."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, jsonify, request
from flask_login import current_user, login_required

from portal.auth.services import has_role

__all__ = ["login_required", "role_required", "wants_json"]


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def role_required(*roles: str):
    """Allow signed-in users holding any of ``roles`` (superadmin does not imply the others).

    Anonymous visitors are sent to sign in (HTML) or get 401 (JSON); others get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    response = jsonify(error=401, message="Please sign in.")
                    response.status_code = 401
                    abort(response)
                return current_app.login_manager.unauthorized()
            if not any(has_role(current_user, role) for role in roles):
                if wants_json():
                    response = jsonify(error="forbidden", message="You do not have access to this.")
                    response.status_code = 403
                    abort(response)
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator
