"""A cohort that has ended (its last day, 16 May 2026, has passed): a request for it can only be
declined, and its roster is history — nobody is given a seat in it or removed from it."""

import re

import pytest
from sqlalchemy import select

from portal.education import services
from portal.education.models import Enrolment, Section
from portal.extensions import db
from portal.notifications.models import Message
from tests.conftest import csrf_token

LAST_DAY = "2026-05-16T12:00:00+05:00"
THE_DAY_AFTER = "2026-05-17T00:30:00+05:00"  # 16 May 19:30 UTC: already the next day in Karachi
ENDED_APPROVE = (
    "This cohort ended on 16 May 2026: nobody can be given a seat in it any more. Decline the request "
    "instead, so that the person is told."
)
ENDED_REMOVE = (
    "This cohort ended on 16 May 2026: its roster is the record of who took part, so nobody can be removed from it now."
)


def subjects(user) -> list[str]:
    return list(
        db.session.scalars(select(Message.subject).where(Message.user_id == user.id, Message.channel == "in_app"))
    )


@pytest.fixture
def cohort(make_section, make_user, school_admin):
    """A cohort needing approval, with one person seated, one asking and one on the waitlist."""
    section = make_section(needs_approval=True, capacity=1)
    admin = school_admin(section.course.institution)
    seated, asking, waiting = make_user(), make_user(), make_user()
    seat = services.enrol(seated, section.id).enrolment
    services.approve(admin, seat.id)
    request = services.enrol(asking, section.id).enrolment
    place = services.enrol(waiting, section.id).enrolment
    services.approve(admin, place.id)  # no seat left: to the waitlist
    db.session.commit()
    assert (seat.status, request.status, place.status) == ("enrolled", "pending", "waitlisted")
    return section, admin, seat, request, place


def test_a_request_is_not_approved_once_the_cohort_has_ended(app, cohort):
    section, admin, _seat, request, _place = cohort
    app.config["FIXED_NOW"] = LAST_DAY
    assert not services.has_ended(section)
    app.config["FIXED_NOW"] = THE_DAY_AFTER
    assert services.has_ended(section)
    assert request in services.approvals_queue(admin)  # still to be answered: declined
    told_before = subjects(request.user)
    with pytest.raises(services.CohortEnded) as refused:
        services.approve(admin, request.id)
    assert str(refused.value) == ENDED_APPROVE
    db.session.rollback()
    assert db.session.get(Enrolment, request.id).status == "pending"
    assert db.session.get(Section, section.id).enrolled_count == 1
    assert subjects(request.user) == told_before
    services.reject(admin, request.id, "The cohort has ended.")
    db.session.commit()
    assert db.session.get(Enrolment, request.id).status == "rejected"
    assert subjects(request.user)[-1] == "Enrolment not accepted"


def test_a_request_is_still_approved_on_the_last_day(app, make_section, make_user, school_admin):
    section = make_section(needs_approval=True)
    admin = school_admin(section.course.institution)
    request = services.enrol(make_user(), section.id).enrolment
    db.session.commit()
    app.config["FIXED_NOW"] = LAST_DAY
    assert services.approve(admin, request.id).status == "enrolled"


def test_nobody_is_removed_from_a_cohort_that_has_ended(app, cohort):
    section, admin, seat, _request, place = cohort
    app.config["FIXED_NOW"] = THE_DAY_AFTER
    told_before = subjects(seat.user)
    assert not services.can_reject(seat) and services.can_reject(place)
    with pytest.raises(services.CohortEnded) as refused:
        services.reject(admin, seat.id, "Did not attend.")
    assert str(refused.value) == ENDED_REMOVE
    db.session.rollback()
    assert db.session.get(Enrolment, seat.id).status == "enrolled"
    assert db.session.get(Section, section.id).enrolled_count == 1
    assert subjects(seat.user) == told_before
    # A waitlist place of an ended cohort can still be ended: that person is waiting for an answer.
    services.reject(admin, place.id, "The cohort has ended.")
    db.session.commit()
    assert db.session.get(Enrolment, place.id).status == "rejected"
    assert subjects(place.user)[-1] == "Taken off a waitlist"


def test_the_approvals_page_lists_ended_cohorts_apart_with_only_decline(
    client, auth, app, cohort, make_section, make_user
):
    section, admin, _seat, request, _place = cohort
    later = make_section(course=section.course, needs_approval=True, end_date=section.end_date.replace(month=7))
    current = services.enrol(make_user(), later.id).enrolment
    db.session.commit()
    app.config["FIXED_NOW"] = THE_DAY_AFTER
    auth.login(admin)
    html = client.get("/school-admin/approvals").get_data(as_text=True)
    waiting, ended = html.split("Requests for cohorts that have ended (1)")
    assert current.reference in waiting and request.reference not in waiting
    assert f"/school-admin/enrolments/{current.id}/approve" in waiting
    assert request.reference in ended and "ended on 16 May 2026" in ended
    assert f"/school-admin/enrolments/{request.id}/reject" in ended
    assert f"/school-admin/enrolments/{request.id}/approve" not in html
    # An approve form sent from an older page: refused with the reason, and the request stays.
    token = csrf_token(client, "/school-admin/approvals")
    response = client.post(f"/school-admin/enrolments/{request.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert ENDED_APPROVE in client.get("/school-admin/approvals").get_data(as_text=True)
    assert db.session.get(Enrolment, request.id).status == "pending"


def test_the_roster_of_an_ended_cohort_offers_no_approval_nor_removal(client, auth, app, cohort):
    section, admin, seat, request, place = cohort
    app.config["FIXED_NOW"] = THE_DAY_AFTER
    auth.login(admin)
    html = client.get(f"/school-admin/sections/{section.id}/roster").get_data(as_text=True)
    assert f"/school-admin/enrolments/{seat.id}/reject" not in html
    assert f"/school-admin/enrolments/{request.id}/approve" not in html
    assert f"/school-admin/enrolments/{request.id}/reject" in html  # declining is still offered
    assert f"/school-admin/enrolments/{place.id}/reject" in html
    assert "This cohort has ended: nobody can be given a seat in it now." in html
    # The removal page of a seat (an old link) explains, with nothing to press; a post changes nothing.
    path = f"/school-admin/enrolments/{seat.id}/reject"
    page = client.get(path).get_data(as_text=True)
    assert ENDED_REMOVE in page and not re.search(r'<form method="post"[^>]*class="form"', page)
    token = csrf_token(client, f"/school-admin/enrolments/{request.id}/reject")
    response = client.post(path, data={"csrf_token": token, "reason": "Did not attend."})
    assert response.status_code == 200 and ENDED_REMOVE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, seat.id).status == "enrolled"
