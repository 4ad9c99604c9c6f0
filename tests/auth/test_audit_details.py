"""The audit log says each event's details in words, in English and Urdu (portal/auth/audit_details.py):
"Role: Clinic admin · Clinic: Mayo Hospital OPD (12)", never "role=clinic_admin; scope_id=12"."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.auth import services
from portal.auth.audit_details import describe
from portal.auth.models import AuditEvent
from portal.extensions import db
from tests.auth.conftest import text_of

CLINIC = {("clinic_admin", 12): "Mayo Hospital OPD"}


@pytest.fixture(autouse=True)
def request_context(app):
    """Words are in the reader's language, which needs a request (English unless forced)."""
    with app.test_request_context():
        yield


def said(action, details, names=CLINIC) -> list[tuple[str, str]]:
    return [(d.label, d.value) for d in describe(action, details, names)]


def test_a_role_is_said_with_its_clinic_institution_or_district():
    granted = {"role": "clinic_admin", "scope_id": 12, "district": None}
    assert said("role.granted", granted) == [("Role", "Clinic admin"), ("Clinic", "Mayo Hospital OPD (12)")]
    school = {"role": "school_admin", "scope_id": 4, "district": None}
    assert said("role.revoked", school, {("school_admin", 4): "PMAS Arid Agriculture University"}) == [
        ("Role", "School admin"),
        ("Institution", "PMAS Arid Agriculture University (4)"),
    ]
    # A clinic deleted since is said by its number.
    assert said("role.granted", granted, {}) == [("Role", "Clinic admin"), ("Clinic", "12")]
    district = {"role": "official", "scope_id": None, "district": "Lahore"}
    assert said("role.granted", district) == [("Role", "Official"), ("District", "Lahore")]
    province = {"role": "official", "scope_id": None, "district": None}
    assert said("role.granted", province) == [("Role", "Official"), ("District", "All of Punjab")]
    assert said("role.granted", {"role": "superadmin", "scope_id": None, "district": None}) == [("Role", "Superadmin")]


def test_codes_are_said_in_words():
    assert said("auth.login_failed", {"reason": "wrong_password"}) == [("Reason", "Wrong password")]
    assert said("auth.login_failed", {"reason": "unknown_account"}) == [("Reason", "No account has this CNIC or email")]
    assert said("auth.login", {"demo_persona": True}) == [("Signed in as a demo persona", "Yes")]
    assert said("health.appointment.arrived", {"previous": "no_show"}) == [("Status before", "Did not come")]
    assert said("health.appointment.arrived", {"previous": "booked", "checked_with": "cnic"}) == [
        ("Status before", "Booked"),
        ("Checked in with", "The CNIC on their card"),
    ]
    assert said("health.appointment.cancelled", {"reason": "schedule change"}) == [
        ("Reason", "the clinic changed its schedule")
    ]
    # A reason someone typed is shown as they typed it.
    assert said("health.appointment.cancelled", {"reason": "Doctor on leave"}) == [("Reason", "Doctor on leave")]
    assert said("health.clinic.updated", {"active": False}) == [("Open for bookings", "No")]
    assert said("health.walk_in.registered", {"mode": "queue"}) == [("Place", "Queue token for today")]
    assert said("education.bulk_enrolment", {"rows": 1200, "changes": 3, "errors": 0, "mode": "valid"}) == [
        ("Rows in the file", "1,200"),
        ("Changes", "3"),
        ("Rows with problems", "0"),
        ("If some rows have problems", "Enrol the valid rows only"),
    ]
    assert said("education.rule.added", {"kind": "prerequisite", "course_id": 7}) == [
        ("Condition", "Another course completed first"),
        ("Course number", "7"),
    ]
    assert said("education.enrolment.approved", {"reference": "E-7KQ2-9FXD"}) == [("Reference", "E-7KQ2-9FXD")]
    assert said("demo.seeded", {"size": "small", "seed": 2026, "seconds": 3.5}) == [
        ("Size of the dataset", "Small"),
        ("Random seed", "2026"),  # a name, not a quantity
        ("Time taken", "3.5 seconds"),
    ]


def test_opening_hours_and_closures_are_said_as_the_clinic_pages_show_them():
    hours = {"weekday": 0, "start": "09:00:00", "end": "13:30:00"}
    assert said("health.hours.saved", hours) == [
        ("Day of the week", "Monday"),
        ("Opens at", "09:00"),
        ("Closes at", "13:30"),
    ]
    closure = {"start": "2026-03-05", "end": "2026-03-07"}
    assert said("health.closure.added", closure) == [
        ("First closed day", "Mar 5, 2026"),
        ("Last closed day", "Mar 7, 2026"),
    ]
    shown = describe("health.hours.saved", hours)
    assert [d.code for d in shown] == [False, True, True]  # times stay left to right in Urdu
    assert [d.code for d in describe("health.closure.added", closure)] == [False, False]  # dates are words


