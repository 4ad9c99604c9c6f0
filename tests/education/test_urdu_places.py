"""An institution's address and a section's venue in Urdu: on Urdu course, enrol and enrolment pages
and in an Urdu reader's course calendar, English wherever there is no Urdu; saved and emptied by the
institution and section forms."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from portal.education import services
from portal.education.models import Institution, Section
from portal.extensions import db
from tests.conftest import input_tag, post_form
from tests.education.test_views_admin import SECTION_FORM

ADDRESS, ADDRESS_UR = "Murree Road, Satellite Town, Rawalpindi", "مری روڈ، سیٹلائٹ ٹاؤن، راولپنڈی"
VENUE, VENUE_UR = "Room 4, IT Skills Centre", "کمرہ 4، آئی ٹی اسکلز سینٹر"


def in_urdu(client):
    client.get("/language/ur?next=/")


def urdu_section(make_institution, make_course, make_section, **fields):
    institution = make_institution(address=ADDRESS, address_ur=ADDRESS_UR)
    return make_section(course=make_course(institution=institution), venue=VENUE, venue_ur=VENUE_UR, **fields)


def test_shown_address_and_venue_are_urdu_only_in_urdu_and_only_when_there_is_some(
    app, make_institution, make_course, make_section
):
    section = urdu_section(make_institution, make_course, make_section)
    plain = make_section(venue="Lab 2", venue_ur="")
    with app.test_request_context():
        assert (section.shown_venue, section.course.institution.shown_address) == (VENUE, ADDRESS)
        with force_locale("ur"):
            assert (section.shown_venue, section.course.institution.shown_address) == (VENUE_UR, ADDRESS_UR)
            assert plain.shown_venue == "Lab 2" and plain.course.institution.shown_address == "Ferozepur Road"


def test_course_and_enrol_pages_show_the_urdu_address_and_venue_in_urdu(
    client, auth, make_user, make_institution, make_course, make_section
):
    section = urdu_section(make_institution, make_course, make_section)
    auth.login(make_user())
    pages = (f"/courses/{section.course.id}", f"/courses/sections/{section.id}/enrol")
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert VENUE in html and VENUE_UR not in html, path
    assert ADDRESS in client.get(pages[0]).get_data(as_text=True)
    in_urdu(client)
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert VENUE_UR in html and VENUE not in html, path
    html = client.get(pages[0]).get_data(as_text=True)
    assert ADDRESS_UR in html and ADDRESS not in html


def test_a_section_without_an_urdu_venue_keeps_its_english_one_on_urdu_pages(client, make_section):
    section = make_section(venue="https://meet.example.org/ai", venue_ur=None)
    in_urdu(client)
    html = client.get(f"/courses/{section.course.id}").get_data(as_text=True)
    assert '<bdi lang="en">https://meet.example.org/ai</bdi>' in html and "Ferozepur Road" in html


def test_enrolment_page_and_course_calendar_in_the_readers_language(
    client, auth, make_user, make_institution, make_course, make_section
):
    section = urdu_section(make_institution, make_course, make_section)
    reader = make_user(preferred_language="ur")
    enrolment = services.enrol(reader, section.id).enrolment
    db.session.commit()
    auth.login(reader)
    html = client.get(f"/my-courses/{enrolment.reference}").get_data(as_text=True)
    assert VENUE_UR in html and VENUE not in html
    with client.get(f"/my-courses/{enrolment.reference}/calendar.ics") as ics:
        event = Calendar.from_ical(ics.get_data()).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == VENUE_UR
    client.get("/language/en?next=/")
    with client.get("/my-courses/all/calendar.ics") as ics:
        event = Calendar.from_ical(ics.get_data()).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == VENUE


def test_section_form_creates_edits_empties_and_limits_the_urdu_venue(client, auth, make_section, school_admin):
    section = make_section()
    auth.login(school_admin(section.course.institution))
    new = f"/school-admin/courses/{section.course.id}/sections/new"
    html = client.get(new).get_data(as_text=True)
    assert 'dir="rtl"' in input_tag(html, "venue_ur") and 'lang="ur"' in input_tag(html, "venue_ur")
    assert 'dir="ltr"' in input_tag(html, "venue") and 'lang="en"' in input_tag(html, "venue")
    bad = post_form(client, new, {**SECTION_FORM, "name": "Long", "venue_ur": "ب" * 201})
    assert bad.status_code == 200
    assert re.search(
        r'id="venue_ur-error"><span>Field cannot be longer than 200 characters', bad.get_data(as_text=True)
    )
    assert db.session.scalar(select(Section.id).where(Section.name == "Long")) is None
    assert post_form(client, new, {**SECTION_FORM, "venue_ur": f" {VENUE_UR}  "}).status_code == 302
    created = db.session.scalar(select(Section).where(Section.name == "Evening"))
    assert (created.venue, created.venue_ur) == ("Room 2", VENUE_UR)

    edit = f"/school-admin/sections/{created.id}/edit"
    assert f'value="{VENUE_UR}"' in client.get(edit).get_data(as_text=True)
    assert post_form(client, edit, {**SECTION_FORM, "venue_ur": "کمرہ 2"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, created.id).venue_ur == "کمرہ 2"
    assert post_form(client, edit, {**SECTION_FORM, "venue_ur": "   "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, created.id).venue_ur is None


def test_institution_form_saves_empties_and_limits_the_urdu_address(client, auth, make_section, school_admin):
    institution = make_section().course.institution
    auth.login(school_admin(institution))
    edit = f"/school-admin/institutions/{institution.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert 'dir="rtl"' in input_tag(html, "address_ur") and 'lang="ur"' in input_tag(html, "address_ur")
    form = {"name": "Punjab College", "type": "college", "district": "Multan", "address": ADDRESS}
    bad = post_form(client, edit, {**form, "address_ur": "ب" * 301})
    assert bad.status_code == 200
    assert re.search(
        r'id="address_ur-error"><span>Field cannot be longer than 300 characters', bad.get_data(as_text=True)
    )
    assert post_form(client, edit, {**form, "address_ur": ADDRESS_UR}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, institution.id).address_ur == ADDRESS_UR
    assert post_form(client, edit, {**form, "address_ur": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, institution.id).address_ur is None


def test_section_form_in_urdu_labels_the_two_venues(client, auth, make_section, school_admin):
    section = make_section()
    auth.login(school_admin(section.course.institution))
    in_urdu(client)
    html = client.get(f"/school-admin/sections/{section.id}/edit").get_data(as_text=True)
    assert "مقام یا آن لائن لنک، انگریزی میں" in html and "مقام اردو میں (اختیاری)" in html


def test_new_institution_keeps_its_urdu_address(client, auth, make_user):
    auth.login(make_user(roles=["superadmin"]))
    form = {"name": "Government College Sahiwal", "type": "college", "district": "Sahiwal", "active": "y"}
    response = post_form(
        client, "/school-admin/institutions/new", {**form, "address": "Civil Lines", "address_ur": "سول لائنز"}
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Institution).where(Institution.name == "Government College Sahiwal"))
    assert (created.address, created.address_ur) == ("Civil Lines", "سول لائنز")


@pytest.mark.parametrize(
    ("typed", "english", "urdu"),
    [
        ("12 weeks", "12 weeks", '<bdi dir="rtl">12 ہفتے</bdi>'),
        ("1 Week", "1 week", '<bdi dir="rtl">1 ہفتہ</bdi>'),
        ("3 months", "3 months", '<bdi dir="rtl">3 مہینے</bdi>'),
        ("1 year", "1 year", '<bdi dir="rtl">1 سال</bdi>'),
        ("45 days", "45 days", '<bdi dir="rtl">45 دن</bdi>'),
        # Not a number and a unit: as the admin typed it, in English on the Urdu page too.
        ("Two terms", "Two terms", '<bdi lang="en">Two terms</bdi>'),
    ],
)
def test_course_duration_is_said_in_the_readers_language(client, make_course, typed, english, urdu):
    course = make_course(duration=typed)
    html = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f"<dd><bdi>{english}</bdi></dd>" in html
    in_urdu(client)
    html = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f"<dd>{urdu}</dd>" in html
