"""A request id on every response and one JSON log line per request (no personal data)."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, request

log = logging.getLogger("portal.requests")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# A password-reset link's token opens the account for half an hour: never in a log (gunicorn.conf.py
# hides it from the access log the same way).
_SECRET_PATHS = re.compile(r"^(/password-reset/)[^/]+")


def logged_path() -> str:
    """This request's path for an error's log line: without the token of a password-reset link."""
    return _SECRET_PATHS.sub(r"\1[token]", request.path)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = getattr(record, "payload", None) or {"message": record.getMessage()}
        return json.dumps({"level": record.levelname.lower(), **payload}, ensure_ascii=False)


# What a database's own error text can carry about a person: PostgreSQL's DETAIL names the values of a
# unique key (``Key (cnic)=(3520212345671) already exists``) and of a failing row; the engine's
# ``hide_parameters`` hides only the values bound to a statement.
_PERSONAL = (
    (
        re.compile(r"(Key \(.+?\)=\().*?(\)(?: already exists| is not present| is still referenced| conflicts))"),
        r"\1[hidden]\2",
    ),
    (re.compile(r"(Failing row contains \().*(\))"), r"\1[hidden]\2"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w-])\d{5}-\d{7}-\d(?![\w-])"), "[cnic]"),
    (re.compile(r"(?<![\w+])\+?\d{10,13}(?!\w)"), "[number]"),  # a CNIC or a mobile number
)


def without_personal_data(text: str) -> str:
    for pattern, replacement in _PERSONAL:
        text = pattern.sub(replacement, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Takes CNICs, mobile numbers, emails and a database's quoted key values out of a log record's
    message and traceback before any handler writes it (the error log is read by more people than the
    database is)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        # A filter runs outside logging's own guard: a call whose arguments do not fit its format must
        # still be logged (by the handler, which reports the mismatch), never raise in the request.
        with contextlib.suppress(Exception):
            if getattr(record, "payload", None) is None:
                record.msg, record.args = without_personal_data(record.getMessage()), None
        with contextlib.suppress(Exception):
            if record.exc_info and not record.exc_text:
                record.exc_text = self._formatter.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = without_personal_data(record.exc_text)
        return True


def request_id(environ: dict | None = None) -> str:
    """This request's id: the proxy's X-Request-ID when it looks sane, else a new one."""
    if environ is None:
        environ = request.environ
    rid = environ.get("portal.request_id")
    if rid is None:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        environ["portal.request_id"] = rid
    return rid


def log_line(method: str, rule: str | None, status: int, started: float | None, rid: str, user_id) -> None:
    """The one JSON line of a request. The URL rule, not the path: paths can hold tokens and references."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "request",
        extra={
            "payload": {
                "method": method,
                "path": rule or "<unmatched>",
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "request_id": rid,
                "user_id": user_id,
            }
        },
    )


def init_request_logging(app: Flask) -> None:
    if not any(isinstance(f, PersonalDataFilter) for f in app.logger.filters):
        app.logger.addFilter(PersonalDataFilter())
    if app.config.get("REQUEST_LOG", not app.testing) and not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start_timer():
        request_id()
        request.environ["portal.started"] = time.perf_counter()

    @app.after_request
    def log_request(response):
        rid = request_id()
        response.headers["X-Request-ID"] = rid
        if log.isEnabledFor(logging.INFO):
            try:
                user_id = signed_in_user_id()
            except Exception:  # noqa: BLE001 - never let logging break a response
                user_id = None
            rule = request.url_rule.rule if request.url_rule else None
            log_line(request.method, rule, response.status_code, request.environ.get("portal.started"), rid, user_id)
        return response


def signed_in_user_id() -> int | None:
    """The id of the person this request was served to, read without touching the database.

    After a write commits, the session's objects are expired: asking the user object for its id (or
    whether it is active) would reload it, a second connection and three round trips only to log a
    number. The identity the object was loaded under is kept after expiry."""
    from flask import g
    from sqlalchemy import inspect

    user = g.get("_login_user")
    if user is None or getattr(user, "is_anonymous", True):
        return None
    state = inspect(user, raiseerr=False)
    if state is None or not state.identity:
        return None
    return state.identity[0]
