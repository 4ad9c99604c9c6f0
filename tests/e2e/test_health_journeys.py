"""A citizen books for a family member, downloads the .ics and cancels; a clinic admin checks in an
arrival code and marks the person seen. Screenshots at phone width in English and Urdu."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.auth.models import Dependant
from portal.extensions import db
from portal.health.models import Clinic, Service, WeeklyHours
from tests.e2e.conftest import screenshot, sign_in, switch_language

pytestmark = pytest.mark.e2e


@pytest.fixture
def clinic_setup(app, make_user):
    clinic = Clinic(name="Mayo Hospital OPD", type="teaching_opd", district="Lahore", address="Hospital Road, Lahore")
    service = Service(
        clinic=clinic,
        name="General OPD",
        slot_minutes=30,
        places_per_slot=2,
        min_notice_hours=2,
        horizon_days=14,
        cancel_cutoff_hours=2,
    )
    for weekday in range(7):
        service.hours.append(WeeklyHours(weekday=weekday, start=time(9), end=time(13)))
    db.session.add(service)
    db.session.commit()
    citizen = make_user(full_name="Ayesha Khan")
    citizen.dependants.append(
        Dependant(full_name="Hamza Khan", relationship_="child", date_of_birth=date(2016, 2, 3), gender="male")
    )
    admin = make_user(full_name="Dr. Imran Qureshi", roles=[("clinic_admin", clinic.id)])
    db.session.commit()
    return {"citizen_cnic": citizen.cnic, "admin_cnic": admin.cnic, "clinic_id": clinic.id}


def test_citizen_books_for_family_member_downloads_ics_and_cancels(page, clinic_setup):
    sign_in(page, clinic_setup["citizen_cnic"])
    page.goto("/clinics")
    screenshot(page, "health-find-clinics-en-phone")
    page.get_by_role("link", name="Mayo Hospital OPD").click()
    page.get_by_role("link", name="Choose a date").click()
    screenshot(page, "health-dates-en-phone")
    page.locator(".day-open a").nth(1).click()  # tomorrow
    page.locator(".times a").first.click()
    page.get_by_label("Hamza Khan").check()
    screenshot(page, "health-confirm-en-phone")
    page.get_by_role("button", name="Book this appointment").click()

    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    reference = page.locator(".confirmation .reference").first.inner_text()
    assert reference.startswith("H-")
    screenshot(page, "health-confirmation-en-phone")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to your phone calendar").click()
    ics = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and reference in ics

    switch_language(page, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "health-confirmation-ur-phone")
    switch_language(page, "en")

    page.goto("/appointments")
    expect(page.get_by_text("Hamza Khan").first).to_be_visible()
    page.get_by_role("link", name=f"Cancel {reference}").click()
    page.get_by_role("button", name="Yes, cancel this appointment").click()
    expect(page.get_by_text(f"Your appointment {reference} is cancelled.")).to_be_visible()
    # Back on My appointments. Nothing is left to do with a cancelled booking: on a phone its row
    # shows no empty "Actions:" label.
    expect(page.locator("tr", has_text=reference).locator("td.actions")).to_be_hidden()
    screenshot(page, "health-my-appointments-en-phone")


def test_clinic_admin_checks_in_arrival_code_and_marks_seen(page, app, clinic_setup):
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.health import services
    from portal.health.models import Appointment
    from tests.health.conftest import MONDAY, karachi

    with app.test_request_context():
        citizen = db.session.scalar(select(User).where(User.cnic == clinic_setup["citizen_cnic"]))
        booked = services.book_slot(citizen, db.session.scalar(select(Service.id)), karachi(MONDAY, 12))
        db.session.commit()
        code, reference, appointment_id = booked.arrival_code, booked.reference, booked.id

    sign_in(page, clinic_setup["admin_cnic"])
    page.get_by_role("link", name="Clinic admin").first.click()
    page.get_by_role("link", name="Today's list").first.click()
    assert (
        page.get_by_role("cell", name=f"Reference: {reference}").is_visible()
        or page.get_by_text(reference).first.is_visible()
    )
    screenshot(page, "health-daily-list-en-phone")
    page.locator(f"#code-{appointment_id}").fill("ZZZZ")
    page.get_by_role("button", name=f"Arrived {reference}").click()
    expect(page.get_by_text("Neither the arrival code nor the CNIC matches")).to_be_visible()
    page.locator(f"#code-{appointment_id}").fill(code)
    page.get_by_role("button", name=f"Arrived {reference}").click()
    page.get_by_role("button", name=f"Seen {reference}").click()
    expect(page.get_by_text(f"{reference} is now: Seen.")).to_be_visible()
    db.session.rollback()  # end the read snapshot: the server wrote since
    assert db.session.get(Appointment, appointment_id).status == "seen"

    switch_language(page, "ur")
    screenshot(page, "health-daily-list-ur-phone")


def test_wrong_arrival_code_is_shown_at_the_row_on_a_small_phone(browser, live_server, app, make_user, clinic_setup):
    """The row is far down a long list: the answer opens at it, with the message and the code as typed."""
    from sqlalchemy import select

    from portal.health import services
    from tests.health.conftest import MONDAY, karachi

    service_id = db.session.scalar(select(Service.id))
    people = [make_user(full_name=f"Patient {n}") for n in range(8)]  # every place from 11:00
    with app.test_request_context():
        for n, person in enumerate(people):
            late = services.book_slot(person, service_id, karachi(MONDAY, 11 + n // 4, 30 * (n // 2 % 2)))
        db.session.commit()
        last_id, reference = late.id, late.reference

    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, clinic_setup["admin_cnic"])
        page.goto(f"/clinic-admin/clinics/{clinic_setup['clinic_id']}/day")
        page.locator(f"#code-{last_id}").fill("ZZZZ")
        page.get_by_role("button", name=f"Arrived {reference}").click()
        message = page.locator(f"#status-error-{last_id}")
        expect(message).to_contain_text("Neither the arrival code nor the CNIC matches")
        expect(message).to_be_in_viewport()
        expect(page.locator(f"#code-{last_id}")).to_have_value("ZZZZ")
        expect(page.locator(f"#code-{last_id}")).to_be_focused()
        assert page.evaluate("window.scrollY") > 0
        screenshot(page, "health-wrong-code-en-small-phone")
    finally:
        context.close()


def test_clinic_admin_layout_cards_without_bullets_and_actions_cells_in_line(browser, live_server, clinic_setup):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, clinic_setup["admin_cnic"])
        page.goto("/clinic-admin")
        assert page.eval_on_selector("ul.cards > li", "e => getComputedStyle(e).listStyleType") == "none"
        page.goto(f"/clinic-admin/clinics/{clinic_setup['clinic_id']}")
        bottoms = page.eval_on_selector_all(
            "table tbody tr:first-child > td", "cells => cells.map(c => Math.round(c.getBoundingClientRect().bottom))"
        )
        assert len(set(bottoms)) == 1, bottoms  # the Actions cell ends where its row does
    finally:
        context.close()


def test_a_closed_day_is_marked_in_grey_not_in_the_green_of_a_day_to_book(page, app, clinic_setup):
    """The date list's "Closed" badge was the portal's green, the colour of the days that can be
    booked: it is grey (#505a5f: white text on it reads at 7:1)."""
    from portal.health.models import Closure

    clinic = db.session.get(Clinic, clinic_setup["clinic_id"])
    db.session.add(
        Closure(clinic_id=clinic.id, start_date=date(2026, 3, 4), end_date=date(2026, 3, 4), reason="Polio drive")
    )
    db.session.commit()
    service_id = clinic.services[0].id
    page.goto(f"/clinics/services/{service_id}")
    closed = page.locator(".day-closed .badge").first
    open_day = page.locator(".day-open").first
    expect(closed).to_have_text("Closed")
    expect(page.locator(".day-closed .day-why").first).to_have_text("Polio drive")
    colours = page.evaluate(
        """([closed, open]) => [getComputedStyle(closed).backgroundColor, getComputedStyle(open).borderColor]""",
        [closed.element_handle(), open_day.element_handle()],
    )
    assert colours[0] != colours[1] and colours[0] == "rgb(80, 90, 95)", colours
