"""A form sent back with problems, on a 360 px phone with JavaScript off, in Urdu: the title says there
is an error, the summary is at the top and has the focus, each of its links leads to its field, and
the page does not scroll sideways. (Playwright's own evaluate still runs with the page's scripts off.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(viewport=SMALL_PHONE, base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_form_posted_with_problems_in_urdu_without_javascript(page_without_js):
    page = page_without_js
    page.goto("/language/ur")  # the visitor's language link, which needs no script
    page.goto("/register")
    page.locator("#full_name").fill("<script>alert(1)</script>")
    page.locator("#cnic").fill("35202-123")
    page.locator("#mobile").fill("12345")
    page.locator("#password").fill("short")
    page.locator("main form.form button[type=submit]").click()

    assert page.title().startswith("خرابی: ")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()  # autofocus: a screen reader starts at the list of problems
    expect(summary).to_be_in_viewport()
    # What was typed is kept, the password is not; each problem is said in Urdu beside its field.
    expect(page.locator("#full_name")).to_have_value("<script>alert(1)</script>")
    expect(page.locator("#cnic")).to_have_value("35202-123")
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("#gender-0")).to_have_attribute("aria-invalid", "true")
    for message in page.locator(".error-message").all_inner_texts():
        assert not any("a" <= ch.lower() <= "z" for ch in message), message
    screenshot(page, "register-errors-ur-no-js-360")

    # A link of the summary leads to its field (a plain fragment: no script needed).
    summary.get_by_role("link").first.click()
    assert page.url.endswith("#cnic")
    expect(page.locator("#cnic")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
