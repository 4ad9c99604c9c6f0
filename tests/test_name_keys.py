"""The stored keys (portal.name_keys) follow their names on every path that writes one, and the unique
indexes over them refuse a second clinic of a district, service of a clinic, course of an institution or
family member's number on an account, however the row is written: the database holds these rules too."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import Dependant
from portal.education.models import SEARCHED_COURSE, SEARCHED_INSTITUTION, Course, Institution
from portal.extensions import db
from portal.folding import search_text
from portal.health.models import SEARCHED_CLINIC, Clinic, Service
from portal.name_keys import kept_apart

NOW = datetime(2026, 3, 2, 5, tzinfo=UTC)


def clinic_row(name: str, district: str = "Lahore", **extra) -> dict:
    return {"name": name, "type": "bhu", "district": district, "address": "Main Bazaar", "active": True,
            "created_at": NOW, **extra}  # fmt: skip


def service_row(clinic_id: int, name: str, **extra) -> dict:
    return {"clinic_id": clinic_id, "name": name, "slot_minutes": 15, "places_per_slot": 1, "min_notice_hours": 2,
            "horizon_days": 14, "cancel_cutoff_hours": 2, "active": True, "created_at": NOW, **extra}  # fmt: skip


def course_row(institution_id: int, title: str, **extra) -> dict:
    return {"institution_id": institution_id, "title": title, "category": "digital", "description": "",
            "level": "beginner", "language": "ur", "mode": "online", "duration": "", "fee_paisa": 0,
            "certificate": True, "active": True, "created_at": NOW, **extra}  # fmt: skip


def dependant_row(user_id: int, number: str | None, name: str = "Zainab", **extra) -> dict:
    return {"user_id": user_id, "full_name": name, "relationship": "child", "date_of_birth": date(2015, 8, 1),
            "gender": "female", "id_number": number, "created_at": NOW, **extra}  # fmt: skip


def institution_row(name: str, district: str = "Lahore", **extra) -> dict:
    return {"name": name, "type": "it_centre", "district": district, "address": "", "contact": "", "active": True,
            "created_at": NOW, **extra}  # fmt: skip


def make_institution(name: str = "Lahore IT Skills Centre") -> Institution:
    # Each with a name of its own: two institutions of a district cannot share one.
    taken = db.session.scalar(select(func.count(Institution.id)))
    institution = Institution(
        name=f"{name} {taken + 1}" if taken else name, type="it_centre", district="Lahore", address="", contact=""
    )
    db.session.add(institution)
    db.session.flush()
    return institution


def make_course(title: str, institution: Institution | None = None) -> Course:
    values = course_row(0, title)
    del values["institution_id"]
    course = Course(institution=institution or make_institution(), **values)
    db.session.add(course)
    db.session.commit()
    return course


def refused(statement, rows) -> bool:
    """Whether the database refuses ``statement`` with ``rows`` (the session goes on as it was)."""
    try:
        with db.session.begin_nested():
            db.session.execute(statement, rows)
    except IntegrityError:
        return True
    return False


# --- the model sets the key --------------------------------------------------------------------------


def test_an_object_gets_its_key_when_made_and_when_renamed(make_service, make_user):
    service = make_service(name="  Eye   OPD ")
    clinic = service.clinic
    assert (clinic.name_key, service.name_key) == ("mayo hospital opd", "eye opd")
    clinic.name = "Straße  Clinic"  # Python's casefold, which SQLite's lower() cannot do: ß is ss
    service.name = "DENTAL"
    course = make_course("Introduction to  AI")
    course.title = "İstanbul Skills"
    person = make_user()
    child = Dependant(user=person, full_name="Zainab", relationship_="child", date_of_birth=date(2015, 8, 1),
                      gender="female", id_number="3520276543212")  # fmt: skip
    db.session.add(child)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).name_key == "strasse clinic"
    assert db.session.get(Service, service.id).name_key == "dental"
    assert db.session.get(Course, course.id).title_key == "i\u0307stanbul skills"  # İ casefolds to i and a dot
    assert db.session.get(Dependant, child.id).number_key == "3520276543212"
    child = db.session.get(Dependant, child.id)
    child.id_number = None
    db.session.commit()
    assert db.session.get(Dependant, child.id).number_key is None


def test_a_row_inserted_without_its_key_gets_it(app, make_user):
    """The demo generator's bulk insert(table) and an ORM bulk insert give no key: the column's default
    computes it from the row's own name, row by row."""
    clinic_ids = db.session.scalars(
        insert(Clinic.__table__).returning(Clinic.__table__.c.id, sort_by_parameter_order=True),
        [clinic_row("Rural Health Centre  Raiwind"), clinic_row("BHU Kot Lakhpat")],
    ).all()
    db.session.execute(
        insert(Service), [service_row(clinic_ids[0], "Family  Planning"), service_row(clinic_ids[0], "TB")]
    )
    institution = make_institution()
    db.session.execute(insert(Course.__table__), [course_row(institution.id, "Graphic DESIGN")])
    db.session.execute(insert(Institution.__table__), [institution_row("Govt  College of TECHNOLOGY")])
    person = make_user()
    db.session.execute(
        insert(Dependant.__table__), [dependant_row(person.id, "3520276543212"), dependant_row(person.id, None)]
    )
    db.session.commit()
    assert list(db.session.scalars(select(Clinic.name_key).order_by(Clinic.id))) == [
        "rural health centre raiwind",
        "bhu kot lakhpat",
    ]
    assert list(db.session.scalars(select(Service.name_key).order_by(Service.id))) == ["family planning", "tb"]
    assert db.session.scalar(select(Course.title_key)) == "graphic design"
    newest = select(Institution.name_key).order_by(Institution.id.desc()).limit(1)
    assert db.session.scalar(newest) == "govt college of technology"
    assert list(db.session.scalars(select(Dependant.number_key).order_by(Dependant.id))) == ["3520276543212", None]


