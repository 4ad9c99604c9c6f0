"""axe-core on the portal's pages, in English and Urdu, at a 360 px phone and at desktop width.

axe-core's JavaScript comes inside the ``axe-playwright-python`` wheel (requirements-dev.txt) and is
evaluated in the page: nothing is fetched while the tests run.

What fails: the WCAG 2.0, 2.1 and 2.2 A/AA rules and axe's best practices, at impact "critical",
"serious" or "moderate". Moderate is included because that is where axe files the rules that a
screen-reader user on a phone moves by (heading order, landmarks, the skip link, one ``<h1>``) and two
WCAG rules that matter to this portal's readers (``meta-viewport``: zoom turned off;
``form-field-multiple-labels``); the portal passes all of them. "Minor" findings do not fail (an empty
heading, a redundant alt text), except an id given twice: axe only runs ``duplicate-id`` when asked
(WCAG 2.2 dropped 4.1.1), but the error summary's links (``href="#field"``) and the labels'
``for`` find a field by its id, so a second element with it is a bug here.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo.personas import PERSONAS_BY_KEY
from portal.extensions import db
from tests.e2e.conftest import DESKTOP, SCREENSHOTS, screenshot, sign_in, switch_language

pytestmark = pytest.mark.e2e

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": TAGS},
    "rules": {"duplicate-id": {"enabled": True}, "duplicate-id-active": {"enabled": True}},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"critical", "serious", "moderate"}
ALWAYS_FAILING = {"duplicate-id", "duplicate-id-active"}
NARROW = {"width": 360, "height": 740}

PUBLIC_PAGES = ["/", "/login", "/register", "/password-reset", "/privacy", "/no-such-page"]
CITIZEN_PAGES = ["/account", "/account/family", "/account/family/new", "/account/password", "/messages"]
SUPERADMIN_PAGES = ["/admin/staff", "/admin/staff?cnic=35202-1234567-1"]


def axe_failures(page, label: str) -> list[str]:
    """One line per failing rule on the page as it is now: rule, impact, the page and the first targets."""
    from axe_playwright_python.sync_playwright import Axe

    return failing_rules(Axe().run(page, options=AXE_OPTIONS).response, f"{label} {page.url}")


def failing_rules(response: dict, label: str) -> list[str]:
    failures = []
    for violation in response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS and violation["id"] not in ALWAYS_FAILING:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        more = len(violation["nodes"]) - 3
        failures.append(
            f"{label}: {violation['id']} ({violation['impact']}) {violation['help']} — {targets}"
            + (f" and {more} more" if more > 0 else "")
        )
    return failures


def assert_accessible(page, label: str) -> None:
    failures = axe_failures(page, label)
    assert not failures, "\n".join(failures)


def failures_at_both_widths(page, label: str) -> list[str]:
    """axe on the page at 360 px and at desktop width (the responsive tables and the header change)."""
    failures = []
    for name, viewport in (("360px", NARROW), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        failures += axe_failures(page, f"[{name}] {label}")
    page.set_viewport_size(NARROW)
    return failures


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
def test_error_states_have_no_axe_violations(page, make_user, lang):
    """A form posted empty (summary and field errors), the sign-in page after a wrong password, a 404."""
    citizen = make_user(full_name="Kamran Akmal")
    page.goto("/")
    if lang == "ur":
        switch_language(page, lang)
    failures = []
    page.goto("/register")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-message").first).to_be_visible()
    failures += failures_at_both_widths(page, f"/register posted empty [{lang}]")
    screenshot(page, f"register-errors-{lang}-phone")

    page.goto("/login")
    page.locator("#identifier").fill(citizen.cnic)
    page.locator("#password").fill("not-the-password-1")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    failures += failures_at_both_widths(page, f"/login after a wrong password [{lang}]")

    page.goto("/no-such-page")
    failures += failures_at_both_widths(page, f"404 [{lang}]")
    assert not failures, "\n".join(failures)


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


def _as_persona(page, key: str, lang: str) -> None:
    page.context.clear_cookies()
    persona = PERSONAS_BY_KEY[key]
    sign_in(page, persona.cnic, persona.password)
    if page.locator("html").get_attribute("lang") != lang:
        switch_language(page, lang)


def _follow(page, selector: str) -> None:
    """Go where the first link matching ``selector`` on the page goes, as a person would."""
    link = page.locator(selector).first
    expect(link).to_be_attached()
    page.goto(link.get_attribute("href"))


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_journeys_on_the_demo_data_have_no_axe_violations(app, page, lang):
    """A citizen's booking and enrolment pages (and a form posted empty), a clinic admin's daily list
    and opening hours, a school admin's approvals and an official's dashboard, on the demo data, at
    360 px and at desktop width. Every page is checked before the test fails, so one run names them all."""
    from portal.demo.seed import seed

    seed(size="small", seed_value=2026)
    db.session.commit()
    failures = []

    def check(label: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, page.url
        failures.extend(failures_at_both_widths(page, f"{label} [{lang}]"))

    _as_persona(page, "citizen", lang)
    page.goto("/clinics")
    check("clinic search")
    _follow(page, "main .results a[href^='/clinics/']")
    check("a clinic")
    _follow(page, "main a[href^='/clinics/services/']")
    check("a service's dates")
    _follow(page, "main .days a")
    check("a day's free times")
    _follow(page, "main .times a")
    check("the booking form")
    for path, label in (("/appointments", "my appointments"), ("/courses", "course search")):
        page.goto(path)
        check(label)
    _follow(page, "main .course-result a")
    check("a course")
    page.goto("/account/family/new")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("a family member's form posted empty")

    _as_persona(page, "clinic_admin", lang)
    page.goto("/clinic-admin")
    _follow(page, "main a[href$='/day']")
    check("the daily list")
    _follow(page, "main > p > a[href^='/clinic-admin/clinics/']")  # the list's clinic
    _follow(page, "main a[href$='/hours']")
    check("a service's opening hours")

    _as_persona(page, "school_admin", lang)
    page.goto("/school-admin/approvals")
    check("approvals")

    _as_persona(page, "provincial_official", lang)
    for path, label in (("/dashboard/", "the dashboard"), ("/dashboard/health", "the health dashboard")):
        page.goto(path)
        check(label)
    assert not failures, "\n".join(failures)


def _findings(response: dict, label: str) -> list[str]:
    """Every axe finding on the page, whatever its impact, and what axe could not decide by itself
    ("incomplete", for a person to look at): kind, rule, impact, number of elements, first targets."""
    lines = []
    for kind in ("violations", "incomplete"):
        for finding in response[kind]:
            targets = ", ".join(" ".join(node["target"]) for node in finding["nodes"][:5])
            lines.append(f"{kind} {label}: {finding['id']} ({finding['impact']}) ×{len(finding['nodes'])} — {targets}")
    return lines


def _unchecked_contrast(response: dict, label: str) -> list[str]:
    """Text whose contrast axe could not measure (e.g. Urdu words standing outside their badge's box):
    on these pages every text can be measured, so one that cannot is a failure, not a pass."""
    return [
        f"{label}: color-contrast could not be checked ({node['any'][0]['message'] if node['any'] else '?'}) — "
        + " ".join(node["target"])
        for finding in response["incomplete"]
        if finding["id"] == "color-contrast"
        for node in finding["nodes"]
    ]


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_every_step_of_each_role_on_a_360px_phone_has_no_axe_violations(app, page, lang):
    """The pages a citizen on a cheap phone goes through, from the home page to a booking's and an
    enrolment's confirmation (forms really submitted), then each staff role's main page, at 360 px.
    Every page is checked before the test fails, so one run names all the rules, pages and targets."""
    from portal.demo.seed import seed

    seed(size="small", seed_value=2026)
    db.session.commit()
    page.set_viewport_size(NARROW)
    failures: list[str] = []
    everything: list[str] = []

    def check(label: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, page.url
        assert page.locator("h1").count() == 1, f"{label} {page.url} should have one <h1>"
        from axe_playwright_python.sync_playwright import Axe

        response = Axe().run(page, options={**AXE_OPTIONS, "resultTypes": ["violations", "incomplete"]}).response
        where = f"[360px] {label} [{lang}] {page.url}"
        failures.extend(failing_rules(response, where) + _unchecked_contrast(response, where))
        everything.extend(_findings(response, where))
        screenshot(page, f"a11y-360-{lang}-{label.replace(' ', '-').replace(chr(39), '')}")

    page.goto("/")
    if lang == "ur":
        switch_language(page, lang)
    for path, label in (("/", "home"), ("/login", "sign-in"), ("/register", "register")):
        page.goto(path)
        check(label)

    _as_persona(page, "citizen", lang)
    page.set_viewport_size(NARROW)
    page.goto("/clinics")
    expect(page.locator("main .results a[href^='/clinics/']").first).to_be_attached()
    check("clinic search")
    _follow(page, "main .results a[href^='/clinics/']")
    _follow(page, "main a[href^='/clinics/services/']")
    check("a service's dates")
    _follow(page, "main .days a")
    check("a day's times")
    _follow(page, "main .times a")
    check("the booking form")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator("main .reference").first).to_be_visible()
    check("the appointment confirmation")
    page.goto("/appointments")
    check("my appointments")

    page.goto("/courses")
    expect(page.locator("main .course-result a").first).to_be_attached()
    check("course search")
    courses = [a.get_attribute("href") for a in page.locator("main .course-result a").all()]
    enrolled = False
    for href in courses:
        page.goto(href)
        if page.locator("main a[href$='/enrol']").count() == 0:
            continue
        if not enrolled:
            check("a course")
        _follow(page, "main a[href$='/enrol']")
        if page.locator("main form.form button[type=submit]").count() == 0:
            continue
        check("the enrol form")
        page.locator("main form.form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()  # nobody chosen yet
        check("the enrol form posted empty")
        page.locator("main form.form input[type=radio]:enabled").first.check()
        page.locator("main form.form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/my-courses/E-"))
        check("the enrolment confirmation")
        enrolled = True
        break
    assert enrolled, "no course on the demo data has an enrol form the citizen can submit"
    for path, label in (
        ("/my-courses", "my courses"),
        ("/messages", "messages"),
        ("/account", "account"),
        ("/account/family", "family"),
    ):
        page.goto(path)
        check(label)

    _as_persona(page, "clinic_admin", lang)
    page.set_viewport_size(NARROW)
    page.goto("/clinic-admin")
    _follow(page, "main a[href$='/day']")
    check("the daily list")

    _as_persona(page, "school_admin", lang)
    page.set_viewport_size(NARROW)
    page.goto("/school-admin/approvals")
    check("approvals")
    page.goto("/school-admin")
    _follow(page, "main a[href^='/school-admin/courses/']")
    _follow(page, "main a[href$='/roster']")
    check("a roster")

    _as_persona(page, "provincial_official", lang)
    page.set_viewport_size(NARROW)
    page.goto("/dashboard/")
    check("the dashboard")

    # every finding, minor ones too, for whoever improves the pages next (git-ignored, beside the screenshots)
    (SCREENSHOTS / f"axe-360px-{lang}.txt").write_text("\n".join(everything) + "\n")
    assert not failures, "\n".join(failures)
