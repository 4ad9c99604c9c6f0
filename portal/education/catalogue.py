"""The catalogue: school admins edit institutions, courses, sections and rules; citizens search it.

Editing a section that frees seats (more capacity, reserved seats released) fills them from the
waitlist in the same transaction, through the seat services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from babel.lists import format_list
from flask_babel import format_time, get_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal import clock, format_money, submissions
from portal.auth.errors import NotFound
from portal.auth.models import AuditEvent, User
from portal.auth.services import assign, audit
from portal.bilingual import InLanguage, holds_words, in_urdu, left_to_right, shown_order
from portal.collation import english_key, urdu_key
from portal.database import begin_write
from portal.districts import district_label
from portal.education.eligibility import (
    LazyDate,
    Message,
    describe_rule,
    group_named,
    person_of,
    reserved_group,
    rule_problem,
    rules_for,
    turns_away_group,
)
from portal.education.models import (
    ACTIVE_STATUSES,
    COMPLETED,
    LANGUAGES,
    MODES,
    PENDING,
    RULE_GENDER,
    RULE_PREREQUISITE,
    SEAT_GENERAL,
    SEAT_RESERVED,
    WAITLISTED,
    WEEKDAYS,
    Course,
    EligibilityRule,
    Enrolment,
    Institution,
    Section,
)
from portal.education.services import (
    InvalidChange,
    _release_reserved_if_closed,
    course_for_admin,
    institution_for_admin,
    last_day_to_drop,
    lock_section,
    promote_waitlist,
    rule_for_admin,
    section_for_admin,
)
from portal.extensions import db
from portal.notifications.services import notify
from portal.validation import same_name_among

# --- catalogue editing -------------------------------------------------------------------------------

INSTITUTION_FIELDS = ("name", "name_ur", "type", "district", "address", "address_ur", "contact", "active")
COURSE_FIELDS = (
    "title",
    "title_ur",
    "category",
    "description",
    "description_ur",
    "level",
    "language",
    "mode",
    "duration",
    "fee_paisa",
    "certificate",
    "active",
)
SECTION_FIELDS = (
    "name", "name_ur", "start_date", "end_date", "meeting_days", "start_time", "end_time", "venue", "venue_ur",
    "capacity", "reserved_kind", "reserved_value", "reserved_seats", "enrol_opens", "enrol_closes", "needs_approval",
    "drop_deadline", "waitlist_enabled", "waitlist_cap", "closed",
)  # fmt: skip


class FieldsRefused(InvalidChange):
    """Values a record cannot be given. ``problems`` maps each field of its form to its message, so
    that the page shows each beside its field (and in the summary at the top)."""

    def __init__(self, problems: dict):
        super().__init__()
        self.problems = problems

    def __str__(self) -> str:
        return " ".join(str(message) for message in self.problems.values())


class SectionRefused(FieldsRefused):
    """Values a section cannot be given."""


class RuleRefused(FieldsRefused):
    """A rule that contradicts the course's other rules or the seats a cohort keeps."""


class CourseRefused(FieldsRefused):
    """Values a course cannot be given (a title another course of the institution has)."""


def check_course_title(institution: Institution, title: str, course: Course | None) -> None:
    """Raises CourseRefused when another course of ``institution`` (shown or not) has this title, case
    and spaces aside: people searching could not tell the two apart. Two admins saving one title at
    the same moment may both pass it; the unique index over the stored key (portal.name_keys) refuses
    the second, and save_course asks again, so that the second admin is told the same at the title."""
    others = select(Course.title).where(Course.institution_id == institution.id)
    if course is not None and course.id is not None:
        others = others.where(Course.id != course.id)
    other = same_name_among(db.session.scalars(others), title)
    if other is not None:
        raise CourseRefused(
            {
                "title": Message(
                    _l(
                        "Another course of this institution is already called “%(title)s”. Give this one "
                        "another title, or edit that course instead."
                    ),
                    title=left_to_right(other),  # an English title inside an Urdu sentence
                )
            }
        )


class InstitutionRefused(FieldsRefused):
    """Values an institution cannot be given (a name another institution of its district has)."""


def check_institution_name(name: str, district: str, institution: Institution | None) -> None:
    """Raises InstitutionRefused when another institution of ``district`` (open or not) has this name,
    case and spaces aside: people searching, or choosing a course by where it is taught, could not tell
    the two apart. Two superadmins saving one name at the same moment may both pass it; the unique index
    over the stored key (portal.name_keys) refuses the second, and the save asks again, so that the
    second is told the same at the name."""
    others = select(Institution.name).where(Institution.district == district)
    if institution is not None and institution.id is not None:
        others = others.where(Institution.id != institution.id)
    other = same_name_among(db.session.scalars(others), name)
    if other is not None:
        raise InstitutionRefused(
            {
                "name": Message(
                    _l(
                        "There is already an institution called “%(name)s” in this district. Give this one "
                        "a name people can tell apart, or edit the one that exists."
                    ),
                    name=left_to_right(other),  # an English name inside an Urdu sentence
                )
            }
        )


