"""Eligibility rules: each kind, combinations, family members, and the exact words of each refusal."""

from datetime import date

import pytest

from portal.auth.models import Dependant
from portal.education import services
from portal.education.eligibility import Person, age_on, eligibility_problems
from portal.education.models import COMPLETED
from portal.extensions import db


def problems(person, section):
    db.session.expire_all()
    return [str(p) for p in eligibility_problems(person, section)]


def test_age_on_counts_birthdays():
    assert age_on(date(1990, 3, 2), date(2026, 3, 2)) == 36
    assert age_on(date(1990, 3, 3), date(2026, 3, 2)) == 35
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def test_age_range_refusal_names_the_age_on_the_start_date(make_user, make_section, add_rule):
    section = make_section(start_date=date(2026, 3, 1), enrol_opens=date(2026, 2, 1), enrol_closes=date(2026, 3, 1))
    add_rule(course=section.course, kind="age", min_age=18, max_age=35)
    user = make_user(date_of_birth=date(1984, 6, 1))
    assert problems(Person(user), section) == ["This cohort is for ages 18–35; you will be 41 on 1 March 2026."]


def test_age_edges_are_inclusive(make_user, make_section, add_rule):
    section = make_section(start_date=date(2026, 3, 16))
    add_rule(section=section, kind="age", min_age=18, max_age=35)
    turns_18_on_start = make_user(date_of_birth=date(2008, 3, 16))
    turns_18_day_after = make_user(date_of_birth=date(2008, 3, 17))
    turns_36_on_start = make_user(date_of_birth=date(1990, 3, 16))
    assert problems(Person(turns_18_on_start), section) == []
    assert problems(Person(turns_18_day_after), section) == [
        "This cohort is for ages 18–35; you will be 17 on 16 March 2026."
    ]
    assert problems(Person(turns_36_on_start), section) == [
        "This cohort is for ages 18–35; you will be 36 on 16 March 2026."
    ]
    assert problems(Person(make_user(date_of_birth=date(1990, 3, 17))), section) == []  # still 35


def test_open_ended_age_limits(make_user, make_section, add_rule):
    over = make_section()
    add_rule(section=over, kind="age", min_age=60)
    under = make_section()
    add_rule(section=under, kind="age", max_age=14)
    adult = make_user(date_of_birth=date(1990, 1, 1))
    assert problems(Person(adult), over) == ["This cohort is for ages 60 and over; you will be 36 on 16 March 2026."]
    assert problems(Person(adult), under) == ["This cohort is for ages up to 14; you will be 36 on 16 March 2026."]


def test_unknown_date_of_birth(make_user, make_section, add_rule):
    section = make_section()
    add_rule(section=section, kind="age", min_age=18)
    assert problems(Person(make_user(date_of_birth=None)), section) == [
        "This cohort has an age limit, and your date of birth is not on your profile."
    ]


def test_gender_rule(make_user, make_section, add_rule):
    section = make_section()
    add_rule(section=section, kind="gender", gender="female")
    assert problems(Person(make_user(gender="female")), section) == []
    assert problems(Person(make_user(gender="male")), section) == ["This cohort is for women and girls only."]


def test_district_rule(make_user, make_section, add_rule):
    section = make_section()
    add_rule(course=section.course, kind="district", districts="Multan,Lodhran")
    assert problems(Person(make_user(district="Multan")), section) == []
    assert problems(Person(make_user(district="Lahore")), section) == [
        "This cohort is for people living in Multan, Lodhran; the home district on your profile is Lahore."
    ]
    assert problems(Person(make_user(district=None)), section) == [
        "This cohort is for people living in Multan, Lodhran; your profile has no home district."
    ]


