"""Every form that creates a record, posted twice (a double tap on a slow phone, the browser sending it
again after a timeout), creates one record: the second post lands where the first did, with the same
message, and no error. Bookings, walk-ins and enrolments have their own tests in their packages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.models import Dependant, RoleAssignment
from portal.education.models import Course, EligibilityRule, Institution, Section
from portal.extensions import db
from portal.forms import SubmissionTokenMixin
from portal.health.models import Clinic, Closure, Service
from portal.submissions import FormSubmission
from tests.auth.test_profile_family import dependant_data
from tests.education.test_views_admin import COURSE_FORM, SECTION_FORM
from tests.health.test_urdu_names import SERVICE_FORM


@dataclass
class Form:
    """A create form: who fills it in, where it is shown and posted, what it sends and creates."""

    person: str
    page: str
    data: dict
    model: type
    action: str | None = None  # where it posts, when not to the page it is on

    @property
    def posts_to(self) -> str:
        return self.action or self.page


@pytest.fixture
def world(make_user, make_clinic):
    clinic = make_clinic()
    institution = Institution(
        name="Rawalpindi IT Skills Centre", type="it_centre", district="Rawalpindi", address="Murree Road", active=True
    )
    course = Course(
        institution=institution,
        title="Digital Skills",
        category="digital",
        description="",
        level="beginner",
        language="ur",
        mode="on_site",
        duration="8 weeks",
        fee_paisa=0,
        certificate=True,
        active=True,
    )
    db.session.add(course)
    db.session.commit()
    people = {
        "clinic_admin": make_user(full_name="Dr. Imran", roles=[("clinic_admin", clinic.id)]),
        "school_admin": make_user(full_name="Sadia Malik", roles=[("school_admin", institution.id)]),
        "superadmin": make_user(full_name="Usman Tariq", roles=["superadmin"]),
        "citizen": make_user(full_name="Ayesha Khan"),
        "newcomer": make_user(full_name="Bilal Ahmed"),
    }
    forms = {
        "clinic": Form(
            "clinic_admin",
            "/clinic-admin/clinics/new",
            {
                "name": "Services Hospital OPD",
                "type": "dhq",
                "district": "Lahore",
                "address": "Jail Road",
                "active": "y",
            },
            Clinic,
        ),
        "service": Form("clinic_admin", f"/clinic-admin/clinics/{clinic.id}/services/new", SERVICE_FORM, Service),
        "closure": Form(
            "clinic_admin",
            f"/clinic-admin/clinics/{clinic.id}/closures",
            {"service_id": "0", "start_date": "2026-03-23", "end_date": "2026-03-23", "reason": "Pakistan Day"},
            Closure,
        ),
        "institution": Form(
            "superadmin",
            "/school-admin/institutions/new",
            {"name": "Government College Sahiwal", "type": "college", "district": "Sahiwal", "active": "y"},
            Institution,
        ),
        "course": Form("school_admin", f"/school-admin/institutions/{institution.id}/courses/new", COURSE_FORM, Course),
        "section": Form("school_admin", f"/school-admin/courses/{course.id}/sections/new", SECTION_FORM, Section),
        "rule": Form(
            "school_admin",
            f"/school-admin/courses/{course.id}/rules/new",
            {"applies_to": "course", "kind": "age", "min_age": "18", "max_age": "35"},
            EligibilityRule,
        ),
        "family member": Form("citizen", "/account/family/new", dependant_data(), Dependant),
        "staff role": Form(
            "superadmin",
            f"/admin/staff?cnic={people['newcomer'].cnic}",
            {"role": "official", "district": "Multan"},
            RoleAssignment,
            action=f"/admin/staff/{people['newcomer'].id}/roles",
        ),
    }
    return people, forms


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def flashes(html: str) -> list[str]:
    return re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', html, re.S)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


FORMS = ["clinic", "service", "closure", "institution", "course", "section", "rule", "family member", "staff role"]


@pytest.mark.parametrize("name", FORMS)
def test_a_create_form_posted_twice_creates_one_record_and_lands_where_the_first_did(client, auth, world, name):
    people, forms = world
    form = forms[name]
    auth.login(people[form.person])
    html = client.get(form.page).get_data(as_text=True)
    data = {**form.data, "csrf_token": hidden(html, "csrf_token"), "submission_token": hidden(html, "submission_token")}
    before = count(form.model)

    first = client.post(form.posts_to, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    said_first = flashes(client.get(first.headers["Location"]).get_data(as_text=True))
    second = client.post(form.posts_to, data=data)

    assert second.status_code == 302, second.get_data(as_text=True)
    assert second.headers["Location"] == first.headers["Location"]
    assert flashes(client.get(second.headers["Location"]).get_data(as_text=True)) == said_first != []
    assert count(form.model) == before + 1
    assert count(FormSubmission) == 1


@pytest.mark.parametrize("name", FORMS)
def test_the_same_page_sent_again_with_other_values_creates_another_record(client, auth, world, name):
    """The browser's Back to the filled form, a value changed, Save: what it now says is created too."""
    people, forms = world
    form = forms[name]
    auth.login(people[form.person])
    html = client.get(form.page).get_data(as_text=True)
    data = {**form.data, "csrf_token": hidden(html, "csrf_token"), "submission_token": hidden(html, "submission_token")}
    changed = {
        "clinic": {"name": "Jinnah Hospital OPD"},
        "service": {"name": "Dental"},
        "closure": {"start_date": "2026-03-24", "end_date": "2026-03-24"},
        "institution": {"name": "Government College Okara"},
        "course": {"title": "Python Next Steps"},
        "section": {"name": "Morning"},
        "rule": {"min_age": "16"},
        "family member": {"full_name": "Hamza Ahmed", "gender": "male", "id_number": "35202-7654321-3"},
        "staff role": {"district": "Lahore"},
    }[name]
    before = count(form.model)
    assert client.post(form.posts_to, data=data).status_code == 302
    assert client.post(form.posts_to, data={**data, **changed}).status_code == 302
    assert client.post(form.posts_to, data={**data, **changed}).status_code == 302  # and that one tapped twice
    assert count(form.model) == before + 2


