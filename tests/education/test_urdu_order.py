"""Course and institution lists in Urdu are in Urdu alphabetical order, by the name the reader sees; in
English, by the English name as before. The same order on SQLite and PostgreSQL, page after page."""

from __future__ import annotations

import random
import re

from flask_babel import force_locale

from portal.education import catalogue, services
from portal.education.catalogue import CourseFilters

# (English title, Urdu title or None).
COURSES = (
    ("First Aid and CPR", "ابتدائی طبی امداد اور سی پی آر"),
    ("Auto Mechanic", "آٹو مکینک"),
    ("Spoken English", "بول چال کی انگریزی"),
    ("Beautician", "بیوٹیشن"),
    ("Python for Data Science", "پائتھن کے ساتھ ڈیٹا سائنس"),
    ("Chinese Language (HSK 1)", "چینی زبان (ایچ ایس کے 1)"),
    ("Data Analytics with Excel", "ڈیٹا اینالیٹکس"),
    ("Tailoring and Dress Making", "سلائی اور کپڑوں کی تیاری"),
    ("Graphic Design with Canva", "کینوا کے ساتھ گرافک ڈیزائن"),
    ("Korean Language (EPS-TOPIK)", "کوریائی زبان"),
    ("Mobile Phone Repair", "موبائل فون کی مرمت"),
    ("Deep Learning Fundamentals", "ڈیپ لرننگ کی بنیادی باتیں"),
    ("E-commerce", "ای کامرس"),
    ("Plumbing", None),
)


def urdu_titles():
    """The titles above as an Urdu reader must see them: ای after اب and before آ, ڈیپ before ڈیٹا,
    کو before کی, the title with no Urdu (a Latin one) last."""
    return [
        "ابتدائی طبی امداد اور سی پی آر",
        "ای کامرس",
        "آٹو مکینک",
        "بول چال کی انگریزی",
        "بیوٹیشن",
        "پائتھن کے ساتھ ڈیٹا سائنس",
        "چینی زبان (ایچ ایس کے 1)",
        "ڈیپ لرننگ کی بنیادی باتیں",
        "ڈیٹا اینالیٹکس",
        "سلائی اور کپڑوں کی تیاری",
        "کوریائی زبان",
        "کینوا کے ساتھ گرافک ڈیزائن",
        "موبائل فون کی مرمت",
        "Plumbing",
    ]


def add_courses(make_institution, make_course, make_section):
    institution = make_institution(name="University of the Punjab", name_ur="جامعہ پنجاب")
    rows = list(COURSES)
    random.Random(11).shuffle(rows)
    for title, title_ur in rows:
        make_section(course=make_course(institution=institution, title=title, title_ur=title_ur))
    return institution


def titles(pages):
    return [course.shown_title for page in pages for course in page.items]


def test_course_search_in_urdu_is_in_urdu_alphabetical_order_page_after_page(
    app, make_institution, make_course, make_section
):
    add_courses(make_institution, make_course, make_section)
    with app.test_request_context(), force_locale("ur"):
        first = catalogue.search_courses(CourseFilters(), page=1)
        second = catalogue.search_courses(CourseFilters(), page=2)
        assert (first.total, len(first.items), len(second.items)) == (14, 10, 4)
        assert titles([first, second]) == urdu_titles()
    with app.test_request_context(), force_locale("en"):
        pages = [catalogue.search_courses(CourseFilters(), page=n) for n in (1, 2)]
        assert titles(pages) == sorted(title for title, _urdu in COURSES)


def course_titles_on(html: str) -> list[str]:
    """The titles in the order shown (without the <bdi lang="en"> of a title that has no Urdu)."""
    titles = re.findall(r'<h2><a href="/courses/\d+">(.*?)</a></h2>', html)
    return [re.sub(r"</?bdi[^>]*>", "", title) for title in titles]


def test_course_search_page_in_urdu_lists_courses_in_urdu_order(client, make_institution, make_course, make_section):
    add_courses(make_institution, make_course, make_section)
    client.get("/language/ur?next=/")
    first = client.get("/courses").get_data(as_text=True)
    second = client.get("/courses?page=2").get_data(as_text=True)
    assert course_titles_on(first) + course_titles_on(second) == urdu_titles()
    labels = re.findall(r'<option value="[A-Z][^"]*"[^>]*>([^<]*)</option>', first.split('name="district"')[1])[:36]
    assert labels[0] == "اٹک" and labels[-1] == "وہاڑی", labels
    client.get("/language/en?next=/")
    assert course_titles_on(client.get("/courses").get_data(as_text=True))[:2] == ["Auto Mechanic", "Beautician"]


def test_school_admin_lists_are_in_the_order_of_the_names_shown(
    app, make_institution, make_course, make_section, make_user
):
    institution = add_courses(make_institution, make_course, make_section)
    other = make_institution(name="Bahauddin Zakariya University", name_ur="بہاء الدین زکریا یونیورسٹی")
    admin = make_user(roles=[("school_admin", institution.id), ("school_admin", other.id)])
    with app.test_request_context(), force_locale("ur"):
        assert [i.shown_name for i in services.managed_institutions(admin)] == [
            "بہاء الدین زکریا یونیورسٹی",
            "جامعہ پنجاب",
        ]
        assert [c.shown_title for c in services.institution_courses(institution)] == urdu_titles()
        course = institution.courses[0]
        options = [c.shown_title for c in services.prerequisite_options(admin, course)]
        assert options == [title for title in urdu_titles() if title != course.shown_title]
        assert [i.shown_name for i in catalogue.all_institutions()] == ["بہاء الدین زکریا یونیورسٹی", "جامعہ پنجاب"]
    with app.test_request_context(), force_locale("en"):
        names = [i.name for i in services.managed_institutions(admin)]
        assert names == ["Bahauddin Zakariya University", "University of the Punjab"]
        english = sorted(title for title, _urdu in COURSES)
        assert [c.title for c in services.institution_courses(institution)] == english
