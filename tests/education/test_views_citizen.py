"""Request tests for the public and citizen pages: search, course page, enrol, my courses, drop,
calendar, certificate and public verification."""

import re
from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.auth.models import Dependant
from portal.education import services
from portal.education.models import Certificate, Enrolment
from portal.extensions import db
from tests.conftest import csrf_token, radio_choices


def form_token(html):
    return re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)


def post_enrol(client, section, person="self", token="from-an-older-page"):
    """Post the enrol form as a page opened earlier would (the page no longer offers it when no one
    can enrol now)."""
    path = f"/courses/sections/{section.id}/enrol"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "person": person, "submission_token": token})


def test_find_courses_filters_and_shows_seats(client, make_course, make_section, make_institution):
    lahore = make_institution(district="Lahore", name="Lahore Centre")
    multan = make_institution(district="Multan", name="Multan College")
    ai = make_course(institution=lahore, title="AI for Everyone", category="ai_data", fee_paisa=0)
    paid = make_course(institution=multan, title="Spoken English", category="languages", fee_paisa=500000)
    make_section(course=ai, capacity=5)
    full = make_section(course=paid, capacity=1, enrolled_count=1)
    html = client.get("/courses").get_data(as_text=True)
    assert "AI for Everyone" in html and "Spoken English" in html and "5 seats left" in html
    assert "Full</span> · No one on the waitlist yet" in html and "0 on the waitlist" not in html
    assert full  # shown as full with its waitlist length
    html = client.get("/courses?district=Multan").get_data(as_text=True)
    assert "Spoken English" in html and "AI for Everyone" not in html
    html = client.get("/courses?category=ai_data&fee=free").get_data(as_text=True)
    assert "AI for Everyone" in html and "Spoken English" not in html
    html = client.get("/courses?fee=paid").get_data(as_text=True)
    assert "Spoken English" in html and "AI for Everyone" not in html
    html = client.get("/courses?seats=y").get_data(as_text=True)
    assert "AI for Everyone" in html and "Spoken English" not in html
    html = client.get("/courses?q=everyone").get_data(as_text=True)
    assert "AI for Everyone" in html and "Spoken English" not in html
    html = client.get("/courses?q=multan").get_data(as_text=True)  # institution name
    assert "Spoken English" in html


def test_find_courses_weeks_filter_and_pagination(client, make_course, make_section):
    soon = make_course(title="Starts Soon")
    later = make_course(title="Starts Later")
    make_section(course=soon, start_date=date(2026, 3, 9))
    make_section(course=later, start_date=date(2026, 6, 1), end_date=date(2026, 7, 1), enrol_closes=date(2026, 5, 1))
    html = client.get("/courses?weeks=2").get_data(as_text=True)
    assert "Starts Soon" in html and "Starts Later" not in html
    for i in range(12):
        make_section(course=make_course(title=f"Extra {i:02d}"))
    page2 = client.get("/courses?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page2


def test_find_courses_bad_input_never_fails(client):
    for query in ("?page=-3", "?page=abc", "?weeks=999", "?district=Atlantis", "?q=" + "%25_" * 200, "?mode=x"):
        assert client.get("/courses" + query).status_code == 200


def test_a_filter_of_only_spaces_is_the_blank_choice_not_an_error(client, make_course, make_section):
    """``?weeks=%20`` (an edited link, a script) was a 500: WTForms' Optional lets a value of spaces through
    a select, and the search read it as a number. It is the blank choice, "Any time"."""
    make_section(
        course=make_course(title="Starts Later"),
        start_date=date(2026, 6, 1),
        end_date=date(2026, 7, 1),
        enrol_closes=date(2026, 5, 1),
    )
    for value in (" ", "%20%20", "%09"):
        response = client.get(f"/courses?weeks={value}&district={value}&mode={value}")
        assert response.status_code == 200, value
        assert "Starts Later" in response.text and "not on the list" not in response.text
    assert client.get("/clinics?district=%20&service=%09").status_code == 200


def test_course_page_explains_eligibility_for_each_family_member(client, auth, make_user, make_section, add_rule):
    section = make_section(start_date=date(2026, 3, 16))
    add_rule(course=section.course, kind="age", min_age=18, max_age=35)
    user = make_user(full_name="Ayesha", date_of_birth=date(1985, 1, 1))
    db.session.add(Dependant(user=user, full_name="Sana", relationship_="child", date_of_birth=date(2005, 1, 1),
                             gender="female"))  # fmt: skip
    db.session.commit()
    anonymous = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "Sign in to see whether you can join" in anonymous
    auth.login(user)
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "This cohort is for ages 18–35; you will be 41 on 16 March 2026." in html
    assert "Sana" in html and "Can join" in html
    assert "Ages 18–35 on the start date" in html


def test_course_page_404s(client, make_course):
    assert client.get("/courses/999").status_code == 404
    hidden = make_course(active=False)
    assert client.get(f"/courses/{hidden.id}").status_code == 404


def test_a_course_of_a_deactivated_institution_is_hidden_from_its_enrol_page_too(client, auth, make_user, make_section):
    """The course page 404s and the enrolment is refused: the enrol page (GET and POST) answers 404 as
    well, instead of showing the course, its cohort and an Enrol button."""
    section = make_section(capacity=3)
    section.course.institution.active = False
    db.session.commit()
    auth.login(make_user())
    path = f"/courses/sections/{section.id}/enrol"
    assert client.get(f"/courses/{section.course.id}").status_code == 404
    assert client.get(path).status_code == 404
    section.course.institution.active = True
    db.session.commit()
    token = csrf_token(client, path)  # the page answers again once the institution is active
    section.course.institution.active = False
    db.session.commit()
    assert client.post(path, data={"csrf_token": token, "person": "self", "submission_token": "b"}).status_code == 404
    assert db.session.scalars(select(Enrolment)).all() == []


def test_course_fee_is_shown_in_whole_rupees_in_both_languages(client, make_course):
    course = make_course(fee_paisa=500_000)
    free = make_course(fee_paisa=0)
    assert "<dd>Rs\u00a05,000</dd>" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "<dd>Free</dd>" in client.get(f"/courses/{free.id}").get_data(as_text=True)
    with client.session_transaction() as session:
        session["lang"] = "ur"
    assert "<dd>Rs\u00a05,000</dd>" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "<dd>مفت</dd>" in client.get(f"/courses/{free.id}").get_data(as_text=True)


def test_enrol_journey_and_double_submit(client, auth, make_user, make_section):
    section = make_section(capacity=1)
    user = make_user()
    auth.login(user)
    path = f"/courses/sections/{section.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    token = form_token(html)
    data = {"csrf_token": csrf_token(client, path), "person": "self", "submission_token": token}
    first = client.post(path, data=data)
    assert first.status_code == 302
    second = client.post(path, data=data)  # the same form again (double click)
    assert second.headers["Location"] == first.headers["Location"]
    assert len(db.session.scalars(select(Enrolment)).all()) == 1
    result = client.get(first.headers["Location"]).get_data(as_text=True)
    reference = db.session.scalar(select(Enrolment.reference))
    assert reference in result and "Enrolled" in result


def test_enrol_shows_refusals_on_the_page(client, auth, make_user, make_section):
    section = make_section(enrol_opens=date(2026, 3, 9))
    auth.login(make_user())
    response = post_enrol(client, section)
    assert response.status_code == 200
    assert "Enrolment for this cohort opens on 9 March 2026." in response.get_data(as_text=True)


def test_enrol_bad_input(client, auth, make_user, make_section):
    section = make_section()
    user = make_user()
    stranger_child = Dependant(user=make_user(), full_name="X", relationship_="child", date_of_birth=date(2012, 1, 1),
                               gender="male")  # fmt: skip
    db.session.add(stranger_child)
    db.session.commit()
    path = f"/courses/sections/{section.id}/enrol"
    assert client.get(path).status_code == 302  # sign in first
    auth.login(user)
    token = csrf_token(client, path)
    missing = client.post(path, data={"csrf_token": token, "submission_token": "a"})
    assert "Choose who is enrolling." in missing.get_data(as_text=True)
    someone_elses = client.post(
        path, data={"csrf_token": token, "person": str(stranger_child.id), "submission_token": "b"}
    )
    assert someone_elses.status_code == 200  # not one of the offered choices
    assert "Not a valid choice" in someone_elses.get_data(as_text=True)
    no_csrf = client.post(path, data={"person": "self", "submission_token": "c"})
    assert no_csrf.status_code == 400
    assert client.get("/courses/sections/99999/enrol").status_code == 404
    assert db.session.scalars(select(Enrolment)).all() == []


def test_enrol_a_family_member(client, auth, make_user, make_section):
    section = make_section()
    user = make_user()
    child = Dependant(user=user, full_name="Zainab", relationship_="child", date_of_birth=date(2015, 1, 1),
                      gender="female")  # fmt: skip
    db.session.add(child)
    db.session.commit()
    auth.login(user)
    path = f"/courses/sections/{section.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    assert "Zainab" in html
    client.post(path, data={"csrf_token": csrf_token(client, path), "person": str(child.id),
                            "submission_token": form_token(html)})  # fmt: skip
    assert db.session.scalar(select(Enrolment.dependant_id)) == child.id


def test_waitlisted_result_shows_the_position(client, auth, make_user, make_section):
    section = make_section(capacity=1)
    services.enrol(make_user(), section.id)
    db.session.commit()
    auth.login(make_user())
    path = f"/courses/sections/{section.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "person": "self", "submission_token": form_token(html)},
        follow_redirects=True,
    )
    assert "number 1 on the waitlist" in response.get_data(as_text=True)


