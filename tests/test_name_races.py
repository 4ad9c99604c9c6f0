"""Two staff (or two devices of one account) saving one name at the same moment both pass the check in
Python; the unique index over the stored key (portal.name_keys) refuses the second save, and that person
is told what the check tells, at the field, with nothing else changed: no 500.

The race is played by letting the check pass the first time it looks, as if the other save had not been
committed yet, with the other record committed already: the flush then meets it in the index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth import services as auth_services
from portal.auth.errors import FamilyMemberNumberTaken
from portal.auth.models import AuditEvent, Dependant, RoleAssignment
from portal.education import catalogue
from portal.education.models import Course, Institution
from portal.extensions import db
from portal.health import admin as health_admin
from portal.health.models import Clinic, Service
from portal.submissions import FormSubmission
from tests.auth.test_profile_family import dependant_data
from tests.education.test_views_admin import COURSE_FORM
from tests.health.test_urdu_names import SERVICE_FORM


def passes_once(monkeypatch, module, name: str) -> list:
    """Make ``module.name`` (a check that raises) pass the first time it is asked; it checks for real
    after. Returns the list of the calls made, to see that the save asked again."""
    real = getattr(module, name)
    calls: list = []

    def check(*args, **kwargs):
        calls.append(args)
        if len(calls) > 1:
            real(*args, **kwargs)

    monkeypatch.setattr(module, name, check)
    return calls


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def counts() -> dict:
    """How many of each record there are: what a refused save must leave as it was."""
    db.session.expire_all()
    models = (Clinic, Service, Institution, Course, Dependant, RoleAssignment, AuditEvent, FormSubmission)
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in models}


@dataclass
class Race:
    person: str
    page: str
    data: dict
    field: str
    module: object
    check: str


@pytest.fixture
def world(make_user, make_clinic):
    """A clinic with a service, an institution with a course, a citizen with a child who has a B-form,
    each already saved by "the other" person, and the forms that would save the same name again."""
    clinic = make_clinic(name="Mayo Hospital OPD", district="Lahore")
    make_clinic(name="Services Hospital OPD", district="Lahore")
    db.session.add(Service(clinic=clinic, name="Antenatal care", slot_minutes=20, places_per_slot=1))
    institution = Institution(
        name="Lahore IT Skills Centre", type="it_centre", district="Lahore", address="", contact=""
    )
    db.session.add(
        Course(institution=institution, title="Python for Beginners", category="digital", mode="online", fee_paisa=0)
    )
    citizen = make_user(full_name="Ayesha Khan")
    db.session.add(
        Dependant(
            user=citizen,
            full_name="Hamza Khan",
            relationship_="child",
            date_of_birth=date(2016, 2, 3),
            gender="male",
            id_number="3520276543212",
        )  # fmt: skip
    )
    db.session.commit()
    db.session.add(Institution(name="Punjab Skills Institute", type="vocational", district="Lahore", address=""))
    db.session.commit()
    people = {
        "superadmin": make_user(full_name="Super Admin", roles=["superadmin"]),
        "clinic_admin": make_user(full_name="Dr. Imran", roles=[("clinic_admin", clinic.id)]),
        "school_admin": make_user(full_name="Sadia Malik", roles=[("school_admin", institution.id)]),
        "citizen": citizen,
    }
    races = {
        "clinic": Race(
            "clinic_admin",
            "/clinic-admin/clinics/new",
            {
                "name": " services  HOSPITAL opd",
                "type": "dhq",
                "district": "Lahore",
                "address": "Jail Road",
                "active": "y",
            },
            "name",
            health_admin,
            "_refuse_clinic_name_taken",
        ),
        "clinic renamed": Race(
            "clinic_admin",
            f"/clinic-admin/clinics/{clinic.id}/edit",
            {
                "name": "Services Hospital OPD",
                "type": "teaching_opd",
                "district": "Lahore",
                "address": "Hospital Road",
                "active": "y",
            },  # fmt: skip
            "name",
            health_admin,
            "_refuse_clinic_name_taken",
        ),
        "service": Race(
            "clinic_admin",
            f"/clinic-admin/clinics/{clinic.id}/services/new",
            {**SERVICE_FORM, "name": "ANTENATAL  care"},
            "name",
            health_admin,
            "_refuse_service_name_taken",
        ),
        "course": Race(
            "school_admin",
            f"/school-admin/institutions/{institution.id}/courses/new",
            {**COURSE_FORM, "title": "python for beginners "},
            "title",
            catalogue,
            "check_course_title",
        ),
        "institution": Race(
            "superadmin",
            "/school-admin/institutions/new",
            {"name": " punjab  skills INSTITUTE", "type": "college", "district": "Lahore", "active": "y"},
            "name",
            catalogue,
            "check_institution_name",
        ),
        "institution renamed": Race(
            "school_admin",
            f"/school-admin/institutions/{institution.id}/edit",
            {"name": "Punjab Skills Institute", "type": "it_centre", "district": "Lahore", "active": "y"},
            "name",
            catalogue,
            "check_institution_name",
        ),
        "family member": Race(
            "citizen",
            "/account/family/new",
            dependant_data(full_name="Zainab Khan", id_number="35202-7654321-2"),
            "id_number",
            auth_services,
            "check_family_member",
        ),
    }
    return people, races


@pytest.mark.parametrize(
    "name", ["clinic", "clinic renamed", "service", "course", "institution", "institution renamed", "family member"]
)
def test_the_second_of_two_saves_at_once_is_told_at_the_field_as_the_check_tells_it(
    client, auth, world, monkeypatch, name
):
    people, races = world
    race = races[name]
    auth.login(people[race.person])
    html = client.get(race.page).get_data(as_text=True)
    data = {**race.data, "csrf_token": hidden(html, "csrf_token")}
    if 'name="submission_token"' in html:
        data["submission_token"] = hidden(html, "submission_token")
    before = counts()
    calls = passes_once(monkeypatch, race.module, race.check)

    raced = client.post(race.page, data=data)

    assert len(calls) == 2  # passed, then asked again once the index had refused the save
    monkeypatch.undo()
    assert raced.status_code == 200
    said = field_error(raced.get_data(as_text=True), race.field)
    assert counts() == before  # no record, claim, role or audit line: the whole post was undone
    # The check in Python, posted again without the race, says the very same at the same field.
    checked = client.post(race.page, data=data)
    assert checked.status_code == 200 and said and field_error(checked.get_data(as_text=True), race.field) == said
    assert counts() == before


def test_a_clinic_renamed_in_the_race_keeps_its_name(client, auth, world, monkeypatch):
    people, races = world
    race = races["clinic renamed"]
    auth.login(people[race.person])
    passes_once(monkeypatch, race.module, race.check)
    html = client.get(race.page).get_data(as_text=True)
    client.post(race.page, data={**race.data, "csrf_token": hidden(html, "csrf_token")})
    db.session.expire_all()
    names = db.session.execute(select(Clinic.name, Clinic.name_key).order_by(Clinic.id)).all()
    assert [tuple(row) for row in names] == [
        ("Mayo Hospital OPD", "mayo hospital opd"),
        ("Services Hospital OPD", "services hospital opd"),
    ]


def test_a_family_member_edited_in_the_race_keeps_their_number(world, monkeypatch):
    people, _races = world
    citizen = people["citizen"]
    sara = auth_services.add_dependant(
        citizen, full_name="Sara Khan", relationship="child", date_of_birth=date(2018, 1, 1), gender="female"
    )
    db.session.commit()
    passes_once(monkeypatch, auth_services, "check_family_member")
    fields = {"full_name": "Sara Khan", "relationship": "child", "date_of_birth": date(2018, 1, 1), "gender": "female"}
    with pytest.raises(FamilyMemberNumberTaken) as refused:
        auth_services.update_dependant(citizen, sara.id, **fields, id_number="3520276543212")
    assert refused.value.field == "id_number" and "Hamza Khan" in str(refused.value)
    db.session.rollback()
    assert db.session.get(Dependant, sara.id).id_number is None
