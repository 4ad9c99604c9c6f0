"""The printed certificate and /verify/<code>: the verification link starts with the portal's real
address (never a default host nobody can reach), its code never breaks across lines, and Urdu pages
show the course and institution in Urdu as they were named on the day it was issued."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.education import services
from portal.education.models import Certificate
from portal.extensions import db
from tests.conftest import PASSWORD

COURSE_UR = "فری لانسرز کے لیے ڈیجیٹل مہارتیں"
INSTITUTE_UR = "راولپنڈی آئی ٹی اسکلز سینٹر"


@pytest.fixture
def certificate(make_user, make_institution, make_course, make_section, school_admin):
    """Ayesha completed a course whose title and institution have Urdu names (ended yesterday)."""
    institution = make_institution(name="Rawalpindi IT Skills Centre", name_ur=INSTITUTE_UR, district="Rawalpindi")
    course = make_course(institution=institution, title="Digital Skills for Freelancers", title_ur=COURSE_UR)
    section = make_section(course=course, start_date=date(2026, 2, 1), end_date=date(2026, 3, 1),
                           enrol_opens=date(2026, 1, 1), enrol_closes=date(2026, 3, 2))  # fmt: skip
    holder = make_user(full_name="Ayesha Khan")
    enrolment = services.enrol(holder, section.id).enrolment
    services.complete(school_admin(institution), section.id, [enrolment.id])
    db.session.commit()
    return db.session.scalar(select(Certificate)), holder


def verify_link_in(html: str) -> str:
    return re.search(r'<a href="([^"]+)" dir="ltr" class="verify-link">', html).group(1)


def test_the_link_uses_the_address_the_page_was_asked_at_when_no_public_address_is_set(app, client, certificate):
    certificate, holder = certificate
    app.config["PUBLIC_BASE_URL"] = None
    host = "http://portal.example:5102"  # the review's portal, on another port than the old default's
    login_page = client.get("/login", base_url=host).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", base_url=host, data={"identifier": holder.cnic, "password": PASSWORD, "csrf_token": token})
    html = client.get(f"/certificates/{certificate.code}", base_url=host).get_data(as_text=True)
    assert verify_link_in(html) == f"http://portal.example:5102/verify/{certificate.code}"
    assert "127.0.0.1:5000" not in html


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://portal.punjab.gov.pk", "https://portal.punjab.gov.pk/verify/"),
        ("https://portal.punjab.gov.pk/", "https://portal.punjab.gov.pk/verify/"),
        ("https://punjab.gov.pk/portal", "https://punjab.gov.pk/portal/verify/"),
    ],
)
def test_the_public_address_wins_when_it_is_set(app, client, auth, certificate, base, expected):
    certificate, holder = certificate
    app.config["PUBLIC_BASE_URL"] = base
    auth.login(holder)
    html = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert verify_link_in(html) == expected + certificate.code


def test_the_code_at_the_end_of_the_link_is_kept_on_one_line(client, auth, certificate):
    certificate, holder = certificate
    auth.login(holder)
    html = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert f'/verify/<wbr><span dir="ltr" class="verify-code">{certificate.code}</span></a>' in html
    css = client.get("/static/css/education.css").get_data(as_text=True)
    assert "break-all" not in css and ".verify-code { white-space: nowrap; }" in css


def test_urdu_pages_show_the_urdu_names_the_certificate_was_issued_with(client, auth, certificate):
    certificate, holder = certificate
    assert (certificate.course_title_ur, certificate.institution_name_ur) == (COURSE_UR, INSTITUTE_UR)
    # Renamed later: the certificate keeps the names it was issued with, in both languages.
    course = certificate.enrolment.course
    course.title, course.title_ur, course.institution.name_ur = "Renamed", "نیا نام", "نیا ادارہ"
    db.session.commit()
    auth.login(holder)
    english = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "Digital Skills for Freelancers" in english and "Rawalpindi IT Skills Centre" in english
    assert COURSE_UR not in english
    client.get("/language/ur?next=/")
    urdu = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert COURSE_UR in urdu and INSTITUTE_UR in urdu
    assert "Digital Skills for Freelancers" not in urdu and "Rawalpindi IT Skills Centre" not in urdu
    assert "نیا" not in urdu
    # /verify shows it as printed in either language, the page's first.
    urdu = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert urdu.index(COURSE_UR) < urdu.index("Digital Skills for Freelancers")
    assert "نیا" not in urdu and "Renamed" not in urdu
    assert f"{INSTITUTE_UR}، راولپنڈی" in urdu


def test_the_verify_page_shows_the_details_as_printed_in_either_language(client, auth, certificate):
    """A certificate printed in Urdu, checked from its QR code on a phone reading the portal in English
    (and the other way round): the details as printed are on the page, so a genuine printout matches."""
    certificate, holder = certificate
    auth.login(holder)
    client.get("/language/ur?next=/")
    printed_in_urdu = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    client.get("/language/en?next=/")
    printed_in_english = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    auth.logout()
    for lang in ("en", "ur"):
        checker = client.application.test_client()  # an employer, not signed in
        checker.get(f"/language/{lang}?next=/")
        page = checker.get(f"/verify/{certificate.code}").get_data(as_text=True)
        for printed in (printed_in_urdu, printed_in_english):
            for detail in (COURSE_UR, INSTITUTE_UR, "Digital Skills for Freelancers", "Rawalpindi IT Skills Centre",
                           "1 February 2026", "1 فروری 2026", "راولپنڈی", ", Rawalpindi"):  # fmt: skip
                if detail in printed:
                    assert detail in page, (lang, detail)
        for lang_and_dir in ('lang="ur" dir="rtl"', 'lang="en" dir="ltr"'):
            assert f'<dl class="summary printed" {lang_and_dir}>' in page


def test_a_certificate_without_urdu_names_reads_in_english_on_urdu_pages(client, auth, certificate):
    """Certificates issued before the Urdu copies existed (or of a course with no Urdu title)."""
    certificate, holder = certificate
    certificate.course_title_ur = certificate.institution_name_ur = None
    db.session.commit()
    client.get("/language/ur?next=/")
    urdu = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Digital Skills for Freelancers" in urdu and "Rawalpindi IT Skills Centre" in urdu
    assert "&lt;bdi" not in urdu  # the English name is set apart in the Urdu text, not shown as markup