def test_my_courses_drop_and_calendar(client, auth, make_user, make_section):
    section = make_section(capacity=1)
    user = make_user()
    enrolment = services.enrol(user, section.id).enrolment
    waiting_user = make_user()
    waiting = services.enrol(waiting_user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    html = client.get("/my-courses").get_data(as_text=True)
    assert enrolment.reference in html and f'href="/my-courses/{enrolment.reference}/drop"' in html
    assert 'method="post"' not in html.split("<main")[1]  # leaving is a link to a confirmation page now
    assert enrolment.reference in html and "Leave" in html
    assert f'<td data-label="Reference"><bdi dir="ltr">{enrolment.reference}</bdi></td>' in html
    with client.get("/my-courses/all/calendar.ics") as response:
        assert response.mimetype == "text/calendar"
        assert "BEGIN:VEVENT" in response.get_data(as_text=True)
    with client.get(f"/my-courses/{enrolment.reference}/calendar.ics") as response:
        assert enrolment.reference in response.get_data(as_text=True)
    path = f"/my-courses/{enrolment.reference}/drop"
    html = client.get(path).get_data(as_text=True)  # the confirmation page changes nothing
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "enrolled"
    assert section.course.title in html and enrolment.person_name in html and enrolment.reference in html
    assert "Your seat will be offered to the next person on the waitlist straight away." in html
    assert "Yes, leave this course</button>" in html
    assert f'href="/my-courses/{enrolment.reference}">No, go back</a>' in html
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-courses")
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "dropped"
    assert db.session.get(Enrolment, waiting.id).status == "enrolled"
    # The same confirmation posted again (a double tap) frees nothing more and says what happened.
    again = client.post(path, data={"csrf_token": csrf_token(client, "/my-courses")})
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "This enrolment cannot be changed any more." in html and "has left this course" in html
    assert "Yes, leave this course" not in html
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == "enrolled"
    assert client.get(path).status_code == 200


def test_leaving_the_waitlist_is_confirmed_too(client, auth, make_user, make_section):
    section = make_section(capacity=1)
    services.enrol(make_user(), section.id)
    user = make_user()
    waiting = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    html = client.get(f"/my-courses/{waiting.reference}").get_data(as_text=True)
    assert f'href="/my-courses/{waiting.reference}/drop"' in html and "Leave this course</a>" in html
    html = client.get(f"/my-courses/{waiting.reference}/drop").get_data(as_text=True)
    assert "will lose their place (number 1) on the waitlist" in html and "Your seat" not in html
    auth.logout()
    assert client.get(f"/my-courses/{waiting.reference}/drop").headers["Location"].startswith("/login")


def test_drop_after_deadline_is_explained(app, client, auth, make_user, make_section):
    section = make_section(drop_deadline=date(2026, 3, 2))
    user = make_user()
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    token = csrf_token(client, "/my-courses")
    app.config["FIXED_NOW"] = "2026-03-03T04:00:00+00:00"
    auth.login_again()  # days later: a new sign-in (a session lasts 12 hours)
    token = csrf_token(client, "/my-courses")  # a sign-in starts an empty session: a new form token
    response = client.post(f"/my-courses/{enrolment.reference}/drop", data={"csrf_token": token}, follow_redirects=True)
    assert "The last day to drop this course was 2 March 2026." in response.get_data(as_text=True)


def test_without_a_drop_deadline_leaving_is_offered_until_the_course_ends(app, client, auth, make_user, make_section):
    section = make_section(end_date=date(2026, 4, 30), drop_deadline=None)
    user = make_user()
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    page = f"/my-courses/{enrolment.reference}"
    html = client.get(page).get_data(as_text=True)
    assert "Apr 30, 2026 (the last day of the course)" in html and "Leave this course" in html
    token = csrf_token(client, "/my-courses")
    app.config["FIXED_NOW"] = "2026-05-20T04:00:00+00:00"
    auth.login_again()  # days later: a new sign-in (a session lasts 12 hours)
    token = csrf_token(client, "/my-courses")  # a sign-in starts an empty session: a new form token
    assert "Leave this course" not in client.get(page).get_data(as_text=True)
    assert f"{page}/drop" not in client.get("/my-courses").get_data(as_text=True)
    confirm = client.get(f"{page}/drop").get_data(as_text=True)  # an old link: explained, nothing to press
    assert "The last day to drop this course was 30 April 2026." in confirm and "Yes, leave" not in confirm
    response = client.post(f"{page}/drop", data={"csrf_token": token}, follow_redirects=True)
    assert "The last day to drop this course was 30 April 2026." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "enrolled"


def test_citizens_see_only_their_own_enrolments(client, auth, make_user, make_section):
    section = make_section()
    owner = make_user()
    enrolment = services.enrol(owner, section.id).enrolment
    db.session.commit()
    auth.login(make_user())
    assert client.get(f"/my-courses/{enrolment.reference}").status_code == 404
    assert client.get(f"/my-courses/{enrolment.reference}/calendar.ics").status_code == 404
    assert client.get(f"/my-courses/{enrolment.reference}/drop").status_code == 404
    token = csrf_token(client, "/my-courses")
    assert client.post(f"/my-courses/{enrolment.reference}/drop", data={"csrf_token": token}).status_code == 404
    assert client.get("/my-courses/E-NONE-NONE").status_code == 404


def test_certificate_and_public_verification(client, auth, make_user, make_section, school_admin):
    section = make_section(start_date=date(2026, 2, 2), end_date=date(2026, 3, 1), enrol_opens=date(2026, 1, 1),
                           enrol_closes=date(2026, 3, 2))  # fmt: skip
    holder = make_user(full_name="Ayesha Khan")
    enrolment = services.enrol(holder, section.id).enrolment
    services.complete(school_admin(section.course.institution), section.id, [enrolment.id])
    db.session.commit()
    code = db.session.scalar(select(Certificate.code))
    # Public: no sign-in needed; every printed detail is shown.
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "This certificate is genuine." in html
    for detail in ("Ayesha Khan", section.course.title, section.course.institution.name, "2 February 2026",
                   "1 March 2026", "2 March 2026"):  # fmt: skip
        assert detail in html
    missing = client.get("/verify/ZZZZZZZZZZ")
    assert missing.status_code == 404 and "No such certificate." in missing.get_data(as_text=True)
    assert client.get(f"/verify?code={code.lower()}").headers["Location"].endswith(f"/verify/{code}")
    assert client.get("/verify").status_code == 200
    # The printable certificate: its holder only (and admins of the institution).
    assert client.get(f"/certificates/{code}").status_code == 302
    auth.login(make_user())
    assert client.get(f"/certificates/{code}").status_code == 404
    auth.logout()
    auth.login(holder)
    html = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "<svg" in html and f"/verify/{code}" in html and "Ayesha Khan" in html


def test_pages_in_urdu(client, auth, make_user, make_section, add_rule):
    section = make_section(start_date=date(2026, 3, 16))
    add_rule(section=section, kind="age", min_age=18, max_age=35)
    with client.session_transaction() as s:
        s["lang"] = "ur"
    html = client.get("/courses").get_data(as_text=True)
    assert 'dir="rtl"' in html and "Find a course" not in html and "کورس تلاش کریں" in html
    auth.login(make_user(date_of_birth=date(1984, 6, 1), preferred_language="ur"))
    with client.session_transaction() as s:
        s["lang"] = "ur"
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    # the heading and the rules under it name the same thing: a cohort and a section are both a گروپ
    assert "Sections" not in html and "گروپس" in html and "سیکشن" not in html
    assert "یہ گروپ 18 تا 35 سال عمر کے لیے ہے؛" in html and "کو آپ کی عمر 41 سال ہو گی۔" in html


def test_enrol_page_explains_who_can_join_and_full_sections_say_so(client, auth, make_user, make_section, add_rule):
    section = make_section(capacity=1, waitlist_enabled=False)
    add_rule(section=section, kind="gender", gender="female")
    services.enrol(make_user(gender="female"), section.id)
    db.session.commit()
    auth.login(make_user(gender="male"))
    assert "This cohort is for women and girls only." in client.get(f"/courses/sections/{section.id}/enrol").get_data(
        as_text=True
    )
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "This cohort is full and has no waitlist." in html
    assert f"/courses/sections/{section.id}/enrol" not in html


def test_a_request_refused_for_capacity_is_kept_once_and_counted_as_unmet_demand(client, auth, make_user, make_section):
    from portal.dashboard.services import Filters, unmet_demand

    section = make_section(capacity=1, waitlist_enabled=False)
    services.enrol(make_user(), section.id)
    db.session.commit()
    late = make_user(full_name="Rabia Late")
    auth.login(late)
    for attempt in range(2):  # trying again the same day is the same unmet request
        response = post_enrol(client, section, token=f"attempt-{attempt}-token")
        assert response.status_code == 200
        assert "This cohort is full and has no waitlist." in response.get_data(as_text=True)
    refused = db.session.scalars(select(Enrolment).where(Enrolment.status == "rejected")).all()
    assert [(e.user_id, e.section_id) for e in refused] == [(late.id, section.id)]
    assert services.active_enrolment(services.person_for(late, None), section.course_id) is None
    mine = client.get(f"/my-courses/{refused[0].reference}").get_data(as_text=True)
    assert "No seat and no waitlist place was left when you asked." in mine
    today = date(2026, 3, 2)
    assert unmet_demand(Filters(district=None, start=today, end=today))["all"]["refused"] == 1


@pytest.mark.parametrize("token", ["<not a token>", "x" * 500])
def test_a_malformed_submission_token_is_ignored_not_a_server_error(client, auth, make_user, make_section, token):
    section = make_section(capacity=3)
    auth.login(make_user())
    path = f"/courses/sections/{section.id}/enrol"
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "person": "self", "submission_token": token}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Enrolment.submission_token).where(Enrolment.section_id == section.id)) is None


