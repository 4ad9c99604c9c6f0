"""A registration typed slowly, on a 360 px phone with JavaScript off, in Urdu: sent after its form
expired, it is not lost. The "send again" page keeps what was typed but the passwords; sending it
brings back the form with everything but the passwords filled in, and the account is made."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}
FORM_LIFETIME = 5  # seconds here (4 hours in the portal): the test waits it out


@pytest.fixture
def live_server_config() -> dict:
    return {"WTF_CSRF_TIME_LIMIT": FORM_LIFETIME}


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(viewport=SMALL_PHONE, base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def fill_passwords(page) -> None:
    page.locator("#password").fill("Mango-season-94")
    page.locator("#confirm").fill("Mango-season-94")


def test_a_registration_sent_after_its_form_expired_is_kept_and_made(page_without_js):
    page = page_without_js
    page.goto("/language/ur")
    page.goto("/register")
    page.locator("#full_name").fill("فرح ناز")
    page.locator("#cnic").fill("35202-7654321-8")
    page.locator("#mobile").fill("0321 4567890")
    page.locator("#date_of_birth").fill("1994-08-14")
    page.locator("#gender-1").check()
    page.locator("#district").select_option("Multan")
    fill_passwords(page)
    page.locator("#accept_privacy").check()
    time.sleep(FORM_LIFETIME + 1)  # called away before sending
    page.locator("main form.form button[type=submit]").click()

    expect(page.locator("h1")).to_have_text("یہ فارم دوبارہ بھیجیں")
    expect(page.get_by_text("آپ نے جو لکھا تھا وہ محفوظ ہے")).to_be_visible()
    expect(page.get_by_text("اگلے صفحے پر اپنا پاس ورڈ دوبارہ لکھیں")).to_be_visible()
    assert "Mango-season-94" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    screenshot(page, "resend-ur-no-js-360")

    page.get_by_role("button", name="دوبارہ بھیجیں").click()
    expect(page.locator("#full_name")).to_have_value("فرح ناز")
    expect(page.locator("#cnic")).to_have_value("35202-7654321-8")
    expect(page.locator("#district")).to_have_value("Multan")
    expect(page.locator("#gender-1")).to_be_checked()
    expect(page.locator("#accept_privacy")).to_be_checked()
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("#password-error")).to_be_visible()  # asked for, at its field
    fill_passwords(page)
    page.locator("main form.form button[type=submit]").click()
    expect(page.get_by_text("فرح ناز").first).to_be_visible()
    expect(page.locator("form.resend")).to_have_count(0)
    assert "/register" not in page.url  # the account was made and the person signed in