def test_every_form_with_a_submission_token_is_posted_twice_here_or_in_its_package():
    """A new form that creates something gets the token and a place in FORMS (or its own test)."""
    tested_elsewhere = {"BookForm", "WalkInForm", "EnrolForm"}
    here = {
        "ClinicForm",
        "ServiceForm",
        "ClosureForm",
        "InstitutionForm",
        "CourseForm",
        "SectionForm",
        "RuleForm",
        "DependantForm",
        "GrantRoleForm",
    }
    assert len(here) == len(FORMS)
    import portal.auth.forms
    import portal.education.forms
    import portal.health.forms

    with_token = {
        cls.__name__
        for module in (portal.auth.forms, portal.education.forms, portal.health.forms)
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, SubmissionTokenMixin) and cls is not SubmissionTokenMixin
    }
    assert with_token == here | tested_elsewhere


def test_a_closure_confirmed_twice_cancels_once_and_says_how_many_both_times(app, client, auth, world, make_service):
    """The double tap that matters most: on the box that cancels the bookings the closure hits."""
    from portal.health import services
    from tests.health.conftest import karachi

    people, _forms = world
    service = make_service(clinic=db.session.get(Clinic, db.session.scalar(select(Clinic.id))))
    with app.test_request_context():
        booking = services.book_slot(people["citizen"], service.id, karachi(date(2026, 3, 3), 9))
    db.session.commit()
    auth.login(people["clinic_admin"])
    path = f"/clinic-admin/clinics/{service.clinic_id}/closures"
    html = client.get(path).get_data(as_text=True)
    data = {
        "service_id": "0",
        "start_date": "2026-03-03",
        "end_date": "2026-03-03",
        "reason": "Strike",
        "csrf_token": hidden(html, "csrf_token"),
        "submission_token": hidden(html, "submission_token"),
    }
    asked = client.post(path, data=data).get_data(as_text=True)  # lists the booking, asks to confirm
    assert booking.reference in asked and count(Closure) == 0
    confirmed = {**data, "confirm": "y", "reviewed": re.search(r'name="reviewed"[^>]*value="([^"]*)"', asked).group(1)}
    said = []
    for _post in range(2):
        response = client.post(path, data=confirmed)
        assert response.status_code == 302
        said.append(flashes(client.get(response.headers["Location"]).get_data(as_text=True)))
    expected = "The closure has been added. 1 booked appointment was cancelled and the person has been told."
    assert said == [[expected], [expected]]
    assert count(Closure) == 1
    db.session.expire_all()
    assert db.session.get(type(booking), booking.id).status == "cancelled"


def test_a_refused_post_claims_nothing_and_the_corrected_one_creates(client, auth, world):
    """A section refused for its dates: the page comes back with the same token, and the corrected post
    (then tapped twice) creates one section."""
    people, forms = world
    form = forms["section"]
    auth.login(people["school_admin"])
    html = client.get(form.page).get_data(as_text=True)
    token = hidden(html, "submission_token")
    data = {**form.data, "csrf_token": hidden(html, "csrf_token"), "submission_token": token}
    refused = client.post(form.page, data={**data, "end_date": "2026-03-01", "start_date": "2026-02-01"})
    assert refused.status_code == 200 and hidden(refused.get_data(as_text=True), "submission_token") == token
    assert count(FormSubmission) == 0 and count(Section) == 0
    assert [client.post(form.page, data=data).status_code for _ in range(2)] == [302, 302]
    assert count(Section) == 1


@pytest.mark.parametrize("token", ["", "short", "\x7f" * 10, "ﷺ" * 40, "😀" * 20, "A" * 5000, "a b c d e f g h"])
def test_a_token_the_form_does_not_accept_is_no_token_not_an_error(client, auth, world, token):
    """Only what the page made is a token: any other value creates, unclaimed, and never fails."""
    people, forms = world
    form = forms["clinic"]
    auth.login(people["clinic_admin"])
    data = {**form.data, "csrf_token": hidden(client.get(form.page).get_data(as_text=True), "csrf_token")}
    for post in range(2):
        # Two names: a second clinic of the same name in the same district is refused as such.
        named = {**data, "name": f"{data['name']} {post + 1}"}
        assert client.post(form.page, data={**named, "submission_token": token}).status_code == 302
    assert count(Clinic) == 3 and count(FormSubmission) == 0  # the world's clinic and two new ones


def test_a_token_with_a_nul_is_refused_whole(client, auth, world):
    """As any control character in a request (portal/control_characters.py): a 400 that creates nothing."""
    people, forms = world
    form = forms["clinic"]
    auth.login(people["clinic_admin"])
    data = {**form.data, "csrf_token": hidden(client.get(form.page).get_data(as_text=True), "csrf_token")}
    assert client.post(form.page, data={**data, "submission_token": "\x00" * 10}).status_code == 400
    assert count(Clinic) == 1 and count(FormSubmission) == 0


def test_the_forms_pages_carry_a_token_of_their_own_each_time(client, auth, world):
    people, forms = world
    auth.login(people["clinic_admin"])
    page = forms["clinic"].page
    tokens = {hidden(client.get(page).get_data(as_text=True), "submission_token") for _ in range(3)}
    assert len(tokens) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]{8,64}", t) for t in tokens)