def test_a_nul_in_the_submission_token_is_refused_whole(client, auth, make_user, make_section):
    """As any control character in a request (portal/control_characters.py): a 400, nothing enrolled."""
    section = make_section(capacity=3)
    auth.login(make_user())
    path = f"/courses/sections/{section.id}/enrol"
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "person": "self", "submission_token": "\x00"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


def test_enrolling_and_dropping_are_each_one_short_transaction(client, auth, make_user, make_section):
    """Each write is one transaction of a few statements and nothing is read again after it commits:
    every round trip counts when many app servers share one PostgreSQL."""
    from tests.conftest import Statements

    section = make_section(capacity=3)
    user = make_user()
    auth.login(user)
    path = f"/courses/sections/{section.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, path), "person": "self", "submission_token": form_token(html)}
    db.session.remove()  # each request has a session of its own, as in production
    with Statements() as enrolling:
        response = client.post(path, data=data)
    assert response.status_code == 302
    reference = db.session.scalar(select(Enrolment.reference))
    token = csrf_token(client, "/my-courses")
    db.session.remove()  # each request has a session of its own, as in production
    with Statements() as dropping:
        response = client.post(f"/my-courses/{reference}/drop", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(Enrolment.status)) == "dropped"
    assert enrolling.after_commit == [] and dropping.after_commit == []
    # Counted as production runs them, each request with a session of its own; SQLite starts each
    # write again under its write lock, which reads the person once more.
    enrol_budget, drop_budget = (17, 13) if db.engine.dialect.name == "postgresql" else (18, 14)
    assert len(enrolling.sent) <= enrol_budget
    assert len(dropping.sent) <= drop_budget


