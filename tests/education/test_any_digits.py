"""Numbers typed in Urdu digits (or Arabic-Indic, or fullwidth) are the numbers typed in ASCII: a bulk
enrolment file's CNICs and section numbers, a certificate code, an enrolment's reference."""

from datetime import date

from sqlalchemy import select

from portal.education import bulk, services
from portal.education.models import Certificate, Enrolment
from portal.extensions import db
from tests.education.test_admin_services import enrol
from tests.education.test_bulk import csv_of

URDU_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


def in_urdu_digits(text) -> str:
    return "".join(URDU_DIGITS[int(ch)] if ch.isascii() and ch.isdigit() else ch for ch in str(text))


def test_a_bulk_file_with_cnics_and_section_numbers_in_urdu_digits(make_user, make_section, school_admin):
    section = make_section(capacity=2)
    admin = school_admin(section.course.institution)
    person = make_user(cnic="3520212345671")
    raw = csv_of(("۳۵۲۰۲-۱۲۳۴۵۶۷-۱", in_urdu_digits(section.id)))
    report = bulk.run(admin, raw, apply=True)
    db.session.commit()
    assert [row.ok for row in report.rows] == [True], [row.text for row in report.rows]
    assert db.session.scalars(select(Enrolment.user_id).where(Enrolment.section_id == section.id)).all() == [person.id]


def test_a_certificate_code_typed_in_urdu_digits(app, client, make_user, make_section, school_admin):
    section = make_section(start_date=date(2026, 2, 1), end_date=date(2026, 3, 1), enrol_opens=date(2026, 1, 1),
                           enrol_closes=date(2026, 3, 2))  # fmt: skip
    admin = school_admin(section.course.institution)
    done = enrol(make_user(full_name="Ayesha Khan"), section)
    services.complete(admin, section.id, [done.id])
    certificate = db.session.scalar(select(Certificate))
    certificate.code = "7KQ29FXD46"  # drawn at random: this one surely has digits
    db.session.commit()
    typed = in_urdu_digits(certificate.code.lower())
    assert services.normalise_code(typed) == "7KQ29FXD46"
    assert services.verify_certificate(typed) == certificate
    response = client.get("/verify", query_string={"code": f"７ＫＱ２–{typed[4:]}"})
    assert response.headers["Location"] == "/verify/7KQ29FXD46"


def test_an_enrolment_reference_typed_in_urdu_digits(make_user, make_section):
    user = make_user()
    enrolment = enrol(user, make_section())
    enrolment.reference = "E-7KQ2-9FXD"
    db.session.commit()
    assert services.enrolment_for_user(user, " e–۷kq۲–۹fxd ") == enrolment
