"""Shape rules shared by forms and services: CNIC, mobile numbers, passwords."""

import pytest

from portal.refs import normalise_reference
from portal.validation import ascii_digits, format_mobile, normalise_cnic, normalise_mobile, password_problem


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
    "typed",
    [
        "۳۵۲۰۲-۱۲۳۴۵۶۷-۱",  # Urdu (Extended Arabic-Indic) digits, as an Urdu keyboard writes them
        "٣٥٢٠٢-١٢٣٤٥٦٧-١",  # Arabic-Indic digits
        "３５２０２－１２３４５６７－１",  # fullwidth digits and hyphen-minus
        "۳۵۲۰۲1234567-۱",  # mixed
        "35202–1234567–1",  # en dash
        "35202\u22121234567\u22121",  # minus sign
        "35202\u20111234567\u20111",  # non-breaking hyphen
        "35202\u00a01234567\u00a01",  # no-break space
        "35202\u202f1234567\u20091",  # narrow no-break space, thin space
        "\u200f۳۵۲۰۲-۱۲۳۴۵۶۷-۱\u200e",  # RLM and LRM around it, as copied from Urdu text
    ],
)
def test_normalise_cnic_reads_any_digits_dashes_and_spaces(typed):
    assert normalise_cnic(typed) == "3520212345671"


@pytest.mark.parametrize("typed", ["²5202-1234567-1", "35202-1234567-۱۲", "35202--1234567-1", "35202_1234567_1"])
def test_normalise_cnic_refuses_what_is_not_a_cnic(typed):
    assert normalise_cnic(typed) is None


def test_ascii_digits():
    assert ascii_digits("۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩ ０１２３４５６７８９ ०१२") == "0123456789 0123456789 0123456789 012"
    assert ascii_digits("کلینک ۱۲ B") == "کلینک 12 B"
    assert ascii_digits("²³") == "²³"  # not decimal digits: left as they are
    assert ascii_digits("H-7KQ2") == "H-7KQ2"


@pytest.mark.parametrize("typed", ["H-7KQ2-9FXD", "h-7kq2-9fxd", " H-۷KQ۲-۹FXD ", "H–7KQ2–9FXD", "H-7KQ2 -9FXD"])
def test_normalise_reference_reads_any_digits_and_dashes(typed):
    assert normalise_reference(typed) == "H-7KQ2-9FXD"


def test_password_with_the_cnic_in_urdu_digits():
    assert password_problem("Secret ۳۵۲۰۲۱۲۳۴۵۶۷۱", cnic="3520212345671") == "Do not use your CNIC as your password."


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
