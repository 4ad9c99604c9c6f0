"""A cohort's (section's) name in Urdu: on Urdu course, enrol, enrolment, drop and my-courses pages, in
an Urdu reader's course calendar and messages, and on the school admin's pages, English wherever there
is no Urdu; saved and emptied by the section form."""

from __future__ import annotations

import re

from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from portal.education import services
from portal.education.models import Section
from portal.extensions import db
from portal.notifications.models import Message
from tests.conftest import csrf_token, input_tag, post_form
from tests.education.test_views_admin import SECTION_FORM

NAME, NAME_UR = "Evening cohort (women)", "شام کا گروپ (خواتین)"
ISOLATED, ISOLATED_UR = f"<bdi>{NAME}</bdi>", f'<bdi dir="rtl">{NAME_UR}</bdi>'


def in_urdu(client):
    client.get("/language/ur?next=/")


def in_english(client):
    client.get("/language/en?next=/")


def test_label_is_the_urdu_name_only_in_urdu_and_only_when_there_is_one(app, make_section):
    named = make_section(name=NAME, name_ur=NAME_UR)
    english_only = make_section(name="Morning cohort", name_ur=None)
    blank = make_section(name="Weekend cohort", name_ur="  ")
    nameless = make_section(name="", name_ur=None)
    assert (named.label, english_only.label, nameless.label) == (NAME, "Morning cohort", f"Section {nameless.id}")
    with force_locale("ur"):  # as a page or a message for an Urdu reader is written
        assert named.label == named.shown_name == NAME_UR
        assert (english_only.label, blank.label) == ("Morning cohort", "Weekend cohort")
        assert nameless.label == f"گروپ {nameless.id}"


def test_citizen_pages_show_the_urdu_name_to_urdu_readers_only(client, auth, make_user, make_section):
    section = make_section(name=NAME, name_ur=NAME_UR)
    user = make_user()
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    pages = (
        f"/courses/{section.course_id}",
        f"/courses/sections/{section.id}/enrol",
        f"/my-courses/{enrolment.reference}",
        f"/my-courses/{enrolment.reference}/drop",
        "/my-courses",
    )
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert ISOLATED in html and NAME_UR not in html, path
    in_urdu(client)
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert ISOLATED_UR in html and NAME not in html, path
    # The course page heads the section with it, the enrol and enrolment pages name it among its facts.
    assert f'<h3 id="section-{section.id}">{ISOLATED_UR}</h3>' in client.get(pages[0]).text
    for path in pages[1:3]:
        assert f"<dt>گروپ</dt><dd>{ISOLATED_UR}</dd>" in client.get(path).text, path


def test_a_section_without_an_urdu_name_keeps_its_english_one_on_urdu_pages(client, make_section):
    section = make_section(name="Batch 7 (AI)", name_ur=None)
    nameless = make_section(course=section.course, name="")
    in_urdu(client)
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert '<bdi lang="en">Batch 7 (AI)</bdi></h3>' in html  # and says it is English
    assert f'<bdi dir="rtl">گروپ {nameless.id}</bdi></h3>' in html


def test_an_urdu_name_that_starts_with_latin_letters_stays_right_to_left(client, make_section):
    section = make_section(name="AI batch 2", name_ur="AI کا دوسرا گروپ")
    in_urdu(client)
    assert '<bdi dir="rtl">AI کا دوسرا گروپ</bdi></h3>' in client.get(f"/courses/{section.course_id}").text


def test_another_cohort_is_named_in_urdu_on_the_course_and_enrol_pages_and_in_the_refusal(
    client, auth, make_user, make_section
):
    weekend = make_section(name="Weekend cohort", name_ur="ویک اینڈ کا گروپ")
    morning = make_section(course=weekend.course, name="Morning cohort", name_ur="صبح کا گروپ")
    user = make_user(full_name="Bilal")
    services.enrol(user, weekend.id)
    db.session.commit()
    auth.login(user)
    in_urdu(client)
    enrol = f"/courses/sections/{morning.id}/enrol"
    for path in (f"/courses/{weekend.course_id}", enrol):
        html = client.get(path).get_data(as_text=True)
        assert '<bdi dir="rtl">ویک اینڈ کا گروپ</bdi>' in html and "Weekend cohort" not in html, path
    refused = client.post(enrol, data={"csrf_token": csrf_token(client, enrol), "person": "self"}).text
    assert "اس کورس کے ایک اور گروپ میں پہلے سے نشست ہے: ویک اینڈ کا گروپ" in refused


