"""Taking a family member off an account while, and after, they hold or wait for a course place."""

from datetime import date

import pytest

from portal.auth import services as auth_services
from portal.auth.errors import FamilyMemberBusy
from portal.auth.models import Dependant
from portal.education import services
from portal.education.models import Enrolment, Section
from portal.extensions import db


@pytest.fixture
def parent(make_user):
    user = make_user(full_name="Ayesha Khan")
    user.dependants.append(
        Dependant(full_name="Hamza Khan", relationship_="child", date_of_birth=date(2008, 2, 3), gender="male")
    )
    db.session.commit()
    return user


def test_a_seat_holder_stays_on_the_account_until_they_leave_the_course_and_the_waitlist_moves_on(
    make_user, make_section, parent
):
    section = make_section(capacity=1)
    hamza = parent.dependants[0]
    seat = services.enrol(parent, section.id, dependant_id=hamza.id).enrolment
    waiting = services.enrol(make_user(), section.id).enrolment
    db.session.commit()
    assert (seat.status, waiting.status) == ("enrolled", "waitlisted")

    with pytest.raises(FamilyMemberBusy):
        auth_services.remove_dependant(parent, hamza.id)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Dependant, hamza.id).removed_at is None
    assert db.session.get(Section, section.id).enrolled_count == 1

    services.drop(parent, seat.reference)
    db.session.commit()
    auth_services.remove_dependant(parent, hamza.id)
    db.session.commit()
    db.session.expire_all()

    assert parent.dependants == []
    assert db.session.get(Enrolment, waiting.id).status == "enrolled"  # the freed seat went on
    assert db.session.get(Section, section.id).enrolled_count == 1
    kept = db.session.get(Enrolment, seat.id)
    assert (kept.status, kept.person_name) == ("dropped", "Hamza Khan")


def test_a_waitlisted_family_member_also_keeps_them_on_the_account(make_user, make_section, parent):
    section = make_section(capacity=1)
    services.enrol(make_user(), section.id)
    hamza = parent.dependants[0]
    assert services.enrol(parent, section.id, dependant_id=hamza.id).enrolment.status == "waitlisted"
    db.session.commit()
    with pytest.raises(FamilyMemberBusy):
        auth_services.remove_dependant(parent, hamza.id)


def test_a_finished_course_does_not_keep_a_family_member_on_the_account(app, make_section, parent):
    section = make_section(capacity=1)
    hamza = parent.dependants[0]
    seat = services.enrol(parent, section.id, dependant_id=hamza.id).enrolment
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-05-20T04:00:00+00:00"  # the course ended on 16 May

    auth_services.remove_dependant(parent, hamza.id)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Enrolment, seat.id)
    assert (kept.status, kept.person_name) == ("enrolled", "Hamza Khan")  # history and its seat count kept
    assert db.session.get(Section, section.id).enrolled_count == 1


def test_the_page_refusing_a_removal_lists_the_course_places_to_leave_first(client, auth, make_section, parent):
    section = make_section()
    hamza = parent.dependants[0]
    seat = services.enrol(parent, section.id, dependant_id=hamza.id).enrolment
    reference = seat.reference
    db.session.commit()
    auth.login(parent)
    for lang, leave in (("en", "Leave this course"), ("ur", "یہ کورس چھوڑیں")):
        client.get(f"/language/{lang}?next=/")
        html = client.get(f"/account/family/{hamza.id}/remove").get_data(as_text=True)
        main = html[html.index("<main") : html.index("</main>")]
        assert section.course.title in main and reference in main, lang
        assert f'<a href="/my-courses/{reference}/drop">{leave}' in main, lang


