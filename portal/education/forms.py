"""Education forms. Validators check the shape of input; services check the rules."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
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

from portal.districts import districts_in_order
from portal.education.models import (
    CATEGORIES,
    EARLIEST_SECTION_DAY,
    INSTITUTION_TYPES,
    LANGUAGES,
    LATEST_SECTION_DAY,
    LEVELS,
    MODES,
    RULE_KINDS,
    WEEKDAYS,
)
from portal.forms import (
    ENGLISH_INPUT,
    URDU_INPUT,
    CheckboxGroupField,
    FiniteDecimalField,
    FlaskForm,
    SearchForm,
    SubmissionTokenMixin,
    TypedDateField,
    TypedTimeField,
    optional_text,
)

_required = _l("This field is required.")


def _choices(mapping, blank=None):
    items = list(mapping.items())
    return ([("", blank)] if blank is not None else []) + items


class CourseSearchForm(SearchForm):
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    district = SelectField(
        _l("District"), choices=lambda: [("", _l("Any district"))] + districts_in_order(), validators=[Optional()]
    )
    category = SelectField(_l("Subject"), choices=_choices(CATEGORIES, _l("Any subject")), validators=[Optional()])
    mode = SelectField(_l("How it is taught"), choices=_choices(MODES, _l("Any way")), validators=[Optional()])
    fee = SelectField(
        _l("Fee"),
        choices=[("", _l("Free or paid")), ("free", _l("Free")), ("paid", _l("Paid"))],
        validators=[Optional()],
    )
    weeks = SelectField(
        _l("Starting"),
        choices=[
            ("", _l("Any time")),
            ("2", _l("Within 2 weeks")),
            ("4", _l("Within 4 weeks")),
            ("8", _l("Within 8 weeks")),
            ("12", _l("Within 12 weeks")),
        ],
        validators=[Optional()],
    )
    seats = BooleanField(_l("Only with seats free"))

    def valid_filters(self) -> dict:
        """The filters to search with (``SearchForm.valid_data``: one that does not validate is left out)."""
        data = self.valid_data()
        return {
            "q": data["q"] or "",
            "district": data["district"] or "",
            "category": data["category"] or "",
            "mode": data["mode"] or "",
            "fee": data["fee"] or "",
            "weeks": int(data["weeks"]) if data["weeks"] else None,
            "seats": bool(data["seats"]),
        }


class EnrolForm(SubmissionTokenMixin, FlaskForm):
    person = RadioField(_l("Who is enrolling?"), validators=[InputRequired(_l("Choose who is enrolling."))])


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token (drop, approve, remove a rule)."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to the person)"),
        validators=[DataRequired(_l("Give a reason: the person is told it.")), Length(max=500)],
    )


class InstitutionForm(SubmissionTokenMixin, FlaskForm):
    name = StringField(
        _l("Name in English"), validators=[DataRequired(_required), Length(max=160)], render_kw=ENGLISH_INPUT
    )
    name_ur = StringField(_l("Name in Urdu (optional)"), validators=[Optional(), Length(max=160)], render_kw=URDU_INPUT)
    type = SelectField(_l("Type"), choices=_choices(INSTITUTION_TYPES), validators=[DataRequired(_required)])
    district = SelectField(
        _l("District"),
        choices=lambda: [("", _l("Choose a district"))] + districts_in_order(),
        validators=[DataRequired(_required)],
    )
    address = StringField(_l("Address in English"), validators=[Optional(), Length(max=300)], render_kw=ENGLISH_INPUT)
    address_ur = StringField(
        _l("Address in Urdu (optional)"), validators=[Optional(), Length(max=300)], render_kw=URDU_INPUT
    )
    contact = StringField(_l("Contact (phone or email)"), validators=[Optional(), Length(max=120)])
    active = BooleanField(_l("Open (shown to the public)"))

    def data_dict(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "name_ur": optional_text(self.name_ur),
            "type": self.type.data,
            "district": self.district.data,
            "address": (self.address.data or "").strip(),
            "address_ur": optional_text(self.address_ur),
            "contact": (self.contact.data or "").strip(),
            "active": bool(self.active.data),
        }


class CourseForm(SubmissionTokenMixin, FlaskForm):
    title = StringField(
        _l("Title in English"), validators=[DataRequired(_required), Length(max=160)], render_kw=ENGLISH_INPUT
    )
    title_ur = StringField(
        _l("Title in Urdu (optional)"), validators=[Optional(), Length(max=160)], render_kw=URDU_INPUT
    )
    category = SelectField(
        _l("Subject"), choices=_choices(CATEGORIES, _l("Choose one")), validators=[DataRequired(_required)]
    )
    description = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=5000)], render_kw=ENGLISH_INPUT
    )
    description_ur = TextAreaField(
        _l("Description in Urdu (optional)"), validators=[Optional(), Length(max=5000)], render_kw=URDU_INPUT
    )
    level = SelectField(_l("Level"), choices=_choices(LEVELS), validators=[DataRequired(_required)])
    language = SelectField(
        _l("Language of teaching"), choices=_choices(LANGUAGES), validators=[DataRequired(_required)]
    )
    mode = SelectField(_l("How it is taught"), choices=_choices(MODES), validators=[DataRequired(_required)])
    duration = StringField(_l("Duration"), validators=[Optional(), Length(max=60)])
    fee = FiniteDecimalField(
        _l("Fee in rupees (0 for free)"),
        places=2,
        invalid_value_message=_l("Enter the fee in rupees as a number, for example 1500, or 0 if the course is free."),
        validators=[
            InputRequired(_l("Enter the fee, or 0 if the course is free.")),
            NumberRange(min=0, max=10_000_000, message=_l("Enter a fee between 0 and 10,000,000 rupees.")),
        ],
    )
    certificate = BooleanField(_l("A certificate is awarded on completion"))
    active = BooleanField(_l("Open (shown to the public)"))

    def data_dict(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "title_ur": optional_text(self.title_ur),
            "category": self.category.data,
            "description": (self.description.data or "").strip(),
            "description_ur": optional_text(self.description_ur),
            "level": self.level.data,
            "language": self.language.data,
            "mode": self.mode.data,
            "duration": (self.duration.data or "").strip(),
            "fee_paisa": int((Decimal(self.fee.data) * 100).to_integral_value()),
            "certificate": bool(self.certificate.data),
            "active": bool(self.active.data),
        }


class SectionDay:
    """Validator: a section's date lies in the years a section can have (EARLIEST_SECTION_DAY to
    LATEST_SECTION_DAY). A year typed wrong (0001, 2206) is told at its field, and the checks across
    fields (the last day after the first...) say nothing more about it."""

    def __call__(self, form, field):
        if field.data and not EARLIEST_SECTION_DAY <= field.data <= LATEST_SECTION_DAY:
            raise StopValidation(
                _l(
                    "Check the year: enter a date from %(first)s to %(last)s.",
                    first=EARLIEST_SECTION_DAY.year,
                    last=LATEST_SECTION_DAY.year,
                )
            )


def _usable(field) -> bool:
    """A date another field's check may compare with: given, and not refused itself."""
    return bool(field.data) and not field.errors


