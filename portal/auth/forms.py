"""Forms of the auth layer. Field validators check shape; services check rules."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from portal.auth.models import GENDERS, RELATIONSHIPS, STAFF_ROLES
from portal.forms import (
    CNIC,
    THEIR_CNIC,
    AnyDigitsDateField,
    FlaskForm,
    NotInFuture,
    NotTooOld,
    PakistaniMobile,
    SubmissionTokenMixin,
    district_field,
)
from portal.validation import PASSWORD_MAX_LENGTH, normalise_cnic, normalise_mobile, password_problem, typed_number

GENDER_CHOICES = [("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other"))]
RELATIONSHIP_CHOICES = [
    ("spouse", _l("Husband or wife")),
    ("child", _l("Son or daughter")),
    ("parent", _l("Mother or father")),
    ("sibling", _l("Brother or sister")),
    ("other", _l("Other relative")),
]
# A family member's relationship in one word where their gender says which (the family list): "Daughter",
# not "Son or daughter"; "Other" gender, or "Other relative", keeps the choice's words.
GENDERED_RELATIONSHIPS = {
    ("spouse", "male"): _l("Husband"),
    ("spouse", "female"): _l("Wife"),
    ("child", "male"): _l("Son"),
    ("child", "female"): _l("Daughter"),
    ("parent", "male"): _l("Father"),
    ("parent", "female"): _l("Mother"),
    ("sibling", "male"): _l("Brother"),
    ("sibling", "female"): _l("Sister"),
}
LANGUAGE_CHOICES = [("en", "English"), ("ur", "اردو")]
assert {c for c, _ in GENDER_CHOICES} == set(GENDERS)
assert {c for c, _ in RELATIONSHIP_CHOICES} == set(RELATIONSHIPS)


def relationship_label(relationship: str, gender: str | None):
    """What a family member is to the account holder, in one word when their gender says which."""
    return GENDERED_RELATIONSHIPS.get((relationship, gender)) or dict(RELATIONSHIP_CHOICES).get(relationship, "")


_required = _l("This field is required.")


class StrongPassword:
    """At least 10 characters, not all digits, not the CNIC or mobile number typed on the form."""

    def __call__(self, form, field):
        cnic = normalise_cnic(getattr(form, "cnic", None) and form.cnic.data)
        mobile = normalise_mobile(getattr(form, "mobile", None) and form.mobile.data)
        problem = password_problem(
            field.data or "",
            cnic=cnic or getattr(form, "known_cnic", None),
            mobile=mobile or getattr(form, "known_mobile", None),
        )
        if problem:
            raise ValidationError(problem)


def password_length() -> Length:
    """The one limit on a password's length, on every password box: checked on the server, and given
    to the browser as maxlength, so that what is typed at sign-in is never cut shorter than what was
    accepted when the password was chosen."""
    return Length(max=PASSWORD_MAX_LENGTH, message=_l("Use at most %(max)s characters."))


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(_required), Length(max=120)])
    cnic = StringField(_l("CNIC number"), validators=[DataRequired(_required), CNIC()])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(_required), PakistaniMobile()])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Length(max=254)])
    date_of_birth = AnyDigitsDateField(
        _l("Date of birth"), validators=[InputRequired(_l("Enter your date of birth.")), NotInFuture(), NotTooOld()]
    )
    gender = RadioField(_l("Gender"), choices=GENDER_CHOICES, validators=[InputRequired(_l("Choose one."))])
    district = district_field(validators=[DataRequired(_l("Choose your district."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_required), password_length(), StrongPassword()])
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(_required),
            password_length(),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree that the portal keeps these details."),
        validators=[DataRequired(_l("Please accept the privacy notice to create an account."))],
    )

    def validate_email(self, field):
        if field.data:
            from email_validator import EmailNotValidError, validate_email

            try:
                field.data = validate_email(field.data, check_deliverability=False).normalized
            except EmailNotValidError:
                raise ValidationError(_l("Enter an email address like name@example.com.")) from None


_DIGITS_AND_DASHES = re.compile(r"[0-9-]+")


class NotAMobileNumber:
    """Accounts are found by CNIC or email only: a mobile number typed instead (a person thinks of the
    number they registered with) is said to be the wrong kind of thing, rather than answered "do not
    match our records" at sign-in or "if an account matches, we sent a link" that never comes. Only
    the shape is looked at, so it tells nothing about which accounts exist."""

    def __call__(self, form, field):
        text = (field.data or "").strip()
        if "@" in text or normalise_cnic(text) is not None:
            return
        if normalise_mobile(text) is not None:
            raise ValidationError(
                _l("This looks like a mobile number. Enter your 13-digit CNIC or the email address on your account.")
            )
        if _DIGITS_AND_DASHES.fullmatch(typed_number(text)):
            # A CNIC with a digit missing or one too many matches no account: saying so sends the person
            # to check the number on their card, not to reset a password that may be right.
            raise ValidationError(
                _l("A CNIC has 13 digits, for example 35202-1234567-1. Check the number on your card.")
            )


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("CNIC or email"), validators=[DataRequired(_required), Length(max=254), NotAMobileNumber()]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_required), password_length()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_required), password_length()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_required), password_length(), StrongPassword()]
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(_required),
            password_length(),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )

    def validate_password(self, field):
        if field.data and field.data == self.current.data:
            raise ValidationError(_l("Choose a new password: this is your current one."))


class ResetRequestForm(FlaskForm):
    identifier = StringField(
        _l("CNIC or email"), validators=[DataRequired(_required), Length(max=254), NotAMobileNumber()]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_required), password_length(), StrongPassword()]
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(_required),
            password_length(),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )


class ProfileForm(FlaskForm):
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(_required), PakistaniMobile()])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Length(max=254)])
    district = district_field(validators=[DataRequired(_l("Choose your district."))])
    preferred_language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)
    # Asked for by services.update_profile only when the mobile number or the email changes.
    current_password = PasswordField(_l("Current password"), validators=[Optional()])

    validate_email = RegisterForm.validate_email


class DependantForm(SubmissionTokenMixin, FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(_required), Length(max=120)])
    relationship = SelectField(
        _l("Relationship to you"),
        choices=[("", _l("Choose one"))] + RELATIONSHIP_CHOICES,
        validators=[DataRequired(_l("Choose one."))],
    )
    date_of_birth = AnyDigitsDateField(
        _l("Date of birth"), validators=[InputRequired(_l("Enter the date of birth.")), NotInFuture(), NotTooOld()]
    )
    gender = RadioField(_l("Gender"), choices=GENDER_CHOICES, validators=[InputRequired(_l("Choose one."))])
    id_number = StringField(_l("B-form or CNIC number (optional)"), validators=[Optional()])

    def validate_id_number(self, field):
        if field.data and normalise_cnic(field.data) is None:
            raise ValidationError(_l("Enter the 13-digit B-form or CNIC number, or leave it empty."))


class FindUserForm(FlaskForm):
    cnic = StringField(_l("CNIC number"), validators=[DataRequired(_required), CNIC(THEIR_CNIC)])


# The audit log's kinds of event: (value, label, action prefixes).
AUDIT_KINDS = (
    ("account", _l("Accounts and sign-in"), ("account.", "auth.")),
    ("roles", _l("Staff roles"), ("role.",)),
    ("health", _l("Clinics and appointments"), ("health.",)),
    ("education", _l("Courses and enrolments"), ("education.",)),
    ("demo", _l("Demo data"), ("demo.",)),
)


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form: no CSRF token)."""

    cnic = StringField(_l("CNIC number"), validators=[Optional(), CNIC(THEIR_CNIC)])
    kind = SelectField(
        _l("Kind of event"),
        choices=[("", _l("Every kind"))] + [(v, label) for v, label, _ in AUDIT_KINDS],
        default="",
    )


