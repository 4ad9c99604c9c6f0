"""Forms for health. Field validators check shape; services check the booking and schedule rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import (
    CNIC,
    ENGLISH_INPUT,
    URDU_INPUT,
    FlaskForm,
    PakistaniMobile,
    SubmissionTokenMixin,
    district_field,
)
from portal.health.models import CLINIC_TYPES

_required = _l("This field is required.")

CLINIC_TYPE_CHOICES = [
    ("teaching_opd", _l("Teaching hospital OPD")),
    ("dhq", _l("DHQ hospital")),
    ("thq", _l("THQ hospital")),
    ("rhc", _l("Rural health centre")),
    ("bhu", _l("Basic health unit")),
    ("dispensary", _l("Dispensary")),
    ("vaccination", _l("Vaccination centre")),
]
assert {c for c, _ in CLINIC_TYPE_CHOICES} == set(CLINIC_TYPES)
CLINIC_TYPE_LABELS = dict(CLINIC_TYPE_CHOICES)

WEEKDAY_CHOICES = [
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
]
WEEKDAY_LABELS = dict(WEEKDAY_CHOICES)

STATUS_LABELS = {
    "booked": _l("Booked"),
    "arrived": _l("Arrived"),
    "seen": _l("Seen"),
    "no_show": _l("Did not come"),
    "cancelled": _l("Cancelled"),
}


class BookForm(SubmissionTokenMixin, FlaskForm):
    person = RadioField(_l("Who is the appointment for?"), coerce=int, validators=[InputRequired(_l("Choose one."))])


class ConfirmForm(FlaskForm):
    """A button that posts: cancel an appointment, confirm a reschedule."""


class ClinicForm(FlaskForm):
    name = StringField(
        _l("Clinic name in English"), validators=[DataRequired(_required), Length(max=160)], render_kw=ENGLISH_INPUT
    )
    name_ur = StringField(
        _l("Clinic name in Urdu (optional)"), validators=[Optional(), Length(max=160)], render_kw=URDU_INPUT
    )
    type = SelectField(_l("Type"), choices=CLINIC_TYPE_CHOICES, validators=[DataRequired(_required)])
    district = district_field(_l("District"), validators=[DataRequired(_l("Choose a district."))])
    address = TextAreaField(_l("Address"), validators=[DataRequired(_required), Length(max=300)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=20)])
    active = BooleanField(_l("Open for bookings"), default=True)
    confirm = BooleanField(_l("Cancel the affected appointments and tell each person"))


class ServiceForm(FlaskForm):
    name = StringField(
        _l("Service name in English"), validators=[DataRequired(_required), Length(max=120)], render_kw=ENGLISH_INPUT
    )
    name_ur = StringField(_l("Name in Urdu (optional)"), validators=[Optional(), Length(max=120)], render_kw=URDU_INPUT)
    slot_minutes = IntegerField(
        _l("Length of each appointment (minutes)"),
        validators=[InputRequired(_required), NumberRange(5, 240, _l("Between 5 and 240 minutes."))],
        default=15,
    )
    places_per_slot = IntegerField(
        _l("Places at each time"),
        validators=[InputRequired(_required), NumberRange(1, 500, _l("Between 1 and 500."))],
        default=1,
    )
    min_notice_hours = IntegerField(
        _l("Minimum notice (hours)"),
        validators=[InputRequired(_required), NumberRange(0, 720, _l("Between 0 and 720 hours."))],
        default=2,
    )
    horizon_days = IntegerField(
        _l("How many days ahead people may book"),
        validators=[InputRequired(_required), NumberRange(1, 90, _l("Between 1 and 90 days."))],
        default=14,
    )
    cancel_cutoff_hours = IntegerField(
        _l("Cancellation cut-off (hours before)"),
        validators=[InputRequired(_required), NumberRange(0, 168, _l("Between 0 and 168 hours."))],
        default=2,
    )
    practitioner = StringField(_l("Doctor or practitioner (optional)"), validators=[Optional(), Length(max=120)])
    active = BooleanField(_l("Taking appointments"), default=True)
    confirm = BooleanField(_l("Cancel the affected appointments and tell each person"))


class HoursForm(FlaskForm):
    weekday = SelectField(_l("Day of the week"), choices=WEEKDAY_CHOICES, coerce=int)
    start = TimeField(_l("Opens at"), validators=[InputRequired(_l("Enter a time like 09:00."))])
    end = TimeField(_l("Closes at"), validators=[InputRequired(_l("Enter a time like 14:00."))])
    break_start = TimeField(_l("Break starts (optional)"), validators=[Optional()])
    break_end = TimeField(_l("Break ends (optional)"), validators=[Optional()])
    confirm = BooleanField(_l("Cancel the affected appointments and tell each person"))

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The closing time must be after the opening time."))

    def validate_break_end(self, field):
        bs, be = self.break_start.data, field.data
        if (bs is None) != (be is None):
            raise ValidationError(_l("Give both the start and the end of the break, or neither."))
        if bs and be:
            if be <= bs:
                raise ValidationError(_l("The break must end after it starts."))
            if self.start.data and self.end.data and (bs <= self.start.data or be >= self.end.data):
                raise ValidationError(_l("The break must be inside the opening hours."))


class ClosureForm(FlaskForm):
    service_id = SelectField(_l("Closed for"), coerce=int)
    start_date = DateField(_l("First closed day"), validators=[InputRequired(_l("Enter a date."))])
    end_date = DateField(_l("Last closed day"), validators=[InputRequired(_l("Enter a date."))])
    reason = StringField(_l("Reason"), validators=[DataRequired(_required), Length(max=200)])
    confirm = BooleanField(_l("Cancel the affected appointments and tell each person"))

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day must be on or after the first day."))


class StatusForm(FlaskForm):
    status = HiddenField()
    arrival_code = StringField(_l("Arrival code"), validators=[Optional(), Length(max=8)])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the person will see it)"), validators=[DataRequired(_l("Give a reason.")), Length(max=300)]
    )


class WalkInForm(FlaskForm):
    cnic = StringField(_l("CNIC number"), validators=[DataRequired(_required), CNIC()])
    full_name = StringField(_l("Full name (if new to the portal)"), validators=[Optional(), Length(max=120)])
    mobile = StringField(_l("Mobile number (optional)"), validators=[Optional(), PakistaniMobile()])
    service_id = SelectField(_l("Service"), coerce=int)
    mode = RadioField(
        _l("Place"),
        choices=[("slot", _l("Next free time today")), ("queue", _l("Queue token for today"))],
        default="slot",
        validators=[InputRequired(_l("Choose one."))],
    )


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[InputRequired(_l("Enter a date."))])
    end = DateField(_l("To"), validators=[InputRequired(_l("Enter a date."))])

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date must be on or after the start date."))
            if (field.data - self.start.data).days > 366:
                raise ValidationError(_l("Export at most one year at a time."))
