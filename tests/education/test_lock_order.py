"""Writers that hold more than one section lock them in one order, that of their ids, so that two of
them never wait for each other: on PostgreSQL two that took them in opposite orders would deadlock, and
the database would abort one (an error for a citizen or an admin, their work lost). And a refusal for
lack of a seat is kept once, however many tabs are refused at once.

Each race pauses one writer (in a thread with a session of its own) while it holds its first section,
so that the other comes in between, as a long CSV file or a slow request would. SQLite has one writer
at a time, so there the second simply waits."""

from __future__ import annotations

import threading
import time as clock_time
from datetime import date

from sqlalchemy import func, select

from portal.auth.models import User
from portal.education import bulk, catalogue, services
from portal.education.models import CAPACITY_REFUSAL_REASON, EligibilityRule, Enrolment, Section
from portal.extensions import db

PAUSE = 0.6  # how long the first writer holds its first section


def in_thread(app, name: str, work) -> tuple[threading.Thread, dict]:
    """Run ``work()`` in a thread called ``name`` with a session of its own, and commit; the outcome
    is "ok" or what was raised."""
    outcome: dict = {}

    def run():
        with app.app_context(), app.test_request_context():
            try:
                work()
                db.session.commit()
                outcome[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - the test reports it
                db.session.rollback()
                outcome[name] = repr(exc)[:300]

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, outcome


def paused_in(monkeypatch, module, name: str, thread_name: str) -> None:
    """Make ``module.name`` pause after it runs, in the thread called ``thread_name`` only."""
    real = getattr(module, name)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        if threading.current_thread().name == thread_name:
            clock_time.sleep(PAUSE)
        return result

    monkeypatch.setattr(module, name, slow)


def test_bulk_enrolment_and_a_citizen_moving_cohorts_do_not_deadlock(
    app, make_user, make_section, make_course, school_admin, monkeypatch
):
    """The file names section B before section A; the citizen moves from A's waitlist to a seat in B,
    which locks A then B (by id). Bulk used to lock B (row 1), hold it, and then wait for A (row 2)."""
    course = make_course()
    a = make_section(course=course, capacity=1, name="A")
    b = make_section(course=course, capacity=5, name="B")
    admin = school_admin(course.institution)
    services.enrol(make_user(), a.id)
    mover = make_user()
    assert services.enrol(mover, a.id).enrolment.status == "waitlisted"
    db.session.commit()
    first, second = make_user(), make_user()
    csv = f"{first.cnic},{b.id}\n{second.cnic},{a.id}\n".encode()
    admin_id, a_id, b_id, mover_id = admin.id, a.id, b.id, mover.id
    paused_in(monkeypatch, services, "lock_section", "bulk")  # a long file: the next row comes later

    thread, outcome = in_thread(app, "bulk", lambda: bulk.run(db.session.get(User, admin_id), csv, apply=True))
    clock_time.sleep(PAUSE / 2)  # bulk holds its first section
    try:
        services.enrol(mover, b_id)
        db.session.commit()
        outcome["citizen"] = "ok"
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        outcome["citizen"] = repr(exc)[:300]
    thread.join(timeout=60)

    assert outcome == {"bulk": "ok", "citizen": "ok"}
    db.session.expire_all()
    placed = dict(
        db.session.execute(select(Enrolment.user_id, Enrolment.section_id).where(Enrolment.status == "enrolled")).all()
    )
    assert placed[mover_id] == b_id and placed[first.id] == b_id
    assert db.session.get(Section, a_id).enrolled_count == 1  # the second row is waitlisted in A
    assert db.session.get(Section, b_id).enrolled_count == 2


def test_the_reserved_seats_hook_and_a_rule_removal_do_not_deadlock(
    app, make_user, make_section, make_course, school_admin, monkeypatch
):
    """Enrolment has closed in two cohorts that keep a seat for women: the reminder hook gives those seats
    to everyone (each section locked and held to the end) while an admin removes a rule of the course
    (its cohorts locked by id). Section A was edited after B was made, so that PostgreSQL keeps A's row
    after B's and a query with no order reads B first."""
    course = make_course()
    closed = {"enrol_closes": date(2026, 3, 1), "reserved_kind": "gender", "reserved_value": "female"}
    a = make_section(course=course, capacity=2, reserved_seats=1, name="A", **closed)
    b = make_section(course=course, capacity=2, reserved_seats=1, name="B", **closed)
    a.venue = "Room 2"
    db.session.commit()
    admin = school_admin(course.institution)
    rule = EligibilityRule(course_id=course.id, kind="gender", gender="female")
    db.session.add(rule)
    db.session.commit()
    admin_id, rule_id, ids = admin.id, rule.id, (a.id, b.id)
    paused_in(monkeypatch, services, "release_reserved_seats", "hook")

    thread, outcome = in_thread(app, "hook", services.release_due_reserved_seats)
    clock_time.sleep(PAUSE / 2)  # the hook holds its first section
    try:
        catalogue.remove_rule(db.session.get(User, admin_id), rule_id)
        db.session.commit()
        outcome["admin"] = "ok"
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        outcome["admin"] = repr(exc)[:300]
    thread.join(timeout=60)

    assert outcome == {"hook": "ok", "admin": "ok"}
    db.session.expire_all()
    assert all(db.session.get(Section, i).reserved_released for i in ids)
    assert db.session.get(EligibilityRule, rule_id) is None


def test_two_tabs_refused_for_capacity_at_once_are_kept_once(app, make_user, make_section):
    """The officials' dashboard counts each refusal as unmet demand: one per person, section and day."""
    section = make_section(capacity=0, waitlist_enabled=False)
    user = make_user()
    section_id, user_id = section.id, user.id

    assert services.record_capacity_refusal(user, section_id) is not None  # the first tab, not committed yet
    thread, outcome = in_thread(
        app, "tab", lambda: services.record_capacity_refusal(db.session.get(User, user_id), section_id)
    )
    clock_time.sleep(0.7)
    db.session.commit()
    thread.join(timeout=30)

    assert outcome == {"tab": "ok"}
    db.session.expire_all()
    refusals = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.status == "rejected", Enrolment.reason == CAPACITY_REFUSAL_REASON
        )
    )
    assert refusals == 1
