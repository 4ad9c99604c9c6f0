"""Light pages: every main citizen page, on a cold cache, transfers at most 150 KB (HTML, CSS, JS,
fonts and images, uncompressed) and fetches nothing from another site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from portal.demo.personas import PERSONAS_BY_KEY
from portal.extensions import db
from tests.e2e.conftest import sign_in
from tests.reliability.crawler import crawl

pytestmark = pytest.mark.e2e

LIMIT = 150 * 1024


@pytest.fixture
def demo_data(app):
    from portal.demo.seed import seed

    seed(size="small", seed_value=11)
    db.session.commit()


def _one_page_per_endpoint(app, paths):
    adapter = app.url_map.bind("localhost")
    chosen = {}
    for path in paths:
        try:
            endpoint, _ = adapter.match(urlsplit(path).path)
        except Exception:  # noqa: BLE001 - not a page of ours
            continue
        chosen.setdefault(endpoint, path)
    return chosen


def _citizen_pages(app):
    anonymous = app.test_client()
    pages, _ = crawl(anonymous, limit=40)
    citizen = app.test_client()
    persona = PERSONAS_BY_KEY["citizen"]
    token_page = citizen.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page).group(1)
    citizen.post("/login", data={"identifier": persona.cnic, "password": persona.password, "csrf_token": token})
    signed_in, _ = crawl(citizen, limit=60)
    return _one_page_per_endpoint(app, pages), _one_page_per_endpoint(app, signed_in)


def _weigh(browser, base: str, path: str, cookies=None) -> tuple[int, list[str]]:
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    sizes, foreign = [], []

    def on_response(response):
        if urlsplit(response.url).netloc != urlsplit(base).netloc:
            foreign.append(response.url)
            return
        try:
            sizes.append(len(response.body()))
        except Exception:  # noqa: BLE001 - redirects have no body
            sizes.append(0)

    page.on("response", on_response)
    page.goto(path, wait_until="load")
    context.close()
    return sum(sizes), foreign


def test_main_citizen_pages_are_light_and_local(app, demo_data, browser, live_server):
    public, signed_in = _citizen_pages(app)
    assert len(public) >= 5 and len(signed_in) >= 8, (public, signed_in)
    # Sign the browser in once and reuse its cookies for the signed-in pages.
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    persona = PERSONAS_BY_KEY["citizen"]
    sign_in(page, persona.cnic, persona.password)
    cookies = context.cookies()
    context.close()

    report, too_heavy, foreign_all = [], [], []
    for label, pages, jar in (("public", public, None), ("signed in", signed_in, cookies)):
        for endpoint, path in sorted(pages.items()):
            weight, foreign = _weigh(browser, live_server, path, jar)
            report.append(f"{weight / 1024:6.1f} KB  {label:9} {endpoint}  {path}")
            foreign_all += foreign
            if weight > LIMIT:
                too_heavy.append((path, weight))
    print("\n".join(report))
    assert not foreign_all, f"pages fetched from other sites: {foreign_all[:5]}"
    assert not too_heavy, f"pages over 150 KB: {too_heavy}"
