"""Removing an eligibility rule asks first: the course page's Remove opens a page that says the rule in
words, which course or section it is for and who it alone holds back today; only "Remove this rule"
removes it. Another institution's admin gets 404, a citizen 403, an anonymous visitor the sign-in page."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent
from portal.education import catalogue, services
from portal.education.models import EligibilityRule
from portal.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def world(make_user, make_course, make_section, make_institution, school_admin):
    """A course (needs approval) with two cohorts, a past one and another institution's course."""
    course = make_course(title="Tailoring Basics")
    morning = make_section(course=course, name="Morning", needs_approval=True, capacity=1)
    evening = make_section(course=course, name="Evening", needs_approval=True)
    past = make_section(course=course, name="Last year", start_date=date(2025, 1, 6), end_date=date(2025, 3, 1))
    admin = school_admin(course.institution)
    other_admin = school_admin(make_institution())
    return admin, other_admin, course, morning, evening, past


def ask(user, section):
    return services.enrol(user, section.id).enrolment


def gone(rule_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(EligibilityRule, rule_id) is None


# --- the service -------------------------------------------------------------------------------------


def test_removal_names_the_course_or_the_section(world, add_rule):
    admin, _other, course, morning, _evening, _past = world
    for_course = add_rule(course=course, kind="gender", gender="female")
    for_morning = add_rule(section=morning, kind="age", min_age=18, max_age=35)
    removal = catalogue.rule_removal(admin, for_course.id)
    assert (removal.rule.id, removal.course.id, removal.section) == (for_course.id, course.id, None)
    removal = catalogue.rule_removal(admin, for_morning.id)
    assert (removal.course.id, removal.section.id) == (course.id, morning.id)
    assert not gone(for_course.id) and not gone(for_morning.id)  # asking removes nothing


def test_removal_lists_who_this_rule_alone_holds_back(world, make_user, add_rule):
    admin, _other, course, morning, evening, _past = world
    man = ask(make_user(full_name="Asif", gender="male"), morning)
    older_man = ask(make_user(full_name="Karim", gender="male", date_of_birth=date(1950, 1, 1)), evening)
    woman = ask(make_user(full_name="Sana", gender="female"), morning)
    waiting_man = ask(make_user(full_name="Bilal", gender="male"), morning)
    services.approve(admin, woman.id)  # Morning's one seat
    assert services.approve(admin, waiting_man.id).status == "waitlisted"
    db.session.commit()
    # Rules added after they asked (as an admin may): women only, and ages up to 60 for every cohort.
    gender = add_rule(course=course, kind="gender", gender="female")
    add_rule(course=course, kind="age", max_age=60)
    held_back = catalogue.rule_removal(admin, gender.id).held_back
    # Karim is held back by the age rule too: removing the gender rule alone would not let him in.
    assert sorted((e.person_name, e.status) for e in held_back) == [("Asif", "pending"), ("Bilal", "waitlisted")]
    assert {e.id for e in held_back} == {man.id, waiting_man.id}
    assert older_man.id not in {e.id for e in held_back}


def test_removal_of_a_section_rule_looks_at_that_section_only_and_not_at_past_cohorts(world, make_user, add_rule):
    admin, _other, _course, morning, evening, past = world
    in_morning = ask(make_user(full_name="Asif", gender="male"), morning)
    ask(make_user(full_name="Bilal", gender="male"), evening)
    db.session.commit()
    rule = add_rule(section=morning, kind="gender", gender="female")
    assert [e.id for e in catalogue.rule_removal(admin, rule.id).held_back] == [in_morning.id]
    finished = add_rule(section=past, kind="gender", gender="female")
    assert catalogue.rule_removal(admin, finished.id).held_back == []


def test_removal_is_scoped(world, add_rule):
    admin, other_admin, course, _morning, _evening, _past = world
    rule = add_rule(course=course, kind="gender", gender="female")
    for call in (
        lambda: catalogue.rule_removal(other_admin, rule.id),
        lambda: catalogue.remove_rule(other_admin, rule.id),
        lambda: catalogue.rule_removal(admin, 999999),
    ):
        with pytest.raises(NotFound):
            call()
    db.session.rollback()
    assert not gone(rule.id)


def test_remove_rule_keeps_its_course_for_a_second_press(world, add_rule):
    admin, other_admin, course, morning, _evening, _past = world
    rule = add_rule(section=morning, kind="gender", gender="female")
    assert catalogue.remove_rule(admin, rule.id).course_id == course.id
    db.session.commit()
    assert gone(rule.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "education.rule.removed"))
    assert event.details == {"kind": "gender", "course_id": course.id}
    assert catalogue.removed_rule_course(admin, rule.id) == course.id
    assert catalogue.removed_rule_course(other_admin, rule.id) is None  # not their course: nothing said
    assert catalogue.removed_rule_course(admin, 999999) is None