def test_a_full_section_shows_its_real_waitlist_and_offers_to_join_it(client, auth, make_user, make_section):
    section = make_section(capacity=1)
    services.enrol(make_user(), section.id)  # takes the only seat
    waiting = [services.enrol(make_user(), section.id).enrolment for _person in range(6)]
    db.session.commit()
    auth.login(make_user())
    path = f"/courses/sections/{section.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    assert "6 on the waitlist" in html and "0 on the waitlist" not in html
    assert "you would be number 7 on the waitlist" in html
    assert "Join the waitlist</button>" in html and "Confirm enrolment" not in html
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "person": "self", "submission_token": form_token(html)},
        follow_redirects=True,
    )
    mine = response.get_data(as_text=True)
    assert "number 7 on the waitlist" in mine and "7 on the waitlist" in mine and "0 on the waitlist" not in mine
    auth.logout()
    auth.login(waiting[0].user)
    html = client.get(f"/my-courses/{waiting[0].reference}").get_data(as_text=True)
    assert "number 1 on the waitlist" in html and "7 on the waitlist" in html


def test_the_enrol_button_says_what_will_happen(client, auth, make_user, make_section):
    auth.login(make_user())
    free = make_section(capacity=2)
    html = client.get(f"/courses/sections/{free.id}/enrol").get_data(as_text=True)
    assert "Confirm enrolment</button>" in html and "you would be number" not in html
    approval = make_section(capacity=2, needs_approval=True)
    html = client.get(f"/courses/sections/{approval.id}/enrol").get_data(as_text=True)
    assert "Send the request</button>" in html
    # The course page's button already says it is a request, not an enrolment.
    course_page = client.get(f"/courses/{approval.course_id}").get_data(as_text=True)
    assert re.search(rf'href="/courses/sections/{approval.id}/enrol">Ask for a place<', course_page)
    free_page = client.get(f"/courses/{free.course_id}").get_data(as_text=True)
    assert re.search(rf'href="/courses/sections/{free.id}/enrol">Enrol<', free_page)
    no_waitlist = make_section(capacity=1, enrolled_count=1, waitlist_enabled=False)
    html = client.get(f"/courses/sections/{no_waitlist.id}/enrol").get_data(as_text=True)
    assert "This cohort is full and has no waitlist." in html and "Join the waitlist" not in html
    capped = make_section(capacity=1, waitlist_cap=1)
    services.enrol(make_user(), capped.id)
    services.enrol(make_user(), capped.id)  # the only waitlist place
    db.session.commit()
    html = client.get(f"/courses/sections/{capped.id}/enrol").get_data(as_text=True)
    assert "1 on the waitlist" in html and "its waitlist is full too" in html and "Join the waitlist" not in html


def test_class_days_are_listed_the_way_each_language_writes_a_list(client, make_section):
    section = make_section(meeting_days="mon,wed,fri")
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "Monday, Wednesday, and Friday" in html
    with client.session_transaction() as s:
        s["lang"] = "ur"
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "پیر، بدھ، اور جمعہ" in html and "پیر," not in html


def test_a_place_in_one_cohort_is_named_as_such_under_the_others(client, auth, make_user, make_section):
    """One place per course: under another cohort the page says where the person's place is, rather
    than showing "Enrolled" (or "Completed") as if it were in that cohort."""
    morning = make_section(name="Morning")
    make_section(course=morning.course, name="Evening")
    user = make_user()
    services.enrol(user, morning.id)
    db.session.commit()
    auth.login(user)
    html = client.get(f"/courses/{morning.course_id}").get_data(as_text=True)
    cards = {name: html[html.index(f">{name}</bdi></h3>") :] for name in ("Morning", "Evening")}
    assert "in another cohort" not in cards["Morning"][: cards["Morning"].index("</section>")]
    evening_card = cards["Evening"][: cards["Evening"].index("</section>")]
    assert "in another cohort: <bdi>Morning</bdi>" in evening_card


