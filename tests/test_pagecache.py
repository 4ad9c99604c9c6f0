"""The shared cache of public pages (portal/pagecache.py): anonymous visitors share a page for a few
seconds; what belongs to one person (their CSRF token, a flashed message, a signed-in page) never
reaches another."""

from __future__ import annotations

import re

import pytest

from portal.extensions import cache
from portal.pagecache import HEADER
from tests.conftest import csrf_token


@pytest.fixture
def cached_app(app):
    app.config["PAGE_CACHE_SECONDS"] = 5
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    yield app
    cache.clear()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_anonymous_visitors_share_a_page_but_each_gets_a_working_csrf_token(cached_app):
    first, second = cached_app.test_client(), cached_app.test_client()
    page_one = first.get("/")
    page_two = second.get("/")
    assert page_one.headers[HEADER] == "miss" and page_two.headers[HEADER] == "hit"
    one, two = _token(page_one.text), _token(page_two.text)
    assert one != two and "\x00" not in page_two.text
    assert page_one.text.replace(one, "") == page_two.text.replace(two, "")
    # The second visitor's token is theirs: their language switch works, the first visitor's token does not.
    assert second.post("/language", data={"csrf_token": one, "lang": "ur", "next": "/"}).status_code == 400
    switched = second.post("/language", data={"csrf_token": two, "lang": "ur", "next": "/"}, follow_redirects=True)
    assert switched.status_code == 200 and 'dir="rtl"' in switched.text


def test_each_language_and_query_is_its_own_page(cached_app):
    client = cached_app.test_client()
    assert client.get("/courses?district=Lahore").headers[HEADER] == "miss"
    assert client.get("/courses?district=Multan").headers[HEADER] == "miss"
    assert client.get("/courses?district=Lahore").headers[HEADER] == "hit"
    client.post("/language", data={"csrf_token": csrf_token(client, "/privacy"), "lang": "ur", "next": "/"})
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
