"""Forms for health. Field validators check shape; services check the booking and schedule rules."""

from __future__ import annotations

from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import TextInput

from portal.bilingual import foreign_language, in_language
from portal.forms import (
    CNIC,
    ENGLISH_INPUT,
    THEIR_CNIC,
    URDU_INPUT,
    FlaskForm,
    PakistaniMobile,
    SearchForm,
    SubmissionTokenMixin,
    TypedDateField,
    district_field,
)
from portal.health.models import CLINIC_TYPES
from portal.validation import name_key, typed_number

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


def _service_choices() -> list[tuple]:
    """The services offered somewhere, by the name a reader sees (an English name on an Urdu page is
    marked as English for a screen reader): the search filters by the English name."""
    from portal.health.services import service_names  # the services module imports no forms; this keeps it so

    choices: list[tuple] = [("", _l("All services"))]
    for name, name_ur in service_names():
        shown = in_language(name, name_ur)
        choices.append((name, shown, foreign_language(shown)))
    return choices


class ServiceNameField(SelectField):
    """A service chosen by its name: a spelling people could not tell from a listed one (an older
    link's "General opd" for "General OPD", portal.validation.name_key) is that one, shown chosen."""

    def pre_validate(self, form):
        if self.data:
            wanted = name_key(self.data)
            listed = next((value for value, *_rest in self.iter_choices() if value and name_key(value) == wanted), None)
            if listed is not None:
                self.data = listed
        super().pre_validate(form)


class ClinicSearchForm(SearchForm):
    district = district_field(_l("District"), _l("All districts"), validators=[Optional()])
    service = ServiceNameField(_l("Service"), choices=_service_choices, validators=[Optional()])
    q = SearchField(_l("Clinic name"), validators=[Optional(), Length(max=100)])


class BookForm(SubmissionTokenMixin, FlaskForm):
    person = RadioField(
        _l("Who is the appointment for?"),
        coerce=int,
        validators=[InputRequired(_l("Choose one."))],
        # The choices are the account's people now: one removed in another tab since the page opened.
        invalid_choice_message=_l(
            "The person you chose is no longer on your account (they may have been removed in another window). "
            "Please choose again."
        ),
    )


class ConfirmForm(FlaskForm):
    """A button that posts: cancel an appointment, confirm a reschedule."""


def format_pakistani_phone(text: str | None) -> str | None:
    """A Pakistani landline, mobile or UAN number in the national format the public sees (for example
    ``(042) 99201234``, ``0300 1234567``), from whatever way it was typed; None if it is not one."""
    try:
        number = phonenumbers.parse((text or "").strip(), "PK")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 92 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class PakistaniPhone:
    """Validator: a Pakistani phone number, landline or mobile. Leaves the formatted number in
    ``field.formatted``."""

    def __call__(self, form, field):
        formatted = format_pakistani_phone(field.data)
        if formatted is None:
            raise ValidationError(
                _l("Enter a Pakistani phone number with its area code, for example 042 99201234 or 0300 1234567.")
            )
        field.formatted = formatted