def test_the_enrol_page_names_the_other_cohort_and_moves_a_waitlisted_person_to_a_free_seat(
    client, auth, make_user, make_section
):
    weekend = make_section(name="Weekend cohort", capacity=1)
    morning = make_section(course=weekend.course, name="Morning cohort", capacity=30)
    services.enrol(make_user(), weekend.id)
    ayesha = make_user(full_name="Ayesha Khan")
    waiting = services.enrol(ayesha, weekend.id).enrolment
    db.session.commit()
    auth.login(ayesha)
    path = f"/courses/sections/{morning.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    assert "in another cohort: <bdi>Weekend cohort</bdi>" in html and waiting.reference in html
    assert "A free seat here can take the place of that one" in html and "Confirm enrolment</button>" in html
    course_page = client.get(f"/courses/{weekend.course_id}").get_data(as_text=True)
    assert "A free seat here can take the place of that one" in course_page
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "person": "self", "submission_token": form_token(html)},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert (
        f"Ayesha Khan has a seat in Morning cohort and is no longer waiting for Weekend cohort ({waiting.reference})."
        in page
    )
    mine = client.get("/my-courses").get_data(as_text=True)
    assert "Moved to a seat in another cohort" in mine
    old = client.get(f"/my-courses/{waiting.reference}").get_data(as_text=True)
    assert "gave up this place for a free seat in another cohort" in old


def test_a_seat_holder_is_told_how_to_change_cohort_on_the_enrol_page(client, auth, make_user, make_section):
    weekend = make_section(name="Weekend cohort")
    morning = make_section(course=weekend.course, name="Morning cohort")
    user = make_user(full_name="Bilal")
    services.enrol(user, weekend.id)
    db.session.commit()
    auth.login(user)
    html = client.get(f"/courses/sections/{morning.id}/enrol").get_data(as_text=True)
    assert "in another cohort: <bdi>Weekend cohort</bdi>" in html
    assert "To change to this cohort, leave that one first in My courses, then enrol here." in html
    html = post_enrol(client, morning).get_data(as_text=True)
    assert "Bilal already has a seat in another cohort of this course: Weekend cohort" in html


def test_no_can_join_and_no_button_when_no_one_can_enrol_now(app, client, auth, make_user, make_section):
    """Not open yet, closed by the institution, enrolment over (an ended cohort), or no seat and no
    waitlist place: the page says why instead of "Can join", shows no button, and a post still refuses."""
    auth.login(make_user(full_name="Hamza"))
    not_yet = make_section(enrol_opens=date(2026, 3, 16))
    closed = make_section(closed=True)
    ended = make_section(
        start_date=date(2020, 1, 1), end_date=date(2020, 2, 1), enrol_opens=date(2019, 12, 1),
        enrol_closes=date(2019, 12, 20), drop_deadline=None,
    )  # fmt: skip
    no_place = make_section(capacity=1, waitlist_cap=1)
    services.enrol(make_user(), no_place.id)
    services.enrol(make_user(), no_place.id)
    db.session.commit()
    cases = {
        not_yet: "Enrolment for this cohort opens on 16 March 2026.",
        closed: "This cohort is not taking enrolments.",
        ended: "Enrolment for this cohort closed on 20 December 2019.",
        no_place: "This cohort is full and its waitlist is full too.",
    }
    for section, reason in cases.items():
        html = client.get(f"/courses/sections/{section.id}/enrol").get_data(as_text=True)
        assert reason in html, section.id
        assert "Can join" not in html and "Meets the conditions" in html
        assert "Confirm enrolment" not in html and 'name="person"' not in html
        assert reason in post_enrol(client, section).get_data(as_text=True)
    course_page = client.get(f"/courses/{no_place.course_id}").get_data(as_text=True)
    assert "This cohort is full and its waitlist is full too." in course_page
    assert "Can join" not in course_page and f"/courses/sections/{no_place.id}/enrol" not in course_page
    assert "Full</span> · 1 on the waitlist, which is full" in course_page
    course_page = client.get(f"/courses/{not_yet.course_id}").get_data(as_text=True)
    assert "Enrolment for this cohort opens on 16 March 2026." in course_page and "Can join" not in course_page


def test_a_request_refused_for_lack_of_a_place_is_not_listed_as_not_accepted(client, auth, make_user, make_section):
    """The institution did not refuse anything: the record stays for the officials' figures only."""
    section = make_section(capacity=1, waitlist_enabled=False)
    services.enrol(make_user(), section.id)
    declined = make_section(needs_approval=True)
    user = make_user()
    request = services.enrol(user, declined.id).enrolment
    db.session.commit()
    admin = make_user(roles=[("school_admin", declined.course.institution_id)])
    services.reject(admin, request.id, "Classes are for beginners only.")
    db.session.commit()
    auth.login(user)
    post_enrol(client, section)
    refused = db.session.scalar(
        select(Enrolment).where(Enrolment.section_id == section.id, Enrolment.user_id == user.id)
    )
    assert refused is not None and refused.status == "rejected"  # kept for the dashboard
    html = client.get("/my-courses").get_data(as_text=True)
    assert refused.reference not in html
    assert request.reference in html and "Not accepted" in html  # a real refusal is still listed


def test_an_invalid_search_filter_is_left_out_and_the_others_still_apply(
    client, make_course, make_section, make_institution
):
    lahore = make_course(institution=make_institution(district="Lahore"), title="AI for Everyone")
    multan = make_course(institution=make_institution(district="Multan"), title="Spoken English")
    make_section(course=lahore)
    make_section(course=multan)
    html = client.get("/courses?district=Lahore&weeks=99").get_data(as_text=True)
    assert "AI for Everyone" in html and "Spoken English" not in html
    assert "This choice is not on the list, so the search leaves it out." in html
    assert 'id="weeks-error"' in html and 'aria-invalid="true"' in html
    assert 'class="error-summary"' in html and 'href="#weeks"' in html  # and in the summary at the top
    html = client.get("/courses?q=english&district=Nowhere").get_data(as_text=True)
    assert "Spoken English" in html and "AI for Everyone" not in html
    assert 'id="district-error"' in html


