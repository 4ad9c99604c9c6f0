"""Request tests for the school-admin pages (good and bad input), and scope: a citizen gets 403,
another institution's records answer 404, anonymous visitors are sent to sign in."""

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.auth.models import AuditEvent
from portal.education import services
from portal.education.models import Course, EligibilityRule, Enrolment, Institution, Section
from portal.extensions import db
from tests.conftest import csrf_token, ltr_cells


@pytest.fixture
def world(make_user, make_section, make_institution, school_admin):
    """An admin of one institution, a section there, and another institution's section."""
    section = make_section(capacity=1, needs_approval=True)
    other_section = make_section()
    admin = school_admin(section.course.institution)
    return admin, section, other_section


def admin_pages(section, rule_id=1, enrolment_id=1):
    course, institution = section.course, section.course.institution
    return [
        "/school-admin",
        f"/school-admin/institutions/{institution.id}/edit",
        f"/school-admin/institutions/{institution.id}/courses/new",
        f"/school-admin/courses/{course.id}",
        f"/school-admin/courses/{course.id}/edit",
        f"/school-admin/courses/{course.id}/sections/new",
        f"/school-admin/courses/{course.id}/rules/new",
        f"/school-admin/sections/{section.id}/edit",
        f"/school-admin/sections/{section.id}/roster",
        f"/school-admin/sections/{section.id}/roster.csv",
        f"/school-admin/enrolments/{enrolment_id}/reject",
        "/school-admin/approvals",
        "/school-admin/bulk",
    ]


def admin_posts(section, rule_id, enrolment_id):
    return [
        f"/school-admin/rules/{rule_id}/delete",
        f"/school-admin/enrolments/{enrolment_id}/approve",
        f"/school-admin/sections/{section.id}/complete",
    ]


def test_scope_on_every_admin_page(client, auth, world, make_user, add_rule):
    admin, section, other = world
    other_enrolment = services.enrol(make_user(), other.id).enrolment
    other_rule = add_rule(section=other, kind="gender", gender="female")
    db.session.commit()
    # Anonymous: sign in first.
    for path in admin_pages(section):
        assert client.get(path).status_code == 302, path
    # A citizen: 403 everywhere.
    auth.login(make_user())
    for path in admin_pages(section):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/courses")
    for path in admin_posts(section, other_rule.id, other_enrolment.id):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    auth.logout()
    # An admin of another institution: 404 for each of its records.
    auth.login(admin)
    for path in admin_pages(other, enrolment_id=other_enrolment.id)[1:11]:
        with client.get(path) as response:
            assert response.status_code == 404, path
    token = csrf_token(client, "/school-admin")
    for path in admin_posts(other, other_rule.id, other_enrolment.id):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(Enrolment, other_enrolment.id).status == "enrolled"
    assert db.session.get(EligibilityRule, other_rule.id) is not None


def test_admin_home_lists_own_institutions_only(client, auth, world):
    admin, section, other = world
    auth.login(admin)
    html = client.get("/school-admin").get_data(as_text=True)
    assert section.course.institution.name in html and other.course.institution.name not in html
    assert section.course.title in html


def test_edit_institution(client, auth, world):
    admin, section, _other = world
    institution = section.course.institution
    auth.login(admin)
    path = f"/school-admin/institutions/{institution.id}/edit"
    token = csrf_token(client, path)
    bad = client.post(path, data={"csrf_token": token, "name": "", "type": "nope", "district": "Atlantis"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "This field is required." in html and "Not a valid choice" in html
    good = client.post(path, data={"csrf_token": token, "name": "New Name", "type": "college", "district": "Multan",
                                   "address": "Road", "contact": "061-1", "active": "y"})  # fmt: skip
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, institution.id).name == "New Name"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "education.institution.updated"))