class SectionForm(SubmissionTokenMixin, FlaskForm):
    name = StringField(
        _l("Name of the cohort in English (optional)"),
        validators=[Optional(), Length(max=80)],
        render_kw=ENGLISH_INPUT,
    )
    name_ur = StringField(
        _l("Name of the cohort in Urdu (optional)"), validators=[Optional(), Length(max=80)], render_kw=URDU_INPUT
    )
    start_date = TypedDateField(_l("First day"), validators=[InputRequired(_l("Enter the first day.")), SectionDay()])
    end_date = TypedDateField(_l("Last day"), validators=[InputRequired(_l("Enter the last day.")), SectionDay()])
    meeting_days = CheckboxGroupField(
        _l("Meeting days"),
        choices=_choices(WEEKDAYS),
        validators=[InputRequired(_l("Choose at least one day."))],
    )
    start_time = TypedTimeField(_l("Starts at"), validators=[Optional()])
    end_time = TypedTimeField(_l("Ends at"), validators=[Optional()])
    venue = StringField(
        _l("Venue or online link, in English"), validators=[Optional(), Length(max=200)], render_kw=ENGLISH_INPUT
    )
    venue_ur = StringField(
        _l("Venue in Urdu (optional)"), validators=[Optional(), Length(max=200)], render_kw=URDU_INPUT
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(_l("Enter the number of seats.")),
            NumberRange(min=1, max=10000, message=_l("Enter between 1 and 10,000 seats.")),
        ],
    )
    reserved_kind = SelectField(
        _l("Reserve seats for"),
        choices=[
            ("", _l("Nobody: all seats open to everyone")),
            ("gender", _l("Women and girls")),
            ("district", _l("People from one district")),
        ],
        validators=[Optional()],
    )
    reserved_district = SelectField(
        _l("District for reserved seats"),
        choices=lambda: [("", _l("Choose a district"))] + districts_in_order(),
        validators=[Optional()],
    )
    reserved_seats = IntegerField(
        _l("Number of reserved seats"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10000, message=_l("Enter 0 or more seats."))],
    )
    enrol_opens = TypedDateField(
        _l("Enrolment opens"), validators=[InputRequired(_l("Enter when enrolment opens.")), SectionDay()]
    )
    enrol_closes = TypedDateField(
        _l("Enrolment closes"), validators=[InputRequired(_l("Enter when enrolment closes.")), SectionDay()]
    )
    drop_deadline = TypedDateField(_l("Last day to drop (optional)"), validators=[Optional(), SectionDay()])
    needs_approval = BooleanField(_l("Each enrolment needs approval"))
    waitlist_enabled = BooleanField(_l("Keep a waitlist when full"))
    waitlist_cap = IntegerField(
        _l("Waitlist limit (optional)"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("Enter between 1 and 10,000."))],
    )
    closed = BooleanField(_l("Closed (no longer shown or taking enrolments)"))

    def validate_end_date(self, field):
        if _usable(self.start_date) and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_enrol_opens(self, field):
        if _usable(self.end_date) and field.data and field.data > self.end_date.data:
            raise ValidationError(_l("Enrolment must open on or before the last day of the course."))

    def validate_enrol_closes(self, field):
        if _usable(self.enrol_opens) and field.data and field.data < self.enrol_opens.data:
            raise ValidationError(_l("Enrolment cannot close before it opens."))
        if _usable(self.end_date) and field.data and field.data > self.end_date.data:
            raise ValidationError(_l("Enrolment must close by the last day of the course."))

    def validate_drop_deadline(self, field):
        if field.data and _usable(self.end_date) and field.data > self.end_date.data:
            raise ValidationError(_l("The last day to drop must be on or before the last day of the course."))
        if field.data and _usable(self.enrol_opens) and field.data < self.enrol_opens.data:
            raise ValidationError(_l("The last day to drop cannot be before enrolment opens."))

    def validate(self, extra_validators=None) -> bool:
        """Checks across optional fields (WTForms skips inline validators of an empty Optional field)."""
        valid = super().validate(extra_validators)
        start, end = self.start_time.data, self.end_time.data
        if bool(start) != bool(end) and not (self.start_time.errors or self.end_time.errors):
            self.end_time.errors.append(_l("Enter both times, or neither."))
            valid = False
        elif start and end and end <= start:
            self.end_time.errors.append(_l("The class must end after it starts."))
            valid = False
        kind = self.reserved_kind.data
        if kind == "district" and not self.reserved_district.data:
            self.reserved_district.errors.append(_l("Choose the district the seats are kept for."))
            valid = False
        if kind and not self.reserved_seats.data and not self.reserved_seats.errors:
            self.reserved_seats.errors.append(_l("Enter how many seats are reserved."))
            valid = False
        if kind and self.reserved_seats.data and self.capacity.data and self.reserved_seats.data > self.capacity.data:
            self.reserved_seats.errors.append(_l("Reserved seats cannot be more than the capacity."))
            valid = False
        return valid

    def data_dict(self) -> dict:
        kind = self.reserved_kind.data or None
        return {
            "name": (self.name.data or "").strip(),
            "name_ur": optional_text(self.name_ur),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "meeting_days": ",".join(d for d in WEEKDAYS if d in (self.meeting_days.data or [])),
            "start_time": self.start_time.data,
            "end_time": self.end_time.data,
            "venue": (self.venue.data or "").strip(),
            "venue_ur": optional_text(self.venue_ur),
            "capacity": self.capacity.data,
            "reserved_kind": kind,
            "reserved_value": ("female" if kind == "gender" else self.reserved_district.data) if kind else None,
            "reserved_seats": (self.reserved_seats.data or 0) if kind else 0,
            "enrol_opens": self.enrol_opens.data,
            "enrol_closes": self.enrol_closes.data,
            "needs_approval": bool(self.needs_approval.data),
            "drop_deadline": self.drop_deadline.data,
            "waitlist_enabled": bool(self.waitlist_enabled.data),
            "waitlist_cap": self.waitlist_cap.data if self.waitlist_enabled.data else None,
            "closed": bool(self.closed.data),
        }