def test_a_detail_the_portal_has_no_words_for_is_still_readable():
    odd = {"scope_kind": "ward", "flag": True, "count": 1200, "items": ["a", "b"], "nothing": None, "role": "inspector"}
    assert said("something.new", odd) == [
        ("Scope kind", "ward"),
        ("Flag", "Yes"),
        ("Count", "1,200"),
        ("Items", "a, b"),
        ("Nothing", "—"),
        ("Role", "inspector"),  # a role the portal no longer has: its code
    ]
    assert describe("auth.login", None) == [] and describe("auth.login", {}) == []


def test_details_in_urdu():
    with force_locale("ur"):
        granted = said("role.granted", {"role": "clinic_admin", "scope_id": 12, "district": None})
        assert granted == [("ذمہ داری", "کلینک ایڈمن"), ("کلینک", "Mayo Hospital OPD (12)")]
        assert said("role.granted", {"role": "official", "district": None}) == [
            ("ذمہ داری", "افسر"),
            ("ضلع", "پورا پنجاب"),
        ]
        assert said("health.hours.saved", {"weekday": 1, "start": "09:00:00"}) == [
            ("ہفتے کا دن", "منگل"),
            ("کھلنے کا وقت", "09:00"),
        ]
        assert said("auth.login_failed", {"reason": "wrong_password"}) == [("وجہ", "غلط پاس ورڈ")]
        assert said("something.new", {"flag": False}) == [("Flag", "نہیں")]


def test_what_an_edit_changed_is_said_in_the_words_of_its_form():
    """``changed`` (portal.auth.services.assign) names the fields as the form that changed them does,
    joined as the reader's language joins a list; a field added since is still readable."""
    assert said("health.service.updated", {"changed": ["places_per_slot", "active"]}) == [
        ("What changed", "Places at each time and Taking appointments")
    ]
    assert said("health.clinic.updated", {"active": True, "changed": ["name", "phone", "waiting_room"]}) == [
        ("Open for bookings", "Yes"),
        ("What changed", "Clinic name in English, Phone, and Waiting room"),
    ]
    assert said("education.institution.updated", {"changed": ["active"]}) == [
        ("What changed", "Open (shown to the public)")
    ]
    with force_locale("ur"):
        assert said("health.service.updated", {"changed": ["places_per_slot", "active"]}) == [
            ("کیا بدلا", "ایک وقت پر کتنی جگہیں اور اپائنٹمنٹس لی جا رہی ہیں")
        ]


@pytest.fixture
def superadmin(make_user):
    return make_user(full_name="Super Admin", roles=["superadmin"])


def test_the_audit_log_page_says_the_details_in_words_in_both_languages(
    app, client, auth, superadmin, make_user, monkeypatch
):
    monkeypatch.setitem(services.SCOPE_RESOLVERS, "clinic_admin", lambda id: "Mayo Hospital OPD" if id == 12 else None)
    person = make_user(full_name="Imran Qureshi")
    services.audit("role.granted", actor=superadmin, target=person, role="clinic_admin", scope_id=12, district=None)
    services.audit("health.hours.saved", actor=person, weekday=4, start="09:00:00", end="13:00:00")
    db.session.add(AuditEvent(action="future.thing", details={"new_key": "x"}))
    db.session.commit()
    auth.login(superadmin)
    html = client.get("/admin/audit").text
    assert (
        '<span class="detail"><span class="detail-label">Role:</span> <bdi>Clinic admin</bdi></span> · '
        '<span class="detail"><span class="detail-label">Clinic:</span> <bdi>Mayo Hospital OPD (12)</bdi></span>'
    ) in html
    page = text_of(client.get("/admin/audit"))
    assert "Day of the week: Friday · Opens at: 09:00 · Closes at: 13:00" in page
    assert "New key: x" in page
    assert "role=" not in page and "scope_id" not in page and "weekday" not in page
    assert 'data-label="IP address"' in html and 'data-label="From"' not in html  # the phone's card label

    with client.session_transaction() as session:
        session["lang"] = "ur"
    page = text_of(client.get("/admin/audit"))
    assert "ذمہ داری: کلینک ایڈمن · کلینک: Mayo Hospital OPD (12)" in page
    assert "ہفتے کا دن: جمعہ" in page and "Role:" not in page