def test_calendar_for_class_days_without_times_and_none_without_days(client, auth, make_user, make_section):
    user = make_user()
    days_only = make_section(meeting_days="sat", start_time=None, end_time=None)
    nothing = make_section(meeting_days="", start_time=None, end_time=None)
    with_days = services.enrol(user, days_only.id).enrolment
    without = services.enrol(user, nothing.id).enrolment
    db.session.commit()
    auth.login(user)
    html = client.get(f"/my-courses/{with_days.reference}").get_data(as_text=True)
    assert "calendar.ics" in html
    body = client.get(f"/my-courses/{with_days.reference}/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "DTSTART;VALUE=DATE:20260321" in body
    assert "RRULE:FREQ=WEEKLY;UNTIL=20260516;BYDAY=SA" in body and "TRANSP:TRANSPARENT" in body
    assert with_days.reference in client.get("/my-courses/all/calendar.ics").get_data(as_text=True)
    html = client.get(f"/my-courses/{without.reference}").get_data(as_text=True)
    assert "calendar.ics" not in html


def test_a_class_time_range_may_break_after_its_dash_and_nowhere_else(client, make_section):
    """Urdu's "قبل دوپہر" makes a range wider than a phone's value column: it may break after the dash
    (each time whole), where a range kept on one line stuck out of its column (static/css/portal.css)."""
    section = make_section(start_time=time(10), end_time=time(13))
    for lang in ("en", "ur"):
        client.get(f"/language/{lang}?next=/")
        html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
        ranges = re.findall(r'<span dir="ltr" class="time-range">(.*?)</span>', html)
        assert ranges, lang
        for found in ranges:
            assert re.fullmatch(r"<bdi>[^<]+</bdi>–<wbr><bdi>[^<]+</bdi>", found), found


def test_seats_and_waitlist_counts_read_as_phrases(client, make_section):
    one = make_section(capacity=1)
    html = client.get(f"/courses/{one.course_id}").get_data(as_text=True)
    assert "1 of 1 seat left" in html and "1 of 1 seats left" not in html
    many = make_section(capacity=30)
    assert "30 of 30 seats left" in client.get(f"/courses/{many.course_id}").get_data(as_text=True)
    full = make_section(capacity=1, enrolled_count=1)
    html = client.get(f"/courses/{full.course_id}").get_data(as_text=True)
    assert "Full</span> · No one on the waitlist yet" in html and "0 on the waitlist" not in html
    with client.session_transaction() as s:
        s["lang"] = "ur"
    html = client.get(f"/courses/{full.course_id}").get_data(as_text=True)
    assert "انتظار کی فہرست میں 0" not in html


def test_an_english_cohort_name_keeps_its_brackets_on_urdu_pages(client, auth, make_user, make_section):
    """A cohort named in English inside an Urdu (right-to-left) page is isolated, so that its closing
    bracket stays at its end instead of jumping to the start of the line."""
    section = make_section(name="Evening cohort (10 seats kept for women)")
    user = make_user()
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    with client.session_transaction() as s:
        s["lang"] = "ur"
    name = '<bdi lang="en">Evening cohort (10 seats kept for women)</bdi>'
    assert f'<h3 id="section-{section.id}">{name}</h3>' in client.get(f"/courses/{section.course_id}").text
    assert f"<dd>{name} ·" in client.get(f"/my-courses/{enrolment.reference}/drop").text


def test_family_members_named_alike_can_be_told_apart_on_the_course_and_enrol_pages(
    client, auth, make_user, make_section
):
    """A son named after his father and two cousins called Fatima: the account holder is '(you)', and a
    family member whose name someone else on the account shares also shows their date of birth, in the
    'who is enrolling' choices and in 'Can your family join?'."""
    section = make_section()
    father = make_user(full_name="Muhammad Ali")
    for name, born in (("Muhammad  Ali", date(2012, 4, 1)), ("Fatima", date(2015, 1, 9)), ("fatima", date(2018, 7, 2))):
        father.dependants.append(Dependant(full_name=name, relationship_="child", date_of_birth=born, gender="male"))
    father.dependants.append(
        Dependant(full_name="Zara", relationship_="child", date_of_birth=date(2016, 1, 1), gender="female")
    )
    db.session.commit()
    auth.login(father)
    for path in (f"/courses/sections/{section.id}/enrol", f"/courses/{section.course_id}"):
        html = client.get(path).get_data(as_text=True)
        for label in (
            "Muhammad Ali (you)",
            "Muhammad  Ali, born Apr 1, 2012",
            "Fatima, born Jan 9, 2015",
            "fatima, born Jul 2, 2018",
        ):
            assert label in html, (path, label)
        assert "Zara, born" not in html and "Zara" in html  # a name no one else has stays as it is
    html = client.get(f"/courses/sections/{section.id}/enrol").get_data(as_text=True)
    assert re.search(r'value="self"[^>]*> Muhammad Ali \(you\)</label>', html)


def test_enrol_form_greys_out_who_cannot_join_and_chooses_the_one_who_can(
    client, auth, make_user, make_section, add_rule
):
    """Ayesha (41) is too old for an 18–35 cohort, her son Ali (11) too young, Sana (21) and Bilal (20)
    can join: the form shows all four, only Sana and Bilal can be chosen. Posting a greyed-out person
    (from a page opened earlier) is still refused with the rule's reason and enrols no one. Once Sana
    has her seat she is greyed out too and Bilal, the one left, is chosen; once both have theirs the
    page says no one can join and shows no form."""
    section = make_section(start_date=date(2026, 3, 16), capacity=2)  # full once Sana and Bilal are in
    add_rule(course=section.course, kind="age", min_age=18, max_age=35)
    user = make_user(full_name="Ayesha", date_of_birth=date(1985, 1, 1))
    family = {
        name: Dependant(user=user, full_name=name, relationship_="child", date_of_birth=born, gender=gender)
        for name, born, gender in (
            ("Sana", date(2005, 1, 1), "female"),
            ("Bilal", date(2006, 1, 1), "male"),
            ("Ali", date(2015, 1, 1), "male"),
        )
    }
    db.session.add_all(family.values())
    db.session.commit()
    sana, bilal, ali = (str(family[name].id) for name in ("Sana", "Bilal", "Ali"))
    auth.login(user)
    path = f"/courses/sections/{section.id}/enrol"
    assert radio_choices(client.get(path).get_data(as_text=True)) == {
        "self": (True, False, "Ayesha (you) (cannot join)"),
        sana: (False, False, "Sana (your daughter)"),
        bilal: (False, False, "Bilal (your son)"),
        ali: (True, False, "Ali (your son) (cannot join)"),
    }
    refused = post_enrol(client, section, person=ali).get_data(as_text=True)
    assert "ages 18–35" in refused and db.session.scalar(select(Enrolment.id)) is None

    services.enrol(user, section.id, dependant_id=family["Sana"].id)
    db.session.commit()
    people = radio_choices(client.get(path).get_data(as_text=True))
    assert people[sana] == (True, False, "Sana (your daughter) (already in this cohort)")
    assert people[bilal] == (False, True, "Bilal (your son)")
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get(path).get_data(as_text=True)
    assert "Sana (آپ کی بیٹی) (پہلے ہی اس گروپ میں)" in html and "Ali (آپ کا بیٹا) (شامل نہیں ہو سکتے)" in html

    services.enrol(user, section.id, dependant_id=family["Bilal"].id)
    db.session.commit()
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = client.get(path).get_data(as_text=True)
    assert "No one on your account can join this cohort." in html and not radio_choices(html)
    assert "If you go ahead" not in html  # no waitlist place promised to no one
    assert 'type="submit"' not in html.split("<main")[1].split("</main>")[0]


def test_only_seats_kept_for_a_group_left_the_pages_say_a_man_would_wait(client, auth, make_user, make_section):
    """Three seats, two kept for women until enrolment closes (10 March), one man already has the third:
    '2 of 3 seats left' is true, but not for Bilal. The course and enrol pages used to say he 'Can join'
    and offer 'Confirm enrolment', then put him on the waitlist. They now say so before he asks, his
    wife Sana still can join, and posting does what the page said."""
    section = make_section(capacity=3, reserved_kind="gender", reserved_value="female", reserved_seats=2)
    services.enrol(make_user(gender="male"), section.id)
    db.session.commit()
    bilal = make_user(full_name="Bilal", gender="male")
    auth.login(bilal)
    kept = (
        "The seats left are kept for women and girls until enrolment closes on 10 March 2026: "
        "until then Bilal would be number 1 on the waitlist."
    )
    path = f"/courses/sections/{section.id}/enrol"
    html = client.get(path).get_data(as_text=True)
    assert "2 of 3 seats left" in html
    assert kept in html and "Would join the waitlist" in html and ">Can join<" not in html
    assert "Join the waitlist</button>" in html and "Confirm enrolment" not in html
    assert kept in client.get(f"/courses/{section.course_id}").get_data(as_text=True)

    db.session.add(Dependant(user=bilal, full_name="Sana", relationship_="spouse", date_of_birth=date(1994, 1, 1),
                             gender="female"))  # fmt: skip
    db.session.commit()
    html = client.get(path).get_data(as_text=True)
    assert kept in html and ">Can join<" in html  # Sana takes a kept seat
    assert "Confirm enrolment</button>" in html

    response = post_enrol(client, section, token=form_token(html))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == bilal.id))
    assert response.status_code == 302 and enrolment.status == "waitlisted"
    # His enrolment page says why he waits while two seats are free, not that the course is full.
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The seats left are kept for women and girls until enrolment closes on 10 March 2026." in html
    assert "Bilal is number 1 on the waitlist" in html and "The course is full" not in html


