"""Every citizen journey works with JavaScript switched off: find a clinic, book for a family member,
find a course and enrol — in a browser that runs no script at all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo.personas import PERSONAS_BY_KEY
from portal.extensions import db
from tests.e2e.conftest import PHONE, screenshot, sign_in, switch_language

pytestmark = pytest.mark.e2e


@pytest.fixture
def no_js_page(browser, live_server, app):
    from portal.demo.seed import seed

    seed(size="small", seed_value=5)
    db.session.commit()
    context = browser.new_context(viewport=PHONE, base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    persona = PERSONAS_BY_KEY["citizen"]
    sign_in(page, persona.cnic, persona.password)
    switch_language(page, "en")  # Ayesha's saved language is Urdu; these steps read English
    expect(page.get_by_text("Signed in as")).to_be_visible()
    yield page
    context.close()


def _submit_for_someone(page, success: re.Pattern) -> bool:
    """Try each person on the form in turn until the confirmation page appears."""
    form_url = page.url
    people = page.locator("input[name=person]")
    for index in range(people.count()):
        page.goto(form_url)
        page.locator("input[name=person]").nth(index).check()
        page.locator("main form button[type=submit]").last.click()
        if success.search(page.url):
            return True
    return False


def test_book_an_appointment_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/clinics?district=Lahore")
    page.locator(".results a").first.click()
    page.locator("main a[href*='/clinics/services/']").first.click()  # a service: its dates
    page.locator("main a[href*='/clinics/services/']").nth(1).click()  # a day with free places
    page.locator("main a[href*='/appointments/book/']").first.click()  # a time
    assert _submit_for_someone(page, re.compile(r"/appointments/H-[2-9A-Z]{4}-[2-9A-Z]{4}"))
    assert re.search(r"H-[2-9A-Z]{4}-[2-9A-Z]{4}", page.locator(".reference").first.inner_text())
    screenshot(page, "no-js-booking-confirmation-en-phone")
    page.goto("/appointments")
    assert page.locator("main").get_by_text(re.compile("H-[2-9A-Z]{4}")).count() >= 1


def test_enrol_in_a_course_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/courses?district=Lahore&seats=y")
    enrolled = False
    for index in range(min(page.locator(".results h2 a, .results h3 a").count(), 6)):
        page.goto("/courses?district=Lahore&seats=y")
        page.locator(".results h2 a, .results h3 a").nth(index).click()
        enrol = page.locator("main a[href*='/enrol']")
        if not enrol.count():
            continue
        enrol.first.click()
        if _submit_for_someone(page, re.compile(r"/my-courses/E-[2-9A-Z]{4}-[2-9A-Z]{4}")):
            enrolled = True
            break
    assert enrolled, "no course in Lahore could be joined without JavaScript"
    assert re.search(r"E-[2-9A-Z]{4}-[2-9A-Z]{4}", page.locator("main").inner_text())
    screenshot(page, "no-js-enrolment-en-phone")
