"""Completion is recorded from a cohort's last day (its end date) on, by the portal's clock in Karachi:
before it the roster offers no completion and a POST is refused, saying from which date. Each test sets
the clock (FIXED_NOW); the default one (2 March 2026) is before the cohort's end (16 May 2026)."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.education import services
from portal.education.models import Certificate, Enrolment
from portal.extensions import db
from tests.conftest import csrf_token

# The factory's cohort runs from 16 March to 16 May 2026; enrolment is open on the default clock.
LAST_DAY = date(2026, 5, 16)
BEFORE_START = "2026-03-02T04:00:00+00:00"
FIRST_DAY = "2026-03-16T04:00:00+00:00"
DAY_BEFORE_THE_END = "2026-05-15T18:59:00+00:00"  # 23:59 on 15 May in Karachi
LAST_DAY_IN_KARACHI = "2026-05-15T19:00:00+00:00"  # still 15 May in UTC, already 16 May in Karachi
AFTER_THE_END = "2026-06-01T04:00:00+00:00"


@pytest.fixture
def cohort(make_user, make_section, school_admin):
    """An admin, their cohort and one person enrolled in it (on the default clock, enrolment open)."""
    section = make_section()
    admin = school_admin(section.course.institution)
    enrolment = services.enrol(make_user(full_name="Hina Rauf"), section.id).enrolment
    db.session.commit()
    return admin, section, enrolment


def status_of(enrolment) -> str:
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id).status


@pytest.mark.parametrize("now", [BEFORE_START, FIRST_DAY, DAY_BEFORE_THE_END])
def test_completion_is_refused_before_the_last_day(app, cohort, now):
    admin, section, enrolment = cohort
    app.config["FIXED_NOW"] = now
    assert services.completion_opens(section) == LAST_DAY
    assert not services.can_record_completion(section)
    with pytest.raises(services.CompletionNotOpenYet) as refused:
        services.complete(admin, section.id, [enrolment.id])
    db.session.rollback()
    assert str(refused.value) == "Completion can be recorded from 16 May 2026, the last day of this cohort."
    assert status_of(enrolment) == "enrolled"
    assert db.session.scalar(select(Certificate)) is None


def test_the_refusal_says_the_date_in_urdu(app, cohort):
    admin, section, enrolment = cohort
    with pytest.raises(services.CompletionNotOpenYet) as refused:
        services.complete(admin, section.id, [enrolment.id])
    with app.test_request_context(), force_locale("ur"):
        said = str(refused.value)
    assert said == "تکمیل 16 مئی 2026 سے درج کی جا سکتی ہے، جو اس گروپ کا آخری دن ہے۔"


@pytest.mark.parametrize("now", [LAST_DAY_IN_KARACHI, AFTER_THE_END])
def test_completion_is_recorded_from_the_last_day_in_karachi(app, cohort, now):
    admin, section, enrolment = cohort
    app.config["FIXED_NOW"] = now
    assert services.can_record_completion(section)
    done = services.complete(admin, section.id, [enrolment.id])
    db.session.commit()
    assert [e.id for e in done] == [enrolment.id]
    assert status_of(enrolment) == "completed"
    certificate = db.session.scalar(select(Certificate))
    assert (certificate.holder_name, certificate.end_date) == ("Hina Rauf", LAST_DAY)
    assert services.verify_certificate(certificate.code).id == certificate.id


def test_the_roster_offers_completion_only_from_the_last_day(app, client, auth, cohort):
    admin, section, enrolment = cohort
    auth.login(admin)
    roster = f"/school-admin/sections/{section.id}/roster"
    app.config["FIXED_NOW"] = DAY_BEFORE_THE_END
    auth.login_again()  # days later: a new sign-in (a session lasts 12 hours)
    html = client.get(roster).get_data(as_text=True)
    assert "Hina Rauf" in html and enrolment.reference in html  # the person is listed all the same
    assert "Completion can be recorded from 16 May 2026, the last day of this cohort." in html
    assert "Mark the ticked people as completed" not in html
    assert f'action="/school-admin/sections/{section.id}/complete"' not in html
    assert 'name="enrolment"' not in html and "Completed?" not in html
    app.config["FIXED_NOW"] = LAST_DAY_IN_KARACHI  # a minute later: still signed in
    html = client.get(roster).get_data(as_text=True)
    assert "Mark the ticked people as completed and issue certificates" in html
    assert f'name="enrolment" value="{enrolment.id}"' in html
    assert "Completion can be recorded from" not in html


def test_a_post_before_the_last_day_is_refused_with_the_date(app, client, auth, cohort):
    admin, section, enrolment = cohort
    auth.login(admin)
    roster = f"/school-admin/sections/{section.id}/roster"
    token = csrf_token(client, roster)
    app.config["FIXED_NOW"] = FIRST_DAY
    auth.login_again()  # days later: a new sign-in (a session lasts 12 hours)
    token = csrf_token(client, roster)  # a sign-in starts an empty session: a new form token
    path = f"/school-admin/sections/{section.id}/complete"
    refused = client.post(path, data={"csrf_token": token, "enrolment": [str(enrolment.id)]})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(roster)
    html = client.get(roster).get_data(as_text=True)
    assert "Completion can be recorded from 16 May 2026, the last day of this cohort." in html
    # Nothing ticked: the date is what stands in the way, not the missing tick.
    empty = client.post(path, data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Completion can be recorded from 16 May 2026" in empty and "Tick the people" not in empty
    assert status_of(enrolment) == "enrolled"
    # In Urdu, with the date in Urdu.
    client.get("/language/ur?next=/")
    urdu = client.post(path, data={"csrf_token": token, "enrolment": [str(enrolment.id)]}, follow_redirects=True)
    assert "تکمیل 16 مئی 2026 سے درج کی جا سکتی ہے، جو اس گروپ کا آخری دن ہے۔" in urdu.get_data(as_text=True)
    client.get("/language/en?next=/")
    app.config["FIXED_NOW"] = LAST_DAY_IN_KARACHI
    auth.login_again()  # days later: a new sign-in (a session lasts 12 hours)
    token = csrf_token(client, roster)
    done = client.post(path, data={"csrf_token": token, "enrolment": [str(enrolment.id)]}, follow_redirects=True)
    assert "1 person marked as completed." in done.get_data(as_text=True)
    assert status_of(enrolment) == "completed"


def test_completion_stays_scoped(app, client, auth, cohort, make_user, make_institution, school_admin):
    admin, section, enrolment = cohort
    app.config["FIXED_NOW"] = AFTER_THE_END
    path = f"/school-admin/sections/{section.id}/complete"
    anonymous = client.post(path, data={"csrf_token": csrf_token(client, "/login"), "enrolment": [str(enrolment.id)]})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    auth.login(make_user())
    token = csrf_token(client, "/courses")
    assert client.post(path, data={"csrf_token": token, "enrolment": [str(enrolment.id)]}).status_code == 403
    auth.logout()
    auth.login(school_admin(make_institution()))
    token = csrf_token(client, "/school-admin")
    assert client.post(path, data={"csrf_token": token, "enrolment": [str(enrolment.id)]}).status_code == 404
    assert client.get(f"/school-admin/sections/{section.id}/roster").status_code == 404
    assert status_of(enrolment) == "enrolled"


def test_a_completed_cohort_cannot_be_given_a_last_day_still_to_come(app, cohort):
    """Completion is recorded from the last day: moving that day after today once people hold a
    completion would make a cohort not yet over that has people who completed it."""
    from portal.education import catalogue
    from tests.education.test_admin_services import section_data

    admin, section, enrolment = cohort
    app.config["FIXED_NOW"] = "2026-05-20T04:00:00+00:00"  # four days after the cohort's last day
    services.complete(admin, section.id, [enrolment.id])
    db.session.commit()
    with pytest.raises(catalogue.SectionDatesPassed) as refused:
        catalogue.save_section(admin, section_data(section, end_date=date(2026, 6, 30)), section_id=section.id)
    db.session.rollback()
    assert "already been marked as completed" in str(refused.value.problems["end_date"])
    db.session.expire_all()
    assert db.session.get(type(section), section.id).end_date == LAST_DAY
    # A last day that stays in the past (a typing mistake put right) is still allowed.
    catalogue.save_section(admin, section_data(section, end_date=date(2026, 5, 15)), section_id=section.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(section), section.id).end_date == date(2026, 5, 15)