class SectionDatesPassed(SectionRefused):
    """Dates a section cannot be given because they have passed."""

    message = _l("Some dates have already passed.")


# A section is planned at most this many years ahead: a later first day is a typing slip (2099 for 2026).
YEARS_AHEAD = 2
# A new section may have begun at most this many years ago (a cohort already running, put on the portal
# late): an earlier first day is a typing slip (2006 for 2026), and age rules would be reckoned on it.
YEARS_BACK = 1


class SectionTooFarAhead(SectionRefused):
    """A first day further ahead than anyone plans a course."""


def check_section_dates(data: dict, section: Section | None) -> None:
    """Raises SectionDatesPassed for a new section that has already ended or whose enrolment has
    already closed (nobody could ever join it), and for an edit that moves a section that has not
    ended into the past. An old section stays editable: dates already in the past are left alone,
    and enrolment may be closed early by giving it an earlier closing day. Raises SectionTooFarAhead
    for a first day more than YEARS_AHEAD years from today, and SectionDatesPassed for one more than
    YEARS_BACK years ago (an edit leaving its first day as it was is refused for neither)."""
    today = clock.today()
    problems = {}
    earliest = earliest_start(today)
    if data["start_date"] < earliest and (section is None or data["start_date"] != section.start_date):
        problems["start_date"] = Message(
            lazy_ngettext(
                "A section can have started at most %(num)s year ago: choose a first day on or after %(date)s.",
                "A section can have started at most %(num)s years ago: choose a first day on or after %(date)s.",
                YEARS_BACK,
                date=LazyDate(earliest),
            )
        )
    if section is None:
        if data["end_date"] < today:
            problems["end_date"] = _l("This day has passed. A new section must end today or later.")
        if data["enrol_closes"] < today:
            problems["enrol_closes"] = _l(
                "This day has passed. Enrolment must close today or later, or nobody could join."
            )
    elif data["end_date"] < today <= section.end_date:
        problems["end_date"] = _l(
            "A section that has not ended cannot be given a last day in the past. To end it early, choose today."
        )
    elif data["end_date"] > today and data["end_date"] != section.end_date and _has_completions(section):
        # Completion is recorded from a cohort's last day (services.completion_opens): people holding a
        # certificate of it cannot be in a cohort that has not ended yet.
        problems["end_date"] = _l(
            "People have already been marked as completed in this section, so its last day cannot be moved after today."
        )
    if problems:
        raise SectionDatesPassed(problems)
    latest = latest_start(today)
    if data["start_date"] > latest and (section is None or data["start_date"] != section.start_date):
        raise SectionTooFarAhead(
            {
                "start_date": Message(
                    lazy_ngettext(
                        "A section can start at most %(num)s year from today: choose a first day on or "
                        "before %(date)s.",
                        "A section can start at most %(num)s years from today: choose a first day on or "
                        "before %(date)s.",
                        YEARS_AHEAD,
                        date=LazyDate(latest),
                    )
                )
            }
        )


def _has_completions(section: Section) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(Enrolment.section_id == section.id, Enrolment.status == COMPLETED).limit(1)
        )
        is not None
    )


def first_day_range() -> tuple[date, date]:
    """The first days a new section may be given today (check_section_dates), earliest and latest."""
    today = clock.today()
    return earliest_start(today), latest_start(today)


def earliest_start(today: date) -> date:
    """The first first day a section may be given today: YEARS_BACK years ago (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - YEARS_BACK)
    except ValueError:
        return today.replace(year=today.year - YEARS_BACK, day=28)


def latest_start(today: date) -> date:
    """The last first day a section may be given today: YEARS_AHEAD years on (28 February for 29 February)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def all_institutions() -> list[Institution]:
    """Every institution, by district and then by name, as the reader sees them: in Urdu, the Urdu
    names of both in Urdu alphabetical order."""
    stmt = select(Institution).order_by(Institution.district, Institution.id)
    institutions = list(db.session.scalars(stmt))
    if in_urdu():
        institutions.sort(key=lambda i: (urdu_key(district_label(i.district)), urdu_key(i.shown_name)))
    else:
        institutions.sort(key=lambda i: (english_key(i.district), english_key(i.name)))
    return institutions


