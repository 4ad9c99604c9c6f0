"""The education demo seeder: realistic, idempotent, and wired to the personas."""

from sqlalchemy import func, select

from portal.auth.models import RoleAssignment
from portal.demo.seed import seed
from portal.education import services
from portal.education.models import Certificate, Course, Enrolment, Institution, Section
from portal.extensions import db


def counts():
    return [db.session.scalar(select(func.count(m.id))) for m in (Institution, Course, Section, Enrolment, Certificate)]


def test_seed_twice_changes_nothing_and_gives_the_admin_an_institution(app):
    seed()
    db.session.commit()
    before = counts()
    seed()  # other packages' seeders report what they created each time; the rows must not change
    db.session.commit()
    assert counts() == before
    assert before[0] == 3 and before[4] == 1
    role = db.session.scalar(select(RoleAssignment).where(RoleAssignment.role == "school_admin"))
    assert services._institution_name(role.scope_id) == "Rawalpindi IT Skills Centre"
    certificate = db.session.scalar(select(Certificate))
    assert certificate.holder_name == "Ayesha Khan"
    assert services.verify_certificate(certificate.code) is not None
    waitlisted = db.session.scalar(select(Enrolment).where(Enrolment.status == "waitlisted"))
    assert services.waitlist_position(waitlisted) == 1
    reserved = db.session.scalar(select(Section).where(Section.reserved_kind.is_not(None)))
    assert reserved.reserved_seats == 10


def test_seeded_pages_render(app, client, auth):
    seed()
    db.session.commit()
    assert client.get("/courses").status_code == 200
    auth.login("3520212345671", "Punjab-demo-2026")
    client.get("/language/en")  # Ayesha's saved language is Urdu; this device reads English (not saved)
    html = client.get("/my-courses").get_data(as_text=True)
    assert "On the waitlist" in html and "Certificate" in html
    auth.logout()
    auth.login("3740511223341", "Punjab-demo-2026")
    assert "Rawalpindi IT Skills Centre" in client.get("/school-admin").get_data(as_text=True)