def test_only_seats_kept_for_a_group_left_and_no_waitlist_a_man_cannot_be_chosen(client, auth, make_user, make_section):
    section = make_section(
        capacity=2, reserved_kind="gender", reserved_value="female", reserved_seats=1, waitlist_enabled=False
    )
    services.enrol(make_user(gender="male"), section.id)
    db.session.commit()
    auth.login(make_user(full_name="Bilal", gender="male"))
    html = client.get(f"/courses/sections/{section.id}/enrol").get_data(as_text=True)
    assert "The seats left are kept for women and girls until enrolment closes on 10 March 2026." in html
    assert "No one on your account can join this cohort." in html and "<button" not in html.split("<main")[1]


def test_find_courses_says_when_a_cohort_takes_no_enrolments_instead_of_its_seats(client, make_course, make_section):
    """A course running one cohort while it takes enrolments for the next is listed, with both cohorts.
    The running one, whose enrolment closed on 1 March, used to read '1 seat left' like the other, and
    the citizen learned only on the course page that no one can take it; one not open yet says when it
    opens, as the course page does."""
    course = make_course(title="Tailoring")
    make_section(
        course=course, start_date=date(2026, 2, 23), enrol_opens=date(2026, 2, 1), enrol_closes=date(2026, 3, 1),
        capacity=4, enrolled_count=3,
    )  # fmt: skip
    make_section(course=course, start_date=date(2026, 4, 6), enrol_opens=date(2026, 3, 9), capacity=20)
    make_section(course=course, start_date=date(2026, 3, 16), capacity=7)
    html = client.get("/courses?q=tailoring").get_data(as_text=True)
    assert "Starts Feb 23, 2026:" in html and "Enrolment for this cohort closed on 1 March 2026." in html
    assert "1 seat left" not in html
    assert "20 seats left" in html and "Enrolment for this cohort opens on 9 March 2026." in html
    assert "7 seats left" in html


def test_a_course_search_page_past_the_last_goes_to_the_last_page(client, make_course, make_section):
    """An old or typed link to page 99 of a search is sent to its last page, instead of '12 courses
    found' over 'No course matches'."""
    for i in range(12):
        make_section(course=make_course(title=f"Tailoring {i:02d}"))
    response = client.get("/courses?q=Tailoring&page=99")
    assert response.status_code == 302 and response.headers["Location"] == "/courses?q=Tailoring&page=2"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tailoring 11" in html and "No course matches" not in html
    response = client.get("/courses?q=nothing&page=3")
    assert response.status_code == 302 and response.headers["Location"] == "/courses?q=nothing&page=1"


def test_urdu_seats_left_agrees_with_the_number_it_counts(client, make_user, make_section):
    """The plural form follows the capacity, not the seats left: '3 میں سے 1 نشستیں باقی' (1 seats)
    read wrongly; the noun now goes with the capacity: '3 نشستوں میں سے 1 باقی'."""
    section = make_section(capacity=3, start_date=date(2026, 3, 16))
    for _ in range(2):
        services.enrol(make_user(), section.id)
    db.session.commit()
    with client.session_transaction() as s:
        s["lang"] = "ur"
    html = client.get(f"/courses/{section.course_id}").get_data(as_text=True)
    assert "3 نشستوں میں سے 1 باقی" in html and "1 نشستیں" not in html


