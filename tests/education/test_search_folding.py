"""Course search matches every typed word, in any order, in a title, a description or the
institution's name, in English or Urdu, however it is spelt as long as people could not see the
difference (portal.folding): runs of spaces, a no-break space, Urdu letters typed on an Arabic
keyboard, capitals beyond ASCII."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from portal.education.catalogue import CourseFilters, search_courses
from portal.education.models import Course
from portal.education.services import _institutions_named
from portal.extensions import db
from tests.test_name_keys import course_row


def found(q: str) -> list[str]:
    return [course.title for course in search_courses(CourseFilters(q=q)).items]


@pytest.fixture
def course(make_institution, make_course, make_section):
    def factory(**fields):
        made = make_course(**fields)
        make_section(course=made)
        return made

    return factory


@pytest.mark.parametrize(
    "typed",
    ["Computer Basics", "computer  basics", "Computer\u00a0Basics", "basics computer", "BASICS  comp", "basics اردو"],
)
def test_course_search_matches_every_word_in_any_order(course, typed):
    course(title="Computer Basics", description="Taught in اردو.")
    course(title="Computer Networks")
    assert found(typed) == ["Computer Basics"]


def test_each_word_may_be_in_a_different_text_of_the_course_or_in_its_institution(make_institution, course):
    centre = make_institution(name="Lahore IT Centre", name_ur="لاہور آئی ٹی سنٹر")
    course(institution=centre, title="Graphic Design", title_ur="گرافک ڈیزائن", description="Photoshop for beginners")
    course(title="Graphic Design for Print")
    assert found("lahore graphic") == ["Graphic Design"]
    assert found("ڈیزائن photoshop") == ["Graphic Design"]
    assert found("graphic لاہور") == ["Graphic Design"]
    assert found("graphic print") == ["Graphic Design for Print"]
    assert found("print photoshop") == []  # every word must match the same course


@pytest.mark.parametrize("typed", ["كمپيوٹر", "کمپیوٹر", "کمپی\u200cوٹر", "\u200fکمپیوٹر"])
def test_course_search_finds_the_urdu_title_typed_with_other_letters_or_invisible_marks(course, typed):
    course(title="Computer Basics", title_ur="کمپیوٹر کی بنیادی باتیں")
    course(title="Tailoring", title_ur="سلائی")
    assert found(typed) == ["Computer Basics"]


def test_course_search_ignores_the_case_of_accented_letters(course):
    course(title="CAFÉ Management")
    assert found("café") == ["CAFÉ Management"]


@pytest.mark.parametrize("typed", ["%", "_", "\\", "10%"])
def test_a_wildcard_in_a_course_search_is_a_character_like_any_other(course, typed):
    course(title="Computer Basics")
    assert found(typed) == []
    course(title="10% off: A_B \\ course")
    assert found(typed) == ["10% off: A_B \\ course"]


def test_the_course_search_copy_follows_its_texts_on_every_path_that_writes_them(course, make_institution):
    made = course(title="Computer Basics", description="Word and EXCEL")
    assert made.search_text == "computer basics\nword and excel"
    made.description_ur = "ورڈ اور ايكسل"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Course, made.id).search_text == "computer basics\nword and excel\nورڈ اور ایکسل"
    institution = make_institution()
    db.session.execute(insert(Course.__table__), [course_row(institution.id, "Graphic  DESIGN", title_ur="گرافک")])
    db.session.commit()
    assert db.session.scalar(select(Course.search_text).where(Course.title == "Graphic  DESIGN")) == (
        "graphic design\nگرافک"
    )


def test_an_institution_is_found_by_its_name_however_it_is_spelt(make_institution):
    """The superadmin's search for a school admin's institution (portal.auth's staff page)."""
    centre = make_institution(name="Lahore IT Centre", name_ur="لاہور آئی ٹی سنٹر")
    make_institution(name="Multan College")
    assert [name for _id, name in _institutions_named("لاہور")] == [centre.name]
    assert [name for _id, name in _institutions_named("centre LAHORE")] == [centre.name]