def test_a_second_institution_with_a_name_of_its_district_is_refused_beside_the_name(
    client, auth, world, make_user, make_institution
):
    """Case and spaces aside, when adding one and when renaming one; another district may have it."""
    admin, section, _other = world
    make_institution(name="Govt College of Technology", district="Lahore")
    superadmin = make_user(roles=["superadmin"])
    auth.login(superadmin)
    path = "/school-admin/institutions/new"
    form = {"name": " govt  college of TECHNOLOGY ", "type": "college", "district": "Lahore", "address": "Railway Road",
            "contact": "042-1", "active": "y"}  # fmt: skip
    response = client.post(path, data={**form, "csrf_token": csrf_token(client, path)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_errors(html, "name") == (
        "There is already an institution called “Govt College of Technology” in this district. Give this one "
        "a name people can tell apart, or edit the one that exists."
    )
    client.get("/language/ur?next=/")
    html = client.post(path, data={**form, "csrf_token": csrf_token(client, path)}).get_data(as_text=True)
    assert "\u2066Govt College of Technology\u2069" in field_errors(html, "name")
    assert "There is already" not in html
    client.get("/language/en?next=/")
    alike = select(func.count(Institution.id)).where(Institution.name_key == "govt college of technology")
    assert db.session.scalar(alike) == 1
    response = client.post(path, data={**form, "district": "Multan", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    auth.logout()
    auth.login(admin)
    edit = f"/school-admin/institutions/{section.course.institution_id}/edit"
    html = client.post(edit, data={**form, "csrf_token": csrf_token(client, edit)}).get_data(as_text=True)
    assert "There is already an institution called" in field_errors(html, "name")


COURSE_FORM = {"title": "Python for Beginners", "category": "digital", "description": "Basics", "level": "beginner",
               "language": "ur", "mode": "online", "duration": "6 weeks", "fee": "1500.50", "certificate": "y",
               "active": "y"}  # fmt: skip


def test_a_second_course_with_the_same_title_is_refused_beside_the_title(client, auth, world, make_course):
    admin, section, _other = world
    institution = section.course.institution
    make_course(institution=institution, title="Computer Basics for Beginners")
    auth.login(admin)
    path = f"/school-admin/institutions/{institution.id}/courses/new"
    token = csrf_token(client, path)
    data = {**COURSE_FORM, "csrf_token": token, "title": " computer basics for BEGINNERS "}
    html = client.post(path, data=data).get_data(as_text=True)
    assert field_errors(html, "title") == (
        "Another course of this institution is already called “Computer Basics for Beginners”. "
        "Give this one another title, or edit that course instead."
    )
    assert '<a href="#title">' in html
    client.get("/language/ur?next=/")
    html = client.post(path, data=data).get_data(as_text=True)
    assert field_errors(html, "title") == (
        "اس ادارے کے ایک اور کورس کا عنوان پہلے ہی ”\u2066Computer Basics for Beginners\u2069“ ہے۔ "
        "اس کورس کو کوئی اور عنوان دیں، یا اُسی کورس میں ترمیم کریں۔"
    )
    assert db.session.scalar(select(func.count(Course.id)).where(Course.institution_id == institution.id)) == 2
    # Editing the course the world had to that title is refused the same way.
    edit = f"/school-admin/courses/{section.course_id}/edit"
    html = client.post(edit, data=data).get_data(as_text=True)
    assert "ترمیم کریں۔" in field_errors(html, "title")


def test_create_and_edit_course(client, auth, world):
    admin, section, _other = world
    institution = section.course.institution
    auth.login(admin)
    path = f"/school-admin/institutions/{institution.id}/courses/new"
    token = csrf_token(client, path)
    bad = client.post(path, data={**COURSE_FORM, "csrf_token": token, "title": "", "fee": "-5"})
    html = bad.get_data(as_text=True)
    assert "This field is required." in html and "Enter a fee between 0 and 10,000,000 rupees." in html
    assert client.post(path, data={**COURSE_FORM, "csrf_token": token, "fee": "abc"}).status_code == 200
    response = client.post(path, data={**COURSE_FORM, "csrf_token": token})
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.title == "Python for Beginners"))
    assert course.fee_paisa == 150050 and course.institution_id == institution.id
    edit = f"/school-admin/courses/{course.id}/edit"
    assert "1500.50" in client.get(edit).get_data(as_text=True)
    client.post(edit, data={**COURSE_FORM, "csrf_token": token, "fee": "0", "title": "Python"})
    db.session.expire_all()
    assert db.session.get(Course, course.id).fee_paisa == 0
    assert "Python" in client.get(f"/school-admin/courses/{course.id}").get_data(as_text=True)


@pytest.mark.parametrize("fee", ["sNaN", "NaN", "-nan", "Infinity", "-Infinity", "inf", "abc"])
def test_a_fee_that_is_not_a_number_is_told_at_the_fee_never_a_500(client, auth, world, fee):
    """Python's Decimal reads "sNaN", "NaN" and "Infinity" as numbers: a signalling NaN made the fee's range
    check raise (a 500), and the others were refused as out of range or not at all."""
    admin, section, _other = world
    auth.login(admin)
    path = f"/school-admin/institutions/{section.course.institution.id}/courses/new"
    response = client.post(path, data={**COURSE_FORM, "csrf_token": csrf_token(client, path), "fee": fee})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_errors(html, "fee") == (
        "Enter the fee in rupees as a number, for example 1500, or 0 if the course is free."
    )
    assert '<a href="#fee">' in html
    assert db.session.scalar(select(func.count(Course.id)).where(Course.title == COURSE_FORM["title"])) == 0
    client.get("/language/ur?next=/")
    html = client.post(path, data={**COURSE_FORM, "csrf_token": csrf_token(client, path), "fee": fee}).get_data(
        as_text=True
    )
    assert field_errors(html, "fee") == "فیس روپوں میں عدد کی صورت میں درج کریں، مثلاً 1500، یا اگر کورس مفت ہے تو 0۔"


SECTION_FORM = {"name": "Evening", "start_date": "2026-04-01", "end_date": "2026-05-30", "meeting_days": ["tue", "thu"],
                "start_time": "17:00", "end_time": "19:00", "venue": "Room 2", "capacity": "20",
                "reserved_kind": "gender", "reserved_district": "", "reserved_seats": "5",
                "enrol_opens": "2026-03-01", "enrol_closes": "2026-03-25", "drop_deadline": "2026-04-10",
                "waitlist_enabled": "y", "waitlist_cap": "10"}  # fmt: skip


def test_create_section_with_reserved_seats_and_validation(client, auth, world):
    admin, section, _other = world
    course = section.course
    auth.login(admin)
    path = f"/school-admin/courses/{course.id}/sections/new"
    token = csrf_token(client, path)
    bad = client.post(path, data={**SECTION_FORM, "csrf_token": token, "end_date": "2026-03-01",
                                  "enrol_closes": "2026-02-01", "capacity": "0", "end_time": "16:00",
                                  "reserved_kind": "district"})  # fmt: skip
    html = bad.get_data(as_text=True)
    for message in ("The last day cannot be before the first day.", "Enrolment cannot close before it opens.",
                    "Enter between 1 and 10,000 seats.", "The class must end after it starts.",
                    "Choose the district the seats are kept for."):  # fmt: skip
        assert message in html
    too_many = client.post(path, data={**SECTION_FORM, "csrf_token": token, "reserved_seats": "50"})
    assert "Reserved seats cannot be more than the capacity." in too_many.get_data(as_text=True)
    assert client.post(path, data={**SECTION_FORM, "csrf_token": token, "start_date": "not a date"}).status_code == 200
    assert client.post(path, data={**SECTION_FORM, "csrf_token": token}).status_code == 302
    created = db.session.scalar(select(Section).where(Section.name == "Evening"))
    assert (created.capacity, created.reserved_kind, created.reserved_value, created.reserved_seats) == (
        20,
        "gender",
        "female",
        5,
    )
    assert created.meeting_days == "tue,thu" and created.waitlist_cap == 10


def field_errors(html: str, name: str) -> str:
    """The error text the forms macro shows beside one field ("" when none)."""
    match = re.search(rf'<p class="error-message" id="{name}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def test_a_new_section_that_has_ended_or_cannot_be_joined_is_refused_beside_its_dates(client, auth, world):
    """The review's section 41: 2020 dates, the drop deadline before enrolment opens. Today is 2 March 2026."""
    admin, section, _other = world
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    token = csrf_token(client, path)
    old = {**SECTION_FORM, "csrf_token": token, "start_date": "2020-01-01", "end_date": "2020-02-01",
           "enrol_opens": "2019-12-01", "enrol_closes": "2019-12-20", "drop_deadline": "2019-11-01"}  # fmt: skip
    html = client.post(path, data=old).get_data(as_text=True)
    assert field_errors(html, "drop_deadline") == "The last day to drop cannot be before enrolment opens."
    fixed = client.post(path, data={**old, "drop_deadline": ""}).get_data(as_text=True)
    assert field_errors(fixed, "end_date") == "This day has passed. A new section must end today or later."
    assert field_errors(fixed, "enrol_closes") == (
        "This day has passed. Enrolment must close today or later, or nobody could join."
    )
    assert 'value="2020-02-01"' in fixed  # what was typed stays, to be corrected
    # Enrolment closed yesterday: nobody could ever join.
    closed = client.post(path, data={**SECTION_FORM, "csrf_token": token, "enrol_opens": "2026-02-01",
                                     "enrol_closes": "2026-03-01"}).get_data(as_text=True)  # fmt: skip
    assert field_errors(closed, "enrol_closes").startswith("This day has passed.")
    assert db.session.scalars(select(Section).where(Section.name == "Evening")).all() == []
    # A cohort that started last week and takes late joiners until today is fine.
    late = {**SECTION_FORM, "csrf_token": token, "start_date": "2026-02-23", "enrol_opens": "2026-02-01",
            "enrol_closes": "2026-03-02", "drop_deadline": ""}  # fmt: skip
    assert client.post(path, data=late).status_code == 302


def test_a_section_starting_more_than_two_years_ahead_is_refused_beside_its_first_day(client, auth, world):
    """The review's section running January to March 2099, enrolment opening in 2098. Today is 2 March 2026."""
    admin, section, _other = world
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    token = csrf_token(client, path)
    far = {**SECTION_FORM, "csrf_token": token, "start_date": "2099-01-04", "end_date": "2099-03-28",
           "enrol_opens": "2098-12-01", "enrol_closes": "2098-12-31", "drop_deadline": ""}  # fmt: skip
    html = client.post(path, data=far).get_data(as_text=True)
    assert field_errors(html, "start_date") == (
        "A section can start at most 2 years from today: choose a first day on or before 2 March 2028."
    )
    assert '<a href="#start_date">' in html
    client.get("/language/ur?next=/")
    html = client.post(path, data=far).get_data(as_text=True)
    assert field_errors(html, "start_date").startswith("گروپ آج سے زیادہ سے زیادہ 2 سال بعد شروع ہو سکتا ہے")
    assert db.session.scalars(select(Section).where(Section.name == "Evening")).all() == []
    # The last day allowed is fine.
    edge = {**far, "start_date": "2028-03-02", "end_date": "2028-05-01", "enrol_opens": "2028-01-01",
            "enrol_closes": "2028-03-01"}  # fmt: skip
    assert client.post(path, data=edge).status_code == 302


def test_an_old_section_can_still_be_edited_but_a_running_one_not_moved_into_the_past(
    client, auth, world, make_section
):
    admin, section, _other = world
    ended = make_section(course=section.course, start_date=date(2025, 9, 1), end_date=date(2025, 12, 20),
                         enrol_opens=date(2025, 8, 1), enrol_closes=date(2025, 8, 31), drop_deadline=None)  # fmt: skip
    auth.login(admin)
    path = f"/school-admin/sections/{ended.id}/edit"
    token = csrf_token(client, path)
    data = {**SECTION_FORM, "csrf_token": token, "start_date": "2025-09-01", "end_date": "2025-12-20",
            "enrol_opens": "2025-08-01", "enrol_closes": "2025-08-31", "drop_deadline": "",
            "venue": "Hall B"}  # fmt: skip
    assert client.post(path, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, ended.id).venue == "Hall B"
    # The section of the world runs 16 March to 16 May 2026: a slip of the year would hide it.
    path = f"/school-admin/sections/{section.id}/edit"
    slip = {**SECTION_FORM, "csrf_token": token, "start_date": "2025-03-16", "end_date": "2025-05-16",
            "enrol_opens": "2025-02-20", "enrol_closes": "2025-03-10", "drop_deadline": "", "capacity": "1",
            "reserved_kind": "", "reserved_seats": "0"}  # fmt: skip
    html = client.post(path, data=slip).get_data(as_text=True)
    assert field_errors(html, "end_date").startswith(
        "A section that has not ended cannot be given a last day in the past."
    )
    # Closing enrolment early (yesterday) stays possible.
    early = {**slip, "start_date": "2026-03-16", "end_date": "2026-05-16", "enrol_opens": "2026-02-20",
             "enrol_closes": "2026-03-01"}  # fmt: skip
    assert client.post(path, data=early).status_code == 302


def test_edit_section_capacity_below_enrolled_is_explained(client, auth, world, make_user):
    admin, section, _other = world
    section.needs_approval = False
    section.capacity = 3
    db.session.commit()
    for _ in range(2):
        services.enrol(make_user(), section.id)
    db.session.commit()
    auth.login(admin)
    path = f"/school-admin/sections/{section.id}/edit"
    html = client.get(path).get_data(as_text=True)
    assert 'value="3"' in html
    data = {**SECTION_FORM, "csrf_token": csrf_token(client, path), "capacity": "1", "reserved_kind": "",
            "reserved_seats": "0"}  # fmt: skip
    html = client.post(path, data=data).get_data(as_text=True)
    # Beside the field to correct and in the summary that links to it, with what was typed kept.
    message = "2 people are already enrolled, so the capacity cannot be lower than that."
    assert field_errors(html, "capacity") == message
    assert f'<a href="#capacity"><span class="error-field">Seats:</span> {message}</a>' in html
    assert 'value="Evening"' in html and 'id="capacity" ' in html and 'value="1"' in html
    db.session.expire_all()
    assert db.session.get(Section, section.id).capacity == 3


def test_saving_a_section_says_who_moved_up_and_who_was_told(client, auth, world, make_user):
    """One more seat and a new room: the admin is told that one person moved up from the waitlist and
    that everyone with a place was told of the new venue."""
    admin, section, _other = world
    section.needs_approval = False
    db.session.commit()
    services.enrol(make_user(), section.id)
    waiting = services.enrol(make_user(), section.id)
    db.session.commit()
    assert waiting.enrolment.status == "waitlisted"
    auth.login(admin)
    path = f"/school-admin/sections/{section.id}/edit"
    data = {**SECTION_FORM, "csrf_token": csrf_token(client, path), "start_date": "2026-03-16",
            "end_date": "2026-05-16", "meeting_days": ["mon", "wed"], "start_time": "09:00", "end_time": "11:00",
            "enrol_opens": "2026-02-20", "enrol_closes": "2026-03-10", "drop_deadline": "2026-03-20",
            "capacity": "2", "reserved_kind": "", "reserved_seats": "0", "venue": "Room 7"}  # fmt: skip
    html = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert "1 person moved up from the waitlist into a seat and has been told." in html
    assert "2 people with a place in this section have been told of the new schedule." in html
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.enrolment.id).status == "enrolled"


def _two_women_in_seats_kept_for_women(world, make_user):
    """The world's section with four seats, two kept for women and held by two women."""
    admin, section, _other = world
    section.needs_approval, section.capacity = False, 4
    section.reserved_kind, section.reserved_value, section.reserved_seats = "gender", "female", 2
    db.session.commit()
    for _ in range(2):
        services.enrol(make_user(gender="female"), section.id)
    db.session.commit()
    return admin, section


def test_fewer_reserved_seats_than_taken_is_refused_beside_the_field(client, auth, world, make_user):
    admin, section = _two_women_in_seats_kept_for_women(world, make_user)
    auth.login(admin)
    path = f"/school-admin/sections/{section.id}/edit"
    data = {**SECTION_FORM, "csrf_token": csrf_token(client, path), "capacity": "4", "reserved_seats": "1"}
    html = client.post(path, data=data).get_data(as_text=True)
    message = "2 reserved seats are already taken, so fewer cannot be reserved."
    assert field_errors(html, "reserved_seats") == message
    assert '<a href="#reserved_seats">' in html


def test_seats_kept_for_a_group_cannot_be_given_to_another_once_taken(client, auth, world, make_user):
    """Two women hold seats kept for women. Keeping the seats for Multan instead would count them as
    Multan's (no seat left for anyone from Multan): refused beside "Reserve seats for", and nothing
    changes. Keeping them for nobody opens them to everyone: saved."""
    admin, section = _two_women_in_seats_kept_for_women(world, make_user)
    auth.login(admin)
    path = f"/school-admin/sections/{section.id}/edit"
    token = csrf_token(client, path)
    message = (
        "2 people already hold seats kept for women and girls, so the seats cannot be kept for another group now. "
        "To open them to everyone, choose “Nobody”."
    )
    change = {"reserved_kind": "district", "reserved_district": "Multan", "reserved_seats": "2"}
    html = client.post(path, data={**SECTION_FORM, "csrf_token": token, "capacity": "4", **change}).get_data(
        as_text=True
    )
    assert field_errors(html, "reserved_kind") == message
    assert '<a href="#reserved_kind">' in html
    db.session.expire_all()
    kept = db.session.get(Section, section.id)
    assert (kept.reserved_kind, kept.reserved_value, kept.reserved_seats, kept.reserved_taken) == (
        "gender",
        "female",
        2,
        2,
    )
    # The same group with more seats is still fine.
    more = {**SECTION_FORM, "csrf_token": token, "capacity": "4", "reserved_seats": "3"}
    assert client.post(path, data=more).status_code == 302
    # And so is keeping them for nobody.
    nobody = {**SECTION_FORM, "csrf_token": token, "capacity": "4", "reserved_kind": "", "reserved_seats": "0"}
    assert client.post(path, data=nobody).status_code == 302
    db.session.expire_all()
    kept = db.session.get(Section, section.id)
    assert (kept.reserved_kind, kept.reserved_seats, kept.reserved_taken, kept.enrolled_count) == (None, 0, 0, 2)


def test_rules_form(client, auth, world, make_course):
    admin, section, _other = world
    prerequisite = make_course(title="Computer Basics")
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/rules/new"
    html = client.get(path + f"?section={section.id}").get_data(as_text=True)
    assert "Computer Basics" in html
    token = csrf_token(client, path)
    bad = client.post(path, data={"csrf_token": token, "applies_to": "course", "kind": "age", "min_age": "40",
                                  "max_age": "20"})  # fmt: skip
    assert "The youngest age cannot be more than the oldest age." in bad.get_data(as_text=True)
    empty = client.post(path, data={"csrf_token": token, "applies_to": "course", "kind": "district"})
    assert "Choose at least one district." in empty.get_data(as_text=True)
    assert client.post(path, data={"csrf_token": token, "applies_to": "99999", "kind": "gender",
                                   "gender": "female"}).status_code == 200  # fmt: skip
    ok = client.post(path, data={"csrf_token": token, "applies_to": str(section.id), "kind": "age", "min_age": "18",
                                 "max_age": "35"})  # fmt: skip
    assert ok.status_code == 302
    client.post(path, data={"csrf_token": token, "applies_to": "course", "kind": "prerequisite",
                            "prerequisite": str(prerequisite.id)})  # fmt: skip
    rules = db.session.scalars(select(EligibilityRule).order_by(EligibilityRule.id)).all()
    assert [(r.kind, r.section_id, r.course_id) for r in rules] == [
        ("age", section.id, None),
        ("prerequisite", None, section.course_id),
    ]
    page = client.get(f"/school-admin/courses/{section.course_id}").get_data(as_text=True)
    assert "Ages 18–35 on the start date" in page and "Completed “Computer Basics” on the portal" in page
    # Remove asks first (tests/education/test_rule_removal.py); the confirmation removes.
    asked = client.post(f"/school-admin/rules/{rules[0].id}/delete", data={"csrf_token": token})
    assert asked.status_code == 200 and "Remove this rule" in asked.get_data(as_text=True)
    assert db.session.get(EligibilityRule, rules[0].id) is not None
    removed = client.post(f"/school-admin/rules/{rules[0].id}/delete", data={"csrf_token": token, "confirm": "remove"})
    assert removed.status_code == 302
    assert client.post(f"/school-admin/rules/{rules[1].id}/delete", data={"confirm": "remove"}).status_code == 400


def test_a_rule_contradicting_the_course_is_refused_beside_its_field(client, auth, world, make_course):
    admin, section, _other = world
    basics = make_course(institution=section.course.institution, title="Computer Basics")
    db.session.add(EligibilityRule(course_id=basics.id, kind="prerequisite", prerequisite_course_id=section.course_id))
    section.reserved_kind, section.reserved_value, section.reserved_seats = "gender", "female", 1
    db.session.commit()
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/rules/new"
    token = csrf_token(client, path)
    html = client.post(path, data={"csrf_token": token, "applies_to": "course", "kind": "prerequisite",
                                   "prerequisite": str(basics.id)}).get_data(as_text=True)  # fmt: skip
    assert field_errors(html, "prerequisite").startswith("“Computer Basics” already needs this course completed first")
    assert '<a href="#prerequisite">' in html
    html = client.post(path, data={"csrf_token": token, "applies_to": str(section.id), "kind": "gender",
                                   "gender": "male"}).get_data(as_text=True)  # fmt: skip
    assert field_errors(html, "gender").startswith(f"Seats in section {section.id} are kept for women and girls")
    client.get("/language/ur?next=/")
    html = client.post(path, data={"csrf_token": token, "applies_to": "course", "kind": "gender",
                                   "gender": "male"}).get_data(as_text=True)  # fmt: skip
    assert field_errors(html, "gender").startswith(f"گروپ {section.id} میں نشستیں خواتین اور لڑکیوں کے لیے مخصوص ہیں")
    assert db.session.scalar(select(func.count(EligibilityRule.id))) == 1


def test_a_waitlist_limit_below_the_people_waiting_is_refused_beside_it(client, auth, world, make_user, make_section):
    admin, approved, _other = world
    section = make_section(course=approved.course, capacity=1)
    for _ in range(4):  # one seated, three waiting
        services.enrol(make_user(), section.id)
    db.session.commit()
    auth.login(admin)
    path = f"/school-admin/sections/{section.id}/edit"
    form = {**SECTION_FORM, "start_date": "2026-03-16", "end_date": "2026-05-16", "enrol_opens": "2026-02-20",
            "enrol_closes": "2026-03-10", "capacity": "1", "reserved_kind": "", "reserved_seats": "0",
            "waitlist_cap": "1"}  # fmt: skip
    html = client.post(path, data={**form, "csrf_token": csrf_token(client, path)}).get_data(as_text=True)
    assert field_errors(html, "waitlist_cap") == (
        "3 people are already waiting, so the waitlist limit cannot be lower than that."
    ), field_errors(html, "waitlist_cap")


def test_approvals_queue_approve_and_reject(client, auth, world, make_user):
    admin, section, _other = world
    first = services.enrol(make_user(full_name="First Applicant"), section.id).enrolment
    second = services.enrol(make_user(full_name="Second Applicant"), section.id).enrolment
    third = services.enrol(make_user(full_name="Third Applicant"), section.id).enrolment
    db.session.commit()
    auth.login(admin)
    html = client.get("/school-admin/approvals").get_data(as_text=True)
    assert "First Applicant" in html and "Second Applicant" in html
    assert f'<td data-label="Reference"><bdi dir="ltr">{first.reference}</bdi></td>' in html
    assert not ltr_cells(html)
    token = csrf_token(client, "/school-admin/approvals")
    response = client.post(f"/school-admin/enrolments/{first.id}/approve", data={"csrf_token": token},
                           follow_redirects=True)  # fmt: skip
    roster_link = f'<a href="/school-admin/sections/{section.id}/roster">Open the roster</a>'
    # The approved row leaves the queue with its roster link: the message carries one.
    assert f"First Applicant is enrolled. {roster_link}</div>" in response.get_data(as_text=True)
    response = client.post(f"/school-admin/enrolments/{second.id}/approve", data={"csrf_token": token},
                           follow_redirects=True)  # fmt: skip
    assert "Second Applicant is on the waitlist (number 1)" in response.get_data(as_text=True)
    assert f"and has been told. {roster_link}</div>" in response.get_data(as_text=True)
    again = client.post(f"/school-admin/enrolments/{second.id}/approve", data={"csrf_token": token},
                        follow_redirects=True)  # fmt: skip
    assert "This enrolment cannot be changed any more." in again.get_data(as_text=True)
    reject_path = f"/school-admin/enrolments/{third.id}/reject"
    empty = client.post(reject_path, data={"csrf_token": token, "reason": "  "})
    assert "Give a reason: the person is told it." in empty.get_data(as_text=True)
    assert client.post(reject_path, data={"csrf_token": token, "reason": "Course is for staff."}).status_code == 302
    db.session.expire_all()
    assert [db.session.get(Enrolment, e.id).status for e in (first, second, third)] == [
        "enrolled",
        "waitlisted",
        "rejected",
    ]
    assert client.post(f"/school-admin/enrolments/{first.id}/approve", data={}).status_code == 400


def test_approving_from_the_roster_comes_back_to_it_without_a_link_to_itself(client, auth, world, make_user):
    admin, section, _other = world
    applicant = services.enrol(make_user(full_name="Roster Applicant"), section.id).enrolment
    db.session.commit()
    auth.login(admin)
    roster = f"/school-admin/sections/{section.id}/roster"
    response = client.post(
        f"/school-admin/enrolments/{applicant.id}/approve",
        data={"csrf_token": csrf_token(client, roster), "back": "roster"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(roster)
    html = client.get(roster).get_data(as_text=True)
    assert "Roster Applicant is enrolled.</div>" in html and "Open the roster" not in html
    assert db.session.get(Enrolment, applicant.id).status == "enrolled"


def test_approving_when_the_waitlist_is_full_explains_why_it_stays_pending(client, auth, world, make_user):
    admin, section, _other = world
    section.waitlist_cap = 1
    seated, waiting, third = (services.enrol(make_user(), section.id).enrolment for _ in range(3))
    services.approve(admin, seated.id)
    services.approve(admin, waiting.id)
    db.session.commit()
    auth.login(admin)
    token = csrf_token(client, "/school-admin/approvals")
    response = client.post(f"/school-admin/enrolments/{third.id}/approve", data={"csrf_token": token},
                           follow_redirects=True)  # fmt: skip
    assert "No seat is left and the waitlist is full, so the request stays pending." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, third.id).status == "pending"


def test_roster_csv_export_and_completion(app, client, auth, world, make_user):
    admin, section, _other = world
    section.needs_approval = False
    db.session.commit()
    holder = services.enrol(make_user(full_name="Holder"), section.id).enrolment
    waiting = services.enrol(make_user(full_name="Waiting"), section.id).enrolment
    db.session.commit()
    auth.login(admin)
    path = f"/school-admin/sections/{section.id}/roster"
    html = client.get(path).get_data(as_text=True)
    assert "Holder" in html and "Waiting" in html and "1 of 1 seat taken" in html  # not "1 of 1 seats"
    assert f'<td data-label="Reference"><bdi dir="ltr">{holder.reference}</bdi></td>' in html
    assert not ltr_cells(html)
    with client.get(path.replace("roster", "roster.csv")) as response:
        assert response.mimetype == "text/csv"
        body = response.get_data(as_text=True)
    assert holder.reference in body and waiting.reference in body
    token = csrf_token(client, path)
    early = client.post(f"/school-admin/sections/{section.id}/complete", data={"csrf_token": token,
                        "enrolment": [str(holder.id)]}, follow_redirects=True)  # fmt: skip
    assert "Completion can be recorded from 16 May 2026, the last day of this cohort." in early.get_data(as_text=True)
    app.config["FIXED_NOW"] = "2026-05-20T04:00:00+00:00"
    auth.login_again()  # days later: a new sign-in (a session lasts 12 hours)
    token = csrf_token(client, path)  # a sign-in starts an empty session: a new form token
    none = client.post(f"/school-admin/sections/{section.id}/complete", data={"csrf_token": token},
                       follow_redirects=True)  # fmt: skip
    assert "Tick the people who have completed the course." in none.get_data(as_text=True)
    done = client.post(f"/school-admin/sections/{section.id}/complete", data={"csrf_token": token,
                       "enrolment": [str(holder.id), "junk", "²", "9" * 30]}, follow_redirects=True)  # fmt: skip
    assert "1 person marked as completed." in done.get_data(as_text=True)
    db.session.expire_all()
    certificate = db.session.get(Enrolment, holder.id).certificate
    assert certificate is not None
    html = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "<svg" in html and "Holder" in html  # admins of the institution may print it


def test_roster_csv_masks_cnics_as_the_roster_page_does(client, auth, world, make_user):
    """A roster file is passed on far more easily than a page is seen: no full CNIC, nor a family
    member's full B-form number, leaves in it; the masked one is enough to match a card."""
    from portal.auth.models import Dependant

    admin, section, _other = world
    section.needs_approval, section.capacity = False, 3
    holder = make_user(full_name="Holder", cnic="3520211122233")
    parent = make_user(full_name="Parent", cnic="3520244455566")
    parent.dependants.append(
        Dependant(
            full_name="Hamza",
            relationship_="child",
            date_of_birth=date(2008, 2, 3),
            gender="male",
            id_number="3520277788899",
        )
    )
    db.session.commit()
    services.enrol(holder, section.id)
    services.enrol(parent, section.id, dependant_id=parent.dependants[0].id)
    db.session.commit()
    auth.login(admin)
    html = client.get(f"/school-admin/sections/{section.id}/roster").get_data(as_text=True)
    assert "35202-•••••23-3" in html
    with client.get(f"/school-admin/sections/{section.id}/roster.csv") as response:
        assert response.cache_control.no_store  # nor is the file kept by the browser or a proxy
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cnics = {row[1]: row[2] for row in rows[1:]}
    assert cnics == {"Holder": "35202-•••••23-3", "Hamza": "35202-•••••89-9"}
    body = "\n".join(",".join(row) for row in rows)
    for full in ("3520211122233", "35202-1112223-3", "3520277788899", "35202-7778889-9", "1112223", "7778889"):
        assert full not in body


def bulk_post(client, token, content: bytes, action="check", mode="all", filename="people.csv"):
    data = {"csrf_token": token, "mode": mode, "action": action}
    if content is not None:
        data["file"] = (io.BytesIO(content), filename)
    return client.post("/school-admin/bulk", data=data, content_type="multipart/form-data")


def test_bulk_upload_dry_run_then_apply(client, auth, world, make_user):
    admin, section, _other = world
    people = [make_user(full_name=f"Bulk {i}") for i in range(2)]
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    content = (
        f"cnic,section\n{people[0].cnic},{section.id}\n{people[1].cnic},{section.id}\n3520200000000,{section.id}\n"
    )
    dry = bulk_post(client, token, content.encode())
    html = dry.get_data(as_text=True)
    assert "Check result: nothing has changed yet" in html
    assert "No account has this CNIC." in html and "Bulk 0: would be enrolled in" in html
    assert "Bulk 1: no seat left, would be number 1 on the waitlist." in html
    assert '<td data-label="CNIC"><bdi dir="ltr">' in html and not ltr_cells(html)
    assert db.session.scalars(select(Enrolment)).all() == []
    # Apply all-or-none from the checked content: refused because of the bad row.
    refused = client.post("/school-admin/bulk", data={"csrf_token": token, "mode": "all", "action": "apply",
                                                      "content": content})  # fmt: skip
    html = refused.get_data(as_text=True)
    assert "so nobody was enrolled" in html
    assert "Bulk 0: would be enrolled in" in html and ": enrolled in" not in html
    # The admin can now choose the valid rows only without uploading the file again.
    assert 'name="action" value="apply"' in html
    assert re.search(r'<input type="hidden" name="content" value="cnic,section\n\d{13},', html)
    applied = client.post("/school-admin/bulk", data={"csrf_token": token, "mode": "valid", "action": "apply",
                                                      "content": content})  # fmt: skip
    assert "2 people enrolled or waitlisted. 1 row skipped." in applied.get_data(as_text=True)
    assert len(db.session.scalars(select(Enrolment)).all()) == 2


def test_a_file_that_would_enrol_nobody_offers_no_enrolling(client, auth, world, make_user):
    """A checked file whose every row has a problem (or changes nothing) is not offered for enrolling:
    the button could only say "0 people enrolled"; checking another file is still offered."""
    admin, section, _other = world
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    html = bulk_post(client, token, f"cnic,section\nbad,{section.id}\n".encode()).get_data(as_text=True)
    assert "0 rows would enrol someone. 1 row has a problem." in html
    assert 'name="action" value="apply"' not in html and "Enrol these people" not in html
    assert 'name="action" value="check"' in html
    # A file with one good row still offers it.
    person = make_user(full_name="Bulk Good")
    html = bulk_post(client, token, f"{person.cnic},{section.id}\nbad,{section.id}\n".encode()).get_data(as_text=True)
    assert 'name="action" value="apply"' in html


def test_bulk_rows_say_what_would_happen_and_staff_words_in_both_languages(
    client, auth, world, make_user, make_section
):
    """A check enrolls nobody: rows say what they would do; someone with a seat in another cohort is
    the admin's to move (the citizen's "leave it in My courses" is not said)."""
    admin, section, _other = world
    evening = make_section(course=section.course, name="Evening", name_ur="شام")
    newcomer, seated = make_user(full_name="Ayesha Khan"), make_user(full_name="Bilal Ahmed")
    services.enrol(seated, evening.id)
    db.session.commit()
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    content = f"{newcomer.cnic},{section.id}\n{seated.cnic},{section.id}\n".encode()
    html = bulk_post(client, token, content).get_data(as_text=True)
    assert f"Ayesha Khan: would be enrolled in {section.course.title}." in html
    assert "Bilal Ahmed already has a seat in another cohort of this course: Evening" in html
    assert "To enrol them here, first remove them from that cohort on its roster." in html
    assert "To change to this cohort" not in html
    client.get("/language/ur?next=/")
    urdu = bulk_post(client, token, content).get_data(as_text=True)
    assert "میں داخلہ ہو جائے گا۔" in urdu and "میں داخلہ ہو گیا۔" not in urdu
    assert "انہیں یہاں داخل کرنے کے لیے پہلے اُس گروپ کی شرکاء کی فہرست سے انہیں نکالیں۔" in urdu
    assert "اس گروپ میں جانے کے لیے" not in urdu


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Choose a CSV file to upload."),
        (b"", "The file is empty."),
        (b"\x00\x01\x02binary", "This is not a CSV text file."),
        ("cnic,section\n3520212345671,1\n".encode("cp1252") + b"\x81\x8d", "The file is not in UTF-8 encoding."),
        (b"cnic,section\n" + b"3520212345671,1\n" * 20000, "The file is too large"),
        (b'"unclosed,1\n', "The file could not be read as CSV: check for a stray quote mark on line 1."),
        (b"cnic,section\n", "The file has no rows to enrol."),
    ],
)
def test_bulk_upload_bad_files(client, auth, world, content, message):
    admin, _section, _other = world
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    response = bulk_post(client, token, content)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Choose a CSV file to upload."),
        (b"cnic,section\n" + b"3520212345671,1\n" * 20000, "The file is too large"),
        (b"\x00\x01\x02binary", "This is not a CSV text file."),
    ],
)
def test_a_problem_with_the_chosen_file_is_said_at_the_file_field(client, auth, world, content, message):
    """As on every form: the summary at the top links to the field, and the problem is said beside it."""
    admin, _section, _other = world
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    html = bulk_post(client, token, content).get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert '<a href="#file">' in summary and message in summary
    beside = re.search(r'<p class="error-message" id="file-error"><span>([^<]*)</span></p>', html)
    assert beside and message in beside.group(1)
    assert re.search(r'<input[^>]*aria-describedby="file-hint file-error"[^>]*aria-invalid="true"', html)
    assert html.count(message) == 2  # once in the summary, once at the field


