"""Many OS processes race for the last seats of a section (SQLite file or PostgreSQL schema, as
the run is configured): exactly ``capacity`` enrol, the rest are waitlisted in arrival order, and
nothing escapes as an error. Two simultaneous drops each promote one waitlisted person."""

import multiprocessing

import pytest
from sqlalchemy import select

from portal.education import services
from portal.education.models import Enrolment, Section
from portal.extensions import db
from tests.education import workers

pytestmark = pytest.mark.slow


def race(target, argument_sets):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(argument_sets))
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for args in argument_sets]
    for p in processes:
        p.start()
    outcomes = dict(results.get(timeout=600) for _ in processes)
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    return outcomes


def test_racing_for_the_last_seats(database_url, make_user, make_section):
    section = make_section(capacity=5, enrolled_count=2)  # three seats left
    users = [make_user(full_name=f"Racer {i}") for i in range(10)]
    outcomes = race(workers.enrol_worker, [(database_url, u.id, section.id) for u in users])

    assert not [o for o in outcomes.values() if o not in ("enrolled", "waitlisted")], outcomes
    assert sorted(outcomes.values()).count("enrolled") == 3
    db.session.rollback()  # end the read snapshot taken before the race
    assert db.session.get(Section, section.id).enrolled_count == 5
    rows = db.session.scalars(select(Enrolment).where(Enrolment.section_id == section.id)).all()
    enrolled = sorted(e.id for e in rows if e.status == "enrolled")
    waitlisted = [e.id for e in services.waitlist(section.id)]
    assert len(enrolled) == 3 and len(waitlisted) == 7
    # Arrival order: the first three through the lock took the seats; the waitlist follows the same order.
    assert max(enrolled) < min(waitlisted)
    assert waitlisted == sorted(waitlisted)
    assert [services.waitlist_position(db.session.get(Enrolment, i)) for i in waitlisted] == list(range(1, 8))


def test_racing_for_reserved_and_general_seats(database_url, make_user, make_section):
    section = make_section(capacity=4, reserved_kind="gender", reserved_value="female", reserved_seats=2)
    women = [make_user(gender="female") for _ in range(4)]
    men = [make_user(gender="male") for _ in range(4)]
    outcomes = race(workers.enrol_worker, [(database_url, u.id, section.id) for u in women + men])
    assert all(o in ("enrolled", "waitlisted") for o in outcomes.values()), outcomes
    db.session.rollback()  # end the read snapshot taken before the race
    s = db.session.get(Section, section.id)
    assert s.enrolled_count == 4 and s.reserved_taken == 2
    men_in = [u for u in men if outcomes[u.id] == "enrolled"]
    assert len(men_in) <= 2  # men never take the seats kept for women


def test_two_drops_race_and_promotions_stay_exact(database_url, make_user, make_section):
    section = make_section(capacity=2)
    holders = [make_user() for _ in range(2)]
    held = [services.enrol(u, section.id).enrolment for u in holders]
    waiting = [services.enrol(make_user(), section.id).enrolment for _ in range(3)]
    db.session.commit()
    arguments = [(database_url, u.id, e.reference) for u, e in zip(holders, held, strict=True)]
    outcomes = race(workers.drop_worker, arguments)
    assert sorted(outcomes.values()) == ["dropped, promoted 1", "dropped, promoted 1"], outcomes
    db.session.rollback()  # end the read snapshot taken before the race
    assert db.session.get(Section, section.id).enrolled_count == 2
    statuses = [db.session.get(Enrolment, e.id).status for e in waiting]
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    assert services.waitlist_position(db.session.get(Enrolment, waiting[2].id)) == 1


def test_the_same_person_racing_themself_enrols_once(database_url, make_user, make_section):
    section = make_section(capacity=5)
    other_section = make_section(course=section.course, capacity=5)
    user = make_user()
    outcomes = race(
        workers.enrol_worker,
        [(database_url, user.id, section.id), (database_url, user.id, other_section.id)],
    )
    # Both outcomes land in one dict entry (same user): read the database instead.
    assert outcomes
    db.session.rollback()  # end the read snapshot taken before the race
    active = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status.in_(("enrolled", "waitlisted")))
    ).all()
    assert len(active) == 1
    counts = [db.session.get(Section, s.id).enrolled_count for s in (section, other_section)]
    assert sorted(counts) == [0, 1]


def test_people_waiting_in_one_cohort_race_for_the_free_seats_of_another(database_url, make_user, make_section):
    """Moving takes a seat like any enrolment: exactly as many move as there are seats; the others keep
    their waitlist places, in order."""
    weekend = make_section(name="Weekend", capacity=1)
    morning = make_section(course=weekend.course, name="Morning", capacity=2)
    services.enrol(make_user(), weekend.id)  # the only seat
    waiting = [make_user(full_name=f"Waiting {i}") for i in range(5)]
    for user in waiting:
        services.enrol(user, weekend.id)
    db.session.commit()
    outcomes = race(workers.enrol_worker, [(database_url, u.id, morning.id) for u in waiting])
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["enrolled"] * 2 + ["refused"] * 3, outcomes
    db.session.rollback()  # end the read snapshot taken before the race
    assert db.session.get(Section, morning.id).enrolled_count == 2
    stayed = [u.id for u in waiting if outcomes[u.id] != "enrolled"]
    assert [e.user_id for e in services.waitlist(weekend.id)] == stayed
    assert [services.waitlist_position(e) for e in services.waitlist(weekend.id)] == [1, 2, 3]


def test_two_people_moving_in_opposite_directions_do_not_wait_for_each_other(database_url, make_user, make_section):
    """Each cohort keeps a seat for a group the other person belongs to; both move at once. The two
    sections are locked in the same order by both, so neither is stopped by a deadlock."""
    course_a = make_section(capacity=2, reserved_kind="gender", reserved_value="female", reserved_seats=1)
    course_b = make_section(
        course=course_a.course, capacity=2, reserved_kind="district", reserved_value="Multan", reserved_seats=1
    )
    services.enrol(make_user(gender="male", district="Lahore"), course_a.id)  # A's general seat
    services.enrol(make_user(gender="female", district="Lahore"), course_b.id)  # B's general seat
    man = make_user(gender="male", district="Multan")
    woman = make_user(gender="female", district="Lahore")
    assert services.enrol(man, course_a.id).enrolment.status == "waitlisted"  # A's free seat is for women
    assert services.enrol(woman, course_b.id).enrolment.status == "waitlisted"  # B's is for Multan
    db.session.commit()
    outcomes = race(workers.enrol_worker, [(database_url, man.id, course_b.id), (database_url, woman.id, course_a.id)])
    assert outcomes == {man.id: "enrolled", woman.id: "enrolled"}, outcomes
    db.session.rollback()  # end the read snapshot taken before the race
    assert [db.session.get(Section, s.id).enrolled_count for s in (course_a, course_b)] == [2, 2]
