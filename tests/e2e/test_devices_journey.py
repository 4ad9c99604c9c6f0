"""A person signed in on their phone and at a cyber café sees both on their account page, on a 360 px
phone in English and Urdu, and signs the café's computer out from the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in, switch_language
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def test_signing_the_cafe_computer_out_from_the_phone(browser, live_server, make_user):
    citizen = make_user(full_name="Kamran Akmal")
    cafe_context = browser.new_context(base_url=live_server, user_agent=WINDOWS_FIREFOX, java_script_enabled=False)
    phone_context = browser.new_context(
        base_url=live_server, user_agent=ANDROID_CHROME, viewport={"width": 360, "height": 800}
    )
    try:
        cafe, phone = cafe_context.new_page(), phone_context.new_page()
        sign_in(cafe, citizen.cnic)
        sign_in(phone, citizen.cnic)

        phone.goto("/account#devices")
        devices = phone.locator("ul.devices > li")
        expect(devices).to_have_count(2)
        expect(devices.first).to_contain_text("Chrome on Android")
        expect(devices.first).to_contain_text("This device")
        expect(devices.nth(1)).to_contain_text("Firefox on Windows")
        screenshot(phone, "account-devices-en-360")
        assert_accessible(phone, "devices en")
        switch_language(phone, "ur")
        phone.goto("/account#devices")
        expect(phone.locator("ul.devices")).to_contain_text("یہ ڈیوائس")
        screenshot(phone, "account-devices-ur-360")
        assert_accessible(phone, "devices ur")
        switch_language(phone, "en")

        phone.goto("/account#devices")
        devices.nth(1).get_by_role("button", name="Sign out").click()
        expect(phone.get_by_text("That device has been signed out.")).to_be_visible()
        expect(phone.locator("ul.devices > li")).to_have_count(1)
        cafe.goto("/account")
        expect(cafe.get_by_label("CNIC or email")).to_be_visible()  # the café's computer is signed out
    finally:
        cafe_context.close()
        phone_context.close()