def test_a_request_over_the_portal_size_limit_gets_the_413_page_and_enrols_no_one(app, client, auth, world, make_user):
    """The largest CSV the bulk page takes (bulk.MAX_BYTES), even sent again as text to be applied,
    is read; a body over MAX_CONTENT_LENGTH is refused before any form is read."""
    from portal.education import bulk

    admin, section, _other = world
    person = make_user()
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    row = f"{person.cnic},{section.id}\n".encode()
    largest = row + b"# padding\n" * ((bulk.MAX_BYTES - len(row)) // 10)
    assert len(largest) <= bulk.MAX_BYTES < app.config["MAX_CONTENT_LENGTH"]
    checked = bulk_post(client, token, largest)
    assert checked.status_code == 200 and "That file is too large" not in checked.get_data(as_text=True)
    resent = client.post(
        "/school-admin/bulk",
        data={"csrf_token": token, "mode": "all", "action": "apply", "content": largest.decode()},
        content_type="multipart/form-data",
    )
    assert resent.status_code == 200 and "That file is too large" not in resent.get_data(as_text=True)
    db.session.rollback()
    before = db.session.scalar(select(func.count(Enrolment.id)))
    oversized = row * (app.config["MAX_CONTENT_LENGTH"] // len(row) + 1)
    for action, accept in (("check", "text/html"), ("apply", "text/html"), ("apply", "application/json")):
        # Encoded here, in memory: the test client would spool a body this large to a temporary file
        # that a refused request never reads nor closes.
        boundary, body = encode_multipart(
            {
                "csrf_token": token,
                "mode": "all",
                "action": action,
                "file": FileStorage(io.BytesIO(oversized), "people.csv"),
            }
        )
        response = client.post(
            "/school-admin/bulk",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Accept": accept},
        )
        assert response.status_code == 413
        if accept == "application/json":
            assert response.get_json()["message"] == "That file is too large"
        else:
            page = response.get_data(as_text=True)
            assert "That file is too large" in page and "Please choose a smaller file." in page
            # The size the form takes (not the portal's larger limit on any request), and the way back to it.
            assert "Files of up to 200 KB can be sent here." in page
            assert '<a class="button" href="/school-admin/bulk">Back to the page you were on</a>' in page
    db.session.rollback()
    assert db.session.scalar(select(func.count(Enrolment.id))) == before


def test_bulk_unknown_cnics_and_wrong_sections_are_listed(client, auth, world):
    admin, section, other = world
    auth.login(admin)
    token = csrf_token(client, "/school-admin/bulk")
    content = f"3520200000001,{section.id}\nnot-a-cnic,{section.id}\n3520200000002,{other.id}\n".encode()
    html = bulk_post(client, token, content).get_data(as_text=True)
    assert html.count("No account has this CNIC.") == 2
    assert "“not-a-cnic” is not a 13-digit CNIC." in html.replace("&#34;", '"')
    assert date  # keeps the import used in parametrised data on some runs


def test_superadmin_creates_institutions(client, auth, make_user, world):
    admin, _section, _other = world
    superadmin = make_user(roles=["superadmin"], full_name="Super")
    auth.login(admin)
    assert client.get("/school-admin/institutions").status_code == 403
    assert client.get("/school-admin/institutions/new").status_code == 403
    auth.logout()
    auth.login(superadmin)
    assert client.get("/school-admin").status_code == 403  # superadmin is not a school admin
    path = "/school-admin/institutions/new"
    token = csrf_token(client, path)
    bad = client.post(path, data={"csrf_token": token, "name": "", "type": "college", "district": ""})
    assert "This field is required." in bad.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": token, "name": "Government College Sahiwal", "type": "college",
                                       "district": "Sahiwal", "active": "y"}, follow_redirects=True)  # fmt: skip
    html = response.get_data(as_text=True)
    created = db.session.scalar(select(Institution).where(Institution.name == "Government College Sahiwal"))
    assert f"Institution created with number {created.id}." in html
    assert "Government College Sahiwal" in html
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "education.institution.created"))