def create_institution(
    superadmin: User, data: dict, ip: str | None = None, submission_token: str | None = None
) -> Institution:
    """A new institution (superadmins only); a school admin is then given it on the staff page. The
    form posted again with the same ``submission_token`` returns the institution the first post made.
    Raises InstitutionRefused for a name another institution of the district has."""
    begin_write()
    posted = submissions.claim(superadmin, submission_token, Institution, data)
    if posted.earlier is not None:
        return posted.earlier
    check_institution_name(data["name"], data["district"], None)
    try:
        with db.session.begin_nested():  # the name's unique index decides a race the check above lost
            institution = Institution(created_at=clock.now())
            for name in INSTITUTION_FIELDS:
                setattr(institution, name, data[name])
            db.session.add(institution)
            db.session.flush()
    except IntegrityError:
        check_institution_name(data["name"], data["district"], None)  # saved meanwhile: said so
        raise
    posted.created(institution)
    audit("education.institution.created", actor=superadmin, target=institution, ip=ip, name=institution.name)
    return institution


def update_institution(admin: User, institution_id: int, data: dict, ip: str | None = None) -> Institution:
    """Edit an institution. Raises InstitutionRefused for a name another institution of the district has."""
    begin_write()
    institution = institution_for_admin(admin, institution_id)
    check_institution_name(data["name"], data["district"], institution)
    try:
        with db.session.begin_nested():  # the name's unique index decides a race the check above lost
            changed = assign(institution, {name: data[name] for name in INSTITUTION_FIELDS})
            db.session.flush()
    except IntegrityError:
        check_institution_name(data["name"], data["district"], institution)  # saved meanwhile: said so
        raise
    if changed:  # saved as it was: nothing happened worth a line in the audit log
        audit("education.institution.updated", actor=admin, target=institution, ip=ip, changed=changed)
    return institution


def save_course(admin: User, data: dict, *, institution_id: int | None = None, course_id: int | None = None,
                ip: str | None = None, submission_token: str | None = None) -> Course:  # fmt: skip
    """Create a course of the institution ``institution_id``, or edit ``course_id``. Raises CourseRefused
    for a title another course of the institution has. Everyone with a place in a cohort of an edited
    course that has not ended (enrolled, waiting, asking) is told when its fee, how it is taught or its
    language of teaching changes. The new-course form posted again with the same ``submission_token``
    returns the course the first post created."""
    begin_write()
    posted = submissions.Claim(None)
    if course_id is not None:
        course = course_for_admin(admin, course_id)
        institution = course.institution
        action = "education.course.updated"
    else:
        institution = institution_for_admin(admin, institution_id)
        posted = submissions.claim(admin, submission_token, Course, {**data, "institution": institution.id})
        if posted.earlier is not None:
            return posted.earlier
        course = None
        action = "education.course.created"
    check_course_title(institution, data["title"], course)
    was = values_of(course, COURSE_FIELDS) if course is not None else None
    try:
        with db.session.begin_nested():  # the title's unique index decides a race the check above lost
            saved = course or Course(institution=institution, created_at=clock.now())
            db.session.add(saved)
            assign(saved, {name: data[name] for name in COURSE_FIELDS})
            db.session.flush()
    except IntegrityError:
        check_course_title(institution, data["title"], course)  # another admin saved it meanwhile: said so
        raise
    course = saved
    posted.created(course)
    if was is None:
        audit(action, actor=admin, target=course, ip=ip, title=course.title)
        return course
    changes = audited_changes(was, course)
    if changes:  # saved as it was: nothing happened worth a line in the audit log
        audit(action, actor=admin, target=course, ip=ip, title=course.title, **changes)
    told = [name for name in TOLD_COURSE_CHANGES if name in changes.get("changed", ())]
    if told:
        tell_course_changed(course, told)
    return course


# What a person with a place in a course plans around besides its cohort's schedule: what it costs, and
# how and in what language it is taught. A change to one of them is told to them (tell_course_changed).
TOLD_COURSE_CHANGES = ("fee_paisa", "mode", "language")
# Texts too long to copy into an audit event: an edit names them as changed, without their words.
NOT_COPIED = frozenset({"description", "description_ur"})


def values_of(record, fields) -> dict:
    """``record``'s ``fields`` as they are now (before an edit: see audited_changes)."""
    return {name: getattr(record, name) for name in fields}


def audited_changes(was: dict, record) -> dict:
    """What an "updated" audit event says of an edit of ``record`` whose fields were ``was``: ``changed``,
    the fields given another value (as assign() names them), and ``before`` and ``after``, their old and
    new values (a date or a time as ISO text; a long text only named). Empty when nothing changed: such
    a save is not audited."""
    changed = [name for name, value in was.items() if getattr(record, name) != value]
    if not changed:
        return {}
    copied = [name for name in changed if name not in NOT_COPIED]
    return {
        "changed": changed,
        "before": {name: _stored(was[name]) for name in copied},
        "after": {name: _stored(getattr(record, name)) for name in copied},
    }


