"""Form pieces shared by every package: fields for CNIC, mobile, dates, and the submission token."""

from __future__ import annotations

import re
import secrets

from flask_babel import get_locale, get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import DateField, DecimalField, HiddenField, SelectField, SelectMultipleField, TimeField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import clock
from portal.districts import districts_in_order
from portal.validation import normalise_cnic, normalise_mobile, typed_number

# WTForms' messages that say nothing to a citizen, in either language, and what is said instead. "Invalid
# Choice: could not coerce." is what a select or radio group of numbers (a service, a weekday, who an
# appointment is for) says when it is sent empty or with something that is not among its options.
# WTForms %-formats the plural one with the refused values, which the portal's wording leaves out.
_PLAIN_WORDS = {
    "Invalid Choice: could not coerce.": _l("Choose only from the options listed."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Choose only from the options listed."),
    "'%(value)s' is not a valid choice for this field.": _l("Choose only from the options listed."),
}


class _PortalTranslations:
    """WTForms' own messages ("Not a valid choice.") through the portal's catalogues, so that
    they appear in Urdu too (WTForms ships no Urdu catalogue); those in _PLAIN_WORDS in plain words."""

    # Not flask_babel.gettext/ngettext: they would %-format, and WTForms formats these itself.
    def gettext(self, string):
        plain = _PLAIN_WORDS.get(string)
        if plain is not None:
            return str(plain)
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        plain = _PLAIN_WORDS.get(singular)
        if plain is not None:
            return str(plain)
        return get_translations().ungettext(singular, plural, n)


# Translated select choices per (form class, field, locale): a list of 37 lazy labels cost search
# pages ~20 ms to translate on every render. Only a list written in the form's class is kept; one
# from a function (districts sorted per language, the services offered today) may change from one
# request to the next, and has its few lazy labels translated each time.
_TRANSLATED_CHOICES: dict[tuple[type, str, str], list] = {}


class FlaskForm(_FlaskForm):
    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):
            return _PortalTranslations()

        def render_field(self, field, render_kw):
            # The CSRF token is written without an id: a page with one small form per row (remove
            # these hours, approve this person, mark arrived) would otherwise repeat id="csrf_token",
            # and no label or script points at it.
            if field.type == "CSRFTokenField":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = str(get_locale())
        for field in self:
            if not isinstance(field, SelectField) or not isinstance(field.choices, list | tuple):
                continue
            key = (type(self), field.name, locale)
            translated = _TRANSLATED_CHOICES.get(key)
            if translated is None:
                if not any(isinstance(choice, tuple) and isinstance(choice[1], LazyString) for choice in field.choices):
                    continue
                translated = [
                    (choice[0], str(choice[1]), *choice[2:]) if isinstance(choice, tuple) else choice
                    for choice in field.choices
                ]
                declared = getattr(type(self), field.name, None)  # the class keeps its UnboundField
                if not callable(getattr(declared, "kwargs", {}).get("choices")):
                    _TRANSLATED_CHOICES[key] = translated
            field.choices = list(translated)


class SearchForm(FlaskForm):
    """A search page's filters, read from the query string (no CSRF token: a search changes nothing).
    A filter that does not validate (a stale or edited link, a district or service no longer listed)
    is left out and says so beside its field, and the others still apply: the page never fails over
    a link."""

    class Meta:
        csrf = False

    def valid_data(self) -> dict:
        """Each field's value, None for one that did not validate. A choice of only spaces
        (``?weeks=%20``), which WTForms' ``Optional`` lets through as it is, is the blank choice: any."""
        self.validate()
        for field in self:
            if field.errors and isinstance(field, SelectField):
                field.errors = [_l("This choice is not on the list, so the search leaves it out.")]
            elif isinstance(field, SelectField) and isinstance(field.data, str) and not field.data.strip():
                field.data = ""
        return {field.name: None if field.errors else field.data for field in self}


# WTForms' messages, listed here so that pybabel extracts them into messages.po.
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid datetime value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid week value."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Invalid URL."),
    _l("Invalid IP address."),
    _l("Invalid Mac address."),
    _l("Invalid UUID."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field is required."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Field must be equal to %(other_name)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext(
        "Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1
    ),
    lazy_ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1),
)


