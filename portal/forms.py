"""Form pieces shared by every package: fields for CNIC, mobile, dates, and the submission token."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import ValidationError

from portal import clock
from portal.auth.validation import normalise_cnic, normalise_mobile
from portal.districts import DISTRICTS


class CNIC:
    """Validator: 13 digits, typed with or without dashes. Leaves the digits in ``field.cnic``."""

    def __call__(self, form, field):
        digits = normalise_cnic(field.data)
        if digits is None:
            raise ValidationError(_l("Enter your 13-digit CNIC, for example 35202-1234567-1."))
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


def district_field(label=None, **kwargs) -> SelectField:
    return SelectField(
        label or _l("Home district"),
        choices=[("", _l("Choose a district"))] + [(name, label) for name, label in DISTRICTS],
        **kwargs,
    )


class SubmissionTokenMixin:
    """A one-time token stored with the record it creates: a second post of the same form finds
    the first record instead of creating another (double click, retry on a slow link)."""

    submission_token = HiddenField()

    def ensure_token(self) -> str:
        if not self.submission_token.data:
            self.submission_token.data = secrets.token_urlsafe(16)
        return self.submission_token.data


__all__ = ["CNIC", "FlaskForm", "NotInFuture", "NotTooOld", "PakistaniMobile", "SubmissionTokenMixin", "district_field"]