def _stored(value):
    """A value as an audit event keeps it (JSON): a date or a time as ISO text."""
    return value.isoformat() if isinstance(value, date | time) else value


@dataclass
class SectionSaved:
    section: Section
    promoted: list = field(default_factory=list)  # moved up from the waitlist into the seats freed
    told: int = 0  # people with a place in the section told of its new dates, class times or venue


def save_section(admin: User, data: dict, *, course_id: int | None = None, section_id: int | None = None,
                 ip: str | None = None, submission_token: str | None = None) -> SectionSaved:  # fmt: skip
    """Create or edit a section. Raising capacity (or releasing reserved seats) fills seats from
    the waitlist in the same transaction. Everyone with a place in an edited section that has not
    ended (enrolled, waiting, asking) is told when its dates, class days or times, venue or last day
    to drop change. Raises SectionRefused when the new numbers do not fit the people already
    enrolled, SectionDatesPassed (one of those) for dates that have passed. The new-section form
    posted again with the same ``submission_token`` returns the section the first post created."""
    begin_write()
    posted = submissions.Claim(None)
    if section_id is not None:
        section = section_for_admin(admin, section_id)
        section = lock_section(section.id)
        check_section_dates(data, section)
        action = "education.section.updated"
    else:
        course = course_for_admin(admin, course_id)
        posted = submissions.claim(admin, submission_token, Section, {**data, "course": course.id})
        if posted.earlier is not None:
            return SectionSaved(posted.earlier)
        check_section_dates(data, None)
        section = Section(course=course, enrolled_count=0, reserved_taken=0, created_at=clock.now())
        action = "education.section.created"
    if not data.get("reserved_kind"):
        data = {**data, "reserved_kind": None, "reserved_value": None, "reserved_seats": 0}
    problems = {}
    if data["capacity"] < (section.enrolled_count or 0):
        problems["capacity"] = Message(
            lazy_ngettext(
                "%(num)s person is already enrolled, so the capacity cannot be lower than that.",
                "%(num)s people are already enrolled, so the capacity cannot be lower than that.",
                section.enrolled_count,
            )
        )
    taken = section.reserved_taken or 0
    # Keeping seats for nobody opens them to everyone and harms no one holding one: those seats become
    # general ones (see _open_reserved_seats_to_everyone).
    unreserving = bool(section.reserved_kind) and not data["reserved_kind"]
    regrouped = (data["reserved_kind"], data["reserved_value"]) != (section.reserved_kind, section.reserved_value)
    if taken and data["reserved_kind"] and regrouped:
        # Those seats' holders are counted as the group's: kept for another group, its members would
        # find them taken, and the holders would count against it.
        problems["reserved_kind"] = Message(
            lazy_ngettext(
                "%(num)s person already holds a seat kept for %(group)s, so the seats cannot be kept for another "
                "group now. To open them to everyone, choose “Nobody”.",
                "%(num)s people already hold seats kept for %(group)s, so the seats cannot be kept for another "
                "group now. To open them to everyone, choose “Nobody”.",
                taken,
                group=reserved_group(section),
            )
        )
    elif data["reserved_seats"] > data["capacity"]:
        problems["reserved_seats"] = _l("Reserved seats cannot be more than the capacity.")
    elif data["reserved_seats"] < taken and not unreserving:
        problems["reserved_seats"] = Message(
            lazy_ngettext(
                "%(num)s reserved seat is already taken, so fewer cannot be reserved.",
                "%(num)s reserved seats are already taken, so fewer cannot be reserved.",
                section.reserved_taken,
            )
        )
    today = clock.today()
    if data["reserved_kind"] and data["reserved_seats"] and data["enrol_closes"] >= today and not problems:
        # Kept until enrolment closes (kept again when it is reopened): seats already taken by others
        # cannot be kept, and a rule turning the group away would leave the kept seats empty until then.
        problems.update(_keeping_problems(section, data, taken, course_rules_only=section_id is None))
    if section_id is not None and data["waitlist_enabled"] and data["waitlist_cap"] is not None:
        waiting = db.session.scalar(
            select(func.count(Enrolment.id)).where(Enrolment.section_id == section.id, Enrolment.status == WAITLISTED)
        )
        if data["waitlist_cap"] < waiting:
            problems["waitlist_cap"] = Message(
                lazy_ngettext(
                    "%(num)s person is already waiting, so the waitlist limit cannot be lower than that.",
                    "%(num)s people are already waiting, so the waitlist limit cannot be lower than that.",
                    waiting,
                )
            )
    if problems:
        raise SectionRefused(problems)
    before = ScheduleShown.of(section) if section_id is not None else None
    was = values_of(section, SECTION_FIELDS)  # for the audit
    if unreserving and taken:
        _open_reserved_seats_to_everyone(section)  # before the new numbers: one UPDATE writes them all
    for name in SECTION_FIELDS:
        setattr(section, name, data[name])
    if section.reserved_released and section.enrol_closes >= today:
        # Enrolment reopened (a closing day today or later): the seats are kept for the group again until it
        # closes, and then released again (_release_reserved_if_closed, release_due_reserved_seats).
        section.reserved_released = False
    changes = before.changes_to(ScheduleShown.of(section)) if before is not None else []
    if {"dates", "classes", "venue"} & set(changes):
        section.schedule_revision = (section.schedule_revision or 0) + 1  # the calendar files' SEQUENCE
    if section_id is None:
        db.session.add(section)
    db.session.flush()
    posted.created(section)
    if section_id is None:
        audit(action, actor=admin, target=section, ip=ip, capacity=section.capacity)
    elif audited := audited_changes(was, section):  # saved as it was: nothing worth a line in the audit log
        audit(action, actor=admin, target=section, ip=ip, capacity=section.capacity, **audited)
    if section_id is None:
        return SectionSaved(section)
    _release_reserved_if_closed(section)
    saved = SectionSaved(section, promoted=promote_waitlist(section))
    if changes and max(before.end_date, section.end_date) >= clock.today():
        saved.told = tell_schedule_changed(section, changes)
    return saved