class WholeNumberField(IntegerField):
    """A whole number typed in a text box: what was typed stays in the box when it is not a number (a
    number box would empty it), and it gets one message, not this one and the range's."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip())
            except ValueError:
                self.data = None
                raise ValueError(_l("Enter a whole number in figures, for example 20.")) from None
        elif valuelist:
            self.data = None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the message above is enough: the range says nothing more


class ConfirmsCancellations:
    """The two fields of a schedule change that may cancel bookings: the box the admin ticks, and the
    appointments they were shown when asked (a hidden list of ids), so that the confirmation covers
    those and no others (see admin._apply_schedule_change)."""

    confirm = BooleanField(_l("Cancel the affected appointments and tell each person"))
    reviewed = HiddenField()

    def reviewed_ids(self) -> set[int]:
        return {int(part) for part in (self.reviewed.data or "").split(",") if part.strip().isdigit()}

    def ask_to_confirm(self, affected) -> None:
        """Show ``affected`` to be confirmed: the box unticked (a tick was for another list)."""
        self.reviewed.data = ",".join(str(a.id) for a in affected)
        self.confirm.data = False


class ClinicForm(SubmissionTokenMixin, ConfirmsCancellations, FlaskForm):
    name = StringField(
        _l("Clinic name in English"), validators=[DataRequired(_required), Length(max=160)], render_kw=ENGLISH_INPUT
    )
    name_ur = StringField(
        _l("Clinic name in Urdu (optional)"), validators=[Optional(), Length(max=160)], render_kw=URDU_INPUT
    )
    type = SelectField(_l("Type"), choices=CLINIC_TYPE_CHOICES, validators=[DataRequired(_required)])
    district = district_field(_l("District"), validators=[DataRequired(_l("Choose a district."))])
    address = TextAreaField(
        _l("Address in English"), validators=[DataRequired(_required), Length(max=300)], render_kw=ENGLISH_INPUT
    )
    address_ur = TextAreaField(
        _l("Address in Urdu (optional)"), validators=[Optional(), Length(max=300)], render_kw=URDU_INPUT
    )
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), PakistaniPhone()])
    active = BooleanField(_l("Open for bookings"), default=True)


class ServiceForm(SubmissionTokenMixin, ConfirmsCancellations, FlaskForm):
    name = StringField(
        _l("Service name in English"), validators=[DataRequired(_required), Length(max=120)], render_kw=ENGLISH_INPUT
    )
    name_ur = StringField(_l("Name in Urdu (optional)"), validators=[Optional(), Length(max=120)], render_kw=URDU_INPUT)
    slot_minutes = WholeNumberField(
        _l("Length of each appointment (minutes)"),
        validators=[InputRequired(_required), NumberRange(5, 240, _l("Between 5 and 240 minutes."))],
        default=15,
    )
    places_per_slot = WholeNumberField(
        _l("Places at each time"),
        validators=[InputRequired(_required), NumberRange(1, 500, _l("Between 1 and 500."))],
        default=1,
    )
    min_notice_hours = WholeNumberField(
        _l("Minimum notice (hours)"),
        validators=[InputRequired(_required), NumberRange(0, 720, _l("Between 0 and 720 hours."))],
        default=2,
    )
    horizon_days = WholeNumberField(
        _l("How many days ahead people may book"),
        validators=[InputRequired(_required), NumberRange(1, 90, _l("Between 1 and 90 days."))],
        default=14,
    )
    cancel_cutoff_hours = WholeNumberField(
        _l("Cancellation cut-off (hours before)"),
        validators=[InputRequired(_required), NumberRange(0, 168, _l("Between 0 and 168 hours."))],
        default=2,
    )
    practitioner = StringField(
        _l("Doctor or practitioner (optional)"), validators=[Optional(), Length(max=120)], render_kw=ENGLISH_INPUT
    )
    practitioner_ur = StringField(
        _l("Doctor or practitioner in Urdu (optional)"), validators=[Optional(), Length(max=120)], render_kw=URDU_INPUT
    )
    active = BooleanField(_l("Taking appointments"), default=True)


class HoursForm(ConfirmsCancellations, FlaskForm):
    weekday = SelectField(_l("Day of the week"), choices=WEEKDAY_CHOICES, coerce=int)
    start = TimeField(_l("Opens at"), validators=[InputRequired(_l("Enter a time like 09:00."))])
    end = TimeField(_l("Closes at"), validators=[InputRequired(_l("Enter a time like 14:00."))])
    break_start = TimeField(_l("Break starts (optional)"), validators=[Optional()])
    break_end = TimeField(_l("Break ends (optional)"), validators=[Optional()])

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The closing time must be after the opening time."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Optional() stops each break field's checks when it is empty, so "one without the other" is
        # checked here, and shown at the empty one.
        bs, be = self.break_start, self.break_end
        if not (bs.errors or be.errors) and (bs.data is None) != (be.data is None):
            missing = be if be.data is None else bs
            missing.errors.append(_l("Give both the start and the end of the break, or neither."))
            ok = False
        return ok

    def validate_break_end(self, field):
        bs, be = self.break_start.data, field.data
        if bs and be:
            if be <= bs:
                raise ValidationError(_l("The break must end after it starts."))
            if self.start.data and self.end.data and (bs <= self.start.data or be >= self.end.data):
                raise ValidationError(_l("The break must be inside the opening hours."))


class HoursDeleteForm(ConfirmsCancellations, FlaskForm):
    """Remove one weekday's hours (the Remove button, then the page listing what it would cancel)."""


