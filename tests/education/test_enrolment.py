"""Enrolment rules: outcomes, the window, one enrolment per person per course, double submit,
reserved seats and their release, drop and the deadline, waitlist order and promotion."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent, Dependant
from portal.education import services
from portal.education.models import Enrolment, Section
from portal.extensions import db
from portal.notifications.models import Message


def enrol(user, section, token=None, dependant=None):
    result = services.enrol(user, section.id, dependant_id=dependant.id if dependant else None, submission_token=token)
    db.session.commit()
    return result.enrolment


def fresh(section):
    db.session.expire_all()
    return db.session.get(Section, section.id)


def status_of(enrolment):
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id).status


def test_enrol_takes_a_seat_and_queues_a_message(make_user, make_section):
    section = make_section(capacity=2)
    user = make_user()
    enrolment = enrol(user, section, "tok-1")
    assert enrolment.status == "enrolled"
    assert enrolment.reference.startswith("E-") and len(enrolment.reference) == 11
    assert fresh(section).enrolled_count == 1
    messages = db.session.scalars(select(Message).where(Message.user_id == user.id)).all()
    assert {m.channel for m in messages} == {"sms", "in_app"}
    assert enrolment.reference in messages[0].body


def test_needs_approval_makes_it_pending_without_a_seat(make_user, make_section):
    section = make_section(needs_approval=True)
    enrolment = enrol(make_user(), section)
    assert enrolment.status == "pending"
    assert fresh(section).enrolled_count == 0


def test_full_section_waitlists_in_order_with_positions(make_user, make_section):
    section = make_section(capacity=1)
    enrol(make_user(), section)
    second = enrol(make_user(), section)
    third = enrol(make_user(), section)
    assert (second.status, third.status) == ("waitlisted", "waitlisted")
    assert services.waitlist_position(second) == 1
    assert services.waitlist_position(third) == 2
    assert fresh(section).enrolled_count == 1


def test_full_without_waitlist_is_refused(make_user, make_section):
    section = make_section(capacity=1, waitlist_enabled=False)
    enrol(make_user(), section)
    with pytest.raises(services.SectionFull):
        enrol(make_user(), section)


def test_waitlist_cap(make_user, make_section):
    section = make_section(capacity=1, waitlist_cap=1)
    enrol(make_user(), section)
    enrol(make_user(), section)
    with pytest.raises(services.WaitlistFull):
        enrol(make_user(), section)


@pytest.mark.parametrize(
    ("opens", "closes", "error"),
    [
        (date(2026, 3, 2), date(2026, 3, 10), None),  # opens today
        (date(2026, 2, 1), date(2026, 3, 2), None),  # closes today
        (date(2026, 3, 3), date(2026, 3, 10), services.EnrolmentNotOpenYet),  # opens tomorrow
        (date(2026, 2, 1), date(2026, 3, 1), services.EnrolmentClosed),  # closed yesterday
    ],
)
def test_enrolment_window_edges(make_user, make_section, opens, closes, error):
    section = make_section(enrol_opens=opens, enrol_closes=closes)
    if error is None:
        assert enrol(make_user(), section).status == "enrolled"
    else:
        with pytest.raises(error):
            enrol(make_user(), section)


def test_window_messages_name_the_date(make_user, make_section):
    section = make_section(enrol_opens=date(2026, 3, 5))
    with pytest.raises(services.EnrolmentNotOpenYet) as info:
        enrol(make_user(), section)
    assert str(info.value) == "Enrolment for this cohort opens on 5 March 2026."


def test_window_follows_karachi_date_not_utc(app, make_user, make_section):
    # 23:30 UTC on 1 March is already 2 March in Karachi.
    app.config["FIXED_NOW"] = "2026-03-01T19:30:00+00:00"
    section = make_section(enrol_opens=date(2026, 3, 2))
    assert enrol(make_user(), section).status == "enrolled"


def test_closed_section_and_closed_course_refuse(make_user, make_section):
    with pytest.raises(services.SectionUnavailable):
        enrol(make_user(), make_section(closed=True))
    section = make_section()
    section.course.active = False
    db.session.commit()
    with pytest.raises(services.SectionUnavailable):
        enrol(make_user(), section)


def test_one_active_enrolment_per_person_per_course(make_user, make_section):
    section = make_section()
    other_section = make_section(course=section.course)
    user = make_user()
    first = enrol(user, section)
    with pytest.raises(services.AlreadyEnrolled) as info:
        enrol(user, other_section)
    assert first.reference in str(info.value)
    # After dropping, the person may enrol again.
    services.drop(user, first.reference)
    db.session.commit()
    assert enrol(user, other_section).status == "enrolled"


def test_self_and_each_family_member_count_separately(make_user, make_section):
    section = make_section(capacity=5)
    user = make_user()
    child = Dependant(user=user, full_name="Hamza", relationship_="child", date_of_birth=date(2012, 1, 1),
                      gender="male")  # fmt: skip
    db.session.add(child)
    db.session.commit()
    assert enrol(user, section).person_key == f"u{user.id}"
    assert enrol(user, section, dependant=child).person_key == f"d{child.id}"
    with pytest.raises(services.AlreadyEnrolled):
        enrol(user, section, dependant=child)
    assert fresh(section).enrolled_count == 2


def test_someone_elses_family_member_is_not_found(make_user, make_section):
    other = make_user()
    child = Dependant(user=other, full_name="X", relationship_="child", date_of_birth=date(2012, 1, 1), gender="male")
    db.session.add(child)
    db.session.commit()
    with pytest.raises(NotFound):
        enrol(make_user(), make_section(), dependant=child)


def test_double_submit_returns_the_first_enrolment(make_user, make_section):
    section = make_section(capacity=5)
    user = make_user()
    first = services.enrol(user, section.id, submission_token="same")
    db.session.commit()
    again = services.enrol(user, section.id, submission_token="same")
    db.session.commit()
    assert again.replayed and again.enrolment.id == first.enrolment.id
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert fresh(section).enrolled_count == 1


def test_someone_elses_token_is_not_found(make_user, make_section):
    section = make_section()
    enrol(make_user(), section, "shared-token")
    with pytest.raises(NotFound):
        enrol(make_user(), section, "shared-token")


def test_completed_course_cannot_be_taken_again(make_user, make_section):
    section = make_section()
    user = make_user()
    enrolment = enrol(user, section)
    enrolment.status = "completed"
    db.session.commit()
    with pytest.raises(services.AlreadyCompleted):
        enrol(user, make_section(course=section.course))


# --- reserved seats ------------------------------------------------------------------------------


def test_reserved_seats_are_kept_for_the_group(make_user, make_section):
    section = make_section(capacity=3, reserved_kind="gender", reserved_value="female", reserved_seats=2)
    man1, man2 = make_user(gender="male"), make_user(gender="male")
    woman1, woman2, woman3 = (make_user(gender="female") for _ in range(3))
    assert enrol(man1, section).status == "enrolled"  # the one general seat
    assert enrol(man2, section).status == "waitlisted"  # the rest are kept for women
    a, b = enrol(woman1, section), enrol(woman2, section)
    assert (a.seat_kind, b.seat_kind) == ("reserved", "reserved")
    assert enrol(woman3, section).status == "waitlisted"
    s = fresh(section)
    assert (s.enrolled_count, s.reserved_taken) == (3, 2)


def test_standing_tells_who_would_only_wait_for_the_seats_kept_for_a_group(make_user, make_section):
    """The standing the course and enrol pages show agrees with what ``enrol`` then does, person by
    person: with only the seats kept for women left, a man would wait (or, without a waitlist place,
    cannot join now) and a woman takes a kept seat; a man in the waitlist of another cohort is not
    told a seat here could take its place."""
    section = make_section(capacity=2, reserved_kind="gender", reserved_value="female", reserved_seats=1)
    enrol(make_user(gender="male"), section)
    man, woman = make_user(gender="male"), make_user(gender="female")

    def kind(user, section):
        s = fresh(section)
        person = services.person_for(user, None)
        current = services.active_enrolment(person, s.course_id)
        return services.standing(person, s, current, services.enrol_preview(s)).kind

    assert (kind(man, section), kind(woman, section)) == ("wait_for_kept", "can_join")
    other = make_section(course=section.course, capacity=1, enrolled_count=1)
    assert enrol(man, other).status == "waitlisted"
    assert kind(man, section) == "elsewhere"  # not "may_move": the free seat here is not his to take
    db.session.execute(Section.__table__.update().values(waitlist_enabled=False))
    db.session.commit()
    assert kind(make_user(gender="male"), section) == "kept"
    assert enrol(woman, section).seat_kind == "reserved"


def test_group_member_takes_a_general_seat_when_reserved_ones_are_gone(make_user, make_section):
    section = make_section(capacity=3, reserved_kind="gender", reserved_value="female", reserved_seats=1)
    enrol(make_user(gender="female"), section)
    second = enrol(make_user(gender="female"), section)
    assert second.seat_kind == "general"


def test_district_reserved_seats(make_user, make_section):
    section = make_section(capacity=2, reserved_kind="district", reserved_value="Multan", reserved_seats=1)
    enrol(make_user(district="Lahore"), section)
    assert enrol(make_user(district="Lahore"), section).status == "waitlisted"
    assert enrol(make_user(district="Multan"), section).seat_kind == "reserved"


def test_unused_reserved_seats_are_released_when_enrolment_closes(app, make_user, make_section):
    section = make_section(capacity=3, reserved_kind="gender", reserved_value="female", reserved_seats=2,
                           enrol_closes=date(2026, 3, 5))  # fmt: skip
    enrol(make_user(gender="male"), section)
    waiting = [enrol(make_user(gender="male"), section) for _ in range(3)]
    assert [w.status for w in waiting] == ["waitlisted"] * 3
    # The day after enrolment closes, the reminder hook releases the two seats to the waitlist.
    app.config["FIXED_NOW"] = "2026-03-06T04:00:00+00:00"
    promoted = services.release_due_reserved_seats()
    db.session.commit()
    assert promoted == 2
    assert [status_of(w) for w in waiting] == ["enrolled", "enrolled", "waitlisted"]
    s = fresh(section)
    assert s.reserved_released and s.enrolled_count == 3
    assert services.release_due_reserved_seats() == 0  # idempotent


def test_reserved_seats_release_lazily_on_the_next_seat_change(app, make_user, make_section):
    section = make_section(capacity=2, reserved_kind="gender", reserved_value="female", reserved_seats=1,
                           enrol_closes=date(2026, 3, 5))  # fmt: skip
    first_user = make_user(gender="male")
    first = enrol(first_user, section)
    waiting = enrol(make_user(gender="male"), section)
    app.config["FIXED_NOW"] = "2026-03-06T04:00:00+00:00"
    services.drop(first_user, first.reference)  # any locked change releases first
    db.session.commit()
    assert status_of(waiting) == "enrolled"
    assert fresh(section).enrolled_count == 1


def test_seat_kept_for_a_group_goes_to_the_first_waitlisted_member_of_the_group(make_user, make_section):
    section = make_section(capacity=2, reserved_kind="gender", reserved_value="female", reserved_seats=1)
    woman = make_user(gender="female")
    kept = enrol(woman, section)  # reserved seat
    enrol(make_user(gender="male"), section)  # general seat
    man_waiting = enrol(make_user(gender="male"), section)
    woman_waiting = enrol(make_user(gender="female"), section)
    services.drop(woman, kept.reference)
    db.session.commit()
    assert status_of(man_waiting) == "waitlisted"  # cannot use a seat kept for women
    assert status_of(woman_waiting) == "enrolled"


# --- drop and waitlist promotion ------------------------------------------------------------------


def test_drop_promotes_the_first_waitlisted_in_the_same_transaction(make_user, make_section):
    section = make_section(capacity=1)
    holder = make_user()
    held = enrol(holder, section)
    first, second = make_user(), make_user()
    w1, w2 = enrol(first, section), enrol(second, section)
    enrolment, promoted = services.drop(holder, held.reference)
    # Before commit the promotion is already part of the same transaction.
    assert [p.id for p in promoted] == [w1.id]
    db.session.rollback()
    assert status_of(held) == "enrolled" and status_of(w1) == "waitlisted"
    services.drop(holder, held.reference)
    db.session.commit()
    assert (status_of(held), status_of(w1), status_of(w2)) == ("dropped", "enrolled", "waitlisted")
    assert services.waitlist_position(db.session.get(Enrolment, w2.id)) == 1
    assert fresh(section).enrolled_count == 1
    bodies = db.session.scalars(select(Message.body).where(Message.user_id == first.id)).all()
    assert any("now enrolled" in b for b in bodies)


def test_promotion_skips_people_no_longer_eligible(make_user, make_section, add_rule):
    section = make_section(capacity=1)
    holder = make_user()
    held = enrol(holder, section)
    man_waiting = enrol(make_user(gender="male"), section)
    woman_waiting = enrol(make_user(gender="female"), section)
    add_rule(section=section, kind="gender", gender="female")
    services.drop(holder, held.reference)
    db.session.commit()
    assert (status_of(man_waiting), status_of(woman_waiting)) == ("waitlisted", "enrolled")


def test_dropping_from_the_waitlist_frees_no_seat(make_user, make_section):
    section = make_section(capacity=1)
    enrol(make_user(), section)
    leaver = make_user()
    waiting = enrol(leaver, section)
    behind = enrol(make_user(), section)
    services.drop(leaver, waiting.reference)
    db.session.commit()
    assert status_of(behind) == "waitlisted"
    assert services.waitlist_position(db.session.get(Enrolment, behind.id)) == 1
    assert fresh(section).enrolled_count == 1


def test_drop_deadline(app, make_user, make_section):
    section = make_section(drop_deadline=date(2026, 3, 3))
    user = make_user()
    enrolment = enrol(user, section)
    app.config["FIXED_NOW"] = "2026-03-03T18:59:00+00:00"  # 23:59 in Karachi: still the last day
    assert services.can_drop(enrolment)
    app.config["FIXED_NOW"] = "2026-03-03T19:00:00+00:00"  # midnight in Karachi
    with pytest.raises(services.DropDeadlinePassed) as info:
        services.drop(user, enrolment.reference)
    assert "3 March 2026" in str(info.value)


def test_without_a_drop_deadline_the_last_day_to_leave_is_the_end_date(app, make_user, make_section):
    section = make_section(capacity=1, end_date=date(2026, 4, 30), drop_deadline=None)
    holder = make_user()
    held = enrol(holder, section)
    waiting_user = make_user()
    waiting = enrol(waiting_user, section)
    app.config["FIXED_NOW"] = "2026-04-30T19:00:00+00:00"  # midnight in Karachi: the course has ended
    assert not services.can_drop(held)
    with pytest.raises(services.DropDeadlinePassed) as info:
        services.drop(holder, held.reference)
    db.session.rollback()
    assert "30 April 2026" in str(info.value)
    assert (status_of(held), status_of(waiting)) == ("enrolled", "waitlisted")
    bodies = db.session.scalars(select(Message.body).where(Message.user_id == waiting_user.id)).all()
    assert not any("now enrolled" in b for b in bodies)
    # On the last day of a course still running, leaving frees the seat for the waitlist as before.
    app.config["FIXED_NOW"] = "2026-04-30T18:59:00+00:00"  # 23:59 in Karachi
    assert services.can_drop(db.session.get(Enrolment, held.id))
    services.drop(holder, held.reference)
    db.session.commit()
    assert (status_of(held), status_of(waiting)) == ("dropped", "enrolled")


def test_drop_twice_and_someone_elses_enrolment(make_user, make_section):
    section = make_section()
    user = make_user()
    enrolment = enrol(user, section)
    with pytest.raises(NotFound):
        services.drop(make_user(), enrolment.reference)
    services.drop(user, enrolment.reference)
    db.session.commit()
    with pytest.raises(services.CannotChange):
        services.drop(user, enrolment.reference)
    assert fresh(section).enrolled_count == 0


def test_my_enrolments_lists_only_mine(make_user, make_section):
    section = make_section()
    mine = make_user()
    enrol(mine, section)
    enrol(make_user(), section)
    assert [e.user_id for e in services.my_enrolments(mine)] == [mine.id]


def test_audit_is_not_written_for_citizen_actions_but_outbox_is(make_user, make_section):
    enrol(make_user(), make_section())
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("education.%"))) == 0


def test_what_enrolling_does_is_said_once_for_both_buttons():
    """services.enrol_action: the course page's and the enrol page's buttons say the same thing."""

    def action(outcome, *kinds):
        standings = [services.Standing(None, None, [], kind) for kind in kinds]
        return services.enrol_action(services.EnrolPreview(outcome, 0), standings)

    can, kept, elsewhere = services.STANDING_CAN_JOIN, services.STANDING_WAIT_FOR_KEPT, services.STANDING_ELSEWHERE
    assert action(services.OUTCOME_SEAT, can, elsewhere) == services.OUTCOME_SEAT
    assert action(services.OUTCOME_APPROVAL, can) == services.OUTCOME_APPROVAL
    assert action(services.OUTCOME_WAITLIST, can) == services.OUTCOME_WAITLIST  # full: everyone waits
    # Seats left, but kept for a group none of those who may be chosen is in: they would wait.
    assert action(services.OUTCOME_SEAT, kept, elsewhere) == services.OUTCOME_WAITLIST
    assert action(services.OUTCOME_SEAT, kept, can) == services.OUTCOME_SEAT  # someone gets a seat
    assert action(services.OUTCOME_SEAT, elsewhere, services.STANDING_NOT_ELIGIBLE) is None  # nobody to choose


def test_a_seat_freed_at_night_is_texted_to_the_next_person_at_eight(app, make_user, make_section):
    """The person who drops at 23:00 is told at once (they are waiting for it); the one who gets the seat
    is asleep: their SMS waits for 08:00 Karachi, their Messages page has it at once."""
    from flask_login import login_user

    from portal import clock
    from portal.notifications.services import deliver

    section = make_section(capacity=1)
    holder, waiting = make_user(mobile="+923001000011"), make_user(mobile="+923001000012")
    held = enrol(holder, section)
    enrol(waiting, section)
    deliver()
    app.config["FIXED_NOW"] = "2026-03-02T23:00"
    login_user(holder)
    services.drop(holder, held.reference)
    db.session.commit()
    sms = {m.user_id: m for m in db.session.scalars(select(Message).where(Message.status == "pending"))}
    assert sms[holder.id].next_attempt_at is None
    assert sms[waiting.id].next_attempt_at == clock.karachi_to_utc(date(2026, 3, 3), 8)
    assert deliver()["sent"] == 1
    app.config["FIXED_NOW"] = "2026-03-03T08:00"
    assert deliver()["sent"] == 1
