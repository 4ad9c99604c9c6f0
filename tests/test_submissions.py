"""portal.submissions: the post of a form that creates a record, claimed once per person, token and
values, in the transaction that creates the record. Shown through the services that use it."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import submissions
from portal.auth import services as auth_services
from portal.auth.errors import DomainError
from portal.auth.models import Dependant, RoleAssignment, User
from portal.extensions import db
from portal.health import admin
from portal.health.models import Clinic
from portal.submissions import FormSubmission

CLINIC = {
    "name": "Services Hospital OPD",
    "name_ur": None,
    "type": "dhq",
    "district": "Lahore",
    "address": "Jail Road",
    "address_ur": None,
    "phone": None,
}
TOKEN = "Zq3-first_post-token"


@pytest.fixture(autouse=True)
def request_ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def staff(make_user):
    return make_user(full_name="Dr. Imran", roles=["superadmin"])


def add_clinic(user, token=TOKEN, **changed) -> Clinic:
    clinic = admin.save_clinic(user, None, {**CLINIC, **changed}, submission_token=token).record
    db.session.commit()
    return clinic


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_same_post_twice_creates_one_record_and_returns_the_first(staff):
    first = add_clinic(staff)
    second = add_clinic(staff)
    assert second.id == first.id
    assert count(Clinic) == 1
    row = db.session.scalar(select(FormSubmission))
    assert (row.user_id, row.kind, row.record_id) == (staff.id, "health_clinics", first.id)
    assert TOKEN not in row.key and len(row.key) == 64  # the token is not kept as such
    # Its creator administers it once: the replay did not grant the clinic's role a second time.
    assert db.session.scalar(select(func.count()).where(RoleAssignment.scope_id == first.id)) == 1


def test_without_a_token_every_post_creates(staff):
    add_clinic(staff, token=None)
    add_clinic(staff, token="", name="Services Hospital OPD, new wing")  # the same name would be refused
    assert count(Clinic) == 2 and count(FormSubmission) == 0


def test_another_persons_token_finds_nothing_of_theirs(staff, make_user):
    """A token belongs to the person who posted it: the same token and values sent by someone else
    create their own record, and never return (or reveal) the first person's."""
    other = make_user(full_name="Dr. Sana", roles=["superadmin"])
    mine = add_clinic(staff)
    # Moved to another district since: the same values posted again are not a second clinic of one name.
    mine.district = "Rawalpindi"
    db.session.commit()
    theirs = add_clinic(other)
    assert theirs.id != mine.id and count(Clinic) == 2
    assert add_clinic(other).id == theirs.id and add_clinic(staff).id == mine.id
    assert count(Clinic) == 2
    owners = {row.record_id: row.user_id for row in db.session.scalars(select(FormSubmission))}
    assert owners == {mine.id: staff.id, theirs.id: other.id}


def test_the_same_token_with_other_values_is_another_post(staff):
    """The browser's Back, a name corrected, Save: the corrected clinic is created, and is itself
    created once however often it is sent."""
    first = add_clinic(staff)
    corrected = add_clinic(staff, name="Services Hospital Emergency")
    assert corrected.id != first.id
    assert add_clinic(staff, name="Services Hospital Emergency").id == corrected.id
    assert count(Clinic) == 2


def test_a_token_claimed_for_one_kind_of_record_is_not_found_for_another(staff):
    clinic = add_clinic(staff)
    posted = submissions.claim(staff, TOKEN, Dependant, CLINIC)
    assert posted.earlier is None
    db.session.rollback()
    assert add_clinic(staff).id == clinic.id


def test_a_refused_post_leaves_no_claim(staff):
    """The claim is written in the transaction of the record: refused and rolled back, the same post
    can be sent again, and then creates."""
    admin.save_clinic(staff, None, CLINIC, submission_token=TOKEN)
    db.session.rollback()
    assert count(FormSubmission) == 0 and count(Clinic) == 0
    add_clinic(staff)
    assert count(Clinic) == 1


def test_the_loser_of_a_race_returns_the_winners_record(staff, monkeypatch):
    """Two posts of one form at once: the second looked before the first had committed, so it found
    nothing, and its claim then meets the first one's under the unique key. It returns the first
    post's clinic, and creates nothing."""
    winner = add_clinic(staff)
    real_find, looked = submissions._find, []

    def find_before_the_winner_committed(*args):
        looked.append(args)
        return None if len(looked) == 1 else real_find(*args)

    monkeypatch.setattr(submissions, "_find", find_before_the_winner_committed)
    loser = add_clinic(staff)
    assert len(looked) == 2  # it looked again after its claim was refused
    assert loser.id == winner.id
    assert count(Clinic) == 1 and count(FormSubmission) == 1