class RuleForm(SubmissionTokenMixin, FlaskForm):
    applies_to = SelectField(_l("Applies to"), validators=[DataRequired(_required)])
    kind = SelectField(
        _l("Condition"), choices=_choices(RULE_KINDS, _l("Choose one")), validators=[DataRequired(_required)]
    )
    min_age = IntegerField(
        _l("Youngest age"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Enter an age from 0 to 120."))],
    )
    max_age = IntegerField(
        _l("Oldest age"),
        validators=[Optional(), NumberRange(min=0, max=120, message=_l("Enter an age from 0 to 120."))],
    )
    gender = SelectField(
        _l("Gender"),
        choices=[("", _l("Choose one")), ("female", _l("Women and girls only")), ("male", _l("Men and boys only"))],
        validators=[Optional()],
    )
    districts = CheckboxGroupField(_l("Districts"), choices=districts_in_order, validators=[Optional()])
    prerequisite = SelectField(_l("Course to complete first"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """The part of the form that goes with the chosen condition must be filled in; its error goes
        beside the field to fill in or correct, not beside "Condition". (Done here: WTForms skips the
        inline validators of an empty Optional field.)"""
        valid = super().validate(extra_validators)
        kind = self.kind.data
        problem = None
        if kind == "age" and not (self.min_age.errors or self.max_age.errors):
            low, high = self.min_age.data, self.max_age.data
            if low is None and high is None:
                problem = self.min_age, _l("Enter the youngest age, the oldest age, or both.")
            elif low is not None and high is not None and low > high:
                problem = self.min_age, _l("The youngest age cannot be more than the oldest age.")
        elif kind == "gender" and not self.gender.data and not self.gender.errors:
            problem = self.gender, _l("Choose who the cohort is for.")
        elif kind == "district" and not self.districts.data and not self.districts.errors:
            problem = self.districts, _l("Choose at least one district.")
        elif kind == "prerequisite" and not self.prerequisite.data and not self.prerequisite.errors:
            problem = self.prerequisite, _l("Choose the course to complete first.")
        if problem is not None:
            field, message = problem
            field.errors.append(message)
            valid = False
        return valid

    def data_dict(self) -> dict:
        kind = self.kind.data
        return {
            "kind": kind,
            "min_age": self.min_age.data if kind == "age" else None,
            "max_age": self.max_age.data if kind == "age" else None,
            "gender": self.gender.data if kind == "gender" else None,
            "districts": self.districts.data if kind == "district" else None,
            "prerequisite_course_id": int(self.prerequisite.data) if kind == "prerequisite" else None,
        }


class BulkForm(FlaskForm):
    file = FileField(_l("CSV file"))
    content = StringField()  # the checked file, carried from the dry run to the commit
    mode = RadioField(
        _l("If some rows have problems"),
        choices=[("all", _l("Enrol nobody until every row is right")), ("valid", _l("Enrol the valid rows only"))],
        default="all",
        validators=[InputRequired(_l("Choose one."))],
    )
