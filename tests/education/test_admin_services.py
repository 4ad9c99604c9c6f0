"""School-admin rules: approvals, rejections, completion and certificates, section edits that free
seats, rules, scope, and an audit event for each change."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent
from portal.education import catalogue, exports, services
from portal.education.models import Certificate, EligibilityRule, Enrolment, Section
from portal.extensions import db
from portal.notifications.models import Message


def enrol(user, section):
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    return enrolment


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def actions():
    return [
        a for a in db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)) if a.startswith("education")
    ]


def section_data(section, **changes):
    data = {name: getattr(section, name) for name in catalogue.SECTION_FIELDS}
    data.update(changes)
    return data


def test_approve_takes_a_seat(make_user, make_section, school_admin):
    section = make_section(needs_approval=True, capacity=1)
    admin = school_admin(section.course.institution)
    pending = enrol(make_user(), section)
    services.approve(admin, pending.id, ip="10.0.0.1")
    db.session.commit()
    assert reload(pending).status == "enrolled"
    assert reload(section).enrolled_count == 1
    assert actions() == ["education.enrolment.approved"]


def test_approving_someone_a_rule_added_since_they_asked_now_excludes_is_refused(
    make_user, make_section, school_admin, add_rule
):
    """A man asked for a seat; the institution then made the cohort for women. Approving him would
    seat someone the cohort is not for (the waitlist skips such people when it moves up): the approval
    is refused with the reason, the request stays pending for the admin to decline, no seat is taken."""
    section = make_section(needs_approval=True, capacity=2)
    admin = school_admin(section.course.institution)
    pending = enrol(make_user(full_name="Bilal Ahmed", gender="male"), section)
    add_rule(section=section, kind="gender", gender="female")
    with pytest.raises(services.NotEligible) as refused:
        services.approve(admin, pending.id)
    db.session.rollback()
    assert str(refused.value).startswith("Bilal Ahmed no longer meets this cohort's conditions:")
    assert reload(pending).status == "pending" and reload(section).enrolled_count == 0
    assert "education.enrolment.approved" not in actions()


def test_approve_when_full_puts_on_waitlist_and_tells_the_person(make_user, make_section, school_admin):
    section = make_section(needs_approval=True, capacity=1)
    admin = school_admin(section.course.institution)
    first, second = enrol(make_user(), section), enrol(make_user(), section)
    services.approve(admin, first.id)
    services.approve(admin, second.id)
    db.session.commit()
    second = reload(second)
    assert second.status == "waitlisted" and services.waitlist_position(second) == 1
    body = db.session.scalars(select(Message.body).where(Message.user_id == second.user_id).order_by(Message.id.desc()))
    assert "number 1 on the waitlist" in next(iter(body))
    assert actions()[-1] == "education.enrolment.approved_to_waitlist"


def test_approve_when_full_without_waitlist_keeps_it_pending(make_user, make_section, school_admin):
    section = make_section(needs_approval=True, capacity=1, waitlist_enabled=False)
    admin = school_admin(section.course.institution)
    first, second = enrol(make_user(), section), enrol(make_user(), section)
    services.approve(admin, first.id)
    db.session.commit()
    with pytest.raises(services.SectionFull):
        services.approve(admin, second.id)
    db.session.rollback()
    assert reload(second).status == "pending"


def test_approve_when_full_and_the_waitlist_is_full_keeps_it_pending(make_user, make_section, school_admin):
    section = make_section(needs_approval=True, capacity=1, waitlist_cap=1)
    admin = school_admin(section.course.institution)
    seated, waiting, third = (enrol(make_user(), section) for _ in range(3))
    services.approve(admin, seated.id)
    services.approve(admin, waiting.id)
    db.session.commit()
    with pytest.raises(services.SectionFull) as info:
        services.approve(admin, third.id)
    db.session.rollback()
    assert str(info.value) == "No seat is left and the waitlist is full, so the request stays pending."
    assert [reload(e).status for e in (seated, waiting, third)] == ["enrolled", "waitlisted", "pending"]
    assert actions() == ["education.enrolment.approved", "education.enrolment.approved_to_waitlist"]


def test_approve_twice_is_refused(make_user, make_section, school_admin):
    section = make_section(needs_approval=True)
    admin = school_admin(section.course.institution)
    pending = enrol(make_user(), section)
    services.approve(admin, pending.id)
    db.session.commit()
    with pytest.raises(services.CannotChange):
        services.approve(admin, pending.id)


def test_reject_records_the_reason_frees_the_seat_and_promotes(make_user, make_section, school_admin):
    section = make_section(capacity=1)
    admin = school_admin(section.course.institution)
    holder, waiting = enrol(make_user(), section), enrol(make_user(), section)
    services.reject(admin, holder.id, "Documents were not provided.")
    db.session.commit()
    holder, waiting = reload(holder), reload(waiting)
    assert (holder.status, holder.reason) == ("rejected", "Documents were not provided.")
    assert waiting.status == "enrolled"
    assert reload(section).enrolled_count == 1
    body = db.session.scalars(select(Message.body).where(Message.user_id == holder.user_id).order_by(Message.id.desc()))
    assert "Documents were not provided." in next(iter(body))
    assert "education.enrolment.removed" in actions()  # a seat taken away (see below)


def test_removing_a_seated_person_is_audited_as_a_removal_with_the_status_before(make_user, make_section, school_admin):
    """Taking a seat away is not "Enrolment request declined": the audit says a removal and what the
    place was; a request declined and a waitlist place ended say what they were too."""
    section = make_section(capacity=1)
    admin = school_admin(section.course.institution)
    seated, waiting = enrol(make_user(), section), enrol(make_user(), section)
    section.needs_approval = True
    asking = enrol(make_user(), section)
    for enrolment in (seated, waiting, asking):
        services.reject(admin, enrolment.id, "Did not attend the first three classes", ip="10.0.0.7")
        db.session.commit()
    events = db.session.execute(
        select(AuditEvent.target_id, AuditEvent.action, AuditEvent.details, AuditEvent.ip)
        .where(AuditEvent.action.like("education.enrolment.%"))
        .order_by(AuditEvent.id)
    ).all()
    said = {int(target): (action, details["previous"], ip) for target, action, details, ip in events}
    assert said[seated.id] == ("education.enrolment.removed", "enrolled", "10.0.0.7")
    # The waiting person moved up into the seat freed, and was then removed from it.
    assert said[waiting.id] == ("education.enrolment.removed", "enrolled", "10.0.0.7")
    assert said[asking.id] == ("education.enrolment.rejected", "pending", "10.0.0.7")


def last_message(enrolment) -> Message:
    return db.session.scalars(
        select(Message).where(Message.user_id == enrolment.user_id).order_by(Message.id.desc())
    ).first()


def test_each_person_is_told_what_the_institution_did_to_them(make_user, make_section, school_admin):
    """A declined request is "not accepted"; someone whose seat or waitlist place is taken away is told
    that, not that a request they never had pending was refused."""
    section = make_section(capacity=1)
    admin = school_admin(section.course.institution)
    holder, waiting = enrol(make_user(full_name="Hina"), section), enrol(make_user(full_name="Omar"), section)
    services.reject(admin, waiting.id, "Duplicate registration.")
    services.reject(admin, holder.id, "Missed the first three weeks.")
    section.needs_approval = True
    asking = enrol(make_user(full_name="Zara", preferred_language="ur"), section)
    services.reject(admin, asking.id, "Matric certificate missing.")
    db.session.commit()

    removed, taken_off, declined = last_message(holder), last_message(waiting), last_message(asking)
    assert removed.subject == "Removed from a course"
    assert removed.body == (
        f"The institution has removed Hina from {section.course.title} (reference {holder.reference}). "
        "Reason: Missed the first three weeks."
    )
    assert taken_off.subject == "Taken off a waitlist"
    assert taken_off.body.startswith(f"The institution has taken Omar off the waitlist of {section.course.title}")
    assert taken_off.body.endswith("Reason: Duplicate registration.")
    assert "not accepted" not in removed.body + taken_off.body
    # A request declined, told in the person's language (Urdu).
    assert declined.subject == "داخلہ قبول نہیں ہوا"
    assert "Matric certificate missing." in declined.body and asking.reference in declined.body


def test_admin_cannot_touch_another_institutions_records(make_user, make_section, make_institution, school_admin):
    section = make_section(needs_approval=True)
    outsider = school_admin(make_institution())
    pending = enrol(make_user(), section)
    for call in (
        lambda: services.approve(outsider, pending.id),
        lambda: services.reject(outsider, pending.id, "no"),
        lambda: services.complete(outsider, section.id, [pending.id]),
        lambda: services.section_for_admin(outsider, section.id),
        lambda: services.course_for_admin(outsider, section.course_id),
        lambda: services.institution_for_admin(outsider, section.course.institution_id),
    ):
        with pytest.raises(NotFound):
            call()
    assert services.approvals_queue(outsider) == []


def test_approvals_queue_holds_only_pending_in_scope(make_user, make_section, school_admin):
    mine = make_section(needs_approval=True)
    theirs = make_section(needs_approval=True)
    admin = school_admin(mine.course.institution)
    a = enrol(make_user(), mine)
    enrol(make_user(), theirs)
    assert [e.id for e in services.approvals_queue(admin)] == [a.id]


def test_raising_capacity_promotes_from_the_waitlist(make_user, make_section, school_admin):
    section = make_section(capacity=1)
    admin = school_admin(section.course.institution)
    enrol(make_user(), section)
    w1, w2, w3 = (enrol(make_user(), section) for _ in range(3))
    catalogue.save_section(admin, section_data(section, capacity=3), section_id=section.id)
    db.session.commit()
    assert [reload(w).status for w in (w1, w2, w3)] == ["enrolled", "enrolled", "waitlisted"]
    assert reload(section).enrolled_count == 3
    assert "education.section.updated" in actions()


def messages_of(enrolment) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.user_id == enrolment.user_id, Message.channel == "in_app")
            .order_by(Message.id)
        )
    )


def test_people_in_a_section_are_told_when_its_schedule_changes(make_user, make_section, school_admin):
    """The cohort moves a week later, to other days, another room and another last day to drop: the
    person with a seat, the one waiting and the one asking are each told the new schedule, in their
    language. A change of seats alone, or saving again unchanged, tells no one."""
    section = make_section(capacity=1)
    admin = school_admin(section.course.institution)
    seated = enrol(make_user(full_name="Hina"), section)
    waiting = enrol(make_user(full_name="Omar", preferred_language="ur"), section)
    section.needs_approval = True
    asking = enrol(make_user(full_name="Zara"), section)
    left = enrol(make_user(full_name="Ali"), section)
    services.drop(left.user, left.reference)
    db.session.commit()
    before = {e.id: len(messages_of(e)) for e in (seated, waiting, asking, left)}

    saved = catalogue.save_section(admin, section_data(section, waitlist_cap=5), section_id=section.id)
    db.session.commit()
    assert saved.told == 0 and saved.promoted == []

    changed = section_data(
        reload(section),
        start_date=date(2026, 3, 23),
        end_date=date(2026, 5, 23),
        meeting_days="tue,thu",
        start_time=time(17, 0),
        end_time=time(19, 0),
        venue="Hall 9",
        drop_deadline=date(2026, 3, 27),
    )
    saved = catalogue.save_section(admin, changed, section_id=section.id)
    db.session.commit()
    assert saved.told == 3
    news = {e.id: messages_of(e)[before[e.id] :] for e in (seated, waiting, asking, left)}
    assert news[left.id] == []
    told = news[seated.id]
    assert [m.subject for m in told] == ["Course schedule changed"]
    assert told[0].body == (
        f"Changes to {section.course.title} (Section {section.id}) for Hina: It now runs from 23 March 2026 to "
        "23 May 2026. Classes are now on Tuesday and Thursday, 5:00 PM to 7:00 PM. The venue is now "
        f"Hall 9. The last day to drop is now 27 March 2026. Reference {seated.reference}."
    )
    assert len(news[asking.id]) == 1 and asking.reference in news[asking.id][0].body
    in_urdu = news[waiting.id][0]
    assert in_urdu.subject == "کورس کا شیڈول بدل گیا"
    assert "Hall 9" in in_urdu.body and waiting.reference in in_urdu.body and "منگل" in in_urdu.body

    # Saved again unchanged (a second click): no one is told twice.
    assert catalogue.save_section(admin, changed, section_id=section.id).told == 0


def test_raising_capacity_after_the_course_ended_promotes_no_one(app, make_user, make_section, school_admin):
    section = make_section(capacity=1, end_date=date(2026, 4, 30), drop_deadline=None)
    admin = school_admin(section.course.institution)
    enrol(make_user(), section)
    waiting = enrol(make_user(), section)
    app.config["FIXED_NOW"] = "2026-04-30T19:00:00+00:00"  # midnight in Karachi: the day after the last day
    catalogue.save_section(admin, section_data(section, capacity=2), section_id=section.id)
    db.session.commit()
    assert reload(waiting).status == "waitlisted"
    assert reload(section).enrolled_count == 1
    bodies = db.session.scalars(select(Message.body).where(Message.user_id == waiting.user_id)).all()
    assert not any("now enrolled" in b for b in bodies)


def test_capacity_cannot_go_below_seats_taken(make_user, make_section, school_admin):
    section = make_section(capacity=3)
    admin = school_admin(section.course.institution)
    enrol(make_user(), section)
    enrol(make_user(), section)
    with pytest.raises(services.InvalidChange) as info:
        catalogue.save_section(admin, section_data(section, capacity=1), section_id=section.id)
    assert "2 people are already enrolled" in str(info.value)


def test_one_person_enrolled_is_said_as_one(make_user, make_section, school_admin):
    section = make_section(capacity=3)
    admin = school_admin(section.course.institution)
    enrol(make_user(), section)
    with pytest.raises(services.InvalidChange) as info:
        catalogue.save_section(admin, section_data(section, capacity=0), section_id=section.id)
    assert "1 person is already enrolled, so the capacity" in str(info.value)  # was "1 people are"


def _seats_kept_for_women_two_held(make_user, make_section, school_admin):
    """Four seats, three kept for women: two women hold reserved seats, a man holds the one general seat,
    and a second man waits although a seat kept for women is free."""
    section = make_section(capacity=4, reserved_kind="gender", reserved_value="female", reserved_seats=3)
    admin = school_admin(section.course.institution)
    women = [enrol(make_user(gender="female"), section) for _ in range(2)]
    man = enrol(make_user(gender="male"), section)
    waiting = enrol(make_user(gender="male"), section)
    assert [e.seat_kind for e in women] == ["reserved", "reserved"] and man.seat_kind == "general"
    assert waiting.status == "waitlisted"
    return admin, section, women, waiting


def test_seats_kept_for_women_can_be_opened_to_everyone_once_taken(make_user, make_section, school_admin):
    """Keeping the seats for nobody harms no one holding one: their seats become general ones, the
    counters still match the enrolments, and the seat kept open for a woman goes to the man waiting."""
    from tests.education.test_seat_invariants import check_invariants

    admin, section, women, waiting = _seats_kept_for_women_two_held(make_user, make_section, school_admin)
    saved = catalogue.save_section(
        admin, section_data(section, reserved_kind=None, reserved_value=None, reserved_seats=0), section_id=section.id
    )
    db.session.commit()
    assert [e.id for e in saved.promoted] == [waiting.id]
    kept = reload(section)
    assert (kept.reserved_kind, kept.reserved_seats, kept.reserved_taken, kept.enrolled_count) == (None, 0, 0, 4)
    assert {reload(e).seat_kind for e in women} == {"general"}
    assert reload(waiting).status == "enrolled"
    check_invariants(section.id)
    # A woman leaving frees a general seat; the counters still match.
    services.drop(women[0].user, women[0].reference)
    db.session.commit()
    check_invariants(section.id)
    assert (reload(section).enrolled_count, reload(section).reserved_taken) == (3, 0)


def test_seats_kept_for_women_cannot_be_kept_for_another_group_once_taken(make_user, make_section, school_admin):
    admin, section, _women, _waiting = _seats_kept_for_women_two_held(make_user, make_section, school_admin)
    with pytest.raises(catalogue.SectionRefused) as info:
        catalogue.save_section(
            admin,
            section_data(section, reserved_kind="district", reserved_value="Multan", reserved_seats=3),
            section_id=section.id,
        )
    assert str(info.value.problems["reserved_kind"]) == (
        "2 people already hold seats kept for women and girls, so the seats cannot be kept for another group "
        "now. To open them to everyone, choose “Nobody”."
    )
    db.session.rollback()
    kept = reload(section)
    assert (kept.reserved_kind, kept.reserved_value, kept.reserved_seats, kept.reserved_taken) == (
        "gender", "female", 3, 2
    )  # fmt: skip


def test_reserved_seats_are_kept_again_when_enrolment_is_reopened(make_user, make_section, school_admin):
    """Enrolment closed yesterday and the unused seats kept for women went to everyone; the admin then moves
    the closing day on two weeks: the form still keeps 3 seats for women, and so does enrolment."""
    section = make_section(capacity=5, reserved_kind="gender", reserved_value="female", reserved_seats=3,
                           enrol_opens=date(2026, 2, 1), enrol_closes=date(2026, 3, 1), drop_deadline=None)  # fmt: skip
    admin = school_admin(section.course.institution)
    services.release_due_reserved_seats()
    db.session.commit()
    assert reload(section).reserved_released and reload(section).reserved_open == 0
    catalogue.save_section(admin, section_data(reload(section), enrol_closes=date(2026, 3, 14)), section_id=section.id)
    db.session.commit()
    reopened = reload(section)
    assert not reopened.reserved_released and reopened.reserved_open == 3
    men = [enrol(make_user(gender="male"), section) for _ in range(3)]
    assert [e.status for e in men] == ["enrolled", "enrolled", "waitlisted"]
    woman = enrol(make_user(gender="female"), section)
    assert (woman.status, woman.seat_kind) == ("enrolled", "reserved")
    # Closed again: the seats still unused go to everyone again, the man waiting first.
    catalogue.save_section(admin, section_data(reload(section), enrol_closes=date(2026, 3, 1)), section_id=section.id)
    db.session.commit()
    assert reload(section).reserved_released and reload(men[2]).status == "enrolled"


def test_seats_kept_for_a_group_cannot_be_more_than_the_seats_left(make_user, make_section, school_admin):
    """Four of five seats are taken by men: one seat can still be kept for women, not three (the page
    would say "1 of 5 seats left" and "3 seats for women, 3 still free")."""
    section = make_section(capacity=5)
    admin = school_admin(section.course.institution)
    for _ in range(4):
        enrol(make_user(gender="male"), section)
    kept_for_women = {"reserved_kind": "gender", "reserved_value": "female"}
    with pytest.raises(catalogue.SectionRefused) as info:
        catalogue.save_section(admin, section_data(reload(section), **kept_for_women, reserved_seats=3),
                               section_id=section.id)  # fmt: skip
    assert str(info.value.problems["reserved_seats"]) == (
        "Only 1 seat can be reserved: the other seats are already taken."
    )
    db.session.rollback()
    assert reload(section).reserved_kind is None
    # Six seats, two kept: as many as are left.
    catalogue.save_section(admin, section_data(reload(section), **kept_for_women, capacity=6, reserved_seats=2),
                           section_id=section.id)  # fmt: skip
    db.session.commit()
    assert reload(section).reserved_open == reload(section).seats_left == 2
    enrol(make_user(gender="female"), section)
    enrol(make_user(gender="female"), section)
    with pytest.raises(catalogue.SectionRefused) as info:  # full: no more than the two women hold
        catalogue.save_section(admin, section_data(reload(section), reserved_seats=3), section_id=section.id)
    assert str(info.value.problems["reserved_seats"]) == (
        "Only 2 seats can be reserved: the other seats are already taken."
    )


def test_no_seat_can_be_kept_for_a_group_when_every_seat_is_taken(make_user, make_section, school_admin):
    section = make_section(capacity=2)
    admin = school_admin(section.course.institution)
    enrol(make_user(gender="male"), section)
    enrol(make_user(gender="male"), section)
    with pytest.raises(catalogue.SectionRefused) as info:
        catalogue.save_section(
            admin,
            section_data(reload(section), reserved_kind="district", reserved_value="Multan", reserved_seats=1),
            section_id=section.id,
        )
    assert str(info.value.problems["reserved_seats"]) == "No seat can be reserved: every seat is already taken."


def test_seats_taken_after_enrolment_closed_are_not_kept_again_when_it_reopens(make_user, make_section, school_admin):
    """The seats kept for women went to the men waiting when enrolment closed: reopening it cannot keep
    seats the men now hold."""
    section = make_section(capacity=3, reserved_kind="gender", reserved_value="female", reserved_seats=2,
                           enrol_opens=date(2026, 2, 1), enrol_closes=date(2026, 3, 3), drop_deadline=None)  # fmt: skip
    admin = school_admin(section.course.institution)
    men = [enrol(make_user(gender="male"), section) for _ in range(3)]
    assert [e.status for e in men] == ["enrolled", "waitlisted", "waitlisted"]
    catalogue.save_section(admin, section_data(reload(section), enrol_closes=date(2026, 3, 1)), section_id=section.id)
    db.session.commit()
    assert reload(section).enrolled_count == 3
    with pytest.raises(catalogue.SectionRefused) as info:
        catalogue.save_section(
            admin, section_data(reload(section), enrol_closes=date(2026, 3, 14)), section_id=section.id
        )
    assert str(info.value.problems["reserved_seats"]) == "No seat can be reserved: every seat is already taken."
    db.session.rollback()
    catalogue.save_section(
        admin, section_data(reload(section), enrol_closes=date(2026, 3, 14), reserved_kind=None, reserved_value=None,
                            reserved_seats=0), section_id=section.id,
    )  # fmt: skip
    db.session.commit()
    assert reload(section).enrol_closes == date(2026, 3, 14)


def test_the_waitlist_limit_cannot_be_lowered_below_the_people_waiting(make_user, make_section, school_admin):
    section = make_section(capacity=1, waitlist_enabled=True)
    admin = school_admin(section.course.institution)
    for _ in range(4):
        enrol(make_user(), section)
    with pytest.raises(catalogue.SectionRefused) as info:
        catalogue.save_section(admin, section_data(reload(section), waitlist_cap=2), section_id=section.id)
    assert str(info.value.problems["waitlist_cap"]) == (
        "3 people are already waiting, so the waitlist limit cannot be lower than that."
    )
    db.session.rollback()
    catalogue.save_section(admin, section_data(reload(section), waitlist_cap=3), section_id=section.id)
    db.session.commit()
    assert reload(section).waitlist_cap == 3


def test_create_course_and_section(make_institution, school_admin):
    institution = make_institution()
    admin = school_admin(institution)
    course = catalogue.save_course(
        admin,
        {"title": "Python", "title_ur": None, "category": "digital", "description": "", "description_ur": None,
         "level": "beginner", "language": "ur",
         "mode": "online", "duration": "", "fee_paisa": 150000, "certificate": True, "active": True},
        institution_id=institution.id,
    )  # fmt: skip
    data = {name: None for name in catalogue.SECTION_FIELDS}
    data.update(
        name="A", start_date=date(2026, 4, 1), end_date=date(2026, 5, 1), meeting_days="sat", start_time=time(9),
        end_time=time(10), venue="", capacity=10, reserved_kind="gender", reserved_value="female", reserved_seats=4,
        enrol_opens=date(2026, 3, 1), enrol_closes=date(2026, 3, 30), needs_approval=False, waitlist_enabled=True,
        closed=False,
    )  # fmt: skip
    section = catalogue.save_section(admin, data, course_id=course.id).section
    db.session.commit()
    assert reload(section).reserved_seats == 4 and reload(section).enrolled_count == 0
    assert actions() == ["education.course.created", "education.section.created"]


def test_a_section_may_start_at_most_two_years_ahead(make_section, school_admin):
    """Today is 2 March 2026: 2 March 2028 is the last first day. A section already planned further
    ahead (before the rule) can still be edited, as long as its first day stays."""
    section = make_section(start_date=date(2029, 1, 1), end_date=date(2029, 3, 1), enrol_opens=date(2028, 12, 1),
                           enrol_closes=date(2028, 12, 20), drop_deadline=None)  # fmt: skip
    admin = school_admin(section.course.institution)
    catalogue.save_section(admin, section_data(section, venue="Room 9"), section_id=section.id)
    db.session.commit()
    with pytest.raises(catalogue.SectionTooFarAhead) as info:
        catalogue.save_section(admin, section_data(section, start_date=date(2028, 3, 3)), section_id=section.id)
    assert str(info.value.problems["start_date"]) == (
        "A section can start at most 2 years from today: choose a first day on or before 2 March 2028."
    )
    db.session.rollback()
    saved = catalogue.save_section(admin, section_data(section, start_date=date(2028, 3, 2)), section_id=section.id)
    db.session.commit()
    assert reload(saved.section).start_date == date(2028, 3, 2)
    assert catalogue.latest_start(date(2028, 2, 29)) == date(2030, 2, 28)


def course_data(**changes):
    data = {"title": "Python", "title_ur": None, "category": "digital", "description": "", "description_ur": None,
            "level": "beginner", "language": "ur", "mode": "online", "duration": "", "fee_paisa": 0,
            "certificate": True, "active": True}  # fmt: skip
    data.update(changes)
    return data


def test_a_course_title_the_institution_already_has_is_refused(make_course, school_admin):
    """Case and spaces aside, and even when that course is not shown; another institution's course
    may have it, and a course keeps its own title when edited."""
    basics = make_course(title="Computer Basics for Beginners", active=False)
    institution = basics.institution
    admin = school_admin(institution)
    message = (
        "Another course of this institution is already called “Computer Basics for Beginners”. "
        "Give this one another title, or edit that course instead."
    )
    for title in ("Computer Basics for Beginners", "  computer basics  FOR beginners "):
        with pytest.raises(catalogue.CourseRefused) as info:
            catalogue.save_course(admin, course_data(title=title.strip()), institution_id=institution.id)
        assert str(info.value.problems["title"]) == message
        db.session.rollback()
    python = catalogue.save_course(admin, course_data(title="Python"), institution_id=institution.id)
    db.session.commit()
    with pytest.raises(catalogue.CourseRefused):
        catalogue.save_course(admin, course_data(title="COMPUTER BASICS for beginners"), course_id=python.id)
    db.session.rollback()
    saved = catalogue.save_course(admin, course_data(title="Python", fee_paisa=100), course_id=python.id)
    db.session.commit()
    assert reload(saved).fee_paisa == 100


def test_another_institution_may_use_the_same_course_title(make_course, make_institution, school_admin):
    make_course(title="Computer Basics for Beginners")
    institution = make_institution()
    admin = school_admin(institution)
    course = catalogue.save_course(
        admin, course_data(title="Computer Basics for Beginners"), institution_id=institution.id
    )
    db.session.commit()
    assert reload(course).title == "Computer Basics for Beginners"


def test_rules_can_be_added_and_removed(make_section, make_course, school_admin):
    section = make_section()
    admin = school_admin(section.course.institution)
    basics = make_course()
    rule = catalogue.add_rule(
        admin, {"kind": "prerequisite", "prerequisite_course_id": basics.id}, course_id=section.course_id
    )
    section_rule = catalogue.add_rule(
        admin, {"kind": "age", "min_age": 18, "max_age": 30}, course_id=section.course_id, section_id=section.id
    )
    db.session.commit()
    assert section_rule.section_id == section.id and section_rule.course_id is None
    with pytest.raises(services.InvalidChange):
        catalogue.add_rule(admin, {"kind": "prerequisite", "prerequisite_course_id": section.course_id},
                          course_id=section.course_id)  # fmt: skip
    catalogue.remove_rule(admin, rule.id)
    db.session.commit()
    assert "education.rule.removed" in actions()


PREREQUISITE = {"kind": "prerequisite", "min_age": None, "max_age": None, "gender": None, "districts": None}


def test_two_courses_cannot_each_require_the_other(make_course, make_section, school_admin):
    first = make_course(title="Python I")
    second = make_course(institution=first.institution, title="Python II")
    third = make_course(institution=first.institution, title="Python III")
    admin = school_admin(first.institution)
    catalogue.add_rule(admin, {**PREREQUISITE, "prerequisite_course_id": first.id}, course_id=second.id)
    catalogue.add_rule(admin, {**PREREQUISITE, "prerequisite_course_id": second.id}, course_id=third.id)
    db.session.commit()
    for required, course in ((second, first), (third, first)):  # directly, and through Python II
        with pytest.raises(catalogue.RuleRefused) as info:
            catalogue.add_rule(admin, {**PREREQUISITE, "prerequisite_course_id": required.id}, course_id=course.id)
        db.session.rollback()
        assert str(info.value.problems["prerequisite"]) == (
            f"“{required.title}” already needs this course completed first (directly or through another course): "
            "if this course needed it too, nobody could ever join either. Choose another course."
        )
    cohort = make_section(course=first)  # a rule of one cohort of Python I is refused the same way
    with pytest.raises(catalogue.RuleRefused):
        catalogue.add_rule(admin, {**PREREQUISITE, "prerequisite_course_id": second.id}, course_id=first.id,
                           section_id=cohort.id)  # fmt: skip
    db.session.rollback()
    assert db.session.scalar(select(func.count(EligibilityRule.id))) == 2
    # Python III may still require Python I: no course needs Python III.
    catalogue.add_rule(admin, {**PREREQUISITE, "prerequisite_course_id": first.id}, course_id=third.id)


def test_a_rule_turning_away_the_group_a_cohort_keeps_seats_for_is_refused(make_section, school_admin):
    section = make_section(capacity=10, reserved_kind="gender", reserved_value="female", reserved_seats=4)
    admin = school_admin(section.course.institution)
    men_only = {"kind": "gender", "gender": "male", "min_age": None, "max_age": None, "districts": None,
                "prerequisite_course_id": None}  # fmt: skip
    for section_id in (section.id, None):  # on the cohort, or on every cohort of the course
        with pytest.raises(catalogue.RuleRefused) as info:
            catalogue.add_rule(admin, men_only, course_id=section.course_id, section_id=section_id)
        db.session.rollback()
        assert str(info.value.problems["gender"]) == (
            f"Seats in section {section.id} are kept for women and girls, whom this rule would turn away. Keep them "
            "for nobody first (edit the section), or choose another condition."
        )
    # Women only agrees with it; so does a men-only rule once the seats are kept for nobody.
    catalogue.add_rule(admin, {**men_only, "gender": "female"}, course_id=section.course_id, section_id=section.id)
    db.session.rollback()
    catalogue.save_section(admin, section_data(reload(section), reserved_kind=None, reserved_value=None,
                                               reserved_seats=0), section_id=section.id)  # fmt: skip
    catalogue.add_rule(admin, men_only, course_id=section.course_id, section_id=section.id)
    db.session.commit()


def test_seats_cannot_be_kept_for_a_group_a_rule_turns_away(make_section, school_admin, add_rule):
    section = make_section(capacity=10)
    add_rule(course=section.course, kind="district", districts="Lahore,Kasur")
    admin = school_admin(section.course.institution)
    with pytest.raises(catalogue.SectionRefused) as info:
        catalogue.save_section(
            admin,
            section_data(reload(section), reserved_kind="district", reserved_value="Multan", reserved_seats=2),
            section_id=section.id,
        )
    assert str(info.value.problems["reserved_kind"]) == (
        "The rule “Living in Lahore, Kasur” turns away people living in Multan, so no seats can be kept for them. "
        "Remove the rule first, or keep the seats for nobody."
    )
    db.session.rollback()
    catalogue.save_section(
        admin,
        section_data(reload(section), reserved_kind="district", reserved_value="Kasur", reserved_seats=2),
        section_id=section.id,
    )
    db.session.commit()
    assert reload(section).reserved_open == 2


def test_complete_issues_certificates_with_printed_details(app, make_user, make_section, school_admin):
    section = make_section(start_date=date(2026, 2, 1), end_date=date(2026, 3, 1), enrol_opens=date(2026, 1, 1),
                           enrol_closes=date(2026, 3, 2))  # fmt: skip
    admin = school_admin(section.course.institution)
    user = make_user(full_name="Ayesha Khan")
    done, other = enrol(user, section), enrol(make_user(), section)
    completed = services.complete(admin, section.id, [done.id])
    db.session.commit()
    assert [e.id for e in completed] == [done.id]
    assert reload(other).status == "enrolled"
    certificate = db.session.scalar(select(Certificate))
    assert certificate.holder_name == "Ayesha Khan"
    assert certificate.course_title == section.course.title
    assert certificate.institution_name == section.course.institution.name
    assert (certificate.start_date, certificate.end_date) == (date(2026, 2, 1), date(2026, 3, 1))
    assert services.verify_certificate(certificate.code).id == certificate.id
    assert services.verify_certificate(certificate.code.lower()).id == certificate.id
    assert services.verify_certificate("NOPE") is None
    # Editing the course later does not change what the certificate says.
    section.course.title = "Renamed"
    db.session.commit()
    assert reload(certificate).course_title != "Renamed"
    assert "education.enrolment.completed" in actions()


def test_no_certificate_when_the_course_awards_none(app, make_user, make_section, school_admin):
    section = make_section(start_date=date(2026, 3, 1), enrol_opens=date(2026, 2, 1), enrol_closes=date(2026, 3, 2))
    section.course.certificate = False
    db.session.commit()
    admin = school_admin(section.course.institution)
    enrolment = enrol(make_user(), section)
    app.config["FIXED_NOW"] = "2026-05-17T04:00:00+00:00"  # the day after its last day, 16 May
    services.complete(admin, section.id, [enrolment.id])
    db.session.commit()
    assert reload(enrolment).status == "completed"
    assert db.session.scalar(select(Certificate)) is None


def test_roster_and_csv(make_user, make_section, school_admin):
    section = make_section(capacity=1)
    enrol(make_user(full_name="=HYPERLINK(evil)"), section)
    waiting = enrol(make_user(full_name="Second Person"), section)
    roster = exports.roster(db.session.get(Section, section.id))
    assert len(roster.enrolled) == 1 and [e.id for e in roster.waitlisted] == [waiting.id]
    text = exports.roster_csv(section)
    lines = text.strip().splitlines()
    assert lines[0].startswith("reference,name,cnic")
    assert "'=HYPERLINK(evil)" in lines[1]
    assert lines[2].endswith(",waitlisted,1,2026-03-02")


def test_ics_has_weekly_sessions(make_user, make_section):
    section = make_section(meeting_days="mon,wed", start_time=time(9, 0), end_time=time(11, 0))
    enrolment = enrol(make_user(), section)
    ics = exports.sessions_ics([db.session.get(Enrolment, enrolment.id)], "portal.test").decode()
    assert "BEGIN:VEVENT" in ics
    assert "RRULE:FREQ=WEEKLY;UNTIL=20260516T060000Z;BYDAY=MO,WE" in ics
    assert "DTSTART;TZID=Asia/Karachi:20260316T090000" in ics  # 09:00 Karachi on Monday 16 March
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Asia/Karachi" in ics


def test_scope_resolver_names_institutions(make_institution):
    from portal.auth.services import SCOPE_RESOLVERS

    institution = make_institution(name="Punjab IT Board Academy")
    assert SCOPE_RESOLVERS["school_admin"](institution.id) == "Punjab IT Board Academy"
    assert SCOPE_RESOLVERS["school_admin"](999999) is None


def test_an_institution_saved_as_it_was_writes_no_audit_line_and_a_change_names_its_fields(
    make_institution, school_admin
):
    institution = make_institution()
    admin = school_admin(institution)
    same = {name: getattr(institution, name) for name in catalogue.INSTITUTION_FIELDS}
    db.session.commit()
    catalogue.update_institution(admin, institution.id, same)
    db.session.commit()

    def updates():
        query = select(AuditEvent.details).where(AuditEvent.action == "education.institution.updated")
        return list(db.session.scalars(query))

    assert updates() == []
    catalogue.update_institution(admin, institution.id, same | {"contact": "042-111-222-333", "active": False})
    db.session.commit()
    assert updates() == [{"changed": ["contact", "active"]}]
    assert reload(institution).contact == "042-111-222-333"


# --- a course's fee, way of teaching or language changed -------------------------------------------------


def course_as_it_is(course, **changes):
    data = {name: getattr(course, name) for name in catalogue.COURSE_FIELDS}
    data.update(changes)
    return data


def test_people_with_a_place_are_told_when_the_course_fee_mode_or_language_changes(
    make_user, make_section, school_admin
):
    """A free course starts charging and goes online: the person seated, the one waiting and the one
    asking are each told, in their language; one who left, and one in a cohort already over, are not.
    A new title alone, or saving again unchanged, tells no one."""
    section = make_section(capacity=1)
    course = section.course
    admin = school_admin(course.institution)
    ended = make_section(course=course, start_date=date(2026, 1, 5), end_date=date(2026, 2, 27),
                         enrol_opens=date(2026, 1, 1), enrol_closes=date(2026, 1, 4), drop_deadline=None)  # fmt: skip
    seated = enrol(make_user(full_name="Hina"), section)
    waiting = enrol(make_user(full_name="Omar", preferred_language="ur"), section)
    section.needs_approval = True
    asking = enrol(make_user(full_name="Zara"), section)
    left = enrol(make_user(full_name="Ali"), section)
    services.drop(left.user, left.reference)
    sana = make_user(full_name="Sana")  # seated in a cohort already over
    past = Enrolment(section_id=ended.id, course_id=course.id, user=sana, status="completed", reference="E-PAST1",
                     person_key=f"u{sana.id}", created_at=seated.created_at)  # fmt: skip
    db.session.add(past)
    db.session.commit()
    people = (seated, waiting, asking, left, past)
    before = {e.id: len(messages_of(e)) for e in people}

    catalogue.save_course(admin, course_as_it_is(course, title="Python for Everyone"), course_id=course.id)
    catalogue.save_course(admin, course_as_it_is(course, title="Python for Everyone"), course_id=course.id)
    db.session.commit()
    assert {e.id: len(messages_of(e)) for e in people} == before

    catalogue.save_course(
        admin, course_as_it_is(reload(course), fee_paisa=500000, mode="online", language="en"), course_id=course.id
    )
    db.session.commit()
    news = {e.id: messages_of(e)[before[e.id] :] for e in people}
    assert news[left.id] == [] and news[past.id] == []
    (told,) = news[seated.id]
    assert told.subject == "Course details changed"
    assert told.body == (
        "Changes to Python for Everyone for Hina: The fee is now Rs 5,000. How it is taught is now: Online. "
        f"It is now taught in: English. Reference {seated.reference}."
    )
    assert len(news[asking.id]) == 1 and asking.reference in news[asking.id][0].body
    (in_urdu,) = news[waiting.id]
    assert waiting.reference in in_urdu.body and "آن لائن" in in_urdu.body and "Changes" not in in_urdu.body

    # Free again: said so; saved again unchanged, nobody is told twice.
    catalogue.save_course(admin, course_as_it_is(reload(course), fee_paisa=0), course_id=course.id)
    catalogue.save_course(admin, course_as_it_is(reload(course), fee_paisa=0), course_id=course.id)
    db.session.commit()
    later = messages_of(seated)[before[seated.id] + 1 :]
    assert [m.body for m in later] == [
        f"Changes to Python for Everyone for Hina: The course is now free. Reference {seated.reference}."
    ]


# --- audit: what an edit changed -------------------------------------------------------------------------


def test_a_section_edit_is_audited_with_what_changed_from_what_to_what(make_section, school_admin):
    section = make_section(capacity=3)
    admin = school_admin(section.course.institution)
    catalogue.save_section(admin, section_data(section), section_id=section.id, ip="10.0.0.9")  # as it was
    db.session.commit()
    assert "education.section.updated" not in actions()
    catalogue.save_section(
        admin,
        section_data(reload(section), capacity=5, closed=True, venue="Hall B", start_time=time(10, 0)),
        section_id=section.id,
        ip="10.0.0.9",
    )
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "education.section.updated"))
    assert event.ip == "10.0.0.9"
    assert event.details == {
        "capacity": 5,
        "changed": ["start_time", "venue", "capacity", "closed"],
        "before": {"start_time": "09:00:00", "venue": "Room 1", "capacity": 3, "closed": False},
        "after": {"start_time": "10:00:00", "venue": "Hall B", "capacity": 5, "closed": True},
    }


def test_a_course_saved_unchanged_is_not_audited_and_a_change_says_what(make_course, school_admin):
    course = make_course(fee_paisa=0)
    admin = school_admin(course.institution)
    catalogue.save_course(admin, course_as_it_is(course), course_id=course.id)  # saved as it was
    db.session.commit()
    assert "education.course.updated" not in actions()
    catalogue.save_course(
        admin, course_as_it_is(reload(course), fee_paisa=500000, description="New words."), course_id=course.id
    )
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "education.course.updated"))
    assert event.details == {
        "title": course.title,
        "changed": ["description", "fee_paisa"],  # a long text is named, its words not copied
        "before": {"fee_paisa": 0},
        "after": {"fee_paisa": 500000},
    }


# --- two institutions of one district cannot share a name ------------------------------------------------


def test_a_second_institution_with_a_name_of_its_district_is_refused(make_user, make_institution, school_admin):
    superadmin = make_user(roles=["superadmin"])
    first = make_institution(name="Govt College of Technology", district="Lahore")
    other = make_institution(name="Govt College for Women", district="Lahore")
    data = {name: getattr(first, name) for name in catalogue.INSTITUTION_FIELDS}
    with pytest.raises(catalogue.InstitutionRefused) as refused:
        catalogue.create_institution(superadmin, {**data, "name": " govt  college of TECHNOLOGY "})
    assert "There is already an institution called" in str(refused.value)
    assert set(refused.value.problems) == {"name"}
    db.session.rollback()
    # Another district may have one of that name; renaming one into another's name is refused too.
    catalogue.create_institution(superadmin, {**data, "district": "Multan"})
    db.session.commit()
    with pytest.raises(catalogue.InstitutionRefused):
        catalogue.update_institution(
            school_admin(other), other.id, {**data, "name": "GOVT College of Technology", "district": "Lahore"}
        )
    db.session.rollback()
    # Saving an institution under its own name (another case) is not refused by itself.
    catalogue.update_institution(school_admin(first), first.id, {**data, "name": "Govt College of TECHNOLOGY"})
    db.session.commit()
    assert reload(first).name == "Govt College of TECHNOLOGY"