def test_section_form_meeting_days_are_checkboxes(client, auth, world):
    """Meeting days are a group of checkboxes (a multi-select needs Ctrl or Cmd, which phones lack)."""
    admin, section, _other = world
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    html = client.get(path).get_data(as_text=True)
    assert "multiple" not in html and "Ctrl" not in html
    assert "<legend>Meeting days</legend>" in html
    for index, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        assert f'id="meeting_days-{index}" name="meeting_days" type="checkbox" value="{day}"' in html
    assert 'type="checkbox" value="mon"> Monday</label>' in html
    token = csrf_token(client, path)
    response = client.post(path, data={**SECTION_FORM, "csrf_token": token, "name": "Two days",
                                       "meeting_days": ["wed", "mon"]})  # fmt: skip
    assert response.status_code == 302
    assert db.session.scalar(select(Section.meeting_days).where(Section.name == "Two days")) == "mon,wed"


def test_section_form_without_meeting_days_is_refused(client, auth, world):
    admin, section, _other = world
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    data = {key: value for key, value in SECTION_FORM.items() if key != "meeting_days"}
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, path), "name": "No days"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        '<a href="#meeting_days-0"><span class="error-field">Meeting days:</span> Choose at least one day.</a>' in html
    )
    group = html[html.index('<fieldset class="field field-error') :]
    group = group[: group.index("</fieldset>")]
    assert '<p class="error-message" id="meeting_days-error"><span>Choose at least one day.</span>' in group
    assert 'aria-describedby="meeting_days-hint meeting_days-error"' in group
    assert db.session.scalar(select(Section).where(Section.name == "No days")) is None
    unknown = client.post(path, data={**data, "csrf_token": csrf_token(client, path), "name": "Odd days",
                                      "meeting_days": ["mon", "someday"]})  # fmt: skip
    assert unknown.status_code == 200 and "Choose only from the options listed." in unknown.get_data(as_text=True)
    assert db.session.scalar(select(Section).where(Section.name == "Odd days")) is None