def test_every_standing_that_cannot_be_chosen_has_words_for_why():
    """The enrol form labels each greyed-out person with why (views.NOT_OFFERED); a kind of standing
    the services make unselectable without such words would fail the page for that family."""
    from portal.education.views import NOT_OFFERED

    assert set(NOT_OFFERED) == services.NOT_SELECTABLE


def test_a_woman_waiting_is_not_told_the_free_seats_are_kept_for_women(client, auth, make_user, make_section):
    """The enrolment page explains a wait beside free seats by the group they are kept for only to
    someone outside that group (services.only_kept_seats_for): a woman still waiting while seats kept
    for women are free (here: a seat she could take, the waitlist not yet moved) is not told that."""
    from portal.education.models import Section

    section = make_section(capacity=2, reserved_kind="gender", reserved_value="female", reserved_seats=1)
    for person in (make_user(gender="female"), make_user(gender="male")):
        services.enrol(person, section.id)
    amina = make_user(full_name="Amina", gender="female")
    waiting = services.enrol(amina, section.id).enrolment
    db.session.commit()
    assert waiting.status == "waitlisted"
    # A seat kept for women comes free (its holder's record moved away) before the waitlist moves up.
    row = db.session.get(Section, section.id)
    row.enrolled_count, row.reserved_taken = 1, 0
    db.session.commit()
    auth.login(amina)
    html = client.get(f"/my-courses/{waiting.reference}").get_data(as_text=True)
    assert "Amina is number 1 on the waitlist" in html and "The seats left are kept for" not in html


def test_course_page_says_one_reserved_seat_in_the_singular(client, make_section):
    section = make_section(capacity=5, reserved_kind="gender", reserved_value="female", reserved_seats=1)
    html = client.get(f"/courses/{section.course_id}").text
    assert "1 seat kept for women and girls until enrolment closes (1 still free)" in html  # was "1 seats"
    client.get("/language/ur?next=/")
    urdu = client.get(f"/courses/{section.course_id}").text
    assert "داخلہ بند ہونے تک 1 نشست خواتین اور لڑکیوں کے لیے مخصوص ہے (1 ابھی خالی ہے)" in urdu  # not "خالی ہیں"


def enrol_link(html, section):
    """The words of the course page's link to the enrol page of ``section``, or None when there is none."""
    found = re.search(rf'<a class="button" href="/courses/sections/{section.id}/enrol">([^<]+)<span', html)
    return found.group(1) if found else None


def test_the_course_page_button_says_what_the_enrol_page_will_do(client, auth, make_user, make_section):
    """A full cohort with a waitlist: the course page said "Enrol", the enrol page "Join the waitlist".
    A full cohort where no one on the account can join: "Enrol" led to a page with no form. Now the
    course page says what will happen, or why no one can join, with no button."""
    full = make_section(capacity=1)
    services.enrol(make_user(), full.id)
    db.session.commit()
    free = make_section(course=full.course, capacity=2, name="Evening")
    person = make_user()
    auth.login(person)
    page = f"/courses/{full.course_id}"
    html = client.get(page).get_data(as_text=True)
    assert enrol_link(html, full) == "Join the waitlist" and enrol_link(html, free) == "Enrol"
    services.enrol(person, free.id)  # a seat in the other cohort: no one on the account can join the full one
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert enrol_link(html, full) is None and enrol_link(html, free) is None
    assert html.count("No one on your account can join this cohort.") == 2
    client.get("/language/ur?next=/")
    html = client.get(page).get_data(as_text=True)
    assert enrol_link(html, full) is None and "آپ کے اکاؤنٹ میں کوئی بھی اس گروپ میں شامل نہیں ہو سکتا۔" in html


def test_the_course_page_says_a_man_would_wait_for_seats_kept_for_women(client, auth, make_user, make_section):
    section = make_section(capacity=3, reserved_kind="gender", reserved_value="female", reserved_seats=2)
    services.enrol(make_user(gender="male"), section.id)
    db.session.commit()
    bilal = make_user(full_name="Bilal", gender="male")
    auth.login(bilal)
    page = f"/courses/{section.course_id}"
    assert enrol_link(client.get(page).get_data(as_text=True), section) == "Join the waitlist"
    db.session.add(Dependant(user=bilal, full_name="Sana", relationship_="spouse", date_of_birth=date(1994, 1, 1),
                             gender="female"))  # fmt: skip
    db.session.commit()
    assert enrol_link(client.get(page).get_data(as_text=True), section) == "Enrol"  # Sana takes a kept seat


def test_my_courses_lists_current_places_before_ended_and_dropped_ones(client, auth, make_user, make_section):
    """A course left last is no longer listed first among the ones still running: current and upcoming
    places (soonest first) come under their own heading, ended, dropped or not accepted ones after."""
    user = make_user()
    later = make_section(name="Later", start_date=date(2026, 4, 20), end_date=date(2026, 6, 1))
    sooner = make_section(name="Sooner")
    left = make_section(name="Left")
    ended = make_section(name="Ended", start_date=date(2026, 1, 5), end_date=date(2026, 2, 27),
                         enrol_opens=date(2025, 12, 1), enrol_closes=date(2026, 1, 5))  # fmt: skip
    for section in (later, sooner, left):
        services.enrol(user, section.id)
    db.session.add(Enrolment(reference="E-OLD1-0001", user_id=user.id, person_key=f"u{user.id}", section=ended,
                             course=ended.course, status="enrolled", seat_kind="general"))  # fmt: skip
    ended.enrolled_count = 1
    db.session.commit()
    dropped = db.session.scalar(select(Enrolment).where(Enrolment.section_id == left.id))
    services.drop(user, dropped.reference)
    db.session.commit()
    auth.login(user)
    html = client.get("/my-courses").get_data(as_text=True)
    current, past = html.split("<h2>Current and upcoming</h2>")[1].split("<h2>Ended, dropped or not accepted</h2>")
    assert [name for name in ("Sooner", "Later") if name in current] == ["Sooner", "Later"]
    assert current.index("Sooner") < current.index("Later")
    assert "Left" in past and "Ended" in past and "Left" not in current and "Ended" not in current
    client.get("/language/ur?next=/")
    html = client.get("/my-courses").get_data(as_text=True)
    assert "<h2>موجودہ اور آنے والے</h2>" in html and "<h2>ختم ہو چکے، چھوڑے گئے یا قبول نہ ہوئے</h2>" in html
