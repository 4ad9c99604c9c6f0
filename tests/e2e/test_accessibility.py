"""axe-core (WCAG 2.2 A/AA rules) on the main pages, signed out and signed in, in English and Urdu."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in, switch_language

pytestmark = pytest.mark.e2e

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}

PUBLIC_PAGES = ["/", "/login", "/register", "/password-reset", "/privacy", "/no-such-page"]
CITIZEN_PAGES = ["/account", "/account/family", "/account/family/new", "/account/password", "/messages"]
SUPERADMIN_PAGES = ["/admin/staff", "/admin/staff?cnic=35202-1234567-1"]


def assert_accessible(page, label: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    violations = results.response["violations"]
    details = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert not violations, f"{label}: " + "; ".join(details)


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_public_pages_have_no_axe_violations(page, lang):
    page.goto("/")
    if lang == "ur":
        switch_language(page, lang)
    for path in PUBLIC_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, f"{path} [{lang}]")


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_register_form_with_errors_has_no_axe_violations(page, lang):
    page.goto("/register")
    if lang == "ur":
        switch_language(page, lang)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, f"/register with errors [{lang}]")
    screenshot(page, f"register-errors-{lang}-phone")


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_signed_in_pages_have_no_axe_violations(page, make_user, lang):
    citizen = make_user(full_name="Kamran Akmal")
    admin = make_user(full_name="Admin Person", roles=["superadmin"])
    sign_in(page, citizen.cnic)
    if lang == "ur":
        switch_language(page, lang)
    for path in CITIZEN_PAGES:
        page.goto(path)
        assert_accessible(page, f"{path} as citizen [{lang}]")
    screenshot(page, f"messages-{lang}-phone")
    page.context.clear_cookies()
    sign_in(page, admin.cnic)
    if lang == "ur":
        switch_language(page, lang)
    for path in SUPERADMIN_PAGES:
        page.goto(path)
        assert_accessible(page, f"{path} as superadmin [{lang}]")