def test_removal_moves_up_at_once_whom_it_alone_kept_from_a_free_seat(world, make_user, make_section, add_rule):
    """A seat freed while a rule held back the first person waiting stays free (promote_waitlist skips
    them); once the rule is gone, they take it at once, before anyone new can, and are told."""
    admin, _other, course, _morning, _evening, _past = world
    cohort = make_section(course=course, name="Weekend", capacity=1)
    woman = make_user(full_name="Sana", gender="female")
    man = make_user(full_name="Asif", gender="male")
    seat = ask(woman, cohort)
    waiting = ask(man, cohort)
    db.session.commit()
    assert (seat.status, waiting.status) == ("enrolled", "waitlisted")
    rule = add_rule(course=course, kind="gender", gender="female")
    _dropped, promoted = services.drop(woman, seat.reference)
    db.session.commit()
    assert promoted == []  # the rule holds Asif back: the seat stays free
    removed = catalogue.remove_rule(admin, rule.id)
    db.session.commit()
    assert [e.id for e in removed.promoted] == [waiting.id]
    db.session.expire_all()
    assert db.session.get(type(waiting), waiting.id).status == "enrolled"
    assert db.session.get(type(cohort), cohort.id).enrolled_count == 1


# --- the pages ---------------------------------------------------------------------------------------


def test_remove_on_the_course_page_is_a_link_to_the_question(client, auth, world, add_rule):
    admin, _other, course, morning, _evening, _past = world
    for_course = add_rule(course=course, kind="gender", gender="female")
    for_morning = add_rule(section=morning, kind="age", min_age=18, max_age=35)
    auth.login(admin)
    html = client.get(f"/school-admin/courses/{course.id}").get_data(as_text=True)
    for rule in (for_course, for_morning):
        assert f'<a class="danger" href="/school-admin/rules/{rule.id}/delete">Remove' in html
        assert f'action="/school-admin/rules/{rule.id}/delete"' not in html  # no one-press form any more


def test_the_question_says_what_goes_and_who_it_lets_in(client, auth, world, make_user, add_rule):
    admin, _other, course, morning, _evening, _past = world
    asking = ask(make_user(full_name="Asif Nawaz", gender="male"), morning)
    db.session.commit()
    rule = add_rule(course=course, kind="gender", gender="female")
    auth.login(admin)
    path = f"/school-admin/rules/{rule.id}/delete"
    html = client.get(path).get_data(as_text=True)
    assert "<h1>Remove an eligibility rule</h1>" in html
    assert "Women and girls only" in html and "Tailoring Basics" in html
    assert "Every section of this course" in html
    assert "no longer decides who may join any section of this course" in html
    assert "1 person waiting now is held back by this rule alone: without it, they could be approved" in html
    assert "Asif Nawaz" in html and asking.reference in html and "Waiting for approval" in html
    assert '<button type="submit" name="confirm" value="remove" class="button danger">Remove this rule</button>' in html
    assert f'<a href="/school-admin/courses/{course.id}">Keep it</a>' in html
    assert not gone(rule.id)
    # A section's rule says which section.
    section_rule = add_rule(section=morning, kind="age", min_age=18, max_age=35)
    html = client.get(f"/school-admin/rules/{section_rule.id}/delete").get_data(as_text=True)
    assert "Ages 18–35 on the start date" in html and "This section only: " in html and "Morning" in html
    assert "no longer decides who may join this section" in html and "held back" not in html