ROLE_CHOICES = [
    ("clinic_admin", _l("Clinic admin")),
    ("school_admin", _l("School admin")),
    ("official", _l("Official")),
    ("superadmin", _l("Superadmin")),
]
assert {c for c, _ in ROLE_CHOICES} == set(STAFF_ROLES)


class GrantRoleForm(SubmissionTokenMixin, FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    # No Optional(): it would stop validate_scope_id from seeing an empty number for a clinic admin.
    # A number or a part of the name; the view looks it up (auth.services.find_scope).
    scope_id = StringField(_l("Clinic or institution (for clinic and school admins)"), [Length(max=120)])
    # Left empty, an official sees every district (and loses the district roles they had): the empty
    # choice says so, rather than "Choose a district", which reads as nothing chosen yet.
    district = district_field(
        _l("District (for officials; empty = whole province)"),
        empty=_l("The whole province (every district)"),
        validators=[Optional()],
    )

    def validate_scope_id(self, field):
        typed = (field.data or "").strip()
        if self.role.data in ("clinic_admin", "school_admin"):
            if not typed:
                raise ValidationError(_l("Enter the number of the clinic or institution, or a part of its name."))
        elif typed:
            raise ValidationError(_l("Only clinic and school admins have a clinic or institution: leave this empty."))

    def validate_district(self, field):
        if field.data and self.role.data != "official":
            raise ValidationError(_l("Only officials have a district: leave this empty."))
