"""axe-core on every main page each role can reach (found by crawling from the home page), in English
and in Urdu, on the demo dataset. Any WCAG 2.x A/AA violation fails the test."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portal.demo.personas import PERSONAS_BY_KEY
from portal.extensions import db
from tests.e2e.conftest import sign_in, switch_language
from tests.e2e.test_accessibility import assert_accessible
from tests.reliability.crawler import crawl

pytestmark = pytest.mark.e2e

ROLES = [None, "citizen", "clinic_admin", "school_admin", "district_official", "provincial_official", "superadmin"]
PAGES_PER_ROLE = 40


def _sign_in_client(client, persona):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"identifier": persona.cnic, "password": persona.password, "csrf_token": token}
    )
    assert response.status_code == 302


def _pages_for(app, role):
    client = app.test_client()
    if role:
        _sign_in_client(client, PERSONAS_BY_KEY[role])
    paths, _forms = crawl(client, limit=PAGES_PER_ROLE)
    adapter = app.url_map.bind("localhost")
    chosen = {}
    for path in paths:
        endpoint, _ = adapter.match(urlsplit(path).path)
        chosen.setdefault(endpoint, path)
    return sorted(chosen.values())


@pytest.mark.parametrize("lang", ["en", "ur"])
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_page_a_role_reaches_has_no_axe_violations(app, page, role, lang):
    from portal.demo.seed import seed

    seed(size="small", seed_value=11)
    db.session.commit()
    paths = _pages_for(app, role)
    assert len(paths) >= 3, paths
    if role:
        persona = PERSONAS_BY_KEY[role]
        sign_in(page, persona.cnic, persona.password)
    page.goto("/")
    switch_language(page, lang)  # a persona may open in its saved language (Ayesha: Urdu)
    failures = []
    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang, path
        assert page.locator("h1").count() == 1, f"{path} should have exactly one <h1>"
        try:
            assert_accessible(page, f"{path} as {role or 'anonymous'} [{lang}]")
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)