def _keeping_problems(section: Section, data: dict, taken: int, *, course_rules_only: bool) -> dict:
    """Why ``section`` cannot keep ``data``'s reserved seats for its group while enrolment is open, by field:
    more seats kept free than are free (the others hold them), or a rule of the course or of the section
    that turns the group away."""
    most = taken + max(0, data["capacity"] - (section.enrolled_count or 0))
    if data["reserved_seats"] > most:
        if most:
            message = Message(
                lazy_ngettext(
                    "Only %(num)s seat can be reserved: the other seats are already taken.",
                    "Only %(num)s seats can be reserved: the other seats are already taken.",
                    most,
                )
            )
        else:
            message = _l("No seat can be reserved: every seat is already taken.")
        return {"reserved_seats": message}
    with db.session.no_autoflush:  # a new section is not added yet: its course's rules are read without it
        rules = list(section.course.rules) + ([] if course_rules_only else list(section.rules))
    for rule in rules:
        if turns_away_group(rule, data["reserved_kind"], data["reserved_value"]):
            return {
                "reserved_kind": Message(
                    _l(
                        "The rule “%(rule)s” turns away %(group)s, so no seats can be kept for them. Remove "
                        "the rule first, or keep the seats for nobody."
                    ),
                    rule=describe_rule(rule),
                    group=group_named(data["reserved_kind"], data["reserved_value"]),
                )
            }
    return {}


def _open_reserved_seats_to_everyone(section: Section) -> None:
    """The section keeps seats for nobody now: the reserved seats its people hold become general seats,
    so that ``reserved_taken`` still counts the reserved seats held (none). The section is locked
    (``lock_section``), so nobody takes or frees a seat meanwhile."""
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.section_id == section.id, Enrolment.seat_kind == SEAT_RESERVED)
        .values(seat_kind=SEAT_GENERAL)
        .execution_options(synchronize_session="fetch")
    )
    section.reserved_taken = 0


# --- schedule changes told to the people in a section ---------------------------------------------------


@dataclass(frozen=True)
class ScheduleShown:
    """What a person with a place in a section plans their days around."""

    start_date: object
    end_date: object
    days: tuple
    start_time: object
    end_time: object
    venue: str
    venue_ur: str
    last_day_to_drop: object

    @classmethod
    def of(cls, section: Section) -> ScheduleShown:
        return cls(
            section.start_date,
            section.end_date,
            tuple(section.days_list),
            section.start_time,
            section.end_time,
            section.venue or "",
            section.venue_ur or "",
            last_day_to_drop(section),
        )

    def changes_to(self, new: ScheduleShown) -> list[str]:
        """Which of "dates", "classes", "venue", "drop" differ in ``new``. Giving a venue its first Urdu
        name (or removing it) moves no one: only a changed place is a change."""
        changes = []
        if (self.start_date, self.end_date) != (new.start_date, new.end_date):
            changes.append("dates")
        if (self.days, self.start_time, self.end_time) != (new.days, new.start_time, new.end_time):
            changes.append("classes")
        if self.venue != new.venue or (self.venue_ur and new.venue_ur and self.venue_ur != new.venue_ur):
            changes.append("venue")
        if self.last_day_to_drop != new.last_day_to_drop:
            changes.append("drop")
        return changes