def test_moving_to_a_free_seat_is_told_with_both_cohorts_in_the_readers_language(make_user, make_section):
    weekend = make_section(name="Weekend cohort", name_ur="ویک اینڈ کا گروپ", capacity=1)
    morning = make_section(course=weekend.course, name="Morning cohort", name_ur="صبح کا گروپ")
    services.enrol(make_user(), weekend.id)  # the only seat
    readers = {"ur": make_user(preferred_language="ur"), "en": make_user(preferred_language="en")}
    for reader in readers.values():
        services.enrol(reader, weekend.id)  # on the waitlist
        db.session.commit()
        services.enrol(reader, morning.id)  # a free seat in the other cohort takes its place
        db.session.commit()

    def told(user):
        return db.session.scalars(
            select(Message.body).where(Message.user_id == user.id, Message.channel == "sms").order_by(Message.id)
        ).all()[-1]

    assert "(صبح کا گروپ)" in told(readers["ur"]) and "ویک اینڈ کا گروپ کے انتظار میں نہیں" in told(readers["ur"])
    assert "Morning cohort" not in told(readers["ur"]) and "Weekend cohort" not in told(readers["ur"])
    assert "(Morning cohort)" in told(readers["en"]) and "no longer waiting for Weekend cohort" in told(readers["en"])


def test_course_calendar_names_the_cohort_in_the_readers_language(client, auth, make_user, make_section):
    section = make_section(name=NAME, name_ur=NAME_UR)
    reader = make_user(preferred_language="ur")
    enrolment = services.enrol(reader, section.id).enrolment
    db.session.commit()
    auth.login(reader)
    in_urdu(client)
    with client.get(f"/my-courses/{enrolment.reference}/calendar.ics") as ics:
        event = Calendar.from_ical(ics.get_data()).walk("VEVENT")[0]
    assert f" · {NAME_UR} · {enrolment.reference}" in str(event["DESCRIPTION"])
    in_english(client)
    with client.get("/my-courses/all/calendar.ics") as ics:
        event = Calendar.from_ical(ics.get_data()).walk("VEVENT")[0]
    assert f" · {NAME} · {enrolment.reference}" in str(event["DESCRIPTION"])


def test_school_admin_pages_in_urdu_show_the_urdu_name(client, auth, make_user, make_section, school_admin):
    section = make_section(name=NAME, name_ur=NAME_UR, needs_approval=True)
    services.enrol(make_user(), section.id)
    db.session.commit()
    auth.login(school_admin(section.course.institution))
    pages = (f"/school-admin/courses/{section.course_id}", f"/school-admin/sections/{section.id}/roster")
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert ISOLATED in html and NAME_UR not in html, path
    in_urdu(client)
    for path in (*pages, "/school-admin/approvals", "/school-admin/bulk"):
        html = client.get(path).get_data(as_text=True)
        assert ISOLATED_UR in html and NAME not in html, path


def test_section_form_creates_edits_empties_and_limits_the_urdu_name(client, auth, make_section, school_admin):
    section = make_section()
    auth.login(school_admin(section.course.institution))
    new = f"/school-admin/courses/{section.course.id}/sections/new"
    html = client.get(new).get_data(as_text=True)
    assert 'dir="rtl"' in input_tag(html, "name_ur") and 'lang="ur"' in input_tag(html, "name_ur")
    assert 'dir="ltr"' in input_tag(html, "name") and 'lang="en"' in input_tag(html, "name")
    assert "Name of the cohort in English (optional)" in html and "Name of the cohort in Urdu (optional)" in html
    bad = post_form(client, new, {**SECTION_FORM, "name": "Long", "name_ur": "ب" * 81})
    assert bad.status_code == 200
    assert re.search(r'id="name_ur-error"><span>Field cannot be longer than 80 characters', bad.text)
    assert db.session.scalar(select(Section.id).where(Section.name == "Long")) is None
    assert post_form(client, new, {**SECTION_FORM, "name_ur": f" {NAME_UR}  "}).status_code == 302
    created = db.session.scalar(select(Section).where(Section.name == "Evening"))
    assert created.name_ur == NAME_UR

    edit = f"/school-admin/sections/{created.id}/edit"
    assert f'value="{NAME_UR}"' in client.get(edit).get_data(as_text=True)
    too_long = post_form(client, edit, {**SECTION_FORM, "name_ur": "ب" * 81})
    assert too_long.status_code == 200 and 'id="name_ur-error"' in too_long.text
    db.session.expire_all()
    assert db.session.get(Section, created.id).name_ur == NAME_UR  # unchanged
    assert post_form(client, edit, {**SECTION_FORM, "name_ur": "شام کا گروپ"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, created.id).name_ur == "شام کا گروپ"
    assert post_form(client, edit, {**SECTION_FORM, "name_ur": "   "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, created.id).name_ur is None


def test_section_form_in_urdu_labels_the_two_names(client, auth, make_section, school_admin):
    section = make_section()
    auth.login(school_admin(section.course.institution))
    in_urdu(client)
    html = client.get(f"/school-admin/sections/{section.id}/edit").get_data(as_text=True)
    assert "گروپ کا نام انگریزی میں (اختیاری)" in html and "گروپ کا نام اردو میں (اختیاری)" in html
