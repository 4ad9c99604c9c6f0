"""The audit log says each event's details in words, in English and Urdu (portal/auth/audit_details.py):
"Role: Clinic admin · Clinic: Mayo Hospital OPD (12)", never "role=clinic_admin; scope_id=12"."""

from __future__ import annotations

import re

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
    # A removed closure is gone from the database: its event keeps its days and reason (health.admin.delete_closure).
    removed = {"start": "2026-03-05", "end": "2026-03-07", "reason": "Eid holidays", "reason_ur": "عید کی چھٹیاں"}
    assert said("health.closure.deleted", removed) == [
        ("First closed day", "Mar 5, 2026"),
        ("Last closed day", "Mar 7, 2026"),
        ("Reason", "Eid holidays"),
        ("Reason in Urdu", "عید کی چھٹیاں"),
    ]
    with force_locale("ur"):
        assert [label for label, _value in said("health.closure.deleted", removed)] == [
            "بندش کا پہلا دن",
            "بندش کا آخری دن",
            "وجہ",
            "وجہ اردو میں",
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


def arrows(pairs):
    """The values said, without the isolates that keep each value's own direction (FSI … PDI, RLM)."""
    return [(label, re.sub("[\u2068\u2069\u200f]", "", value)) for label, value in pairs]


def test_a_course_or_section_edit_says_each_change_from_what_to_what():
    """A course's and a cohort's edits keep their old and new values: each is said in the words of
    its form, a fee as money, a day as a date, a code as its words; a long text is only named."""
    section = {
        "capacity": 5,
        "changed": ["start_date", "meeting_days", "capacity", "closed"],
        "before": {"start_date": "2026-03-16", "meeting_days": "mon,wed", "capacity": 3, "closed": False},
        "after": {"start_date": "2026-03-23", "meeting_days": "tue", "capacity": 5, "closed": True},
    }
    assert arrows(said("education.section.updated", section)) == [
        ("Seats", "5"),
        ("What changed", "First day, Meeting days, Seats, and Closed (no longer shown or taking enrolments)"),
        ("First day", "Mar 16, 2026 → Mar 23, 2026"),
        ("Meeting days", "Monday and Wednesday → Tuesday"),
        ("Seats", "3 → 5"),
        ("Closed (no longer shown or taking enrolments)", "No → Yes"),
    ]
    course = {
        "title": "Python",
        "changed": ["description", "fee_paisa", "mode"],
        "before": {"fee_paisa": 0, "mode": "on_site"},
        "after": {"fee_paisa": 500000, "mode": "online"},
    }
    assert arrows(said("education.course.updated", course)) == [
        ("Course", "Python"),
        ("What changed", "Description in English, Fee, and How it is taught"),
        ("Fee", "Free → Rs\u00a05,000"),
        ("How it is taught", "On site → Online"),
    ]
    with force_locale("ur"):
        changes = said("education.course.updated", course)
        assert changes[3] == ("طریقۂ تدریس", "\u200f\u2068ادارے میں آ کر\u2069 ← \u2068آن لائن\u2069")
    english = said("education.course.updated", course)[3]
    assert english == ("How it is taught", "\u2068On site\u2069 → \u2068Online\u2069")
    # A removal says what the place was.
    assert said("education.enrolment.removed", {"reference": "E-1", "previous": "enrolled"})[-1] == (
        "Status before",
        "Enrolled",
    )


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


@pytest.fixture
def places(make_clinic, make_service):
    """Two clinics with a "General OPD" each (a closure of the whole of one, one of the other's service),
    and a course with a named cohort and one without a name, with Urdu names for some."""
    from datetime import date

    from portal.education.models import Course, Institution, Section
    from portal.health.models import Closure

    attock = make_clinic(name="DHQ Hospital Attock", name_ur="ڈی ایچ کیو ہسپتال اٹک", district="Attock")
    chakwal = make_clinic(name="DHQ Hospital Chakwal", district="Chakwal")
    opd_attock, opd_chakwal = make_service(clinic=attock), make_service(clinic=chakwal, name_ur="جنرل او پی ڈی")
    day = date(2026, 3, 5)
    whole = Closure(clinic_id=attock.id, start_date=day, end_date=day, reason="Eid")
    one_service = Closure(clinic_id=chakwal.id, service_id=opd_chakwal.id, start_date=day, end_date=day, reason="Leave")
    institution = Institution(name="Govt Technical Institute", name_ur="گورنمنٹ ٹیکنیکل انسٹی ٹیوٹ", type="it_centre",
                              district="Multan")  # fmt: skip
    course = Course(institution=institution, title="Web development", title_ur="ویب ڈویلپمنٹ", category="ai_data",
                    mode="on_site")  # fmt: skip
    common = dict(
        start_date=date(2026, 4, 1),
        end_date=date(2026, 6, 30),
        capacity=20,
        enrol_opens=date(2026, 3, 1),
        enrol_closes=date(2026, 3, 25),
        drop_deadline=date(2026, 4, 10),
    )
    evening = Section(course=course, name="Evening", name_ur="شام", **common)
    nameless = Section(course=course, **common)
    db.session.add_all([whole, one_service, institution, course, evening, nameless])
    db.session.commit()
    return locals()


def _records(html: str) -> list[str]:
    """The Record cell of each row of the audit log, as text, but for the accounts (the sign-in's)."""
    cells = re.findall(r'<td data-label="(?:Record|ریکارڈ)">(.*?)</td>', html, re.S)
    shown = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
    return [text for text in shown if not re.search(r"\d{5}-\d{7}-\d", text)]


def test_clinics_services_closures_and_cohorts_are_named_in_the_log_in_both_languages(client, auth, superadmin, places):
    """Lines such as "Clinic created | Clinic 60", "Service created | Service 65", "Closure added | Closure 1"
    and "Section created | Section 42" did not say what was acted on: each record is named as appointments
    and enrolments are, by what its reader knows it by and where it belongs, in the reader's language."""
    p = places
    for action, target in [
        ("health.clinic.created", p["attock"]),
        ("health.service.created", p["opd_attock"]),
        ("health.service.created", p["opd_chakwal"]),
        ("health.closure.added", p["whole"]),
        ("health.closure.added", p["one_service"]),
        ("education.institution.created", p["institution"]),
        ("education.course.created", p["course"]),
        ("education.section.created", p["evening"]),
        ("education.section.created", p["nameless"]),
    ]:
        services.audit(action, actor=superadmin, target=target)
    db.session.commit()
    auth.login(superadmin)
    records = sorted(_records(client.get("/admin/audit").text))
    nameless = p["nameless"].id
    assert records == sorted(
        [
            "Clinic DHQ Hospital Attock · Attock",
            "Service General OPD · DHQ Hospital Attock",
            "Service General OPD · DHQ Hospital Chakwal",
            "Closure DHQ Hospital Attock · The whole clinic",
            "Closure DHQ Hospital Chakwal · General OPD",
            "Institution Govt Technical Institute · Multan",
            "Course Web development · Govt Technical Institute",
            "Section Evening · Web development · Govt Technical Institute",
            f"Section {nameless} · Web development · Govt Technical Institute",
        ]
    )
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/admin/audit").text
    records = sorted(_records(html))
    assert "کلینک ڈی ایچ کیو ہسپتال اٹک · اٹک" in records
    assert "سروس جنرل او پی ڈی · DHQ Hospital Chakwal" in records  # no Urdu name for the clinic: its own
    assert "سروس General OPD · ڈی ایچ کیو ہسپتال اٹک" in records
    assert "بندش ڈی ایچ کیو ہسپتال اٹک · پورا کلینک" in records
    assert "گروپ شام · ویب ڈویلپمنٹ · گورنمنٹ ٹیکنیکل انسٹی ٹیوٹ" in records
    # An English name on the Urdu page is marked as English, an Urdu one as right to left.
    assert '<bdi lang="en">DHQ Hospital Chakwal</bdi>' in html
    assert '<bdi dir="rtl">ڈی ایچ کیو ہسپتال اٹک</bdi>' in html


def test_the_records_of_a_page_are_named_with_one_query_per_kind(superadmin, places):
    from sqlalchemy import event

    p = places
    events = [
        services.audit(action, actor=superadmin, target=target)
        for action, target in [
            ("health.clinic.created", p["attock"]),
            ("health.clinic.created", p["chakwal"]),
            ("health.service.created", p["opd_attock"]),
            ("health.service.created", p["opd_chakwal"]),
            ("health.closure.added", p["whole"]),
            ("health.closure.added", p["one_service"]),
            ("education.section.created", p["evening"]),
            ("education.section.created", p["nameless"]),
        ]
    ]
    db.session.commit()
    for e in events:  # read back after the commit, as the audit log page has them
        assert e.target_id
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    listen = (db.engine, "before_cursor_execute", count)
    event.listen(*listen)
    try:
        named = services.records_named(events)
    finally:
        event.remove(*listen)
    assert len(named) == 8 and len(statements) == 4  # clinics, services, closures, sections
    assert named[("health_services", str(p["opd_chakwal"].id))] == services.RecordName(
        "General OPD", ("DHQ Hospital Chakwal",)
    )


def test_an_audit_log_page_past_the_last_leads_to_the_last(client, auth, superadmin):
    services.audit("demo.reset", actor=superadmin)
    db.session.commit()
    auth.login(superadmin)
    response = client.get("/admin/audit?kind=&page=40")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/audit?kind=&page=1"
    assert "Demo data reset" in text_of(client.get(response.headers["Location"]))


def test_opening_hours_say_their_break_and_what_they_were_and_an_ended_closure_its_old_last_day():
    hours = {
        "weekday": 0,
        "start": "09:00:00",
        "end": "13:00:00",
        "break_start": "12:00:00",
        "break_end": "12:30:00",
        "was_weekday": 0,
        "was_start": "09:00:00",
        "was_end": "13:00:00",
        "was_break_start": None,
        "was_break_end": None,
    }
    assert said("health.hours.saved", hours) == [
        ("Day of the week", "Monday"),
        ("Opens at", "09:00"),
        ("Closes at", "13:00"),
        ("Break starts", "12:00"),
        ("Break ends", "12:30"),
        ("Day of the week before", "Monday"),
        ("Opened at before", "09:00"),
        ("Closed at before", "13:00"),
        ("Break started before", "—"),
        ("Break ended before", "—"),
    ]
    assert [d.code for d in describe("health.hours.saved", hours)][:5] == [False, True, True, True, True]
    removed = {"weekday": 2, "start": "14:00:00", "end": "16:00:00", "break_start": None, "break_end": None}
    assert said("health.hours.deleted", removed) == [
        ("Day of the week", "Wednesday"),
        ("Opens at", "14:00"),
        ("Closes at", "16:00"),
        ("Break starts", "—"),
        ("Break ends", "—"),
    ]
    ended = {"start": "2026-02-27", "end": "2026-03-01", "reason": "Flood", "was_end": "2026-03-03"}
    assert said("health.closure.ended", ended) == [
        ("First closed day", "Feb 27, 2026"),
        ("Last closed day", "Mar 1, 2026"),
        ("Reason", "Flood"),
        ("Last closed day before", "Mar 3, 2026"),
    ]
    with force_locale("ur"):
        labels = [label for label, _value in said("health.hours.saved", hours)]
        assert not [label for label in labels if re.search("[A-Za-z]", label)], labels
        assert not re.search("[A-Za-z]", said("health.closure.ended", ended)[-1][0])
