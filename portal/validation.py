"""Shape checks shared by forms and services: CNIC, Pakistani mobile numbers, passwords, and the
digits and dashes of a number as people type it."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from flask_babel import lazy_gettext as _l

from portal.folding import ascii_digits, fold

# A decimal digit of any script: Python's \d on str is Unicode's Nd, the characters unicodedata.decimal reads.
# The dashes people type or paste between a number's groups: hyphen-minus, hyphen, non-breaking
# hyphen, figure dash, en and em dash, minus sign, small and fullwidth hyphen-minus.
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d]")
_CNIC_TYPED = re.compile(r"[0-9]{5}-?[0-9]{7}-?[0-9]", re.ASCII)


def typed_number(text: str | None) -> str:
    """A number as typed, ready to be matched: its digits in ASCII, every dash a hyphen-minus, and
    spaces of any kind (a no-break space, a thin space), and the invisible marks that right-to-left
    keyboards and copied text put around numbers (LRM, RLM, ALM, zero-width ones), taken out."""
    text = ascii_digits(_DASHES.sub("-", text or ""))
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def normalise_cnic(text: str | None) -> str | None:
    """13 ASCII digits from ``35202-1234567-1`` or ``3520212345671``, typed in any script's digits and
    with any dash or spaces between the groups; None if it is not a CNIC."""
    text = typed_number(text)
    if not _CNIC_TYPED.fullmatch(text):
        return None
    return text.replace("-", "")


def normalise_mobile(text: str | None) -> str | None:
    """E.164 (``+923001234567``) for a valid Pakistani mobile number; None otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "PK")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 92 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_mobile(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "PK")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


PASSWORD_MIN_LENGTH = 10
# The longest password accepted anywhere: registration, a new password and a reset refuse a longer one,
# and every password box (sign-in included) says so with maxlength. One number for all of them: a
# longer password accepted at registration was cut short by the sign-in box, and never matched.
PASSWORD_MAX_LENGTH = 200


def password_problem(password: str, cnic: str | None = None, mobile: str | None = None):
    """The first reason this password is too weak, as a translatable message, or None."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=PASSWORD_MIN_LENGTH)
    if password.isdigit():
        return _l("Use letters as well as numbers; a password of only digits is easy to guess.")
    digits = re.sub(r"[^0-9]", "", ascii_digits(password))
    if cnic and (digits == cnic or cnic in digits):
        return _l("Do not use your CNIC as your password.")
    if mobile:
        local = re.sub(r"\D", "", mobile)
        national = "0" + local[2:] if local.startswith("92") else local
        if digits and (digits in (local, national) or national in digits or local in digits):
            return _l("Do not use your mobile number as your password.")
    return None


def name_key(name: str) -> str:
    """A name as people tell names apart: case, runs of spaces, invisible characters (a zero-width
    space, a soft hyphen, a direction mark) and the spelling of a letter (é as one letter or as e and an
    accent) aside: "Eye  OPD" is "eye opd" (portal.folding.fold). Urdu letters an Arabic keyboard types
    (ي for ی) are not read as the Urdu ones here: a search finds either, but a name is kept as typed."""
    return fold(name, letters=False)


def same_name_among(names, name: str) -> str | None:
    """The first of ``names`` that people could not tell from ``name``, or None."""
    wanted = name_key(name)
    return next((other for other in names if name_key(other) == wanted), None)
