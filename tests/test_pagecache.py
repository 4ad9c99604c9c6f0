"""The shared cache of public pages (portal/pagecache.py): anonymous visitors share a page for a few
seconds; what belongs to one person (a CSRF token, a flashed message, a signed-in page) never
reaches another."""

from __future__ import annotations

import re

import pytest

from portal.extensions import cache
from portal.pagecache import HEADER


@pytest.fixture
def cached_app(app):
    app.config["PAGE_CACHE_SECONDS"] = 5
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    yield app
    cache.clear()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_anonymous_visitors_share_a_page_that_carries_nothing_of_theirs(cached_app):
    first, second = cached_app.test_client(), cached_app.test_client()
    page_one = first.get("/")
    page_two = second.get("/")
    assert page_one.headers[HEADER] == "miss" and page_two.headers[HEADER] == "hit"
    assert page_one.text == page_two.text
    # No token, no session: a visitor who only reads is sent no cookie (and a proxy may share the page).
    assert "csrf_token" not in page_two.text
    assert "Set-Cookie" not in page_one.headers and "Set-Cookie" not in page_two.headers
    # The language switch is a link that works for whoever follows it.
    link = re.search(r'href="(/language/ur\?next=[^"]+)"', page_two.text).group(1)
    switched = second.get(link.replace("&amp;", "&"), follow_redirects=True)
    assert switched.status_code == 200 and 'dir="rtl"' in switched.text


def test_a_shared_page_with_a_form_gives_each_visitor_their_own_working_token(cached_app):
    from flask import render_template_string, request

    from portal.pagecache import public_page

    @public_page
    def public_form():
        if request.method == "POST":
            return "sent"
        return render_template_string(
            '<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'
        )

    cached_app.add_url_rule("/test-public-form", "public_form", public_form, methods=["GET", "POST"])
    first, second = cached_app.test_client(), cached_app.test_client()
    page_one, page_two = first.get("/test-public-form"), second.get("/test-public-form")
    assert page_one.headers[HEADER] == "miss" and page_two.headers[HEADER] == "hit"
    one, two = _token(page_one.text), _token(page_two.text)
    assert one != two and "\x00" not in page_two.text
    assert second.post("/test-public-form", data={"csrf_token": one}).status_code == 400
    assert second.post("/test-public-form", data={"csrf_token": two}).text == "sent"


def test_each_language_and_query_is_its_own_page(cached_app):
    client = cached_app.test_client()
    assert client.get("/courses?district=Lahore").headers[HEADER] == "miss"
    assert client.get("/courses?district=Multan").headers[HEADER] == "miss"
    assert client.get("/courses?district=Lahore").headers[HEADER] == "hit"
    client.get("/language/ur?next=/")
    urdu = client.get("/courses?district=Lahore")
    assert urdu.headers[HEADER] == "miss" and 'dir="rtl"' in urdu.text


def test_signed_in_pages_are_never_shared(cached_app, make_user, auth):
    auth.login(make_user(full_name="Saima Private"))
    mine = auth.client.get("/")
    assert HEADER not in mine.headers and "Saima Private" in mine.text
    stranger = cached_app.test_client().get("/")
    assert stranger.headers[HEADER] == "miss" and "Saima Private" not in stranger.text


def test_a_page_with_a_flashed_message_is_neither_served_from_nor_stored_in_the_cache(cached_app, make_user, auth):
    cached_app.test_client().get("/")  # the shared home page is cached
    auth.login(make_user())
    signed_out = auth.logout()
    home = auth.client.get(signed_out.headers["Location"])
    assert HEADER not in home.headers and "You have signed out." in home.text
    later = cached_app.test_client().get("/")
    assert later.headers[HEADER] == "hit" and "You have signed out." not in later.text


def test_forms_and_private_pages_are_not_cached(cached_app):
    client = cached_app.test_client()
    for path in ("/login", "/register"):
        client.get(path)
        assert HEADER not in client.get(path).headers, path
    assert HEADER not in client.get("/clinics/999999").headers  # a 404 is not stored either


