"""Education in a real browser at phone width: a citizen filters, enrols, is waitlisted and is
promoted when someone drops; a school admin approves, bulk-enrols from CSV and issues a certificate
that verifies publicly. Screenshots in English and Urdu; axe-core on every education page."""

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.education import services
from portal.education.models import Course, Institution, Section
from portal.extensions import db
from tests.e2e.conftest import PHONE, screenshot, sign_in, switch_language
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def request_context(app):
    """Services called from the test render messages, which needs a request (English)."""
    with app.test_request_context():
        yield


@pytest.fixture
def school_admin(make_user):
    def factory(*institutions):
        return make_user(roles=[("school_admin", i.id) for i in institutions], full_name="School Admin")

    return factory


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def catalogue(**section_fields):
    institution = Institution(name="Multan IT Skills Centre", type="it_centre", district="Multan", address="Bosan Road",
                              contact="061-111", active=True)  # fmt: skip
    course = Course(institution=institution, title="Introduction to AI", category="ai_data", description="Basics.",
                    level="beginner", language="ur", mode="on_site", duration="8 weeks", fee_paisa=0,
                    certificate=True, active=True)  # fmt: skip
    other = Course(institution=institution, title="Spoken English", category="languages", description="Talk.",
                   level="beginner", language="en", mode="online", duration="6 weeks", fee_paisa=300000,
                   certificate=False, active=True)  # fmt: skip
    values = dict(start_date=date(2026, 3, 16), end_date=date(2026, 5, 16), meeting_days="mon,wed", venue="Lab 1",
                  capacity=1, enrolled_count=0, reserved_seats=0, reserved_taken=0, enrol_opens=date(2026, 2, 20),
                  enrol_closes=date(2026, 3, 10), drop_deadline=date(2026, 3, 20), waitlist_enabled=True)  # fmt: skip
    values.update(section_fields)
    section = Section(course=course, name="Morning cohort", **values)
    db.session.add_all([institution, course, other, section,
                        Section(course=other, name="Evening", **{**values, "capacity": 10})])  # fmt: skip
    db.session.commit()
    return institution, course, section


