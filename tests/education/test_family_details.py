"""A family member's date of birth or gender cannot be changed into details that a rule of a course place
they hold, ask for or wait for refuses: they would keep a seat the rules give nobody like them, or wait for
ever (the waitlist passes over people who no longer qualify). The test clock's today: 2 March 2026."""

from datetime import date

import pytest

from portal.auth import services as auth_services
from portal.auth.errors import PlaceRulesRefuseDetails
from portal.auth.models import Dependant
from portal.education import services
from portal.education.models import Enrolment
from portal.extensions import db
from tests.auth.conftest import post_form, text_of


@pytest.fixture
def holder(make_user):
    user = make_user(full_name="Ayesha Khan")
    user.dependants.append(
        Dependant(full_name="Sara Khan", relationship_="child", date_of_birth=date(2008, 2, 3), gender="female")
    )
    user.dependants.append(
        Dependant(full_name="Hina Khan", relationship_="sibling", date_of_birth=date(2000, 6, 1), gender="female")
    )
    db.session.commit()
    return user


def details(member: Dependant, **changes) -> dict:
    values = {
        "full_name": member.full_name,
        "relationship": member.relationship_,
        "date_of_birth": member.date_of_birth,
        "gender": member.gender,
        "id_number": member.id_number,
    }
    values.update(changes)
    return values


def test_a_gender_that_a_women_only_cohort_refuses_is_not_saved(make_course, make_section, add_rule, holder):
    course = make_course(title="Stitching for Women")
    section = make_section(course)
    add_rule(course=course, kind="gender", gender="female")
    sara = holder.dependants[0]
    seat = services.enrol(holder, section.id, dependant_id=sara.id).enrolment
    db.session.commit()
    assert seat.status == "enrolled"

    with pytest.raises(PlaceRulesRefuseDetails) as refused:
        auth_services.update_dependant(holder, sara.id, **details(sara, gender="male"))
    assert refused.value.field == "gender"
    assert refused.value.field_errors()[0][0] == "gender"
    said = str(refused.value)
    assert "Stitching for Women" in said and "This cohort is for women and girls only." in said
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Dependant, sara.id).gender == "female"
    # Other details are saved as before.
    auth_services.update_dependant(holder, sara.id, **details(sara, full_name="Sara Bibi"))
    db.session.commit()
    assert db.session.get(Dependant, sara.id).full_name == "Sara Bibi"


@pytest.mark.parametrize("status", ["enrolled", "waitlisted", "pending"])
def test_a_date_of_birth_that_an_age_rule_refuses_is_not_saved(make_user, make_section, add_rule, holder, status):
    section = make_section(capacity=1 if status == "waitlisted" else 3, needs_approval=status == "pending")
    add_rule(section=section, kind="age", min_age=16, max_age=45)
    if status == "waitlisted":
        services.enrol(make_user(), section.id)
    hina = holder.dependants[1]
    place = services.enrol(holder, section.id, dependant_id=hina.id).enrolment
    db.session.commit()
    assert place.status == status

    with pytest.raises(PlaceRulesRefuseDetails) as refused:
        auth_services.update_dependant(holder, hina.id, **details(hina, date_of_birth=date(2015, 1, 1)))
    assert refused.value.field == "date_of_birth"
    assert "This cohort is for ages 16–45; Hina Khan will be 11 on 16 March 2026." in str(refused.value)
    assert section.course.title in str(refused.value)
    db.session.rollback()
    # A date of birth still within the rule is a correction like any other.
    auth_services.update_dependant(holder, hina.id, **details(hina, date_of_birth=date(2001, 6, 1)))
    db.session.commit()


def test_both_fields_are_told_when_both_are_refused(make_course, make_section, add_rule, holder):
    course = make_course()
    section = make_section(course)
    add_rule(course=course, kind="gender", gender="female")
    add_rule(section=section, kind="age", min_age=16)
    hina = holder.dependants[1]
    services.enrol(holder, section.id, dependant_id=hina.id)
    db.session.commit()
    with pytest.raises(PlaceRulesRefuseDetails) as refused:
        auth_services.update_dependant(holder, hina.id, **details(hina, gender="male", date_of_birth=date(2015, 1, 1)))
    assert [field for field, _ in refused.value.field_errors()] == ["date_of_birth", "gender"]


def test_places_that_are_over_or_given_up_do_not_hold_the_details(app, make_section, add_rule, holder):
    ended = make_section()
    add_rule(section=ended, kind="gender", gender="female")
    left = make_section()
    add_rule(section=left, kind="gender", gender="female")
    sara = holder.dependants[0]
    services.enrol(holder, ended.id, dependant_id=sara.id)
    dropped = services.enrol(holder, left.id, dependant_id=sara.id).enrolment
    services.drop(holder, dropped.reference)
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-05-20T04:00:00+00:00"  # the cohorts ended on 16 May
    auth_services.update_dependant(holder, sara.id, **details(sara, gender="male"))
    db.session.commit()
    assert db.session.get(Enrolment, dropped.id).status == "dropped"


def test_a_rule_failed_already_is_no_reason_to_refuse_another_correction(make_section, add_rule, holder):
    """A rule added after the member joined: correcting their date of birth within it is not refused
    because of their gender, which the edit does not change."""
    section = make_section()
    hina = holder.dependants[1]
    services.enrol(holder, section.id, dependant_id=hina.id)
    db.session.commit()
    add_rule(section=section, kind="gender", gender="male")
    auth_services.update_dependant(holder, hina.id, **details(hina, date_of_birth=date(2000, 6, 2)))
    db.session.commit()


def test_the_family_form_says_which_course_refuses_the_change(
    client, auth, make_course, make_section, add_rule, holder
):
    course = make_course(title="Stitching for Women", title_ur="خواتین کے لیے سلائی")
    section = make_section(course)
    add_rule(course=course, kind="gender", gender="female")
    sara = holder.dependants[0]
    services.enrol(holder, section.id, dependant_id=sara.id)
    db.session.commit()
    auth.login(holder)
    form = {
        "full_name": "Sara Khan",
        "relationship": "child",
        "date_of_birth": "2008-02-03",
        "gender": "male",
        "id_number": "",
    }
    response = post_form(client, f"/account/family/{sara.id}", form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="gender-error"' in html and 'href="#gender-0"' in html  # beside the field and in the summary
    text = text_of(response)
    assert "Sara Khan could not keep their place in Stitching for Women with these details:" in text
    assert "This cohort is for women and girls only." in text
    db.session.expire_all()
    assert db.session.get(Dependant, sara.id).gender == "female"

    client.get("/language/ur?next=/")
    response = post_form(client, f"/account/family/{sara.id}", form)
    text = text_of(response)
    assert "ان تفصیلات کے ساتھ Sara Khan خواتین کے لیے سلائی میں اپنی جگہ برقرار نہیں رکھ سکتے:" in text
    assert "یہ گروپ صرف خواتین اور لڑکیوں کے لیے ہے۔" in text