class ClosureForm(SubmissionTokenMixin, ConfirmsCancellations, FlaskForm):
    service_id = SelectField(_l("Closed for"), coerce=int)
    start_date = TypedDateField(_l("First closed day"), validators=[InputRequired(_l("Enter a date."))])
    end_date = TypedDateField(_l("Last closed day"), validators=[InputRequired(_l("Enter a date."))])
    reason = StringField(
        _l("Reason in English"), validators=[DataRequired(_required), Length(max=200)], render_kw=ENGLISH_INPUT
    )
    reason_ur = StringField(
        _l("Reason in Urdu (optional)"), validators=[Optional(), Length(max=200)], render_kw=URDU_INPUT
    )

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day must be on or after the first day."))


class StatusForm(FlaskForm):
    status = HiddenField()
    # The code from the message, or the CNIC on the card of someone who has lost it.
    arrival_code = StringField(_l("Arrival code or CNIC"), validators=[Optional(), Length(max=20)])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the person will see it)"), validators=[DataRequired(_l("Give a reason.")), Length(max=300)]
    )
    reason_ur = TextAreaField(
        _l("Reason in Urdu (optional)"), validators=[Optional(), Length(max=300)], render_kw=URDU_INPUT
    )


class WalkInForm(SubmissionTokenMixin, FlaskForm):
    cnic = StringField(_l("CNIC number"), validators=[DataRequired(_required), CNIC(THEIR_CNIC)])
    full_name = StringField(_l("Full name (if new to the portal)"), validators=[Optional(), Length(max=120)])
    mobile = StringField(_l("Mobile number (optional)"), validators=[Optional(), PakistaniMobile()])
    # Nothing chosen at first (the view puts "Choose a service" first, and chooses a clinic's only
    # service): a service picked for the officer files a person they did not look at under it.
    service_id = SelectField(
        _l("Service"),
        coerce=lambda value: None if value in (None, "") else int(value),
        validators=[DataRequired(_l("Choose a service."))],
    )
    mode = RadioField(
        _l("Place"),
        choices=[("slot", _l("Next free time today")), ("queue", _l("Queue token for today"))],
        default="slot",
        validators=[InputRequired(_l("Choose one."))],
    )


class DayForm(FlaskForm):
    """The day a daily list shows (?date=YYYY-MM-DD, today when empty); the day is left in ``self.day``."""

    class Meta:
        csrf = False

    date = StringField(_l("Date"), render_kw={"type": "date"})

    def validate_date(self, field):
        # A browser without a date picker sends whatever was typed.
        text = (field.data or "").strip()
        if not text:
            self.day = None
            return
        try:
            day = date.fromisoformat(typed_number(text))
        except ValueError:
            raise ValidationError(_l("Enter a real date as year-month-day, for example 2026-03-15.")) from None
        if not 2000 <= day.year <= 2100:
            raise ValidationError(_l("Enter a date between the years 2000 and 2100."))
        self.day = day


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    # A date in the address (a bookmark, a link typed by hand) in the format it needs, not "Not a valid date value."
    start = TypedDateField(_l("From"), validators=[InputRequired(_l("Enter a date."))])
    end = TypedDateField(_l("To"), validators=[InputRequired(_l("Enter a date."))])

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date must be on or after the start date."))
            if (field.data - self.start.data).days > 366:
                raise ValidationError(_l("Export at most one year at a time."))
