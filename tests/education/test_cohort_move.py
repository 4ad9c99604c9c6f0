"""One place per course, several cohorts: someone waiting in one cohort (on its waitlist, or for the
institution's approval) takes a free seat in another and leaves the wait in the same transaction; a
seat, or a wait that would only become another wait, is not given up and the refusal says what to do."""

import pytest
from sqlalchemy import select

from portal.education import services
from portal.education.models import Enrolment, Section
from portal.extensions import db
from portal.notifications.models import Message


def enrol(user, section, dependant=None):
    result = services.enrol(user, section.id, dependant_id=dependant.id if dependant else None)
    db.session.commit()
    return result


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@pytest.fixture
def weekend_and_morning(make_section):
    """A full Weekend cohort with a waitlist, and a Morning cohort of the same course with seats free."""
    weekend = make_section(name="Weekend cohort", capacity=1)
    morning = make_section(course=weekend.course, name="Morning cohort", capacity=2)
    return weekend, morning


def test_a_waitlisted_person_takes_a_free_seat_in_another_cohort(make_user, weekend_and_morning):
    weekend, morning = weekend_and_morning
    enrol(make_user(), weekend)  # the only seat
    ayesha = make_user(full_name="Ayesha Khan")
    waiting = enrol(ayesha, weekend).enrolment
    behind = enrol(make_user(), weekend).enrolment
    assert services.waitlist_position(behind) == 2

    result = enrol(ayesha, morning)

    assert result.enrolment.status == "enrolled" and result.enrolment.section_id == morning.id
    assert result.left is not None and result.left.id == waiting.id
    old = fresh(Enrolment, waiting.id)
    assert old.status == "dropped" and old.moved
    assert old.decided_at is None  # never held a seat: not counted among those who left one
    assert services.waitlist_position(fresh(Enrolment, behind.id)) == 1  # everyone behind moves up
    assert fresh(Section, morning.id).enrolled_count == 1
    assert fresh(Section, weekend.id).enrolled_count == 1  # a waitlist place held no seat
    [message] = db.session.scalars(
        select(Message.body)
        .where(Message.user_id == ayesha.id, Message.channel == "in_app")
        .order_by(Message.id.desc())
    ).all()[:1]
    assert "Morning cohort" in message and "no longer waiting for Weekend cohort" in message
    assert result.enrolment.reference in message


def test_after_moving_a_freed_seat_goes_to_the_next_person_waiting(make_user, weekend_and_morning):
    weekend, morning = weekend_and_morning
    holder = make_user()
    seat = enrol(holder, weekend).enrolment
    mover = make_user()
    enrol(mover, weekend)
    behind = enrol(make_user(), weekend).enrolment
    enrol(mover, morning)
    services.drop(holder, seat.reference)
    db.session.commit()
    assert fresh(Enrolment, behind.id).status == "enrolled"
    assert services.active_enrolment(services.person_for(mover, None), weekend.course_id).section_id == morning.id


def test_a_request_waiting_for_approval_is_given_up_for_a_free_seat_too(make_user, make_section):
    asked = make_section(name="Evening cohort", needs_approval=True)
    free = make_section(course=asked.course, name="Morning cohort")
    user = make_user()
    request = enrol(user, asked).enrolment
    assert request.status == "pending"
    result = enrol(user, free)
    assert result.enrolment.status == "enrolled" and result.left.id == request.id
    assert fresh(Enrolment, request.id).status == "dropped"


def test_a_seat_in_another_cohort_is_not_given_up_and_the_refusal_says_what_to_do(make_user, weekend_and_morning):
    weekend, morning = weekend_and_morning
    user = make_user(full_name="Bilal")
    seat = enrol(user, weekend).enrolment
    with pytest.raises(services.PlaceInAnotherCohort) as info:
        enrol(user, morning)
    db.session.rollback()
    text = str(info.value)
    assert "Bilal already has a seat in another cohort of this course: Weekend cohort" in text
    assert seat.reference in text and "leave that one first in My courses" in text
    assert fresh(Enrolment, seat.id).status == "enrolled"
    assert fresh(Section, morning.id).enrolled_count == 0


@pytest.mark.parametrize("target", ["full", "approval"])
def test_a_wait_is_not_traded_for_another_wait(make_user, make_section, target):
    """Only a seat taken now replaces a waitlist place: another waitlist, or a request, would leave the
    person worse off than where they stand."""
    weekend = make_section(name="Weekend cohort", capacity=1)
    if target == "full":
        other = make_section(course=weekend.course, name="Morning cohort", capacity=1)
        enrol(make_user(), other)  # its only seat: asking would only waitlist
    else:
        other = make_section(course=weekend.course, name="Morning cohort", needs_approval=True)
    enrol(make_user(), weekend)
    user = make_user(full_name="Ayesha")
    waiting = enrol(user, weekend).enrolment
    with pytest.raises(services.PlaceInAnotherCohort) as info:
        enrol(user, other)
    db.session.rollback()
    assert "Ayesha is on the waitlist of another cohort of this course: Weekend cohort" in str(info.value)
    assert "leave that waitlist first in My courses" in str(info.value)
    assert fresh(Enrolment, waiting.id).status == "waitlisted"
    assert services.waitlist_position(fresh(Enrolment, waiting.id)) == 1
    assert (
        db.session.scalar(select(Enrolment.id).where(Enrolment.section_id == other.id, Enrolment.user_id == user.id))
        is None
    )


def test_moving_still_checks_who_may_join(make_user, weekend_and_morning, add_rule):
    weekend, morning = weekend_and_morning
    add_rule(section=morning, kind="gender", gender="male")
    enrol(make_user(), weekend)
    user = make_user(gender="female")
    waiting = enrol(user, weekend).enrolment
    with pytest.raises(services.NotEligible):
        enrol(user, morning)
    db.session.rollback()
    assert fresh(Enrolment, waiting.id).status == "waitlisted"


def test_the_pages_preview_who_may_move(make_user, weekend_and_morning):
    weekend, morning = weekend_and_morning
    enrol(make_user(), weekend)
    user = make_user()
    waiting = enrol(user, weekend).enrolment
    person = services.person_for(user, None)
    here = services.standing(person, weekend, waiting, services.enrol_preview(weekend))
    there = services.standing(person, morning, waiting, services.enrol_preview(morning))
    assert here.kind == services.STANDING_HERE
    assert there.kind == services.STANDING_MAY_MOVE and "enrolling here gives it up" in str(there.advice)