def test_the_demo_data_has_every_key(runner):
    assert runner.invoke(args=["seed-demo", "--size", "small"]).exit_code == 0
    for model, name, key in (
        (Clinic, "name", "name_key"),
        (Service, "name", "name_key"),
        (Course, "title", "title_key"),
        (Institution, "name", "name_key"),
    ):
        rows = db.session.execute(select(getattr(model, name), getattr(model, key))).all()
        assert rows and all(stored == " ".join(shown.split()).casefold() for shown, stored in rows), model
    numbers = db.session.execute(select(Dependant.id_number, Dependant.number_key)).all()
    assert numbers and all(number == key for number, key in numbers)
    # And the folded copies the searches look in (portal.folding), bulk-inserted or not.
    for model, sources in ((Clinic, SEARCHED_CLINIC), (Institution, SEARCHED_INSTITUTION), (Course, SEARCHED_COURSE)):
        records = db.session.scalars(select(model)).all()
        assert records and all(r.search_text == search_text(*(getattr(r, s) for s in sources)) for r in records), model


# --- the database refuses a second one -------------------------------------------------------------------


def test_the_database_refuses_a_second_clinic_of_a_district_with_the_same_key(make_clinic):
    make_clinic(name="Mayo Hospital OPD", district="Lahore")
    clinics = insert(Clinic.__table__)
    assert refused(clinics, [clinic_row(" mayo  HOSPITAL opd")])  # its key computed from its name
    assert refused(clinics, [clinic_row("Another name", name_key="mayo hospital opd")])  # the key given
    assert not refused(clinics, [clinic_row("Mayo Hospital OPD", district="Rawalpindi")])
    # A row kept apart by migration 0019 does not stop the same name's key elsewhere, nor is it taken.
    assert not refused(clinics, [clinic_row("Mayo Hospital OPD", name_key=kept_apart("mayo hospital opd", 99))])


def test_the_database_refuses_a_second_service_of_a_clinic_with_the_same_key(make_service, make_clinic):
    service = make_service(name="General OPD")
    services = insert(Service.__table__)
    assert refused(services, [service_row(service.clinic_id, "GENERAL  opd")])
    other = make_clinic(name="BHU Raiwind")
    assert not refused(services, [service_row(other.id, "General OPD")])


def test_the_database_refuses_a_second_course_of_an_institution_with_the_same_key(app):
    course = make_course("Computer Basics")
    courses = insert(Course.__table__)
    assert refused(courses, [course_row(course.institution_id, " computer  basics")])
    assert not refused(courses, [course_row(make_institution().id, "Computer Basics")])


def test_the_database_refuses_a_second_institution_of_a_district_with_the_same_key(app):
    make_institution("Govt College of Technology")
    institutions = insert(Institution.__table__)
    assert refused(institutions, [institution_row(" govt  college of TECHNOLOGY ")])
    assert refused(institutions, [institution_row("Another name", name_key="govt college of technology")])
    assert not refused(institutions, [institution_row("Govt College of Technology", district="Multan")])
    # A row kept apart by migration 0028 does not stop the same name's key elsewhere, nor is it taken.
    kept = kept_apart("govt college of technology", 99)
    assert not refused(institutions, [institution_row("Govt College of Technology", name_key=kept)])


def test_the_database_refuses_a_family_number_twice_on_an_account_but_not_none_or_one_taken_off(make_user):
    person, other = make_user(), make_user()
    people = insert(Dependant.__table__)
    db.session.execute(people, [dependant_row(person.id, "3520276543212")])
    assert refused(people, [dependant_row(person.id, "3520276543212", "Hamza")])
    assert not refused(people, [dependant_row(other.id, "3520276543212")])  # another account's family
    # Family members without a number, as many as there are, on both databases.
    assert not refused(people, [dependant_row(person.id, None, name) for name in ("Hamza", "Sara", "Ali")])
    # One taken off the account no longer holds the number: it may be given again, and to more than one.
    db.session.execute(Dependant.__table__.update().values(removed_at=NOW).where(Dependant.id_number.is_not(None)))
    assert not refused(people, [dependant_row(person.id, "3520276543212", "Zainab again")])
    assert not refused(people, [dependant_row(person.id, "3520276543212", "Taken off", removed_at=NOW)])
    assert refused(people, [dependant_row(person.id, "3520276543212", "Third")])