def test_edit_section_shows_saved_meeting_days_checked(client, auth, world):
    admin, section, _other = world
    section.meeting_days = "tue,sat"
    db.session.commit()
    auth.login(admin)
    html = client.get(f"/school-admin/sections/{section.id}/edit").get_data(as_text=True)
    checked = re.findall(
        r'<input checked id="meeting_days-\d" name="meeting_days" type="checkbox" value="(\w+)">', html
    )
    assert checked == ["tue", "sat"] and html.count('name="meeting_days"') == 7


def test_section_form_meeting_days_in_urdu(client, auth, world):
    admin, section, _other = world
    admin.preferred_language = "ur"
    db.session.commit()
    auth.login(admin)
    html = client.get(f"/school-admin/courses/{section.course_id}/sections/new").get_data(as_text=True)
    assert 'dir="rtl"' in html and "<legend>کلاس کے دن</legend>" in html
    assert 'id="meeting_days-0" name="meeting_days" type="checkbox" value="mon"> پیر</label>' in html
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    data = {**SECTION_FORM, "csrf_token": csrf_token(client, path), "meeting_days": []}
    assert "کم از کم ایک دن منتخب کریں۔" in client.post(path, data=data).get_data(as_text=True)
    data["meeting_days"] = ["mon", "<script>"]
    refused = client.post(path, data=data).get_data(as_text=True)
    assert "صرف دیے گئے اختیارات میں سے منتخب کریں۔" in refused and "&lt;script&gt;" not in refused