def describe_schedule(section: Section, changes: list[str]) -> str:
    """The new values of what changed, in the current language (a message's: see notify)."""
    sentences = []
    if "dates" in changes:
        sentences.append(
            _l("It now runs from %(start)s to %(end)s.")
            % {"start": LazyDate(section.start_date), "end": LazyDate(section.end_date)}
        )
    if "classes" in changes and section.days_list:
        days = format_list([str(WEEKDAYS[d]) for d in section.days_list], locale=get_locale() or "en")
        if section.start_time and section.end_time:
            sentences.append(
                _l("Classes are now on %(days)s, %(start)s to %(end)s.")
                % {
                    "days": days,
                    "start": format_time(section.start_time, "h:mm a"),
                    "end": format_time(section.end_time, "h:mm a"),
                }
            )
        else:
            sentences.append(_l("Classes are now on %(days)s.") % {"days": days})
    if "venue" in changes and section.shown_venue:
        sentences.append(_l("The venue is now %(venue)s.") % {"venue": section.shown_venue})
    if "drop" in changes:
        sentences.append(_l("The last day to drop is now %(date)s.") % {"date": LazyDate(last_day_to_drop(section))})
    return " ".join(str(sentence) for sentence in sentences)


def tell_schedule_changed(section: Section, changes: list[str]) -> int:
    """Tell each person with a place in ``section`` (enrolled, waiting, asking) its new schedule, in
    their language; returns how many were told (none when nothing that changed can be said: a venue
    or the class days left empty)."""
    said = {"classes": bool(section.days_list), "venue": bool(section.venue or section.venue_ur)}
    changes = [change for change in changes if said.get(change, True)]
    if not changes:
        return 0
    told = 0
    for enrolment in db.session.scalars(
        select(Enrolment)
        .where(Enrolment.section_id == section.id, Enrolment.status.in_(ACTIVE_STATUSES))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.dependant))  # told, and named, row by row
        .order_by(Enrolment.id)
    ):

        def body(e=enrolment):
            details = describe_schedule(section, changes)
            return _l("Changes to %(course)s (%(cohort)s) for %(name)s: %(changes)s Reference %(ref)s.") % {
                "course": e.course.shown_title,
                "cohort": section.label,
                "name": e.person_name,
                "changes": details,
                "ref": e.reference,
            }

        notify(enrolment.user, subject=_l("Course schedule changed"), body=body)
        told += 1
    return told


# --- changes to a course told to the people in its cohorts ------------------------------------------------


def describe_course(course: Course, changes: list[str]) -> str:
    """The new values of what changed of ``course`` (TOLD_COURSE_CHANGES), in the current language (a
    message's: see notify)."""
    sentences = []
    if "fee_paisa" in changes:
        if course.fee_paisa:
            # A space, not the page's no-break one: an SMS in English stays in the GSM-7 alphabet.
            fee = format_money(course.fee_paisa).replace("\u00a0", " ").replace("\u202f", " ")
            sentences.append(_l("The fee is now %(fee)s.") % {"fee": fee})
        else:
            sentences.append(_l("The course is now free."))
    if "mode" in changes and course.mode in MODES:
        sentences.append(_l("How it is taught is now: %(mode)s.") % {"mode": MODES[course.mode]})
    if "language" in changes and course.language in LANGUAGES:
        sentences.append(_l("It is now taught in: %(language)s.") % {"language": LANGUAGES[course.language]})
    return " ".join(str(sentence) for sentence in sentences)


def tell_course_changed(course: Course, changes: list[str]) -> int:
    """Tell each person with a place (enrolled, waiting, asking) in a cohort of ``course`` that has not
    ended its new fee, way of teaching or language, in their language; returns how many were told."""
    today = clock.today()
    told = 0
    for enrolment in db.session.scalars(
        select(Enrolment)
        .join(Section, Section.id == Enrolment.section_id)
        .where(
            Section.course_id == course.id,
            Section.end_date >= today,
            Enrolment.status.in_(ACTIVE_STATUSES),
        )
        .options(joinedload(Enrolment.user), joinedload(Enrolment.dependant))  # told, and named, row by row
        .order_by(Enrolment.id)
    ):

        def body(e=enrolment):
            return _l("Changes to %(course)s for %(name)s: %(changes)s Reference %(ref)s.") % {
                "course": course.shown_title,
                "name": e.person_name,
                "changes": describe_course(course, changes),
                "ref": e.reference,
            }

        notify(enrolment.user, subject=_l("Course details changed"), body=body)
        told += 1
    return told