class CheckboxGroupField(SelectMultipleField):
    """Several choices as a group of checkboxes, which the forms macro renders as a fieldset with a
    legend. Not a ``<select multiple>``: choosing several options there needs Ctrl or Cmd, which phones
    lack. A value that is not among the choices is refused with a message that does not repeat it."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Choose only from the options listed."))
        super().__init__(label, validators, **kwargs)

    def __iter__(self):
        # ``required`` on each box would ask for every box to be ticked; "at least one" is the group's rule.
        for option in super().__iter__():
            option.flags.required = False
            yield option


class AnyDigitsDateField(DateField):
    """A date whose digits may be typed in any script ("۲۰۲۶-۱۲-۳۱" in Urdu digits), and its dashes as
    any dash: read as 2026-12-31 (strptime reads only ASCII digits)."""

    def process_formdata(self, valuelist):
        super().process_formdata([typed_number(value) for value in valuelist])


class TypedDateField(AnyDigitsDateField):
    """A date typed as year-month-day. Browsers without a date picker show a text box, where people
    type 31/12/2026 or "tomorrow": they are told the format (WTForms says only "Not a valid date
    value.") and what they typed stays in the box to be corrected."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter the date as year-month-day, for example 2026-12-31.")) from None


class TypedTimeField(TimeField):
    """A time typed as hours:minutes on the 24-hour clock, with the format in the message when it is not;
    its digits in any script."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata([typed_number(value) for value in valuelist])
        except ValueError:
            raise ValueError(_l("Enter the time as hours:minutes on the 24-hour clock, for example 17:30.")) from None


class FiniteDecimalField(DecimalField):
    """A decimal number; every form of the portal takes its amounts through this field, never WTForms'
    DecimalField. Python's Decimal reads "NaN", "sNaN" and "Infinity" as numbers, and WTForms keeps them:
    NumberRange then fails on a signalling NaN with an exception (a 500). They are refused here as any
    other text that is not a number, at the field (``invalid_value_message``, or WTForms' "Not a valid
    decimal value."), and alone: a range check does not follow on a value not read as a number."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid decimal value."))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


# What a member of staff typing someone else's CNIC (a walk-in, the person to give a role) is told.
THEIR_CNIC = _l("Enter the person's 13-digit CNIC, for example 35202-1234567-1.")


class CNIC:
    """Validator: 13 digits, typed with or without dashes. Leaves the digits in ``field.cnic``. The
    message asks for the person's own CNIC unless told otherwise (``THEIR_CNIC`` on staff pages)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        digits = normalise_cnic(field.data)
        if digits is None:
            raise ValidationError(self.message or _l("Enter your 13-digit CNIC, for example 35202-1234567-1."))
        field.cnic = digits


class PakistaniMobile:
    """Validator: a Pakistani mobile number. Leaves the E.164 form in ``field.e164``."""

    def __call__(self, form, field):
        e164 = normalise_mobile(field.data)
        if e164 is None:
            raise ValidationError(_l("Enter a Pakistani mobile number, for example 0300 1234567."))
        field.e164 = e164


class NotInFuture:
    def __call__(self, form, field):
        if field.data and field.data > clock.today():
            raise ValidationError(_l("This date cannot be in the future."))


class NotTooOld:
    def __call__(self, form, field):
        if field.data and field.data.year < 1900:
            raise ValidationError(_l("Enter a real date of birth."))


# The attributes of a field typed in Urdu (render_kw): right to left, and marked as Urdu for screen
# readers and fonts, on English pages too.
URDU_INPUT = {"dir": "rtl", "lang": "ur"}
# Its English sibling: left to right on Urdu pages too (typed right to left, "OPD (General)." reads
# ".(OPD (General").
ENGLISH_INPUT = {"dir": "ltr", "lang": "en"}


def optional_text(field) -> str | None:
    """What was typed in an optional text field, without surrounding spaces; None when nothing was
    (an Urdu name, address or venue left empty is shown in English)."""
    return (field.data or "").strip() or None


def offer_choices(field, refused: dict, first_look: bool, choose_first: bool = False) -> int:
    """Show every choice of the radio ``field`` (who a booking or an enrolment is for), those in
    ``refused`` (value -> the label to show instead, saying why) greyed out and unselectable, rather
    than offered only to be refused after the click. On ``first_look`` (the form's GET) the one choice
    left, or with ``choose_first`` the first of them, is chosen. Returns how many can be chosen. A
    posted value is still checked by the service: a page opened earlier may post a refused one."""
    choices = [
        (value, refused[value], {"disabled": True}) if value in refused else (value, label, {})
        for value, label, *_rest in field.choices
    ]
    field.choices = choices
    offered = [value for value, _label, render_kw in choices if not render_kw]
    if first_look:
        field.data = offered[0] if offered and (choose_first or len(offered) == 1) else None
    return len(offered)


def district_field(label=None, empty=None, **kwargs) -> SelectField:
    """A select of the 36 districts; ``empty`` names what choosing none means (by default nothing
    chosen yet: "Choose a district")."""
    return SelectField(
        label or _l("Home district"),
        choices=lambda: [("", empty or _l("Choose a district"))] + districts_in_order(),
        **kwargs,
    )


class SubmissionTokenMixin:
    """A one-time token kept with the record the form creates (in its own column for bookings, walk-ins
    and enrolments; in portal.submissions for the other forms that create something): a second post
    of the same form finds the first record instead of creating another (double click, retry on a
    slow link). The page calls ensure_token() before it is shown, on a first look and when it comes
    back with an error (the token sent is kept)."""

    # Only what ensure_token() makes is kept: anything else (a NUL byte that PostgreSQL refuses, a huge
    # string) counts as no token, so that post simply is not deduplicated.
    submission_token = HiddenField(
        filters=[lambda value: value if value and re.fullmatch(r"[A-Za-z0-9_-]{8,64}", value) else None]
    )

    def ensure_token(self) -> str:
        if not self.submission_token.data:
            self.submission_token.data = secrets.token_urlsafe(16)
        return self.submission_token.data


__all__ = [
    "CNIC",
    "ENGLISH_INPUT",
    "URDU_INPUT",
    "FlaskForm",
    "NotInFuture",
    "NotTooOld",
    "PakistaniMobile",
    "SubmissionTokenMixin",
    "THEIR_CNIC",
    "AnyDigitsDateField",
    "FiniteDecimalField",
    "TypedDateField",
    "TypedTimeField",
    "district_field",
]