def test_rule_form_districts_are_checkboxes(client, auth, world):
    admin, section, _other = world
    auth.login(admin)
    path = f"/school-admin/courses/{section.course_id}/rules/new"
    html = client.get(path).get_data(as_text=True)
    assert "multiple" not in html and "Ctrl" not in html
    assert 'id="districts-0" name="districts" type="checkbox"' in html and "<legend>Districts</legend>" in html
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "applies_to": "course", "kind": "district",
                                       "districts": ["Multan", "Lodhran"]})  # fmt: skip
    assert response.status_code == 302
    assert db.session.scalar(select(EligibilityRule.districts)) == "Multan,Lodhran"


def test_bulk_page_shows_the_admins_own_section_numbers_and_counts_rows_in_words(
    client, auth, world, make_user, make_section, make_institution, school_admin
):
    admin, section, other = world
    ended = make_section(course=section.course, start_date=date(2026, 1, 5), end_date=date(2026, 2, 27),
                         enrol_opens=date(2025, 12, 1), enrol_closes=date(2026, 1, 5))  # fmt: skip
    auth.login(admin)
    html = client.get("/school-admin/bulk").get_data(as_text=True)
    example = re.search(r'<pre class="example" dir="ltr">(.*?)</pre>', html, re.S).group(1)
    assert example.split() == ["cnic,section", f"35202-1234567-1,{section.id}", f"3740511223341,{section.id}"]
    assert "shown beside its name on your course pages in School admin" in html
    listed = re.findall(r'<strong dir="ltr">(\d+)</strong>', html)
    assert str(section.id) in listed and str(other.id) not in listed and str(ended.id) not in listed
    person = make_user()
    token = csrf_token(client, "/school-admin/bulk")
    content = f"{person.cnic},{section.id}\n3520200000000,{section.id}\n".encode()
    assert "1 row would enrol someone. 1 row has a problem." in bulk_post(client, token, content).get_data(as_text=True)
    client.get("/language/ur?next=/")
    urdu = bulk_post(client, token, content).get_data(as_text=True)
    assert "1 قطار سے کسی کا داخلہ ہو گا۔ 1 قطار میں مسئلہ ہے۔" in urdu
    # An admin with no section yet is shown a placeholder, not another institution's number.
    client.get("/language/en?next=/")
    auth.logout()
    auth.login(school_admin(make_institution()))
    html = client.get("/school-admin/bulk").get_data(as_text=True)
    assert "35202-1234567-1,section number" in html


