"""axe-core (WCAG 2.2 A/AA) on every health page, citizen and clinic admin, in English and Urdu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.e2e.conftest import sign_in, switch_language
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_health_journeys import clinic_setup  # noqa: F401 - fixture
from tests.health.conftest import MONDAY, TUESDAY, karachi

pytestmark = pytest.mark.e2e


@pytest.fixture
def booked(app, clinic_setup):  # noqa: F811
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.health import services
    from portal.health.models import Service

    with app.test_request_context():
        citizen = db.session.scalar(select(User).where(User.cnic == clinic_setup["citizen_cnic"]))
        admin = db.session.scalar(select(User).where(User.cnic == clinic_setup["admin_cnic"]))
        service_id = db.session.scalar(select(Service.id))
        appointment = services.book_slot(citizen, service_id, karachi(MONDAY, 12))
        db.session.commit()
        return {
            "citizen": citizen,
            "admin": admin,
            "service_id": service_id,
            "clinic_id": clinic_setup["clinic_id"],
            "reference": appointment.reference,
            "appointment_id": appointment.id,
            "at": int(karachi(TUESDAY, 10).timestamp()),
        }


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_citizen_health_pages_have_no_axe_violations(page, booked, lang):
    sign_in(page, booked["citizen"].cnic)
    if lang == "ur":
        switch_language(page, lang)
    ref, service_id = booked["reference"], booked["service_id"]
    for path in (
        "/clinics",
        f"/clinics/{booked['clinic_id']}",
        f"/clinics/services/{service_id}",
        f"/clinics/services/{service_id}/{TUESDAY.isoformat()}",
        f"/appointments/book/{service_id}/{booked['at']}",
        "/appointments",
        f"/appointments/{ref}",
        f"/appointments/{ref}/cancel",
        f"/appointments/{ref}/reschedule",
        f"/appointments/{ref}/reschedule?day={TUESDAY.isoformat()}",
        f"/appointments/{ref}/reschedule/{booked['at']}",
    ):
        page.goto(path)
        assert_accessible(page, f"{path} [{lang}]")


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_clinic_admin_pages_have_no_axe_violations(page, booked, lang):
    sign_in(page, booked["admin"].cnic)
    if lang == "ur":
        switch_language(page, lang)
    clinic_id, service_id = booked["clinic_id"], booked["service_id"]
    for path in (
        "/clinic-admin",
        f"/clinic-admin/clinics/{clinic_id}",
        f"/clinic-admin/clinics/{clinic_id}/edit",
        "/clinic-admin/clinics/new",
        f"/clinic-admin/clinics/{clinic_id}/services/new",
        f"/clinic-admin/services/{service_id}/edit",
        f"/clinic-admin/services/{service_id}/hours",
        f"/clinic-admin/clinics/{clinic_id}/closures",
        f"/clinic-admin/clinics/{clinic_id}/day",
        f"/clinic-admin/clinics/{clinic_id}/walk-in",
        f"/clinic-admin/clinics/{clinic_id}/export",
        f"/clinic-admin/appointments/{booked['appointment_id']}/cancel",
    ):
        page.goto(path)
        assert_accessible(page, f"{path} [{lang}]")
    # a form with errors
    page.goto(f"/clinic-admin/clinics/{clinic_id}/walk-in")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, f"walk-in with errors [{lang}]")
