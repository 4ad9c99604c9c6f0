"""A person registers, signs out, signs in again and switches the portal to Urdu."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, switch_language

pytestmark = pytest.mark.e2e


def test_register_sign_out_sign_in_and_switch_to_urdu(page):
    page.goto("/")
    screenshot(page, "home-en-phone")
    page.get_by_role("link", name="Create an account").first.click()

    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.evaluate("el => el === document.activeElement")  # the summary takes focus
    screenshot(page, "register-errors-en-phone")

    page.get_by_label("Full name").fill("Farah Naz")
    page.get_by_label("CNIC number").fill("35202-7654321-8")
    page.get_by_label("Mobile number").fill("0321 4567890")
    page.get_by_label("Date of birth").fill("1994-08-14")
    page.get_by_label("Female").check()
    page.get_by_label("Home district").select_option("Multan")
    page.get_by_label("Password", exact=True).fill("Mango-season-94")
    page.get_by_label("Type the password again").fill("Mango-season-94")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("Welcome, Farah Naz")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("CNIC or email").fill("3520276543218")
    page.get_by_label("Password").fill("Mango-season-94")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Farah Naz")).to_be_visible()
    switch_language(page, "ur")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ur"
    assert html.get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    screenshot(page, "home-ur-phone")

    switch_language(page, "en")
    assert page.locator("html").get_attribute("dir") == "ltr"