def test_school_admin_pages_isolate_english_cohort_and_person_names_in_urdu(client, auth, world, make_user):
    """An English cohort name with brackets and digits ('Evening cohort (10 seats kept for women)')
    inside an Urdu line is a <bdi>, so its brackets do not swap with the seats left after it; so are the
    person and the account holder of a family member on the approvals page, the roster and course pages
    and the bulk page's list of sections. One seat left is 'seat', not 'seats'."""
    from datetime import date

    from portal.auth.models import Dependant

    admin, section, _other = world
    section.name = "Evening cohort (10 seats kept for women)"
    parent = make_user(full_name="Rukhsana Iqbal")
    parent.dependants.append(
        Dependant(full_name="Junaid Iqbal", relationship_="child", date_of_birth=date(2001, 1, 1), gender="male")
    )
    db.session.commit()
    services.enrol(parent, section.id, dependant_id=parent.dependants[0].id)
    db.session.commit()
    auth.login(admin)
    with client.session_transaction() as session:
        session["lang"] = "ur"
    cohort = '<bdi lang="en">Evening cohort (10 seats kept for women)</bdi>'
    html = client.get("/school-admin/approvals").get_data(as_text=True)
    assert f"{cohort}</a> (1 نشست باقی)" in html
    for name in ("Junaid Iqbal", "Rukhsana Iqbal"):
        assert f'<bdi class="name" lang="en">{name}</bdi>' in html
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert "(1 seat left)" in client.get("/school-admin/approvals").get_data(as_text=True)  # was '1 seats left'
    for path in (
        f"/school-admin/sections/{section.id}/roster",
        f"/school-admin/courses/{section.course_id}",
        "/school-admin/bulk",
    ):
        assert "<bdi>Evening cohort (10 seats kept for women)</bdi>" in client.get(path).get_data(as_text=True), path