def test_a_visitor_without_cookies_is_served_the_stored_page_as_flask_would_serve_it(cached_app, caplog):
    """The stored page is sent before Flask builds a request to someone who sends no cookie; what they
    get (page, security headers, caching rules) is what a visitor with a cookie gets through Flask."""
    import json
    import logging

    from portal.observability import JsonFormatter

    cached_app.test_client().get("/clinics?district=Lahore")  # stored
    with_cookie = cached_app.test_client()
    with_cookie.get("/language/en")
    through_flask = with_cookie.get("/clinics?district=Lahore")
    from flask import request_started

    flask_requests = []
    request_started.connect(flask_requests.append, cached_app, weak=False)
    try:
        with caplog.at_level(logging.INFO, logger="portal.requests"):
            no_cookie = cached_app.test_client().get(
                "/clinics?district=Lahore", headers={"X-Request-ID": "proxy-id-123"}
            )
    finally:
        request_started.disconnect(flask_requests.append, cached_app)
    assert flask_requests == [], "the stored page went through Flask's request handling"
    assert through_flask.headers[HEADER] == no_cookie.headers[HEADER] == "hit"
    assert no_cookie.text == through_flask.text
    assert no_cookie.headers["X-Request-ID"] == "proxy-id-123"

    def comparable(response):
        return sorted((k, v) for k, v in response.headers.items() if k not in ("X-Request-ID", "Content-Length"))

    assert comparable(no_cookie) == comparable(through_flask)
    line = json.loads(JsonFormatter().format([r for r in caplog.records if r.name == "portal.requests"][-1]))
    assert line["path"] == "/clinics" and line["status"] == 200 and line["request_id"] == "proxy-id-123"
    assert line["user_id"] is None


def test_the_browser_language_of_a_visitor_without_cookies_picks_the_stored_page(cached_app):
    urdu_reader = {"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"}
    first = cached_app.test_client().get("/", headers=urdu_reader)
    second = cached_app.test_client().get("/", headers=urdu_reader)
    english = cached_app.test_client().get("/", headers={"Accept-Language": "en-GB"})
    assert (first.headers[HEADER], second.headers[HEADER]) == ("miss", "hit")
    assert 'dir="rtl"' in second.text and second.text == first.text
    assert english.headers[HEADER] == "miss" and 'dir="ltr"' in english.text


def test_a_shared_cache_that_is_down_costs_a_render_not_the_page(cached_app, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    backend = cached_app.extensions["cache"][cache]
    monkeypatch.setattr(backend, "get", unreachable)
    monkeypatch.setattr(backend, "set", unreachable)
    without_cookie = cached_app.test_client().get("/clinics")
    with_cookie = cached_app.test_client()
    with_cookie.get("/language/en")
    assert without_cookie.status_code == 200 and "Find a clinic" in without_cookie.text
    assert with_cookie.get("/clinics").status_code == 200


def test_a_public_page_may_stay_in_the_browsers_history_and_a_personal_one_never(cached_app, make_user, auth):
    """Back from a clinic to the search results shows them without fetching them again over a slow
    link: a public page as every visitor sees it is "no-cache" (asked again before it is shown anew),
    stored or not. A signed-in page, a page showing a visitor's message, and forms stay "no-store"."""
    visitor = cached_app.test_client()
    miss, hit = visitor.get("/clinics"), visitor.get("/clinics")
    assert (miss.headers[HEADER], hit.headers[HEADER]) == ("miss", "hit")
    for response in (miss, hit, cached_app.test_client().get("/clinics", headers={"Cookie": ""})):
        assert response.cache_control.no_cache and not response.cache_control.no_store, response.headers
    # Served before Flask to a visitor who sends no cookie (SharedPages), the same header.
    bare = cached_app.test_client(use_cookies=False).get("/clinics")
    assert bare.headers[HEADER] == "hit" and bare.cache_control.no_cache and not bare.cache_control.no_store
    assert visitor.get("/login").cache_control.no_store  # a form
    auth.login(make_user(full_name="Saima Private"))
    assert auth.client.get("/clinics").cache_control.no_store  # signed in
    signed_out = auth.logout()
    home = auth.client.get(signed_out.headers["Location"])
    assert "You have signed out." in home.text and home.cache_control.no_store  # a message for this visitor


def test_public_pages_may_stay_in_history_with_the_shared_cache_off(app):
    client = app.test_client()
    page = client.get("/courses")
    assert HEADER not in page.headers and page.cache_control.no_cache and not page.cache_control.no_store
