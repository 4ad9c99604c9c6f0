"""axe-core (WCAG 2.2 A/AA) on every dashboard page, as the provincial official, in English and Urdu."""

import pytest

from portal.demo.personas import PERSONAS_BY_KEY
from portal.demo.seed import seed, seed_punjab
from portal.extensions import db
from tests.e2e.conftest import switch_language
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

PAGES = [
    "/dashboard/",
    "/dashboard/health",
    "/dashboard/health?district=Lahore&sort=utilisation&dir=desc",
    "/dashboard/education",
    "/dashboard/districts?sort=refused&dir=desc",
    "/dashboard/present/1",
    "/dashboard/present/3",
    "/dashboard/present/6",
]


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_dashboard_pages_have_no_axe_violations(app, page, lang):
    seed("small", 2026)
    seed_punjab("small", 2026)
    db.session.commit()
    persona = PERSONAS_BY_KEY["provincial_official"]
    page.goto("/login")
    page.locator("input[name=identifier]").fill(persona.cnic)
    page.locator("input[name=password]").fill(persona.password)
    page.locator("main form button[type=submit]").first.click()
    if lang == "ur":
        switch_language(page, lang)
    for path in PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, f"{path} [{lang}]")