LRI, PDI = "\u2066", "\u2069"


def test_bulk_upload_in_urdu_keeps_file_formats_and_sizes_left_to_right(client, auth, world):
    """On the Urdu page the hint read '“CSV UTF-8” … csv. فائل، زیادہ سے زیادہ KB 200': the Latin words,
    the dot of '.csv' and the size were laid out right to left around them. Each is now a left-to-right
    island (LRI … PDI) in the hint and in the errors that tell the admin how to save the file; an
    English page has no such marks."""
    admin, _section, _other = world
    auth.login(admin)
    client.get("/language/ur?next=/")
    html = client.get("/school-admin/bulk").get_data(as_text=True)
    for island in ("“CSV UTF-8”", ".csv", "200 KB"):
        assert f"{LRI}{island}{PDI}" in html
    token = csrf_token(client, "/school-admin/bulk")
    errors = {
        b"\x00\x01binary": [f"{LRI}“CSV UTF-8”{PDI}"],
        "cnic\n".encode("cp1252") + b"\x81\x8d": [f"{LRI}UTF-8{PDI}", f"{LRI}Save as → “CSV UTF-8”{PDI}"],
        b"cnic,section\n" + b"3520212345671,1\n" * 20000: [f"{LRI}200 KB{PDI}"],
    }
    for content, islands in errors.items():
        html = bulk_post(client, token, content).get_data(as_text=True)
        for island in islands:
            assert island in html, island
    client.get("/language/en?next=/")
    html = client.get("/school-admin/bulk").get_data(as_text=True)
    assert LRI not in html and "A .csv file saved as “CSV UTF-8”, at most 200 KB." in html


def test_approvals_say_when_the_seats_left_are_kept_for_others(client, auth, make_user, make_section, school_admin):
    """Two seats left, both kept for women: the queue said '(2 seats left)' beside Bilal's request, and
    approving it put him on the waitlist ('No seat was left'). The queue now says, for him, that the
    seats left are kept for women and girls; beside Sana's request it still says '2 seats left'."""
    section = make_section(
        capacity=3, needs_approval=True, reserved_kind="gender", reserved_value="female", reserved_seats=2,
        enrolled_count=1,
    )  # fmt: skip
    bilal, sana = make_user(full_name="Bilal", gender="male"), make_user(full_name="Sana", gender="female")
    for person in (bilal, sana):
        services.enrol(person, section.id)
    db.session.commit()
    auth.login(school_admin(section.course.institution))
    html = client.get("/school-admin/approvals").get_data(as_text=True)
    bilal_row, sana_row = (row for row in html.split("<tr>")[2:4])
    assert "Bilal" in bilal_row and "Sana" in sana_row
    assert "no seat for <bdi>Bilal</bdi>: the 2 left are kept for women and girls" in bilal_row
    assert "2 seats left" in sana_row and "kept for" not in sana_row


def test_the_approvals_queue_reads_its_people_and_cohorts_with_the_queue_not_row_by_row(
    client, auth, make_user, make_section, school_admin
):
    """Each row names the person (or family member), the course and cohort and the seats that person
    could take: read with the queue, so a queue of six requests costs what a queue of two does."""
    from portal.auth.models import Dependant
    from tests.conftest import Statements

    first = make_section(needs_approval=True)
    auth.login(school_admin(first.course.institution))

    def statements_for_queue_of(count: int) -> int:
        for n in range(count):
            parent = make_user(full_name=f"Parent {n}")
            child = Dependant(full_name=f"Child {n}", relationship_="child", date_of_birth=date(2008, 1, 1),
                              gender="female")  # fmt: skip
            parent.dependants.append(child)
            db.session.commit()
            cohort = make_section(course=first.course, needs_approval=True)  # each request in its own cohort
            services.enrol(parent, cohort.id, dependant_id=child.id)
        db.session.commit()
        db.session.expire_all()
        with Statements() as seen:
            assert client.get("/school-admin/approvals").status_code == 200
        return len(seen.sent)

    few = statements_for_queue_of(2)
    assert statements_for_queue_of(4) == few


def test_the_audit_log_names_an_approved_enrolment_by_its_reference_and_person(client, auth, world, make_user):
    """The superadmin reads which request was approved as the person saw it: its reference and name."""
    admin, section, _other = world
    enrolment = services.enrol(make_user(full_name="Ayesha Applicant"), section.id).enrolment
    db.session.commit()
    auth.login(admin)
    token = csrf_token(client, "/school-admin/approvals")
    client.post(f"/school-admin/enrolments/{enrolment.id}/approve", data={"csrf_token": token})
    auth.logout()
    auth.login(make_user(roles=["superadmin"]))
    html = client.get("/admin/audit").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if "Enrolment approved" in r)
    record = re.search(r'data-label="Record">(.*?)</td>', row, re.S).group(1)
    assert f'Enrolment <bdi dir="ltr">{enrolment.reference}</bdi>' in record and "Ayesha Applicant" in record


def test_each_sections_links_say_which_section(client, auth, world, make_section):
    """A screen reader's list of links read "Roster, Edit, Roster, Edit …": each names its section."""
    admin, section, _other = world
    evening = make_section(course=section.course, name="Evening", name_ur="شام")
    auth.login(admin)
    html = client.get(f"/school-admin/courses/{section.course_id}").get_data(as_text=True)
    for path in ("roster", "edit"):
        names = [
            re.sub(r"<[^>]+>", "", name)
            for name in re.findall(rf'<a href="/school-admin/sections/\d+/{path}">(.*?)</a>', html)
        ]
        assert len(names) == 2 and len(set(names)) == 2, names
    assert f'Roster<span class="visually-hidden"> <bdi>Evening</bdi> (section number {evening.id})</span></a>' in html


@pytest.mark.parametrize(
    ("language", "header", "statuses"),
    [
        ("en", ["reference", "name", "cnic", "family_member_of", "status", "waitlist_position", "enrolled_on"],
         {"Holder": "enrolled", "Waiting": "waitlisted", "=1+1": "waitlisted"}),
        ("ur", ["حوالہ نمبر", "نام", "شناختی کارڈ نمبر", "کس کے خاندان کا فرد", "صورتحال", "انتظار کی فہرست میں نمبر",
                "داخلے کی تاریخ"], {"Holder": "داخل", "Waiting": "انتظار کی فہرست میں", "=1+1": "انتظار کی فہرست میں"}),
    ],
)  # fmt: skip
def test_roster_csv_is_in_the_interfaces_language(client, auth, world, make_user, language, header, statuses):
    """Found on main: under the Urdu interface the roster file stayed English (header and statuses),
    while the dashboard's file is Urdu. English is as it was, for the scripts that read it."""
    admin, section, _other = world
    section.needs_approval, section.capacity = False, 1
    db.session.commit()
    for name in statuses:
        services.enrol(make_user(full_name=name), section.id)
    db.session.commit()
    auth.login(admin)
    client.get(f"/language/{language}?next=/")
    with client.get(f"/school-admin/sections/{section.id}/roster.csv") as response:
        text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # the BOM: a spreadsheet reads the Urdu as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == header
    assert {row[1]: row[4] for row in rows[1:]} == {("'=1+1" if n == "=1+1" else n): s for n, s in statuses.items()}