def test_citizen_filters_enrols_is_waitlisted_and_promoted(page, live_server, make_user):
    _institution, course, section = catalogue()
    holder = make_user(full_name="Seat Holder")
    services.enrol(holder, section.id)
    db.session.commit()
    citizen = make_user(full_name="Farah Naz", district="Multan")

    page.goto("/courses")
    page.get_by_label("District").select_option("Multan")
    page.get_by_label("Subject").select_option("ai_data")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Introduction to AI")).to_be_visible()
    assert page.get_by_role("link", name="Spoken English").count() == 0
    assert page.get_by_text("1 on the waitlist").count() == 0  # full, nobody waiting yet
    screenshot(page, "education-find-en-phone")
    assert_accessible(page, "find courses")

    sign_in(page, citizen.cnic)
    page.goto(f"/courses/{course.id}")
    expect(page.get_by_text("Can join")).to_be_visible()
    assert_accessible(page, "course page")
    page.get_by_role("link", name="Join the waitlist").first.click()  # the course page says it: the cohort is full
    expect(page.get_by_text("you would be number 1 on the waitlist")).to_be_visible()
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", name="On the waitlist")).to_be_visible()
    expect(page.get_by_text("number 1 on the waitlist")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    screenshot(page, "education-waitlisted-en-phone")

    # The seat holder leaves, in their own browser: the citizen is promoted in the same transaction.
    other = page.context.browser.new_context(viewport=PHONE, base_url=live_server)
    holder_page = other.new_page()
    sign_in(holder_page, holder.cnic)
    holder_page.goto("/my-courses")
    holder_page.get_by_role("link", name="Leave Introduction to AI").click()
    expect(holder_page.get_by_role("heading", name="Leave a course")).to_be_visible()
    expect(holder_page.get_by_text("Your seat will be offered to the next person on the waitlist")).to_be_visible()
    assert_accessible(holder_page, "leave a course")
    screenshot(holder_page, "education-leave-confirm-en-phone")
    holder_page.get_by_role("button", name="Yes, leave this course").click()
    expect(holder_page.get_by_text("Seat Holder has left Introduction to AI.")).to_be_visible()
    other.close()
    page.goto("/my-courses")
    row = page.locator("tr", has_text=reference)
    expect(row.get_by_text("Enrolled")).to_be_visible()
    assert_accessible(page, "my courses")
    screenshot(page, "education-my-courses-en-phone")

    switch_language(page, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.get_by_role("heading", name="میرے کورس")).to_be_visible()
    screenshot(page, "education-my-courses-ur-phone")
    assert_accessible(page, "my courses (ur)")
    page.goto(f"/courses/{course.id}")
    screenshot(page, "education-course-ur-phone")


def test_admin_approves_bulk_enrols_and_issues_a_certificate_that_verifies(page, make_user, school_admin):
    institution, course, section = catalogue(
        capacity=5,
        needs_approval=True,
        start_date=date(2026, 2, 23),
        end_date=date(2026, 3, 2),
        enrol_closes=date(2026, 3, 2),
    )  # ends today (2 March, the tests' clock): its last day, when completion can be recorded
    admin = school_admin(institution)
    applicant = make_user(full_name="Amna Bibi")
    pending = services.enrol(applicant, section.id).enrolment
    db.session.commit()
    walk_ins = [make_user(full_name=f"Walk-in {i}") for i in range(2)]

    sign_in(page, admin.cnic)
    page.goto("/school-admin")
    assert_accessible(page, "admin home")
    page.get_by_role("link", name="Approvals").click()
    expect(page.locator("td", has_text="Amna Bibi").first).to_be_visible()
    assert_accessible(page, "approvals")
    page.get_by_role("button", name="Approve Amna Bibi").click()
    expect(page.get_by_text("Amna Bibi is enrolled.")).to_be_visible()
    screenshot(page, "education-approved-en-phone")

    page.goto("/school-admin/bulk")
    rows = "\n".join(f"{u.cnic},{section.id}" for u in walk_ins) + "\n3520200000009," + str(section.id)
    page.get_by_label("CSV file").set_input_files(
        {"name": "walk-ins.csv", "mimeType": "text/csv", "buffer": ("cnic,section\n" + rows + "\n").encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Check result: nothing has changed yet")).to_be_visible()
    expect(page.get_by_text("No account has this CNIC.")).to_be_visible()
    screenshot(page, "education-bulk-check-en-phone")
    assert_accessible(page, "bulk check")
    page.get_by_label("Enrol the valid rows only").check()
    page.get_by_role("button", name="Enrol these people").click()
    expect(page.get_by_text("2 people enrolled or waitlisted. 1 row skipped.")).to_be_visible()
    page.goto(f"/school-admin/sections/{section.id}/roster")
    assert_accessible(page, "roster")
    page.get_by_label(f"Completed {applicant.full_name}").check()
    page.get_by_role("button", name="Mark the ticked people as completed").click()
    expect(page.get_by_text("1 person marked as completed.")).to_be_visible()
    page.get_by_role("link", name="Certificate").first.click()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "education-certificate-en-phone")
    assert_accessible(page, "certificate")
    code = page.locator(".certificate-verify .reference").inner_text()
    sign_out(page)

    # Anyone can check it, without signing in.
    page.goto(f"/verify/{code}")
    expect(page.get_by_text("This certificate is genuine.")).to_be_visible()
    # As printed in English and as printed in Urdu: the name (and an untranslated title) in each.
    expect(page.get_by_text("Amna Bibi").first).to_be_visible()
    expect(page.get_by_text("Introduction to AI").first).to_be_visible()
    assert_accessible(page, "verify")
    switch_language(page, "ur")
    screenshot(page, "education-verify-ur-phone")
    page.goto("/verify/NOT-A-CODE")
    expect(page.get_by_text("کوئی سرٹیفکیٹ نہیں").first).to_be_visible()
    assert pending.reference