def test_the_question_in_urdu(client, auth, world, add_rule):
    admin, _other, course, _morning, _evening, _past = world
    rule = add_rule(course=course, kind="gender", gender="female")
    auth.login(admin)
    client.get("/language/ur?next=/")
    html = client.get(f"/school-admin/rules/{rule.id}/delete").get_data(as_text=True)
    for text in ("اہلیت کی شرط ہٹائیں", "یہ شرط ہٹائیں", "اسے رہنے دیں", "اس کورس کے تمام گروپ"):
        assert text in html


def test_only_the_confirmation_removes_and_a_second_press_says_it_is_done(client, auth, world, add_rule):
    admin, _other, course, _morning, _evening, _past = world
    rule = add_rule(course=course, kind="gender", gender="female")
    auth.login(admin)
    path = f"/school-admin/rules/{rule.id}/delete"
    token = csrf_token(client, path)
    # The one-press form of an older course page: asked, not removed.
    first = client.post(path, data={"csrf_token": token})
    assert first.status_code == 200 and "Remove this rule" in first.get_data(as_text=True)
    assert not gone(rule.id)
    assert client.post(path, data={"confirm": "remove"}).status_code == 400  # no CSRF token
    assert not gone(rule.id)
    removed = client.post(path, data={"csrf_token": token, "confirm": "remove"})
    assert removed.status_code == 302 and removed.headers["Location"].endswith(f"/school-admin/courses/{course.id}")
    assert gone(rule.id)
    page = client.get(f"/school-admin/courses/{course.id}").get_data(as_text=True)
    assert "Rule removed." in page and "Anyone can join." in page
    # Pressed again (slow link), or reopened with Back: back to the course, saying so.
    again = client.post(path, data={"csrf_token": token, "confirm": "remove"}, follow_redirects=True)
    assert again.status_code == 200 and "This rule has already been removed." in again.get_data(as_text=True)
    back = client.get(path)
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/school-admin/courses/{course.id}")
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "education.rule.removed"))


def test_the_course_page_says_who_moved_up_when_the_rule_went(client, auth, world, make_user, make_section, add_rule):
    admin, _other, course, _morning, _evening, _past = world
    cohort = make_section(course=course, name="Weekend", capacity=1)
    woman = make_user(full_name="Sana", gender="female")
    seat = ask(woman, cohort)
    waiting = ask(make_user(full_name="Asif", gender="male"), cohort)
    db.session.commit()
    rule = add_rule(course=course, kind="gender", gender="female")
    services.drop(woman, seat.reference)
    db.session.commit()
    auth.login(admin)
    path = f"/school-admin/rules/{rule.id}/delete"
    token = csrf_token(client, path)
    page = client.post(path, data={"csrf_token": token, "confirm": "remove"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Rule removed." in text
    assert "1 person moved up from the waitlist into a seat and has been told." in text
    db.session.expire_all()
    assert db.session.get(type(waiting), waiting.id).status == "enrolled"


def test_the_question_is_scoped(client, auth, world, make_user, add_rule):
    admin, other_admin, course, _morning, _evening, _past = world
    rule = add_rule(course=course, kind="gender", gender="female")
    path = f"/school-admin/rules/{rule.id}/delete"
    # Anonymous: sign in first.
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    token = csrf_token(client, "/login")
    response = client.post(path, data={"csrf_token": token, "confirm": "remove"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # A citizen: 403.
    auth.login(make_user())
    assert client.get(path).status_code == 403
    token = csrf_token(client, "/my-courses")
    assert client.post(path, data={"csrf_token": token, "confirm": "remove"}).status_code == 403
    auth.logout()
    # Another institution's admin: 404, before and after the rule is removed; bad ids too.
    auth.login(other_admin)
    token = csrf_token(client, "/school-admin")
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": token, "confirm": "remove"}).status_code == 404
    assert not gone(rule.id)
    for bad in ("999999", "0", "-1", "abc", "99999999999999999999"):
        assert client.get(f"/school-admin/rules/{bad}/delete").status_code == 404, bad
    catalogue.remove_rule(admin, rule.id)
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": token, "confirm": "remove"}).status_code == 404
