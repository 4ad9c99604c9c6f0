"""Taking a family member off the account while an appointment or a course place is being made for
them, in another request: one of the two must see the other. Either the removal is refused (they have
something ahead, FamilyMemberBusy), or the booking finds them gone (NotFound); never a removed person
with an appointment or a seat.

Each race holds one transaction open (its work done, not committed) while the other runs in a thread
with a session of its own, then commits. SQLite's write lock makes the thread wait for the commit;
on PostgreSQL (READ COMMITTED) only the locks on the family member's row do: the removal's FOR UPDATE
and the booking's FOR KEY SHARE (portal.auth.services.get_dependant)."""

from __future__ import annotations

import threading
import time as clock_time
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth import services as auth_services
from portal.auth.errors import FamilyMemberBusy, NotFound
from portal.auth.models import Dependant, User
from portal.education import services as education
from portal.education.models import Enrolment
from portal.extensions import db
from portal.health import services as health
from portal.health.models import Appointment
from tests.conftest import Statements
from tests.education.conftest import make_course, make_institution, make_section  # noqa: F401 - fixtures (education's)
from tests.health.conftest import TUESDAY, karachi

PAUSE = 0.7  # how long the first transaction stays open once the other has started


@pytest.fixture
def parent(make_user):
    user = make_user(full_name="Ayesha Khan")
    user.dependants.append(
        Dependant(full_name="Hamza Khan", relationship_="child", date_of_birth=date(2008, 2, 3), gender="male")
    )
    db.session.commit()
    return user


@pytest.fixture
def cohort(make_section):  # noqa: F811 - the fixture imported above
    """A cohort with one seat (education's fixtures), open for enrolment today."""
    return make_section(capacity=1)


def in_other_request(app, work) -> tuple[threading.Thread, dict]:
    """Run ``work(user_id)`` in a thread with a session of its own and commit; the outcome says what
    it returned, or the class of what it raised (a refusal is rolled back)."""
    outcome: dict = {}

    def run():
        with app.app_context(), app.test_request_context():
            try:
                outcome["result"] = work()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test looks at which
                db.session.rollback()
                outcome["raised"] = exc.__class__.__name__

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def removal(user_id: int, dependant_id: int):
    def work():
        return auth_services.remove_dependant(db.session.get(User, user_id), dependant_id).id

    return work


def booking(user_id: int, service_id: int, dependant_id: int):
    def work():
        user = db.session.get(User, user_id)
        return health.book_slot(user, service_id, karachi(TUESDAY, 9), dependant_id=dependant_id).reference

    return work


def enrolment(user_id: int, section_id: int, dependant_id: int):
    def work():
        return education.enrol(db.session.get(User, user_id), section_id, dependant_id=dependant_id).enrolment.id

    return work


def race(app, first, second) -> dict:
    """``first`` runs here and stays uncommitted while ``second`` starts in another request; then
    ``first`` commits and the other finishes. Returns the other's outcome."""
    with app.test_request_context():
        first()
        thread, outcome = in_other_request(app, second)
        clock_time.sleep(PAUSE)
        db.session.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    db.session.expire_all()
    return outcome


def removed(dependant_id: int) -> bool:
    return db.session.get(Dependant, dependant_id).removed_at is not None


def test_removal_while_an_appointment_for_them_is_being_booked_is_refused(app, make_service, parent):
    service = make_service()
    hamza = parent.dependants[0].id
    outcome = race(app, booking(parent.id, service.id, hamza), removal(parent.id, hamza))
    assert outcome == {"raised": FamilyMemberBusy.__name__}
    assert not removed(hamza)
    assert db.session.scalar(select(Appointment.status)) == "booked"


def test_booking_while_their_removal_is_under_way_finds_them_gone(app, make_service, parent):
    service = make_service()
    hamza = parent.dependants[0].id
    outcome = race(app, removal(parent.id, hamza), booking(parent.id, service.id, hamza))
    assert outcome == {"raised": NotFound.__name__}
    assert removed(hamza)
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_removal_while_a_course_place_for_them_is_being_taken_is_refused(app, cohort, parent):
    hamza = parent.dependants[0].id
    outcome = race(app, enrolment(parent.id, cohort.id, hamza), removal(parent.id, hamza))
    assert outcome == {"raised": FamilyMemberBusy.__name__}
    assert not removed(hamza)
    assert db.session.scalar(select(Enrolment.status)) == "enrolled"


def test_enrolling_while_their_removal_is_under_way_finds_them_gone(app, cohort, parent):
    hamza = parent.dependants[0].id
    outcome = race(app, removal(parent.id, hamza), enrolment(parent.id, cohort.id, hamza))
    assert outcome == {"raised": NotFound.__name__}
    assert removed(hamza)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


def test_two_bookings_for_one_family_member_do_not_wait_for_each_other(app, make_service, parent):
    """The booking's lock on the family member (FOR KEY SHARE) is shared: a second booking for them (another
    service) goes through while the first is still open, as the details being edited would."""
    first, second = make_service(), make_service()
    hamza = parent.dependants[0].id
    with app.test_request_context():
        booking(parent.id, first.id, hamza)()
        thread, outcome = in_other_request(app, booking(parent.id, second.id, hamza))
        thread.join(timeout=PAUSE)
        done_while_first_open = not thread.is_alive()
        db.session.commit()
    thread.join(timeout=30)
    assert "result" in outcome, outcome
    if db.engine.dialect.name == "postgresql":  # SQLite has one writer at a time: the second waits there
        assert done_while_first_open
    assert db.session.scalar(select(func.count(Appointment.id))) == 2


def test_booking_or_enrolling_a_family_member_locks_them_in_the_one_read(app, make_service, cohort, parent):
    """The lock is taken by the read that finds the family member (read afresh: the copy the page
    loaded for its choice of person may be stale), not by a statement of its own."""
    service_id, section_id, hamza, parent_id = make_service().id, cohort.id, parent.dependants[0].id, parent.id

    def sent(work) -> list[str]:
        db.session.remove()  # a session of its own, as each request has
        with app.test_request_context():
            user = db.session.get(User, parent_id)
            user.dependants  # noqa: B018 - loaded by the page's choice of person, as in the views
            with Statements() as statements:
                work(user)
            db.session.rollback()
        return [s for s in statements.sent if "FROM dependants" in s]

    booked = sent(lambda user: health.book_slot(user, service_id, karachi(TUESDAY, 9), dependant_id=hamza))
    enrolled = sent(lambda user: education.enrol(user, section_id, dependant_id=hamza))
    assert len(booked) == 1 and len(enrolled) == 1, (booked, enrolled)
    if db.engine.dialect.name == "postgresql":
        assert all(s.rstrip().endswith("FOR KEY SHARE") for s in booked + enrolled), (booked, enrolled)
