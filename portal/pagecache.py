"""A short-lived shared cache of public pages as anonymous visitors see them ("micro-caching").

On the day a vaccination drive or a popular course is announced, most traffic is people who are not
signed in reading the same few pages: the home page, clinic and course search, a service's free
dates. Those pages are cached for ``PAGE_CACHE_SECONDS`` (5 s by default) in Redis in production
(Flask-Caching), keyed by language and full path, so a crowd costs one render per page every few
seconds instead of one per visitor.

What keeps it safe:
- only GET requests to views marked ``@public_page``, only for visitors who are not signed in and
  have no flashed message waiting, and only 200 HTML responses are stored;
- a public page as a visitor sees it carries nothing of theirs (the language switch is a link), so it
  is served as stored and a visitor who only reads gets no cookie; should a public page carry a form,
  its CSRF token is stored as a placeholder and replaced with the visitor's own when served;
- anything a person acts on is live: signing in shows live places, and a booking or enrolment is
  decided in its own transaction, so a page up to a few seconds old can never oversell a place.

Such a page, as a visitor sees it, is also the only HTML a browser may keep (``Cache-Control:
no-cache``, not the ``no-store`` of every other page): the phone asks again before showing it anew,
but its Back button shows the search results it came from without fetching them again over a slow
link. A signed-in page, or one showing a message for its visitor, stays ``no-store``, so that nobody
reads a person's pages from a shared phone's history after they sign out.

A stored page is served to a visitor who sends no cookie at all (nobody signed in, no language chosen,
no message waiting) before Flask builds a request (``SharedPages``): the route is matched, the language
taken from the browser's Accept-Language as the locale selector would, and the stored page is sent with
the headers, request id and log line that every response gets. Everyone else goes through Flask, where
the hooks below serve and store the same pages.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, current_app, g, message_flashed, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from portal.database import read_only
from portal.extensions import cache
from portal.observability import log_line, request_id
from portal.shared_cache import cache_failure

log = logging.getLogger(__name__)

PLACEHOLDER = "\x00csrf-token\x00"
HEADER = "X-Page-Cache"


def public_page(view):
    """Mark a view whose anonymous GET response may be shared between visitors for a few seconds.
    Such a page only reads (a shared page cannot have written anything for its visitor)."""
    view.public_page = True
    return read_only(view)


def _public_request() -> bool:
    """A GET of a ``@public_page`` view by a visitor who is not signed in and has no message waiting:
    a page that is the same for every such visitor."""
    if request.method != "GET":
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "public_page", False):
        return False
    # A flashed message belongs to one visitor; peeking would consume it, so look at the session.
    return not session.get("_flashes") and not current_user.is_authenticated


def _stored(backend, key: str) -> str | None:
    """The stored page, or None when there is none or the shared cache cannot be reached: a cache
    that is down costs a render, never the page."""
    try:
        return backend.get(key)
    except Exception:  # noqa: BLE001 - whatever the backend raises (Redis down, timeout)
        cache_failure(log, "page cache unavailable; serving %s without it", key)
        return None


def _key() -> str:
    return _page_key(get_locale(), request.full_path)


def _page_key(locale, full_path: str) -> str:
    return f"page:{locale or 'en'}:{full_path}"


class SharedPages:
    """WSGI middleware: a stored public page for a visitor who sends no cookie, without Flask's request
    handling (about half of what serving it through the hooks below costs); anything else passes on."""

    def __init__(self, app: Flask, wsgi_app):
        from portal import security_headers

        self.app = app
        self.wsgi_app = wsgi_app
        self.security_headers = security_headers

    def __call__(self, environ, start_response):
        response = self.stored_page(environ)
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def stored_page(self, environ) -> Response | None:
        app = self.app
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ:
            return None
        if not app.config.get("PAGE_CACHE_SECONDS"):
            return None
        started = time.perf_counter()
        try:
            rule, _args = app.url_map.bind_to_environ(environ).match(return_rule=True)
        except HTTPException:
            return None  # not found, a redirect, a wrong method: Flask answers
        if not getattr(app.view_functions.get(rule.endpoint), "public_page", False):
            return None
        incoming = Request(environ)
        locale = incoming.accept_languages.best_match(app.config["LANGUAGES"]) or "en"
        body = _stored(app.extensions["cache"][cache], _page_key(locale, incoming.full_path))
        if body is None or PLACEHOLDER in body:
            return None  # not stored yet, or a page with a form: Flask renders or fills it in
        response = Response(body, mimetype="text/html")
        response.headers[HEADER] = "hit"
        for name, value in self.security_headers(app):
            response.headers[name] = value
        response.cache_control.no_cache = True  # a public page: the browser may keep it (see above)
        response.vary.add("Cookie")  # what Flask says of a page that read the session
        rid = request_id(environ)
        response.headers["X-Request-ID"] = rid
        log_line("GET", rule.rule, 200, started, rid, None)
        return response


def init_page_cache(app: Flask) -> None:
    app.wsgi_app = SharedPages(app, app.wsgi_app)

    @app.before_request
    def serve_cached_page():
        # Asked before the view runs: a message waiting for the visitor is gone from the session once
        # the page has shown it.
        g.public_request = _public_request()
        if not (g.public_request and current_app.config.get("PAGE_CACHE_SECONDS")):
            return None
        body = _stored(cache, _key())
        if body is None:
            g.page_cache = "miss"
            return None
        g.page_cache = "hit"
        if PLACEHOLDER in body:  # a page that carries a form; a visitor's page usually has none
            body = body.replace(PLACEHOLDER, generate_csrf())
        response = Response(body, mimetype="text/html")
        response.headers[HEADER] = "hit"
        return response

    @app.after_request
    def store_page(response: Response) -> Response:
        if g.get("page_cache") != "miss" or response.status_code != 200 or response.mimetype != "text/html":
            return response
        body = response.get_data(as_text=True)
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if token:
            body = body.replace(token, PLACEHOLDER)
        try:
            cache.set(_key(), body, timeout=current_app.config["PAGE_CACHE_SECONDS"])
        except Exception:  # noqa: BLE001 - the page is sent all the same
            cache_failure(log, "page cache unavailable; %s not stored", _key())
            return response
        response.headers[HEADER] = "miss"
        return response

    @app.after_request
    def public_page_in_history(response: Response) -> Response:
        # The page every visitor sees alike may stay in the browser's history (see above); every other
        # page is marked no-store by the security headers' hook.
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and g.get("public_request")
            and not g.get("personal_page")
        ):
            response.cache_control.no_store = None
            response.cache_control.no_cache = True
        return response

    def personal_page(sender, message, category, **extra):
        # The page now shows a message meant for this visitor alone: never share it, nor keep it.
        g.personal_page = True
        if g.get("page_cache") == "miss":
            g.page_cache = "personal"

    message_flashed.connect(personal_page, app, weak=False)


__all__ = ["HEADER", "PLACEHOLDER", "init_page_cache", "public_page"]