def test_a_seat_kept_after_the_drop_deadline_does_not_keep_a_family_member_on_the_account(
    app, client, auth, make_section, parent
):
    """Only places the account holder can still leave keep the member on the account: the removal page
    never links to a leave page that would refuse. The seat and its record stay."""
    section = make_section()  # drop deadline 20 March, last day 16 May
    hamza = parent.dependants[0]
    seat = services.enrol(parent, section.id, dependant_id=hamza.id).enrolment
    reference = seat.reference
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-25T04:00:00+00:00"
    assert not services.can_drop(seat)
    assert not auth_services.has_commitments(hamza) and auth_services.commitments(hamza) == []
    auth.login(parent)
    html = client.get(f"/account/family/{hamza.id}/remove").get_data(as_text=True)
    assert f"/my-courses/{reference}/drop" not in html and "Yes, remove" in html

    auth_services.remove_dependant(parent, hamza.id)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Enrolment, seat.id)
    assert (kept.status, kept.person_name) == ("enrolled", "Hamza Khan")
    assert db.session.get(Section, section.id).enrolled_count == 1


@pytest.mark.parametrize("approval", [False, True])
def test_a_waitlist_place_or_a_request_can_be_given_up_after_the_drop_deadline(
    app, client, auth, make_user, make_section, parent, approval
):
    """A waitlist place or a request holds no seat: the drop deadline does not keep the person in it,
    so it is listed on the removal page with a link that works."""
    section = make_section(capacity=1, needs_approval=approval)
    if not approval:
        services.enrol(make_user(), section.id)
    hamza = parent.dependants[0]
    place = services.enrol(parent, section.id, dependant_id=hamza.id).enrolment
    reference = place.reference
    assert place.status == ("pending" if approval else "waitlisted")
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-25T04:00:00+00:00"  # after the drop deadline (20 March)
    assert services.can_drop(place)
    with pytest.raises(FamilyMemberBusy):
        auth_services.remove_dependant(parent, hamza.id)
    db.session.rollback()

    auth.login(parent)
    html = client.get(f"/account/family/{hamza.id}/remove").get_data(as_text=True)
    assert f'href="/my-courses/{reference}/drop"' in html
    assert "There is a problem" not in client.get(f"/my-courses/{reference}/drop").get_data(as_text=True)
    services.drop(parent, reference)
    db.session.commit()
    auth_services.remove_dependant(parent, hamza.id)
    db.session.commit()


def test_a_waitlist_place_cannot_be_given_up_after_the_cohort_ended(app, make_user, make_section, parent):
    section = make_section(capacity=1)
    services.enrol(make_user(), section.id)
    hamza = parent.dependants[0]
    place = services.enrol(parent, section.id, dependant_id=hamza.id).enrolment
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-05-17T04:00:00+00:00"  # the day after the last day
    with pytest.raises(services.DropDeadlinePassed):
        services.check_can_drop(place)
    assert not auth_services.has_commitments(hamza)


def test_a_member_removed_and_added_again_keeps_their_courses(app, make_course, make_section, add_rule, parent):
    """Their completed course still counts (a prerequisite met; not to be taken again): the member added
    again is the one removed, brought back."""
    basics = make_course(title="Computer Basics")
    done = make_section(basics)
    follow_on = make_section(make_course(title="Office Skills"))
    add_rule(course=follow_on.course, kind="prerequisite", prerequisite_course_id=basics.id)
    again_basics = make_section(basics)
    hamza = parent.dependants[0]
    finished = services.enrol(parent, done.id, dependant_id=hamza.id).enrolment
    finished.status = "completed"
    db.session.commit()
    auth_services.remove_dependant(parent, hamza.id)
    db.session.commit()

    back = auth_services.add_dependant(
        parent, full_name="Hamza Khan", relationship="child", date_of_birth=date(2008, 2, 3), gender="male"
    )
    db.session.commit()
    assert back.id == hamza.id
    assert services.enrol(parent, follow_on.id, dependant_id=back.id).enrolment.status == "enrolled"
    with pytest.raises(services.AlreadyCompleted):
        services.enrol(parent, again_basics.id, dependant_id=back.id)
