"""Course titles and descriptions and institution names in Urdu: searched, shown on Urdu pages, sent to
people who read Urdu, saved by the school admin's forms."""

from __future__ import annotations

from sqlalchemy import select

from portal.education import services
from portal.education.models import Course, Institution
from portal.extensions import db
from portal.notifications.models import Message
from tests.conftest import csrf_token
from tests.education.test_views_admin import COURSE_FORM

AI_UR = "مصنوعی ذہانت کا تعارف"
AI_DESCRIPTION_UR = "مصنوعی ذہانت کیا ہے اور کیا نہیں۔"
UNIVERSITY_UR = "جامعہ پنجاب"


def urdu_course(make_institution, make_course, make_section):
    institution = make_institution(name="University of the Punjab", name_ur=UNIVERSITY_UR)
    course = make_course(
        institution=institution,
        title="Introduction to AI",
        title_ur=AI_UR,
        description="What AI is and is not.",
        description_ur=AI_DESCRIPTION_UR,
    )
    make_section(course=course)
    return course


def test_course_search_by_urdu_text_finds_the_course(client, make_institution, make_course, make_section):
    urdu_course(make_institution, make_course, make_section)
    make_section(course=make_course(title="Spoken English", title_ur="بول چال کی انگریزی"))
    for words in ("ذہانت", "کیا نہیں", "جامعہ"):  # the title, the description, the institution
        html = client.get("/courses", query_string={"q": words}).get_data(as_text=True)
        assert "Introduction to AI" in html and "Spoken English" not in html, words
    client.get("/language/ur?next=/")
    html = client.get("/courses", query_string={"q": "مصنوعی ذہانت"}).get_data(as_text=True)
    assert AI_UR in html and UNIVERSITY_UR in html and "Introduction to AI" not in html


def test_course_page_in_urdu_and_in_english(client, make_institution, make_course, make_section):
    course = urdu_course(make_institution, make_course, make_section)
    html = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "Introduction to AI" in html and "What AI is and is not." in html and AI_UR not in html
    client.get("/language/ur?next=/")
    html = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert AI_UR in html and AI_DESCRIPTION_UR in html and UNIVERSITY_UR in html
    assert "Introduction to AI" not in html and "What AI is and is not." not in html


def test_enrolment_message_names_the_course_in_the_readers_language(
    make_user, make_institution, make_course, make_section
):
    course = urdu_course(make_institution, make_course, make_section)
    reader, english = make_user(preferred_language="ur"), make_user(preferred_language="en")
    for person in (reader, english):
        services.enrol(person, course.sections[0].id)
    db.session.commit()
    bodies = dict(db.session.execute(select(Message.user_id, Message.body).where(Message.channel == "sms")).all())
    assert AI_UR in bodies[reader.id] and UNIVERSITY_UR in bodies[reader.id]
    assert "Introduction to AI" not in bodies[reader.id]
    assert "Introduction to AI" in bodies[english.id] and AI_UR not in bodies[english.id]


def test_course_and_institution_forms_save_the_urdu_texts(client, auth, make_section, school_admin):
    section = make_section()
    institution = section.course.institution
    auth.login(school_admin(institution))
    path = f"/school-admin/institutions/{institution.id}/courses/new"
    html = client.get(path).get_data(as_text=True)
    assert 'name="title_ur"' in html and 'name="description_ur"' in html and 'lang="ur"' in html
    token = csrf_token(client, path)
    bad = client.post(path, data={**COURSE_FORM, "csrf_token": token, "title_ur": "ب" * 161})
    assert bad.status_code == 200 and "Field cannot be longer than 160 characters" in bad.get_data(as_text=True)
    urdu = {"title_ur": " ازگر برائے مبتدی ", "description_ur": "بنیادی باتیں"}
    assert client.post(path, data={**COURSE_FORM, **urdu, "csrf_token": token}).status_code == 302
    course = db.session.scalar(select(Course).where(Course.title == "Python for Beginners"))
    assert (course.title_ur, course.description_ur) == ("ازگر برائے مبتدی", "بنیادی باتیں")

    edit = f"/school-admin/institutions/{institution.id}/edit"
    form = {"csrf_token": csrf_token(client, edit), "name": "Punjab College", "type": "college", "district": "Multan"}
    bad = client.post(edit, data={**form, "name_ur": "ب" * 161})
    assert bad.status_code == 200 and "Field cannot be longer than 160 characters" in bad.get_data(as_text=True)
    assert client.post(edit, data={**form, "name_ur": "پنجاب کالج"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, institution.id).name_ur == "پنجاب کالج"


def test_course_form_in_urdu_says_which_texts_are_english_and_types_them_left_to_right(
    client, auth, make_section, school_admin
):
    import re

    section = make_section()
    auth.login(school_admin(section.course.institution))
    client.get("/language/ur?next=/")
    html = client.get(f"/school-admin/courses/{section.course.id}/edit").get_data(as_text=True)
    assert "عنوان انگریزی میں" in html and "تفصیل انگریزی میں" in html
    for name, lang in (("title", "en"), ("description", "en"), ("title_ur", "ur"), ("description_ur", "ur")):
        tag = re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', html).group(0)
        assert f'lang="{lang}"' in tag and f'dir="{"ltr" if lang == "en" else "rtl"}"' in tag, tag