def add_rule(admin: User, data: dict, *, course_id: int, section_id: int | None = None, ip: str | None = None,
             submission_token: str | None = None) -> EligibilityRule:  # fmt: skip
    """Add an eligibility rule to a course, or to one of its sections. The form posted again with the
    same ``submission_token`` returns the rule the first post added."""
    begin_write()
    course = course_for_admin(admin, course_id)
    if section_id is not None:
        section = section_for_admin(admin, section_id)
        if section.course_id != course.id:
            raise NotFound()
    posted = submissions.claim(
        admin, submission_token, EligibilityRule, {**data, "course": course.id, "section": section_id}
    )
    if posted.earlier is not None:
        return posted.earlier
    prerequisite = data.get("prerequisite_course_id")
    if prerequisite is not None and (prerequisite == course.id or db.session.get(Course, prerequisite) is None):
        raise InvalidChange(_l("Choose another course as the prerequisite."))
    rule = EligibilityRule(
        course_id=None if section_id else course.id,
        section_id=section_id,
        kind=data["kind"],
        min_age=data.get("min_age"),
        max_age=data.get("max_age"),
        gender=data.get("gender"),
        districts=",".join(data.get("districts") or []) or None,
        prerequisite_course_id=prerequisite,
    )
    problems = _rule_problems(rule, course, section if section_id is not None else None)
    if problems:
        raise RuleRefused(problems)
    db.session.add(rule)
    db.session.flush()
    posted.created(rule)
    audit("education.rule.added", actor=admin, target=rule, ip=ip, kind=rule.kind, course_id=course.id)
    return rule


def _rule_problems(rule: EligibilityRule, course: Course, section: Section | None) -> dict:
    """Why ``rule`` (not added yet) contradicts what ``course`` or its ``section`` (None: the rule is for
    every section) already says, by field of the rule form: a prerequisite needing the course itself
    first (directly or through other courses), or a rule turning away the group a cohort not yet closed
    to enrolment keeps seats for."""
    if rule.prerequisite_course_id is not None and _needs_first(rule.prerequisite_course_id, course.id):
        prerequisite = db.session.get(Course, rule.prerequisite_course_id)
        return {
            "prerequisite": Message(
                _l(
                    "“%(course)s” already needs this course completed first (directly or through another "
                    "course): if this course needed it too, nobody could ever join either. Choose another course."
                ),
                course=InLanguage(prerequisite.title, prerequisite.title_ur),
            )
        }
    today = clock.today()
    for cohort in [section] if section is not None else sorted(course.sections, key=lambda s: s.id):
        if not (cohort.reserved_kind and cohort.reserved_seats and not cohort.reserved_released):
            continue
        if (
            cohort.end_date < today
            or cohort.enrol_closes < today
            or not turns_away_group(rule, cohort.reserved_kind, cohort.reserved_value)
        ):
            continue
        return {
            "gender" if rule.kind == RULE_GENDER else "districts": Message(
                _l(
                    "Seats in section %(id)s are kept for %(group)s, whom this rule would turn away. Keep them "
                    "for nobody first (edit the section), or choose another condition."
                ),
                id=cohort.id,
                group=reserved_group(cohort),
            )
        }
    return {}


def _needs_first(course_id: int, required_id: int) -> bool:
    """Whether everyone joining course ``course_id`` needs course ``required_id`` completed first, by the
    prerequisite rules of the courses (a rule of one section leaves the other sections to join)."""
    seen, frontier = {course_id}, {course_id}
    while frontier:
        needed = set(
            db.session.scalars(
                select(EligibilityRule.prerequisite_course_id).where(
                    EligibilityRule.kind == RULE_PREREQUISITE,
                    EligibilityRule.course_id.in_(frontier),
                    EligibilityRule.prerequisite_course_id.is_not(None),
                )
            )
        )
        if required_id in needed:
            return True
        frontier = needed - seen
        seen |= frontier
    return False


@dataclass
class RuleRemoval:
    """What removing an eligibility rule changes, for the page that asks the admin to confirm it."""

    rule: EligibilityRule
    course: Course
    section: Section | None  # the one section the rule is for; None: every section of the course
    # Requests and waitlist places in cohorts not yet over that this rule alone holds back today: without
    # it, the requests could be approved and the people waiting moved up when a seat is free.
    held_back: list[Enrolment] = field(default_factory=list)


def rule_removal(admin: User, rule_id: int) -> RuleRemoval:
    """What removing rule ``rule_id`` would change (nothing is changed). Raises NotFound: no such rule,
    or one of an institution ``admin`` does not run."""
    rule = rule_for_admin(admin, rule_id)
    if rule.section_id is not None:
        section = db.session.get(Section, rule.section_id)
        course, sections = section.course, [section]
    else:
        section, course = None, db.session.get(Course, rule.course_id)
        sections = list(course.sections)
    today = clock.today()
    current = {s.id: s for s in sections if s.end_date >= today}
    removal = RuleRemoval(rule, course, section)
    if not current:
        return removal
    waiting = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.section_id.in_(current), Enrolment.status.in_((PENDING, WAITLISTED)))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.dependant))
        .order_by(Enrolment.section_id, Enrolment.status, Enrolment.created_at, Enrolment.id)
    )
    for enrolment in waiting:
        cohort, person = current[enrolment.section_id], person_of(enrolment)
        if rule_problem(rule, person, cohort) is None:
            continue
        if any(rule_problem(other, person, cohort) for other in rules_for(cohort) if other.id != rule.id):
            continue  # another rule would still hold them back
        removal.held_back.append(enrolment)
    return removal


