"""The school admin's section and rule forms: each error beside the field to correct, dates in an order
that can happen, and a date or time typed in another format answered with the format to use."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from portal.education.forms import RuleForm, SectionForm

SECTION = {
    "name": "Evening", "start_date": "2026-04-01", "end_date": "2026-05-30", "meeting_days": ["tue", "thu"],
    "start_time": "17:00", "end_time": "19:00", "venue": "Room 2", "capacity": "20", "reserved_kind": "",
    "reserved_seats": "0", "enrol_opens": "2026-03-01", "enrol_closes": "2026-03-25", "drop_deadline": "2026-04-10",
    "waitlist_enabled": "y",
}  # fmt: skip


@pytest.fixture
def section_errors(app):
    app.config["WTF_CSRF_ENABLED"] = False

    def check(**changes) -> dict:
        data = MultiDict({**SECTION, **changes})
        data.setlist("meeting_days", changes.get("meeting_days", SECTION["meeting_days"]))
        form = SectionForm(formdata=data)
        form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}

    return check


def test_the_example_section_is_valid(section_errors):
    assert section_errors() == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_date": "2026-03-31"}, "end_date", "The last day cannot be before the first day."),
        ({"enrol_closes": "2026-02-28"}, "enrol_closes", "Enrolment cannot close before it opens."),
        # The drop deadline before enrolment even opens (the review's section 41).
        ({"drop_deadline": "2026-02-01"}, "drop_deadline", "The last day to drop cannot be before enrolment opens."),
        ({"drop_deadline": "2026-06-01"}, "drop_deadline",
         "The last day to drop must be on or before the last day of the course."),
        # Enrolment opening after the course has ended: said beside "Enrolment opens".
        ({"enrol_opens": "2026-06-01", "enrol_closes": "2026-06-10"}, "enrol_opens",
         "Enrolment must open on or before the last day of the course."),
    ],
)  # fmt: skip
def test_dates_in_an_impossible_order_are_refused_beside_the_field(section_errors, changes, field, message):
    assert message in section_errors(**changes).get(field, [])


@pytest.mark.parametrize("typed", ["31/12/2026", "tomorrow", "2026-13-01"])
@pytest.mark.parametrize("field", ["start_date", "end_date", "enrol_opens", "enrol_closes", "drop_deadline"])
def test_a_date_in_another_format_is_answered_with_the_format(section_errors, field, typed):
    errors = section_errors(**{field: typed})
    assert errors[field] == ["Enter the date as year-month-day, for example 2026-12-31."]


def test_a_malformed_date_is_kept_in_the_box_and_an_empty_one_is_asked_for(app, section_errors):
    app.config["WTF_CSRF_ENABLED"] = False
    form = SectionForm(formdata=MultiDict({**SECTION, "start_date": "31/12/2026"}))
    form.validate()
    assert form.start_date._value() == "31/12/2026"
    assert section_errors(start_date="")["start_date"] == ["Enter the first day."]


@pytest.mark.parametrize("typed", ["5pm", "17.30", "25:00"])
def test_a_time_in_another_format_is_answered_with_the_format(section_errors, typed):
    assert section_errors(start_time=typed)["start_time"] == [
        "Enter the time as hours:minutes on the 24-hour clock, for example 17:30."
    ]


@pytest.fixture
def rule_errors(app):
    app.config["WTF_CSRF_ENABLED"] = False

    def check(**data) -> dict:
        formdata = MultiDict({"applies_to": "course", **data})
        if isinstance(data.get("districts"), list):
            formdata.setlist("districts", data["districts"])
        form = RuleForm(formdata=formdata)
        form.applies_to.choices = [("course", "Every section")]
        form.prerequisite.choices = [("", "Choose a course"), ("7", "Computer Basics")]
        form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}

    return check


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "age", "min_age": "50", "max_age": "10"}, "min_age",
         "The youngest age cannot be more than the oldest age."),
        ({"kind": "age"}, "min_age", "Enter the youngest age, the oldest age, or both."),
        ({"kind": "gender"}, "gender", "Choose who the cohort is for."),
        ({"kind": "district"}, "districts", "Choose at least one district."),
        ({"kind": "prerequisite"}, "prerequisite", "Choose the course to complete first."),
    ],
)  # fmt: skip
def test_rule_errors_go_beside_the_field_to_fill_in_not_the_condition(rule_errors, data, field, message):
    assert rule_errors(**data) == {field: [message]}


def test_a_complete_rule_is_valid_and_a_range_error_is_not_repeated(rule_errors):
    assert rule_errors(kind="age", min_age="18", max_age="35") == {}
    assert rule_errors(kind="district", districts=["Lahore"]) == {}
    assert rule_errors(kind="prerequisite", prerequisite="7") == {}
    # An age out of range is said once, by the field's own check.
    assert rule_errors(kind="age", min_age="200") == {"min_age": ["Enter an age from 0 to 120."]}
