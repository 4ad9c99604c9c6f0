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


def test_english_titles_and_names_on_urdu_pages_are_marked_english(
    client, auth, make_user, make_institution, make_course, make_section
):
    """A course and an institution without Urdu text fall back to English on Urdu pages; each is then
    marked ``lang="en"`` (a screen reader's Urdu voice would spell it out), as is a person named in
    Latin letters. Urdu text is left as it is, and English pages have no marks."""
    course = make_course(
        institution=make_institution(name="Punjab Skills Centre", name_ur=None),
        title="Solar panel fitting",
        title_ur=None,
        description="Fit and test rooftop panels.",
        description_ur="",
    )
    section = make_section(course=course)
    urdu = urdu_course(make_institution, make_course, make_section)
    user = make_user(full_name="Bilal Ahmed")
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    client.get("/language/ur?next=/")
    found = client.get("/courses").get_data(as_text=True)
    assert f'<a href="/courses/{course.id}"><bdi lang="en">Solar panel fitting</bdi></a></h2>' in found
    assert '<p><bdi lang="en">Punjab Skills Centre</bdi> · ' in found
    assert f'<a href="/courses/{urdu.id}">{AI_UR}</a></h2>' in found and f"<p>{UNIVERSITY_UR} · " in found
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert '<h1><bdi lang="en">Solar panel fitting</bdi></h1>' in page
    assert '<div class="description" lang="en"><p dir="auto">Fit and test rooftop panels.</p></div>' in page
    assert '<div class="description"><p dir="auto">' in client.get(f"/courses/{urdu.id}").text
    mine = client.get("/my-courses").get_data(as_text=True)
    assert '<bdi lang="en">Solar panel fitting</bdi></a><br><span class="muted"><bdi lang="en">Punjab Skills' in mine
    assert '<bdi lang="en">Bilal Ahmed</bdi></td>' in mine
    detail = client.get(f"/my-courses/{enrolment.reference}").get_data(as_text=True)
    assert '<h2><bdi lang="en">Solar panel fitting</bdi></h2>' in detail
    assert '<bdi lang="en">Bilal Ahmed</bdi>' in detail
    assert f'<p class="reference" dir="ltr">{enrolment.reference}' in detail

    client.get("/language/en?next=/")
    for path in ("/courses", f"/courses/{course.id}", "/my-courses", f"/my-courses/{enrolment.reference}"):
        main = client.get(path).get_data(as_text=True).split("<main", 1)[1]
        assert 'lang="en"' not in main and "Solar panel fitting" in main, path


def test_why_a_family_member_cannot_join_marks_their_english_name_in_the_urdu_sentence(
    client, auth, make_user, make_section, add_rule
):
    from datetime import date

    from portal.auth.models import Dependant

    section = make_section()
    add_rule(section=section, kind="age", min_age=16, max_age=45)
    user = make_user(full_name="Bilal Ahmed", date_of_birth=date(1990, 1, 1))
    user.dependants.append(
        Dependant(full_name="Hamza Khan", relationship_="child", date_of_birth=date(2016, 2, 3), gender="male")
    )
    db.session.commit()
    auth.login(user)
    client.get("/language/ur?next=/")
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert '<strong><bdi lang="en">Hamza Khan</bdi></strong>:' in html
    assert '<bdi lang="en">Hamza Khan</bdi> کی عمر 10 سال ہو گی' in html


def test_an_urdu_enrolment_error_sets_its_reference_apart_and_an_english_one_is_as_it_was(app):
    """A service's error shown as text (a field's error, a flash, the box at the top): in Urdu its
    reference is a left-to-right isolate (LRI … PDI), so that it keeps its place in the sentence."""
    from flask_babel import force_locale

    from portal.education.services import AlreadyEnrolled

    error = AlreadyEnrolled(name="Ali Raza", ref="E-NVFQ-DE6X", status="enrolled")
    with app.test_request_context():
        with force_locale("ur"):
            assert "\u2066E-NVFQ-DE6X\u2069" in str(error)
        assert str(error) == "Ali Raza already has an enrolment in this course (E-NVFQ-DE6X, enrolled)."