@dataclass
class RuleRemoved:
    course_id: int  # the course the rule belonged to (for the page to go back to)
    promoted: list[Enrolment] = field(default_factory=list)  # moved up from a waitlist into a free seat


def remove_rule(admin: User, rule_id: int, ip: str | None = None) -> RuleRemoved:
    """Remove an eligibility rule. People on the waitlist of a cohort not yet over whom it alone held
    back take the free seats at once (promote_waitlist, each section locked), as they would when a seat
    is freed: a seat is not left empty, for a newcomer to take, while they wait. Raises NotFound."""
    begin_write()
    rule = rule_for_admin(admin, rule_id)
    course_id = rule.course_id or db.session.get(Section, rule.section_id).course_id
    if rule.section_id is not None:
        section_ids = [rule.section_id]
    else:
        today = clock.today()
        section_ids = list(
            db.session.scalars(select(Section.id).where(Section.course_id == course_id, Section.end_date >= today))
        )
    # The course is kept so that the same removal posted again can say it is done (removed_rule_course).
    audit("education.rule.removed", actor=admin, target=rule, ip=ip, kind=rule.kind, course_id=course_id)
    db.session.delete(rule)
    db.session.flush()
    removed = RuleRemoved(course_id)
    for section_id in sorted(section_ids):  # one order of locks for every writer
        section = lock_section(section_id)
        db.session.expire(section, ["rules"])
        db.session.expire(section.course, ["rules"])  # rules_for reads both lists: without the one removed
        removed.promoted += promote_waitlist(section)
    return removed


def removed_rule_course(admin: User, rule_id: int) -> int | None:
    """The course of rule ``rule_id`` if the rule has been removed and ``admin`` runs that course (a
    second press of "Remove this rule", the Back button after it), else None."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "education.rule.removed",
            AuditEvent.target_type == EligibilityRule.__tablename__,
            AuditEvent.target_id == str(rule_id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    course_id = (event.details or {}).get("course_id") if event is not None else None
    if not isinstance(course_id, int):
        return None  # removed before the course was kept with the event
    try:
        return course_for_admin(admin, course_id).id
    except NotFound:
        return None


# --- search --------------------------------------------------------------------------------------------


@dataclass
class CourseFilters:
    q: str = ""
    district: str = ""
    category: str = ""
    mode: str = ""
    fee: str = ""  # free | paid
    weeks: int | None = None
    seats: bool = False


def search_courses(filters: CourseFilters, page: int = 1, per_page: int = 10):
    """Active courses with at least one open or upcoming section matching the filters, paginated."""
    today = clock.today()
    section_conditions = [
        Section.course_id == Course.id,
        Section.closed.is_(False),
        Section.enrol_closes >= today,
    ]
    if filters.weeks:
        section_conditions.append(Section.start_date <= today + timedelta(weeks=filters.weeks))
        section_conditions.append(Section.start_date >= today)
    if filters.seats:
        section_conditions.append(Section.enrolled_count < Section.capacity)
    query = (
        select(Course)
        .options(selectinload(Course.sections), contains_eager(Course.institution))
        .join(Institution, Institution.id == Course.institution_id)
        .where(
            Course.active.is_(True),
            Institution.active.is_(True),
            select(Section.id).where(*section_conditions).exists(),
        )
    )
    if filters.district:
        query = query.where(Institution.district == filters.district)
    if filters.category:
        query = query.where(Course.category == filters.category)
    if filters.mode:
        query = query.where(Course.mode == filters.mode)
    if filters.fee == "free":
        query = query.where(Course.fee_paisa == 0)
    elif filters.fee == "paid":
        query = query.where(Course.fee_paisa > 0)
    # Every typed word in a title, a description or the institution's name, in English or Urdu, in any
    # order (portal.bilingual.holds_words): a citizen may well type the title in Urdu.
    query = query.where(*holds_words((filters.q or "").strip()[:100], Course.search_text, Institution.search_text))
    # By the title the reader sees: in Urdu, in Urdu alphabetical order (portal.bilingual.shown_order).
    query = query.order_by(*shown_order(Course.title, Course.title_ur, Course.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def open_sections(course: Course) -> list[Section]:
    today = clock.today()
    return [s for s in course.sections if not s.closed and s.end_date >= today]
