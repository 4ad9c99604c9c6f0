"""Shape rules shared by forms and services: CNIC, mobile numbers, passwords."""

import pytest

from portal.validation import format_mobile, normalise_cnic, normalise_mobile, password_problem


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("35202-1234567-1", "3520212345671"),
        ("3520212345671", "3520212345671"),
        (" 35202 1234567 1 ", "3520212345671"),
        ("352021234567", None),
        ("35202-1234567-12", None),
        ("3520-21234567-1", None),
        ("abcde-fghijkl-m", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_cnic(typed, stored):
    assert normalise_cnic(typed) == stored


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0300 1234567", "+923001234567"),
        ("03001234567", "+923001234567"),
        ("+92 300 1234567", "+923001234567"),
        ("0092-321-7654321", "+923217654321"),
        ("0345-1234567", "+923451234567"),
        ("042 35761234", None),  # a Lahore landline, not a mobile
        ("0300 12345", None),
        ("+44 7700 900123", None),  # a British mobile
        ("not a number", None),
        ("", None),
    ],
)
def test_normalise_mobile(typed, e164):
    assert normalise_mobile(typed) == e164


def test_format_mobile_shows_the_national_form():
    assert format_mobile("+923001234567") == "0300 1234567"
    assert format_mobile(None) == ""


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-1", "at least 10"),
        ("1234567890123", "only digits"),
        ("3520212345671", "only digits"),
        ("cnic3520212345671", "CNIC"),
        ("35202-1234567-1x", "CNIC"),
        ("my03001234567", "mobile"),
        ("+923001234567", "mobile"),
        ("Green-valley-2026", None),
    ],
)
def test_password_rules(app, password, problem):
    with app.test_request_context():
        result = password_problem(password, cnic="3520212345671", mobile="+923001234567")
        if problem is None:
            assert result is None
        else:
            assert problem in str(result)
