"""A section's dates lie in sane years, and a new section's first day at most a year ago: a year typed
wrong (2006 for 2026, 0001) is refused beside its field, never saved and never an error page.
Today is Monday 2 March 2026 (the fixed clock)."""

from datetime import date, time

import pytest
from sqlalchemy import select

from portal.education import catalogue, services
from portal.education.models import EligibilityRule, Section
from portal.extensions import db
from tests.conftest import csrf_token
from tests.education.test_admin_services import reload, section_data
from tests.education.test_views_admin import SECTION_FORM, field_errors

A_YEAR_AGO = "A section can have started at most 1 year ago: choose a first day on or after 2 March 2025."
CHECK_THE_YEAR = "Check the year: enter a date from 2000 to 2100."


def new_section_data(**changes):
    data = {name: None for name in catalogue.SECTION_FIELDS}
    data.update(
        name="Typo", start_date=date(2026, 4, 1), end_date=date(2026, 5, 30), meeting_days="tue,thu",
        start_time=time(17), end_time=time(19), venue="", capacity=10, reserved_kind=None, reserved_seats=0,
        enrol_opens=date(2026, 3, 1), enrol_closes=date(2026, 3, 25), needs_approval=False, waitlist_enabled=True,
        closed=False,
    )  # fmt: skip
    data.update(changes)
    return data


def test_a_new_section_may_have_started_at_most_a_year_ago(make_section, school_admin):
    course = make_section().course
    admin = school_admin(course.institution)
    for typo in (date(2006, 4, 1), date(2025, 3, 1)):
        with pytest.raises(catalogue.SectionDatesPassed) as refused:
            catalogue.save_section(admin, new_section_data(start_date=typo), course_id=course.id)
        assert str(refused.value.problems["start_date"]) == A_YEAR_AGO
        db.session.rollback()
    # A cohort running for a year, put on the portal late, still taking people until the end of March.
    saved = catalogue.save_section(admin, new_section_data(start_date=date(2025, 3, 2)), course_id=course.id)
    db.session.commit()
    assert reload(saved.section).start_date == date(2025, 3, 2)
    assert catalogue.earliest_start(date(2028, 2, 29)) == date(2027, 2, 28)
    assert catalogue.first_day_range() == (date(2025, 3, 2), date(2028, 3, 2))


def test_an_edit_keeps_an_old_first_day_but_cannot_move_it_further_back(make_section, school_admin):
    section = make_section(start_date=date(2024, 9, 2), end_date=date(2026, 6, 30), drop_deadline=None)
    admin = school_admin(section.course.institution)
    catalogue.save_section(admin, section_data(section, venue="Room 9"), section_id=section.id)
    db.session.commit()
    assert reload(section).venue == "Room 9"
    with pytest.raises(catalogue.SectionDatesPassed) as refused:
        catalogue.save_section(admin, section_data(section, start_date=date(2024, 9, 1)), section_id=section.id)
    assert str(refused.value.problems["start_date"]) == A_YEAR_AGO


def test_a_first_day_years_ago_is_refused_beside_it(client, auth, make_section, school_admin):
    section = make_section()
    auth.login(school_admin(section.course.institution))
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    page = client.get(path).get_data(as_text=True)
    assert "A new section's first day can be from 2 March 2025 to 2 March 2028." in page
    assert 'aria-describedby="start_date-hint"' in page
    token = csrf_token(client, path)
    html = client.post(path, data={**SECTION_FORM, "csrf_token": token, "start_date": "2006-04-01"}).get_data(
        as_text=True
    )
    assert field_errors(html, "start_date") == A_YEAR_AGO
    assert db.session.scalars(select(Section).where(Section.name == "Evening")).all() == []


@pytest.mark.parametrize("typed", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_every_date_of_the_section_form_is_in_sane_years(client, auth, make_section, school_admin, app, typed):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    section = make_section()
    auth.login(school_admin(section.course.institution))
    path = f"/school-admin/courses/{section.course_id}/sections/new"
    token = csrf_token(client, path)
    names = ("start_date", "end_date", "enrol_opens", "enrol_closes", "drop_deadline")
    for name in names:
        response = client.post(path, data={**SECTION_FORM, "csrf_token": token, name: typed})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        # Only the field typed wrong is in error: the checks across fields say nothing more of it.
        assert {n: field_errors(html, n) for n in names} == {n: CHECK_THE_YEAR if n == name else "" for n in names}
    everything = client.post(path, data={**SECTION_FORM, "csrf_token": token, **dict.fromkeys(names, typed)})
    assert everything.status_code == 200
    assert all(field_errors(everything.get_data(as_text=True), n) == CHECK_THE_YEAR for n in names)
    assert db.session.scalars(select(Section).where(Section.name == "Evening")).all() == []
    # Editing a section keeps to the same years.
    edit = f"/school-admin/sections/{section.id}/edit"
    html = client.post(edit, data={**SECTION_FORM, "csrf_token": csrf_token(client, edit), "start_date": typed})
    assert field_errors(html.get_data(as_text=True), "start_date") == CHECK_THE_YEAR
    assert reload(section).start_date == date(2026, 3, 16)


def test_a_section_made_with_a_year_one_before_the_fix_does_not_break_its_pages(
    client, auth, make_section, school_admin, make_user, app
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    section = make_section(start_date=date(1, 1, 1), start_time=time(1, 0), end_time=time(2, 0))
    admin = school_admin(section.course.institution)
    auth.login(admin)
    for path in (
        f"/school-admin/courses/{section.course_id}",
        f"/school-admin/sections/{section.id}/roster",
        f"/school-admin/sections/{section.id}/edit",
    ):
        assert client.get(path).status_code == 200, path
    auth.logout()
    user = make_user()
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    for path in (
        f"/courses/{section.course_id}",
        "/my-courses",
        f"/my-courses/{enrolment.reference}",
        "/my-courses/all/calendar.ics",
    ):
        assert client.get(path).status_code == 200, path


def test_the_age_told_comes_with_the_year_of_the_first_day(client, auth, make_section, make_user):
    section = make_section(start_date=date(2027, 1, 10), end_date=date(2027, 3, 10))
    db.session.add(EligibilityRule(section_id=section.id, kind="age", min_age=18, max_age=35))
    db.session.commit()
    auth.login(make_user(date_of_birth=date(1990, 6, 1)))
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "This cohort is for ages 18–35; you will be 36 on 10 January 2027." in html