def test_prerequisite_rule(app, make_user, make_section, make_course, add_rule):
    basics = make_course(title="Computer Basics")
    section = make_section()
    add_rule(course=section.course, kind="prerequisite", prerequisite_course_id=basics.id)
    user = make_user()
    assert problems(Person(user), section) == ["You need to complete “Computer Basics” on the portal first."]
    earlier = make_section(course=basics, start_date=date(2026, 1, 5), end_date=date(2026, 2, 5),
                           enrol_opens=date(2025, 12, 1), enrol_closes=date(2026, 1, 1))  # fmt: skip
    from portal.education.models import Enrolment

    db.session.add(
        Enrolment(
            reference="E-TEST-0001",
            user_id=user.id,
            person_key=f"u{user.id}",
            section_id=earlier.id,
            course_id=basics.id,
            status=COMPLETED,
        )  # fmt: skip
    )
    db.session.commit()
    assert problems(Person(user), section) == []


def test_rules_combine_and_every_failure_is_listed(make_user, make_section, add_rule):
    section = make_section()
    add_rule(course=section.course, kind="gender", gender="female")
    add_rule(section=section, kind="age", min_age=18, max_age=25)
    add_rule(section=section, kind="district", districts="Multan")
    man = make_user(gender="male", date_of_birth=date(1980, 1, 1), district="Lahore")
    assert problems(Person(man), section) == [
        "This cohort is for women and girls only.",
        "This cohort is for ages 18–25; you will be 46 on 16 March 2026.",
        "This cohort is for people living in Multan; the home district on your profile is Lahore.",
    ]
    woman = make_user(gender="female", date_of_birth=date(2004, 1, 1), district="Multan")
    assert problems(Person(woman), section) == []


def test_family_members_are_judged_on_their_own_age_and_gender(make_user, make_section, add_rule):
    section = make_section()
    add_rule(section=section, kind="age", min_age=8, max_age=14)
    add_rule(section=section, kind="gender", gender="female")
    parent = make_user(date_of_birth=date(1985, 1, 1), gender="male")
    daughter = Dependant(user=parent, full_name="Zainab", relationship_="child", date_of_birth=date(2016, 8, 1),
                         gender="female")  # fmt: skip
    son = Dependant(user=parent, full_name="Hamza", relationship_="child", date_of_birth=date(2020, 1, 1),
                    gender="male")  # fmt: skip
    db.session.add_all([daughter, son])
    db.session.commit()
    assert problems(Person(parent, daughter), section) == []
    assert problems(Person(parent, son), section) == [
        "This cohort is for ages 8–14; Hamza will be 6 on 16 March 2026.",
        "This cohort is for women and girls only.",
    ]


def test_refusal_is_shown_in_urdu(app, make_user, make_section, add_rule):
    section = make_section()
    add_rule(section=section, kind="gender", gender="female")
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ur"):
        text = problems(Person(make_user(gender="male")), section)[0]
    assert text == "یہ گروپ صرف خواتین اور لڑکیوں کے لیے ہے۔"


@pytest.mark.parametrize("kind", ["enrol"])
def test_not_eligible_refuses_enrolment(kind, make_user, make_section, add_rule):
    section = make_section()
    add_rule(section=section, kind="gender", gender="female")
    with pytest.raises(services.NotEligible) as info:
        services.enrol(make_user(gender="male"), section.id, submission_token="t1")
    assert "women and girls only" in str(info.value)


@pytest.mark.parametrize(
    ("seats", "english", "urdu"),
    [
        (1, "1 seat kept for women and girls until enrolment closes", "1 نشست خواتین اور لڑکیوں کے لیے مخصوص ہے"),
        (2, "2 seats kept for women and girls until enrolment closes", "2 نشستیں خواتین اور لڑکیوں کے لیے مخصوص ہیں"),
    ],
)
def test_reserved_seats_are_counted_in_words_that_fit_the_number(app, make_section, seats, english, urdu):
    """One reserved seat is "1 seat … is kept" (it read "1 seats"), in English and in Urdu alike."""
    from flask_babel import force_locale

    from portal.education.eligibility import describe_reserved

    section = make_section(capacity=5, reserved_kind="gender", reserved_value="female", reserved_seats=seats)
    described = describe_reserved(section)  # lazy: in the language of the page that shows it
    with app.test_request_context(), force_locale("en"):
        assert str(described) == english
    with app.test_request_context(), force_locale("ur"):
        assert urdu in str(described)