def test_a_post_sent_while_the_first_is_working_waits_for_it_and_returns_its_record(app, staff):
    """For real, with two connections: the second post waits for the first (SQLite: the write lock;
    PostgreSQL: the unique key holds its claim until the first transaction ends), then finds its
    clinic."""
    staff_id, outcome = staff.id, {}

    def second_post():
        try:
            with app.app_context(), app.test_request_context():
                clinic = admin.save_clinic(db.session.get(User, staff_id), None, CLINIC, submission_token=TOKEN)
                outcome["clinic"] = clinic.record.id
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome["error"] = repr(exc)

    first = admin.save_clinic(staff, None, CLINIC, submission_token=TOKEN).record  # not committed yet
    racing = threading.Thread(target=second_post)
    racing.start()
    time.sleep(0.5)
    assert racing.is_alive(), outcome  # waiting for the first post
    first_id = first.id
    db.session.commit()
    racing.join(timeout=30)
    assert outcome == {"clinic": first_id}
    assert count(Clinic) == 1 and count(FormSubmission) == 1


def test_a_record_removed_since_is_created_again_by_the_same_post(staff, make_user):
    """A role granted, then removed, then the grant sent again (Back, Save): the role is granted again,
    not "granted" with nothing there. Meanwhile someone else's role took the removed one's id (SQLite
    gives the highest id again): the post finds nothing of theirs."""
    person, other = make_user(full_name="Bilal Ahmed"), make_user(full_name="Nadia Hussain")

    def grant():
        assignment = auth_services.grant_role(staff, person, "official", district="Multan", submission_token=TOKEN)
        db.session.commit()
        return assignment

    first = grant()
    assert grant().id == first.id
    first_id = first.id
    auth_services.revoke_role(staff, first_id)
    db.session.commit()
    assert count(FormSubmission) == 0  # the claim went with the role
    auth_services.grant_role(staff, other, "official", district="Lahore")
    db.session.commit()
    again = grant()
    assert (again.user_id, again.district) == (person.id, "Multan")
    assert grant().id == again.id
    assert db.session.scalar(select(FormSubmission.record_id)) == again.id
    held = db.session.execute(
        select(RoleAssignment.user_id, RoleAssignment.district).where(RoleAssignment.role == "official")
    )
    assert sorted(held) == sorted([(person.id, "Multan"), (other.id, "Lahore")])


def test_a_family_member_removed_since_is_added_again_by_the_same_post(make_user):
    citizen = make_user(full_name="Ayesha Khan")
    person = {
        "full_name": "Zainab Ahmed",
        "relationship": "child",
        "date_of_birth": date(2015, 8, 1),
        "gender": "female",
    }

    def add():
        dependant = auth_services.add_dependant(citizen, **person, submission_token=TOKEN)
        db.session.commit()
        return dependant.id

    first = add()
    assert add() == first
    auth_services.remove_dependant(citizen, first)
    db.session.commit()
    again = add()  # the one removed, brought back (their history with them), not a copy
    assert again == first and add() == again
    db.session.expire_all()
    assert [d.id for d in db.session.get(User, citizen.id).dependants] == [again]


def test_housekeeping_deletes_claims_older_than_a_day_and_keeps_todays(app, staff):
    old = add_clinic(staff, token="old-post-token")
    recent = add_clinic(staff, token="recent-post-token", name="Mayo Hospital OPD")
    now = submissions.clock.now()
    db.session.execute(
        FormSubmission.__table__.update()
        .where(FormSubmission.record_id == old.id)
        .values(created_at=now - submissions.KEPT_FOR - timedelta(minutes=1))
    )
    db.session.execute(
        FormSubmission.__table__.update()
        .where(FormSubmission.record_id == recent.id)
        .values(created_at=now - submissions.KEPT_FOR + timedelta(minutes=1))
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["housekeeping"])

    assert result.exit_code == 0, result.output
    assert "form claims deleted: 1" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(FormSubmission.record_id)).all() == [recent.id]
    # The same post within the day still finds its clinic; the day-old one is a new post.
    assert add_clinic(staff, token="recent-post-token", name="Mayo Hospital OPD").id == recent.id
    # (a new post of the same clinic, now refused as a second clinic of that name in the district)
    with pytest.raises(DomainError, match="already a clinic called"):
        add_clinic(staff, token="old-post-token")
    db.session.rollback()
    assert count(Clinic) == 2
