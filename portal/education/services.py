"""Education rules and transactions: enrolment, seats, waitlist, approvals, completion, certificates.

Seats are taken and given back only with conditional UPDATEs on ``edu_sections.enrolled_count``
whose row count decides; every service that changes seats first locks the section row
(``SELECT … FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite through begin_write), so
waitlist order is arrival order and a freed seat goes to the first waitlisted person in the same
transaction. Services flush; the caller commits once.

Locks are taken in one order, so that no two writers wait for each other (on PostgreSQL the database
would abort one of them): the person's family member row first (``person_for``), then sections in the
order of their ids when a writer holds several (enrol moving cohorts, bulk enrolment through
``lock_sections``, remove_rule, release_due_reserved_seats).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal import clock, refs
from portal.auth.errors import DomainError, NotFound, PlaceRulesRefuseDetails
from portal.auth.models import ROLE_SCHOOL_ADMIN, User
from portal.auth.services import (
    COMMITMENT_CHECKS,
    COMMITMENT_LISTS,
    DETAIL_CHECKS,
    RECORD_NAMERS,
    SCOPE_FINDERS,
    SCOPE_RESOLVERS,
    Commitment,
    RecordName,
    audit,
    get_dependant,
    institution_ids_for,
)
from portal.bilingual import InLanguage, holds_words, in_language, shown_order, shown_sorted
from portal.database import begin_write
from portal.districts import district_label
from portal.education.eligibility import (
    LazyDate,
    LazyJoin,
    Message,
    Person,
    eligibility_problems,
    in_reserved_group,
    person_of,
    reserved_group,
    rule_problem,
    rules_for,
)
from portal.education.models import (
    ACTIVE_STATUSES,
    CAPACITY_REFUSAL_REASON,
    COMPLETED,
    DROPPED,
    ENROLLED,
    MOVED_REASON,
    PENDING,
    REJECTED,
    RULE_AGE,
    RULE_GENDER,
    SEAT_GENERAL,
    SEAT_RESERVED,
    STATUSES,
    WAITLISTED,
    Certificate,
    Course,
    EligibilityRule,
    Enrolment,
    Institution,
    Section,
)
from portal.extensions import db
from portal.notifications.services import notify, register_reminder_hook
from portal.refs import new_reference, random_code
from portal.validation import ascii_digits

# --- errors ------------------------------------------------------------------------------------


class NotEligible(DomainError):
    message = _l("This person cannot join this cohort.")

    def __init__(self, problems):
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = problems


class EnrolmentNotOpenYet(DomainError):
    message = _l("Enrolment for this cohort opens on %(date)s.")


class EnrolmentClosed(DomainError):
    message = _l("Enrolment for this cohort closed on %(date)s.")


class SectionUnavailable(DomainError):
    message = _l("This cohort is not taking enrolments.")


class AlreadyEnrolled(DomainError):
    message = _l("%(name)s already has an enrolment in this course (%(ref)s, %(status)s).")


class PlaceInAnotherCohort(AlreadyEnrolled):
    """The person (one place per course) has a place in another cohort that asking here cannot replace:
    a seat (they leave it first, deliberately), or a waitlist place or request when this cohort has no
    free seat for them now (giving it up for another wait or another request would be a loss)."""

    situations = {
        ENROLLED: _l("%(name)s already has a seat in another cohort of this course: %(cohort)s (%(ref)s)."),
        WAITLISTED: _l("%(name)s is on the waitlist of another cohort of this course: %(cohort)s (%(ref)s)."),
        PENDING: _l("%(name)s has asked to join another cohort of this course: %(cohort)s (%(ref)s)."),
    }
    advice = {
        ENROLLED: _l("To change to this cohort, leave that one first in My courses, then enrol here."),
        WAITLISTED: _l(
            "Only a free seat in this cohort can take the place of that one. To wait for this cohort "
            "instead, leave that waitlist first in My courses."
        ),
        PENDING: _l(
            "Only a free seat in this cohort can take the place of that request. To ask for this cohort "
            "instead, withdraw that request first in My courses."
        ),
    }

    def __init__(self, current: Enrolment, name: str):
        super().__init__(
            self.situations[current.status], name=name, cohort=current.section.label, ref=current.reference
        )
        self.status = current.status

    def situation(self) -> str:
        """Where the person's place is, without the citizen's advice (for staff, who act otherwise)."""
        return super().__str__()

    def __str__(self) -> str:
        return f"{self.situation()} {self.advice[self.status]}"


class AlreadyCompleted(DomainError):
    message = _l("%(name)s has already completed this course.")


class SectionFull(DomainError):
    message = _l("This cohort is full and has no waitlist.")


class WaitlistFull(DomainError):
    message = _l("This cohort is full and its waitlist is full too.")


class DropDeadlinePassed(DomainError):
    message = _l("The last day to drop this course was %(date)s. Please contact the institution.")


class CannotChange(DomainError):
    message = _l("This enrolment cannot be changed any more.")


class InvalidChange(DomainError):
    pass


class CohortEnded(CannotChange):
    """The cohort's last day has passed: nobody is given a seat in it or removed from it any more."""

    message = _l("This cohort ended on %(date)s: nobody can be given a seat in it any more.")


class CompletionNotOpenYet(InvalidChange):
    message = _l("Completion can be recorded from %(date)s, the last day of this cohort.")


class InvalidCSV(DomainError):
    pass


# --- scope -------------------------------------------------------------------------------------


def prerequisite_options(user, course: Course) -> list[Course]:
    """Courses that may be named as a prerequisite of ``course``: the admin's own (active or not)
    and any active course on the portal, by the title the admin sees, with their institutions loaded in
    the same query."""
    mine = Course.institution_id.in_(managed_institution_ids(user))
    return list(
        db.session.scalars(
            select(Course)
            .options(selectinload(Course.institution))
            .where(Course.id != course.id, or_(mine, Course.active.is_(True)))
            .order_by(*shown_order(Course.title, Course.title_ur, Course.id))
            .limit(1000)
        )
    )


def managed_institution_ids(user) -> set[int]:
    return institution_ids_for(user)


def managed_institutions(user) -> list[Institution]:
    """The institutions ``user`` runs, in the order of the names they see (portal.bilingual.shown_order)."""
    ids = managed_institution_ids(user)
    if not ids:
        return []
    order = shown_order(Institution.name, Institution.name_ur, Institution.id)
    return list(db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(*order)))


def institution_courses(institution: Institution) -> list[Course]:
    """All of the institution's courses, open or not, in the order of the titles the admin sees."""
    return shown_sorted(institution.courses, Course.shown_title)


def can_manage_institution(user, institution_id: int | None) -> bool:
    return institution_id is not None and institution_id in managed_institution_ids(user)


def institution_for_admin(user, institution_id: int) -> Institution:
    institution = db.session.get(Institution, institution_id)
    if institution is None or not can_manage_institution(user, institution.id):
        raise NotFound()
    return institution


def course_for_admin(user, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not can_manage_institution(user, course.institution_id):
        raise NotFound()
    return course


def section_for_admin(user, section_id: int) -> Section:
    section = db.session.get(Section, section_id)
    if section is None or not can_manage_institution(user, section.course.institution_id):
        raise NotFound()
    return section


def enrolment_for_admin(user, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not can_manage_institution(user, enrolment.course.institution_id):
        raise NotFound()
    return enrolment


def rule_for_admin(user, rule_id: int) -> EligibilityRule:
    rule = db.session.get(EligibilityRule, rule_id)
    if rule is None:
        raise NotFound()
    course = rule.course_id and db.session.get(Course, rule.course_id)
    if course is None:
        section = db.session.get(Section, rule.section_id)
        course = section.course if section else None
    if course is None or not can_manage_institution(user, course.institution_id):
        raise NotFound()
    return rule


def _institution_name(institution_id: int) -> str | None:
    institution = db.session.get(Institution, institution_id)
    return institution.shown_name if institution else None


def _institutions_named(text: str, limit: int = 6) -> list[tuple[int, str]]:
    """Institutions whose English or Urdu name holds every word of ``text``."""
    stmt = select(Institution).where(*holds_words(text, Institution.search_text))
    order = shown_order(Institution.name, Institution.name_ur, Institution.id)
    found = db.session.scalars(stmt.order_by(*order).limit(limit)).all()
    return [(institution.id, institution.shown_name) for institution in found]


SCOPE_RESOLVERS[ROLE_SCHOOL_ADMIN] = _institution_name
SCOPE_FINDERS[ROLE_SCHOOL_ADMIN] = _institutions_named


def _enrolments_named(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each enrolment: its reference and who sits in the place."""
    stmt = (
        select(Enrolment)
        .where(Enrolment.id.in_(ids))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.dependant))
    )
    return {e.id: RecordName(e.reference, (e.person_name,), code=True) for e in db.session.scalars(stmt)}


def _institutions_named_for_log(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each institution: its name in the reader's language, and its district."""
    rows = db.session.execute(
        select(Institution.id, Institution.name, Institution.name_ur, Institution.district).where(
            Institution.id.in_(ids)
        )
    )
    return {row.id: RecordName(in_language(row.name, row.name_ur), (district_label(row.district),)) for row in rows}


def _courses_named(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each course: its title, and its institution's name."""
    rows = db.session.execute(
        select(
            Course.id,
            Course.title,
            Course.title_ur,
            Institution.name.label("institution"),
            Institution.name_ur.label("institution_ur"),
        )
        .join(Institution, Institution.id == Course.institution_id)
        .where(Course.id.in_(ids))
    )
    return {
        row.id: RecordName(in_language(row.title, row.title_ur), (in_language(row.institution, row.institution_ur),))
        for row in rows
    }


def _sections_named(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each cohort: its name (its number when it has none), and its course's
    title and institution (many courses have an "Evening" cohort)."""
    rows = db.session.execute(
        select(
            Section.id,
            Section.name,
            Section.name_ur,
            Course.title,
            Course.title_ur,
            Institution.name.label("institution"),
            Institution.name_ur.label("institution_ur"),
        )
        .join(Course, Course.id == Section.course_id)
        .join(Institution, Institution.id == Course.institution_id)
        .where(Section.id.in_(ids))
    )
    named = {}
    for row in rows:
        name = in_language(row.name, row.name_ur).strip()
        course = (in_language(row.title, row.title_ur), in_language(row.institution, row.institution_ur))
        named[row.id] = RecordName(name, course) if name else RecordName(str(row.id), course, code=True)
    return named


RECORD_NAMERS[Enrolment.__tablename__] = _enrolments_named
RECORD_NAMERS[Institution.__tablename__] = _institutions_named_for_log
RECORD_NAMERS[Course.__tablename__] = _courses_named
RECORD_NAMERS[Section.__tablename__] = _sections_named


# --- people --------------------------------------------------------------------------------------


def person_for(user: User, dependant_id: int | None, *, for_enrolment: bool = False) -> Person:
    """The account holder, or their family member (NotFound for anyone else's). ``for_enrolment``: a
    place is being made for them, so a family member's row is locked until the transaction ends
    (``get_dependant`` for_booking), and they cannot be taken off the account meanwhile."""
    if dependant_id:
        return Person(user, get_dependant(user, dependant_id, for_booking=for_enrolment))
    return Person(user)


def active_enrolment(person: Person, course_id: int) -> Enrolment | None:
    """The person's place in the course (enrolled, waiting, asking, or completed), in whichever cohort."""
    return db.session.scalar(_active_enrolment_query(person, course_id))


def _active_enrolment_query(person: Person, course_id):
    return select(Enrolment).where(
        Enrolment.course_id == course_id,
        Enrolment.person_key == person.key,
        Enrolment.status.in_(ACTIVE_STATUSES + (COMPLETED,)),
    )


# --- seats ---------------------------------------------------------------------------------------


def lock_section(section_id: int) -> Section:
    """The section, locked for this transaction and read fresh (NotFound if it does not exist)."""
    section = db.session.scalar(
        select(Section)
        .where(Section.id == section_id)
        # Every caller checks or names the course and its institution: in the same query.
        .options(joinedload(Section.course).joinedload(Course.institution))
        .with_for_update(of=Section)
        .execution_options(populate_existing=True)
    )
    if section is None:
        raise NotFound()
    _release_reserved_if_closed(section)
    return section


def lock_sections(section_ids, *, institution_ids=None) -> list[int]:
    """Lock several sections for this transaction in one statement, in the order of their ids: every
    writer that holds more than one section takes them in that order (enrol moving cohorts, bulk
    enrolment, remove_rule, release_due_reserved_seats), so that two of them never wait for each other.
    ``institution_ids``: only the sections of these institutions. Returns the ids locked, in order;
    each is read fresh (``lock_section``, no wait then) when it is used."""
    query = select(Section.id).where(Section.id.in_(sorted(set(section_ids))))
    if institution_ids is not None:
        query = query.join(Course, Course.id == Section.course_id).where(Course.institution_id.in_(institution_ids))
    return list(db.session.scalars(query.order_by(Section.id).with_for_update(of=Section)))


def take_seat(section: Section, person: Person) -> str | None:
    """Take one seat with a conditional UPDATE; returns the kind of seat taken, or None if none is left.

    A member of the reserved group takes a reserved seat first, then a general one. Others take
    only general seats while reserved seats are kept (until enrolment closes).
    """
    if in_reserved_group(section, person):
        taken = db.session.execute(
            update(Section)
            .where(
                Section.id == section.id,
                Section.reserved_released.is_(False),
                Section.reserved_taken < Section.reserved_seats,
                Section.enrolled_count < Section.capacity,
            )
            .values(enrolled_count=Section.enrolled_count + 1, reserved_taken=Section.reserved_taken + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            _counted(section, enrolled_count=section.enrolled_count + 1, reserved_taken=section.reserved_taken + 1)
            return SEAT_RESERVED
    taken = db.session.execute(
        update(Section)
        .where(
            Section.id == section.id,
            Section.enrolled_count < Section.capacity,
            or_(
                Section.reserved_released.is_(True),
                Section.reserved_kind.is_(None),
                Section.enrolled_count - Section.reserved_taken < Section.capacity - Section.reserved_seats,
            ),
        )
        .values(enrolled_count=Section.enrolled_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    _counted(section, enrolled_count=section.enrolled_count + 1)
    return SEAT_GENERAL


def _counted(section: Section, **values) -> None:
    """Show the section's counters as the conditional UPDATE just wrote them. The section is locked
    for this transaction and was read fresh (``lock_section``), so the values are exact; reading
    them again would cost a round trip."""
    for name, value in values.items():
        set_committed_value(section, name, value)


def release_seat(section: Section, enrolment: Enrolment) -> None:
    values = {"enrolled_count": Section.enrolled_count - 1}
    conditions = [Section.id == section.id, Section.enrolled_count > 0]
    if enrolment.seat_kind == SEAT_RESERVED:
        values["reserved_taken"] = case((Section.reserved_taken > 0, Section.reserved_taken - 1), else_=0)
    released = db.session.execute(
        update(Section).where(*conditions).values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if released != 1:  # pragma: no cover - the counter and the enrolments disagree
        db.session.expire(section)
        current_app.logger.error("seat counter of section %s was already 0", section.id)
    elif enrolment.seat_kind == SEAT_RESERVED:
        _counted(section, enrolled_count=section.enrolled_count - 1, reserved_taken=max(section.reserved_taken - 1, 0))
    else:
        _counted(section, enrolled_count=section.enrolled_count - 1)
    enrolment.seat_kind = None


def _release_reserved_if_closed(section: Section) -> None:
    if section.reserved_kind and not section.reserved_released and clock.today() > section.enrol_closes:
        release_reserved_seats(section)


def release_reserved_seats(section: Section) -> list[Enrolment]:
    """Give unused reserved seats to everyone (enrolment has closed) and fill them from the waitlist."""
    released = db.session.execute(
        update(Section)
        .where(Section.id == section.id, Section.reserved_released.is_(False))
        .values(reserved_released=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(section)
    if released != 1:
        return []
    return promote_waitlist(section)


def release_due_reserved_seats(now: datetime | None = None) -> int:
    """Reminder hook (flask notifications deliver): release reserved seats of closed sections."""
    today = (now or clock.now()).astimezone(clock.KARACHI).date()
    begin_write()
    ids = db.session.scalars(
        select(Section.id)
        .where(Section.reserved_kind.is_not(None), Section.reserved_released.is_(False), Section.enrol_closes < today)
        .order_by(Section.id)  # locked one by one below and held to the end: by id, as every writer
    ).all()
    promoted = 0
    for section_id in ids:
        section = db.session.scalar(select(Section).where(Section.id == section_id).with_for_update(of=Section))
        promoted += len(release_reserved_seats(section))
    return promoted


register_reminder_hook(release_due_reserved_seats)


# --- waitlist ------------------------------------------------------------------------------------


def _waitlist_query(section_id: int):
    return (
        select(Enrolment)
        .where(Enrolment.section_id == section_id, Enrolment.status == WAITLISTED)
        .order_by(Enrolment.waitlisted_at, Enrolment.id)
    )


def waitlist(section_id: int) -> list[Enrolment]:
    return list(db.session.scalars(_waitlist_query(section_id)))


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first person waiting; None when not on the waitlist."""
    if enrolment.status != WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.section_id == enrolment.section_id,
            Enrolment.status == WAITLISTED,
            or_(
                Enrolment.waitlisted_at < enrolment.waitlisted_at,
                and_(Enrolment.waitlisted_at == enrolment.waitlisted_at, Enrolment.id < enrolment.id),
            ),
        )
    )
    return (ahead or 0) + 1


def waitlist_length(section_id: int) -> int:
    """How many people are on one section's waitlist now."""
    return waitlist_lengths([section_id]).get(section_id, 0)


def waitlist_lengths(section_ids) -> dict[int, int]:
    ids = list(section_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.section_id, func.count(Enrolment.id))
        .where(Enrolment.section_id.in_(ids), Enrolment.status == WAITLISTED)
        .group_by(Enrolment.section_id)
    ).all()
    return {section_id: count for section_id, count in rows}


OUTCOME_SEAT, OUTCOME_APPROVAL, OUTCOME_WAITLIST = "seat", "approval", "waitlist"
OUTCOME_NO_PLACE, OUTCOME_NOT_OPEN = "no_place", "not_open"


@dataclass(frozen=True)
class EnrolPreview:
    """What enrolling in a section would do now, for the enrol and course pages to say before anyone asks."""

    outcome: str  # one of the OUTCOME_* values
    waiting: int  # people on the section's waitlist now
    position: int | None = None  # the place on the waitlist a new request would take
    refusal: DomainError | None = None  # why no one can ask now (not open, closed, no place left)

    @property
    def opens_later(self) -> bool:
        """Enrolment has not opened yet (its seats are still to be had, from the day it opens)."""
        return isinstance(self.refusal, EnrolmentNotOpenYet)


def enrol_preview(section: Section, waiting: int | None = None) -> EnrolPreview:
    """The likely outcome of enrolling in ``section``, from its counters as read now (``enrol`` decides
    under the section lock, so a race can still change it), with the refusal ``enrol`` would give
    anyone: the cohort is closed, enrolment is not open yet or has closed, or no seat and no waitlist
    place is left. Seats kept for a group are not told apart: the person is not chosen yet.
    ``waiting``: the section's waitlist length when the caller has read it already."""
    if waiting is None:
        waiting = waitlist_length(section.id)
    try:
        check_window(section)
    except DomainError as exc:
        return EnrolPreview(OUTCOME_NOT_OPEN, waiting, refusal=exc)
    if section.needs_approval:
        return EnrolPreview(OUTCOME_APPROVAL, waiting)
    if section.seats_left > 0:
        return EnrolPreview(OUTCOME_SEAT, waiting)
    if section.waitlist_enabled and not section.waitlist_full(waiting):
        return EnrolPreview(OUTCOME_WAITLIST, waiting, position=waiting + 1)
    refusal = WaitlistFull() if section.waitlist_enabled else SectionFull()
    return EnrolPreview(OUTCOME_NO_PLACE, waiting, refusal=refusal)


# How one person stands with one cohort, for the "Can your family join?" lists.
STANDING_HERE = "here"  # their place in the course is in this cohort
STANDING_ELSEWHERE = "elsewhere"  # their place is in another cohort (or they completed the course)
STANDING_MAY_MOVE = "may_move"  # waiting in another cohort; a free seat here would take its place
STANDING_NOT_ELIGIBLE = "not_eligible"
STANDING_NOT_NOW = "not_now"  # meets the conditions, but no one can join this cohort now
STANDING_CAN_JOIN = "can_join"
# Meets the conditions, but the seats left are kept for a group they are not in (until enrolment closes):
STANDING_WAIT_FOR_KEPT = "wait_for_kept"  # joining puts them on the waitlist
STANDING_KEPT = "kept"  # and no waitlist place is left for them: they cannot join now
NOT_SELECTABLE = frozenset((STANDING_HERE, STANDING_ELSEWHERE, STANDING_NOT_ELIGIBLE, STANDING_KEPT))


@dataclass(frozen=True)
class Standing:
    person: Person
    current: Enrolment | None  # the person's place in the course, in whichever cohort
    problems: list  # why the person cannot join this cohort (its conditions)
    kind: str  # one of the STANDING_* values
    advice: object | None = None  # what to do, when their place elsewhere stands in the way

    @property
    def selectable(self) -> bool:
        """Whether the person may be chosen in the enrol form: not when they cannot join this cohort
        (its conditions, seats kept for others and no waitlist place) or their place in the course is
        here already, or elsewhere where enrolling here would not move it."""
        return self.kind not in NOT_SELECTABLE


def standing(person: Person, section: Section, current: Enrolment | None, preview: EnrolPreview) -> Standing:
    """Whether ``person`` can join ``section`` now, and what to do when a place in another cohort of the
    course stands in the way; ``current`` is their place in the course (``active_enrolment``)."""
    problems = eligibility_problems(person, section)
    kept = preview.outcome == OUTCOME_SEAT and only_kept_seats_for(person, section)
    if current is not None and current.section_id == section.id:
        return Standing(person, current, problems, STANDING_HERE)
    if current is not None:
        if current.status == COMPLETED:
            return Standing(person, current, problems, STANDING_ELSEWHERE)
        if current.status in MOVABLE_STATUSES and not problems and preview.outcome == OUTCOME_SEAT and not kept:
            return Standing(
                person,
                current,
                problems,
                STANDING_MAY_MOVE,
                _l("A free seat here can take the place of that one: enrolling here gives it up."),
            )
        return Standing(person, current, problems, STANDING_ELSEWHERE, PlaceInAnotherCohort.advice[current.status])
    if problems:
        return Standing(person, None, problems, STANDING_NOT_ELIGIBLE)
    if preview.refusal is not None:
        return Standing(person, None, problems, STANDING_NOT_NOW)
    if kept:
        group, closes = reserved_group(section), LazyDate(section.enrol_closes)
        if section.waitlist_enabled and not section.waitlist_full(preview.waiting):
            advice = Message(
                _l(
                    "The seats left are kept for %(group)s until enrolment closes on %(date)s: until then "
                    "%(name)s would be number %(position)s on the waitlist."
                ),
                group=group,
                date=closes,
                name=person.name,
                position=preview.waiting + 1,
            )
            return Standing(person, None, problems, STANDING_WAIT_FOR_KEPT, advice)
        advice = Message(
            _l("The seats left are kept for %(group)s until enrolment closes on %(date)s."), group=group, date=closes
        )
        return Standing(person, None, problems, STANDING_KEPT, advice)
    return Standing(person, None, problems, STANDING_CAN_JOIN)


def enrol_action(preview: EnrolPreview, standings: list[Standing]) -> str | None:
    """What asking for a place in this cohort does for the people on the account who may be chosen, as
    the course page's and the enrol page's buttons say it: OUTCOME_WAITLIST when the cohort is full or
    the seats left are kept for a group none of them is in, OUTCOME_APPROVAL for a request, else
    OUTCOME_SEAT; None when nobody on the account can be chosen (the standings say why)."""
    offered = [s for s in standings if s.selectable]
    if not offered:
        return None
    if preview.outcome == OUTCOME_WAITLIST or all(s.kind == STANDING_WAIT_FOR_KEPT for s in offered):
        return OUTCOME_WAITLIST
    return OUTCOME_APPROVAL if preview.outcome == OUTCOME_APPROVAL else OUTCOME_SEAT


def seats_left_for(person: Person, section: Section) -> int:
    """The seats ``person`` could take now (``take_seat``): all those left for a member of the reserved
    group, only the general ones for anyone else while seats are kept."""
    return section.seats_left if in_reserved_group(section, person) else section.general_seats_left


def only_kept_seats_for(person: Person, section: Section) -> bool:
    """Whether the only seats left are kept for a group ``person`` is not in (``take_seat`` would give
    them none), read from the section's counters as they are now."""
    return section.seats_left > 0 and seats_left_for(person, section) == 0


def has_ended(section: Section) -> bool:
    """Whether the cohort's last day has passed (Karachi): a seat in it is of no use to anyone now."""
    return clock.today() > section.end_date


def promote_waitlist(section: Section) -> list[Enrolment]:
    """Fill free seats from the waitlist, first come first served, skipping people who are no longer
    eligible or who cannot use the seats left (seats kept for a group). Call with the section locked.
    No one is promoted into a course that has ended: a seat freed after the end date is of no use."""
    promoted = []
    if has_ended(section):
        return promoted
    for enrolment in waitlist(section.id):
        if section.enrolled_count >= section.capacity:
            break
        person = person_of(enrolment)
        if eligibility_problems(person, section):
            continue
        seat = take_seat(section, person)
        if seat is None:
            continue
        now = clock.now()
        enrolment.status, enrolment.seat_kind = ENROLLED, seat
        enrolment.decided_at = enrolment.updated_at = now
        _notify(
            enrolment,
            _l("A seat is yours"),
            lambda e=enrolment: _(
                "A seat has become free and %(name)s is now enrolled in %(course)s (reference %(ref)s).",
                name=e.person_name,
                course=e.course.shown_title,
                ref=e.reference,
            ),
            "promoted",
        )
        promoted.append(enrolment)
    db.session.flush()
    return promoted


# --- enrolment -----------------------------------------------------------------------------------


@dataclass
class EnrolResult:
    enrolment: Enrolment
    replayed: bool = False  # the same form was posted again: this is the first result
    position: int | None = None
    left: Enrolment | None = None  # the waitlist place or request in another cohort given up for this seat


# Places in a course that hold no seat: a free seat in another cohort of the course may take their place.
MOVABLE_STATUSES = (WAITLISTED, PENDING)


def course_listed(course) -> bool:
    """Whether the public sees ``course``: it and its institution are active. A course of a deactivated
    institution is neither shown (its page, its cohorts' enrol pages: 404) nor open to enrolment."""
    return course.active and course.institution.active


def check_window(section: Section) -> None:
    if section.closed or not course_listed(section.course):
        raise SectionUnavailable()
    today = clock.today()
    if today < section.enrol_opens:
        raise EnrolmentNotOpenYet(date=LazyDate(section.enrol_opens))
    if today > section.enrol_closes:
        raise EnrolmentClosed(date=LazyDate(section.enrol_closes))


def enrolment_by_token(token: str | None) -> Enrolment | None:
    if not token:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.submission_token == token))


def enrol(user: User, section_id: int, *, dependant_id: int | None = None, submission_token: str | None = None):
    """Enrol ``user`` (or their family member) in a section → EnrolResult.

    Outcome: enrolled (a seat was free), pending (the section needs approval), or waitlisted
    (full, waitlist open). A person waiting in another cohort of the course (on its waitlist, or for
    the institution's approval) who gets a free seat here gives up that place in the same transaction
    (``left``); it held no seat, so no one is promoted there and those behind move up by one.
    Raises SectionUnavailable, EnrolmentNotOpenYet, EnrolmentClosed, AlreadyEnrolled,
    PlaceInAnotherCohort, AlreadyCompleted, NotEligible, SectionFull, WaitlistFull, NotFound.
    Posting the same submission token again returns the first enrolment (replayed=True).
    """
    begin_write()
    person = person_for(user, dependant_id, for_enrolment=True)  # before the sections: one order of locks
    # The person's place in the course, read before the locks: a place waiting in another cohort has
    # its section locked too, both in the order of their ids (so that two moves never wait for each
    # other), and is read again under that lock, where no promotion can seat the person meanwhile.
    # A place taken by a parallel request after this read is refused by the database (one per course).
    current = db.session.scalar(
        _active_enrolment_query(person, select(Section.course_id).where(Section.id == section_id).scalar_subquery())
    )
    waiting_in = current.section_id if current is not None and current.status in MOVABLE_STATUSES else None
    locked = {s.id: s for s in (lock_section(i) for i in sorted({section_id, waiting_in} - {None}))}
    section = locked[section_id]
    existing = enrolment_by_token(submission_token)
    if existing is not None:
        if existing.user_id != user.id:
            raise NotFound()
        return EnrolResult(existing, replayed=True, position=waitlist_position(existing))
    check_window(section)
    leaving = None
    if waiting_in is not None and waiting_in != section_id:
        db.session.refresh(current)
        if current.status in MOVABLE_STATUSES:
            leaving = current
        elif current.status not in ACTIVE_STATUSES + (COMPLETED,):
            current = None  # it ended meanwhile
    enrolment = place(
        section, person, approval=section.needs_approval, token=submission_token, current=current, leaving=leaving
    )
    if leaving is not None:
        _notify(
            enrolment,
            _l("Enrolment confirmed"),
            lambda e=enrolment, old=leaving: _(
                "%(name)s is enrolled in %(course)s (%(cohort)s) at %(institution)s, starting %(start)s, and is "
                "no longer waiting for %(old)s. Reference %(ref)s.",
                name=e.person_name,
                course=e.course.shown_title,
                cohort=e.section.label,
                institution=e.course.institution.shown_name,
                start=LazyDate(e.section.start_date),
                old=old.section.label,
                ref=e.reference,
            ),
            "moved",
        )
    else:
        _notify_outcome(enrolment)
    return EnrolResult(enrolment, position=waitlist_position(enrolment), left=leaving)


UNREAD = object()  # place(): the person's current place in the course is not read yet


def place(
    section: Section,
    person: Person,
    *,
    approval: bool,
    token: str | None,
    source: str = "web",
    current: Enrolment | None = UNREAD,
    leaving: Enrolment | None = None,
) -> Enrolment:
    """Create the enrolment for a person in a locked section: the one-per-course rule, eligibility,
    then a seat, approval, or the waitlist.

    ``current``: the person's place in the course when the caller has read it (``active_enrolment``).
    ``leaving``: that place when it waits in another cohort of the course (waitlist or request), its
    section locked too. It is given up (dropped) only for a seat taken here now; when this section
    would only queue the person again, PlaceInAnotherCohort says what to do instead and nothing changes."""
    if current is UNREAD:
        current = active_enrolment(person, section.course_id)
    if current is not None and current is not leaving:
        if current.status == COMPLETED:
            raise AlreadyCompleted(name=person.name)
        if current.section_id != section.id:
            raise PlaceInAnotherCohort(current, person.name)
        raise AlreadyEnrolled(name=person.name, ref=current.reference, status=STATUSES[current.status])
    problems = eligibility_problems(person, section)
    if problems:
        raise NotEligible(problems)
    now = clock.now()
    enrolment = _new_enrolment(person, section, now, submission_token=token, source=source)
    try:
        with db.session.begin_nested():
            if leaving is not None:
                seat = None if approval else take_seat(section, person)
                if seat is None:
                    raise PlaceInAnotherCohort(leaving, person.name)
                # It held no seat: nothing to give back, and the people behind it move up by one. Like
                # leaving a wait by hand, it gets no decided_at: the officials' figures count as seat
                # holders only the dropped enrolments that were decided (held a seat).
                leaving.status, leaving.reason, leaving.updated_at = DROPPED, MOVED_REASON, now
                db.session.flush()  # before the new place: one active place per course, in the database too
                enrolment.status, enrolment.seat_kind, enrolment.decided_at = ENROLLED, seat, now
            elif approval:
                enrolment.status = PENDING
            else:
                seat = take_seat(section, person)
                if seat is not None:
                    enrolment.status, enrolment.seat_kind, enrolment.decided_at = ENROLLED, seat, now
                else:
                    _check_waitlist_room(section)
                    enrolment.status, enrolment.waitlisted_at = WAITLISTED, now
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError:
        # Another request for the same person won the race (one active enrolment per course).
        current = active_enrolment(person, section.course_id)
        raise AlreadyEnrolled(
            name=person.name,
            ref=current.reference if current else "?",
            status=STATUSES[current.status] if current else "",
        )
    enrolment.section, enrolment.course = section, section.course
    return enrolment


def record_capacity_refusal(user: User, section_id: int, *, dependant_id: int | None = None) -> Enrolment | None:
    """Keep the request that ``enrol`` refused for lack of a seat and a waitlist place, as a rejected
    enrolment: it is unmet demand the officials' dashboard counts, and the person sees what happened.
    Call it after rolling back the refused attempt. One per person, section and day, however many
    times they try: the section is locked first, so that two refusals at once (two tabs) are kept one
    after the other, the second seeing the first."""
    begin_write()
    try:
        section = lock_section(section_id)
    except NotFound:
        return None
    person = person_for(user, dependant_id)
    now = clock.now()
    day_start = datetime.combine(clock.today(), datetime.min.time(), tzinfo=clock.KARACHI)
    already = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.section_id == section.id,
            Enrolment.person_key == person.key,
            Enrolment.status == REJECTED,
            Enrolment.reason == CAPACITY_REFUSAL_REASON,
            Enrolment.created_at >= day_start,
        )
    )
    if already is not None:
        return None
    enrolment = _new_enrolment(
        person, section, now, status=REJECTED, reason=CAPACITY_REFUSAL_REASON, source="web", decided_at=now
    )
    db.session.add(enrolment)
    return enrolment


def _new_enrolment(person: Person, section: Section, now: datetime, **fields) -> Enrolment:
    return Enrolment(
        reference=_unique_reference(),
        user_id=person.user.id,
        dependant_id=person.dependant.id if person.dependant else None,
        person_key=person.key,
        section_id=section.id,
        course_id=section.course_id,
        created_at=now,
        updated_at=now,
        **fields,
    )


def _check_waitlist_room(section: Section) -> None:
    if not section.waitlist_enabled:
        raise SectionFull()
    if _waitlist_is_full(section):
        raise WaitlistFull()


def _waitlist_is_full(section: Section) -> bool:
    """Whether the section's waitlist has reached its cap (call with the section locked)."""
    if section.waitlist_cap is None:
        return False
    waiting = db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.section_id == section.id, Enrolment.status == WAITLISTED)
    )
    return waiting >= section.waitlist_cap


def _unique_reference() -> str:
    for _attempt in range(20):
        reference = new_reference("E")
        if db.session.scalar(select(Enrolment.id).where(Enrolment.reference == reference)) is None:
            return reference
    raise RuntimeError("could not find a free enrolment reference")  # pragma: no cover


def _notify(enrolment: Enrolment, subject, body, event: str) -> None:
    notify(enrolment.user, subject=subject, body=body, dedupe_key=f"edu:{enrolment.id}:{event}:{enrolment.updated_at}")


def _notify_outcome(enrolment: Enrolment) -> None:
    if enrolment.status == ENROLLED:
        subject = _l("Enrolment confirmed")
        body = lambda e=enrolment: _(  # noqa: E731
            "%(name)s is enrolled in %(course)s at %(institution)s, starting %(start)s. Reference %(ref)s.",
            name=e.person_name,
            course=e.course.shown_title,
            institution=e.course.institution.shown_name,
            start=LazyDate(e.section.start_date),
            ref=e.reference,
        )
    elif enrolment.status == PENDING:
        subject = _l("Enrolment request received")
        body = lambda e=enrolment: _(  # noqa: E731
            "%(name)s has asked to join %(course)s. The institution will approve or decline the request. "
            "Reference %(ref)s.",
            name=e.person_name,
            course=e.course.shown_title,
            ref=e.reference,
        )
    else:
        subject = _l("On the waitlist")
        body = lambda e=enrolment: _(  # noqa: E731
            "%(course)s is full. %(name)s is number %(position)s on the waitlist and will get a seat "
            "automatically if one frees up. Reference %(ref)s.",
            name=e.person_name,
            course=e.course.shown_title,
            position=waitlist_position(e),
            ref=e.reference,
        )
    _notify(enrolment, subject, body, enrolment.status)


def enrolment_for_user(user: User, reference: str) -> Enrolment:
    enrolment = db.session.scalar(
        select(Enrolment)
        .where(Enrolment.reference == refs.normalise_reference(reference))
        # Its page and its messages name the section, the course and the institution.
        .options(joinedload(Enrolment.section).joinedload(Section.course).joinedload(Course.institution))
    )
    if enrolment is None or enrolment.user_id != user.id:
        raise NotFound()
    return enrolment


def last_day_to_drop(section: Section) -> date:
    """The section's drop deadline or, when it has none, its end date: leaving a course that has
    ended would free a seat no one can use."""
    return section.drop_deadline or section.end_date


def check_can_drop(enrolment: Enrolment, section: Section | None = None) -> None:
    """Raises CannotChange (the enrolment has ended) or DropDeadlinePassed when the person may not
    leave the course today. The drop deadline is about seats: a waitlist place or a request holds
    none, so it can be given up after the deadline too, until the cohort's last day."""
    if enrolment.status not in ACTIVE_STATUSES:
        raise CannotChange()
    section = section or enrolment.section
    last_day = section.end_date if enrolment.status in MOVABLE_STATUSES else last_day_to_drop(section)
    if clock.today() > last_day:
        raise DropDeadlinePassed(date=LazyDate(last_day))


def can_drop(enrolment: Enrolment) -> bool:
    try:
        check_can_drop(enrolment)
    except DomainError:
        return False
    return True


def drop(user: User, reference: str) -> tuple[Enrolment, list[Enrolment]]:
    """The person leaves the course; a freed seat goes to the first eligible waitlisted person in
    this same transaction. Returns (enrolment, promoted). Raises NotFound, CannotChange,
    DropDeadlinePassed."""
    begin_write()
    enrolment = enrolment_for_user(user, reference)
    section = lock_section(enrolment.section_id)
    db.session.refresh(enrolment)
    check_can_drop(enrolment, section)
    held_seat = enrolment.status == ENROLLED
    now = clock.now()
    enrolment.status, enrolment.updated_at = DROPPED, now
    if held_seat:
        release_seat(section, enrolment)
    db.session.flush()
    promoted = promote_waitlist(section) if held_seat else []
    _notify(
        enrolment,
        _l("You have left a course"),
        lambda e=enrolment: _(
            "%(name)s has left %(course)s (reference %(ref)s).",
            name=e.person_name,
            course=e.course.shown_title,
            ref=e.reference,
        ),
        "dropped",
    )
    return enrolment, promoted


def my_enrolments(user: User) -> list[Enrolment]:
    """The account's places in courses, newest first. Requests refused because no place was left are
    not among them: nothing was ever placed (the enrol page said so at once), and they are kept only
    for the officials' unmet-demand figures."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.reason.is_distinct_from(CAPACITY_REFUSAL_REASON))
            .options(
                joinedload(Enrolment.course).joinedload(Course.institution),
                joinedload(Enrolment.section),
                joinedload(Enrolment.certificate),
                joinedload(Enrolment.dependant),
            )
            .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
        )
    )


def current_and_past(enrolments: list[Enrolment]) -> tuple[list[Enrolment], list[Enrolment]]:
    """The places still held in cohorts that have not ended (enrolled, waiting, asking), soonest first;
    and the rest (ended, completed, dropped, not accepted) in the order given (newest first), as
    My appointments keeps the upcoming apart from the past and cancelled."""
    today = clock.today()
    current = [e for e in enrolments if e.status in ACTIVE_STATUSES and e.section.end_date >= today]
    current.sort(key=lambda e: (e.section.start_date, e.id))
    held = {e.id for e in current}
    return current, [e for e in enrolments if e.id not in held]


# --- admin: approvals, rejections, completion ------------------------------------------------------


def approvals_queue(user) -> list[Enrolment]:
    """The requests waiting for the admin's decision, oldest first, those of cohorts that have ended
    (``has_ended``) among them: they can only be declined now (``approve`` refuses them), and the
    person is still waiting to be told."""
    ids = managed_institution_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Course.institution_id.in_(ids), Enrolment.status == PENDING)
            # Each row names the person (and the account holder of a family member), the course and
            # the cohort with the seats that person could take: read with the queue, not row by row.
            .options(
                joinedload(Enrolment.user),
                joinedload(Enrolment.dependant),
                joinedload(Enrolment.section),
                contains_eager(Enrolment.course),
            )
            .order_by(Enrolment.created_at, Enrolment.id)
        )
    )


def approve(admin: User, enrolment_id: int, ip: str | None = None) -> Enrolment:
    """Approve a pending request: it takes a seat atomically, or goes to the waitlist if none is left
    (the person is told which). Raises NotFound, CannotChange, CohortEnded (the cohort's last day has
    passed: a seat or a waitlist place in it is of no use, as ``promote_waitlist`` and bulk enrolment
    hold; the request can still be declined), SectionFull (no seat, and no waitlist or a full one: the
    request stays pending)."""
    begin_write()
    enrolment = enrolment_for_admin(admin, enrolment_id)
    section = lock_section(enrolment.section_id)
    db.session.refresh(enrolment)
    if enrolment.status != PENDING:
        raise CannotChange()
    if has_ended(section):
        raise CohortEnded(
            _l(
                "This cohort ended on %(date)s: nobody can be given a seat in it any more. Decline the "
                "request instead, so that the person is told."
            ),
            date=LazyDate(section.end_date),
        )
    # A rule added (or a person's details changed) since they asked: approving would seat someone the
    # cohort is not for. The waitlist skips such people when it moves up; an approval refuses too, and
    # the admin declines the request with its reason instead.
    problems = eligibility_problems(person_of(enrolment), section)
    if problems:
        raise NotEligible(
            [_l("%(name)s no longer meets this cohort's conditions:", name=enrolment.person_name), *problems]
        )
    now = clock.now()
    seat = take_seat(section, person_of(enrolment))
    if seat is not None:
        enrolment.status, enrolment.seat_kind = ENROLLED, seat
        audit("education.enrolment.approved", actor=admin, target=enrolment, ip=ip, reference=enrolment.reference)
    else:
        if not section.waitlist_enabled:
            raise SectionFull(_l("No seat is left and this cohort has no waitlist, so the request stays pending."))
        if _waitlist_is_full(section):
            raise SectionFull(_l("No seat is left and the waitlist is full, so the request stays pending."))
        enrolment.status, enrolment.waitlisted_at = WAITLISTED, now
        audit(
            "education.enrolment.approved_to_waitlist",
            actor=admin,
            target=enrolment,
            ip=ip,
            reference=enrolment.reference,
        )
    enrolment.decided_at = enrolment.updated_at = now
    db.session.flush()
    if enrolment.status == ENROLLED:
        _notify(
            enrolment,
            _l("Enrolment approved"),
            lambda e=enrolment: _(
                "%(name)s has been accepted into %(course)s (reference %(ref)s).",
                name=e.person_name,
                course=e.course.shown_title,
                ref=e.reference,
            ),
            "approved",
        )
    else:
        _notify(
            enrolment,
            _l("Approved: on the waitlist"),
            lambda e=enrolment: _(
                "%(name)s has been accepted into %(course)s, but every seat is taken: %(name)s is number "
                "%(position)s on the waitlist and will get a seat automatically when one frees up (reference %(ref)s).",
                name=e.person_name,
                course=e.course.shown_title,
                position=waitlist_position(e),
                ref=e.reference,
            ),
            "approved-waitlisted",
        )
    return enrolment


def reject(admin: User, enrolment_id: int, reason: str, ip: str | None = None) -> Enrolment:
    """Decline a request or remove someone (with a reason they are told). A freed seat is given to
    the waitlist in the same transaction. Raises NotFound, CannotChange, CohortEnded (``check_can_reject``)."""
    begin_write()
    enrolment = enrolment_for_admin(admin, enrolment_id)
    section = lock_section(enrolment.section_id)
    db.session.refresh(enrolment)
    check_can_reject(enrolment, section)
    was = enrolment.status
    held_seat = was == ENROLLED
    now = clock.now()
    enrolment.status, enrolment.reason = REJECTED, reason.strip()[:500]
    enrolment.updated_at = now
    if held_seat:  # the seat stays given when it was (decided_at): it is taken back now
        enrolment.removed_at = now
    else:
        enrolment.decided_at = now
    if held_seat:
        release_seat(section, enrolment)
    db.session.flush()
    # Audited as it happened: a seat taken away is a removal, not a request declined; either says what
    # the place was (asking, waiting or seated).
    audit(
        "education.enrolment.removed" if held_seat else "education.enrolment.rejected",
        actor=admin,
        target=enrolment,
        ip=ip,
        reference=enrolment.reference,
        reason=reason,
        previous=was,
    )
    if held_seat:
        promote_waitlist(section)
    # Told as it happened to them: a request declined, a seat taken away, a waitlist place ended.
    subject, text = REJECTION_NOTICES[was]
    _notify(
        enrolment,
        subject,
        lambda e=enrolment: (
            str(text) % {"name": e.person_name, "course": e.course.shown_title, "ref": e.reference, "reason": e.reason}
        ),
        "rejected",
    )
    return enrolment


def check_can_reject(enrolment: Enrolment, section: Section | None = None) -> None:
    """Raises CannotChange for a place that is no longer held, and CohortEnded for a seat in a cohort
    that has ended: its roster is the record of who took part (completion is recorded from it), a seat
    freed now would go to nobody, and "removed from the course" would be told of a course already
    over. A request or a waitlist place of an ended cohort can still be declined or ended: that person
    is waiting for an answer."""
    section = section or enrolment.section
    if enrolment.status not in ACTIVE_STATUSES:
        raise CannotChange()
    if enrolment.status == ENROLLED and has_ended(section):
        raise CohortEnded(
            _l(
                "This cohort ended on %(date)s: its roster is the record of who took part, so nobody can "
                "be removed from it now."
            ),
            date=LazyDate(section.end_date),
        )


def can_reject(enrolment: Enrolment) -> bool:
    """Whether the roster offers to decline or remove this place (``check_can_reject``)."""
    try:
        check_can_reject(enrolment)
    except CannotChange:
        return False
    return True


REJECTION_NOTICES = {
    PENDING: (
        _l("Enrolment not accepted"),
        _l("%(name)s's enrolment in %(course)s (reference %(ref)s) was not accepted. Reason: %(reason)s"),
    ),
    ENROLLED: (
        _l("Removed from a course"),
        _l("The institution has removed %(name)s from %(course)s (reference %(ref)s). Reason: %(reason)s"),
    ),
    WAITLISTED: (
        _l("Taken off a waitlist"),
        _l("The institution has taken %(name)s off the waitlist of %(course)s (reference %(ref)s). Reason: %(reason)s"),
    ),
}


def completion_opens(section: Section) -> date:
    """The first day completion of ``section`` can be recorded: its last day (``end_date``, which every
    section has), so that nobody is declared to have completed, and given a certificate for, a cohort
    still running."""
    return section.end_date


def can_record_completion(section: Section) -> bool:
    """Whether completion of ``section`` can be recorded today, by the portal's clock (Karachi)."""
    return clock.today() >= completion_opens(section)


def check_can_record_completion(section: Section) -> None:
    """Raises CompletionNotOpenYet before the cohort's last day."""
    if not can_record_completion(section):
        raise CompletionNotOpenYet(date=LazyDate(completion_opens(section)))


def complete(admin: User, section_id: int, enrolment_ids, ip: str | None = None) -> list[Enrolment]:
    """Mark enrolled people of a section as completed; each gets a certificate if the course awards one.
    Raises NotFound (another institution's section), CompletionNotOpenYet (before its last day, said
    first: ticking would not help), InvalidChange (nobody ticked)."""
    begin_write()
    section = section_for_admin(admin, section_id)
    section = lock_section(section.id)
    check_can_record_completion(section)
    wanted = {int(i) for i in enrolment_ids}
    if not wanted:
        raise InvalidChange(_l("Tick the people who have completed the course."))
    done = []
    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.section_id == section.id, Enrolment.status == ENROLLED).order_by(Enrolment.id)
    ):
        if enrolment.id not in wanted:
            continue
        now = clock.now()
        enrolment.status, enrolment.updated_at = COMPLETED, now
        if section.course.certificate:
            issue_certificate(admin, enrolment)
        audit("education.enrolment.completed", actor=admin, target=enrolment, ip=ip, reference=enrolment.reference)
        _notify(
            enrolment,
            _l("Course completed"),
            lambda e=enrolment: (
                _(
                    "Congratulations: %(name)s has completed %(course)s. Certificate code: %(code)s.",
                    name=e.person_name,
                    course=e.course.shown_title,
                    code=e.certificate.code,
                )
                if e.certificate
                else _(
                    "Congratulations: %(name)s has completed %(course)s.",
                    name=e.person_name,
                    course=e.course.shown_title,
                )
            ),
            "completed",
        )
        done.append(enrolment)
    db.session.flush()
    return done


def issue_certificate(admin: User | None, enrolment: Enrolment) -> Certificate:
    if enrolment.certificate is not None:
        return enrolment.certificate
    section, course = enrolment.section, enrolment.course
    for _attempt in range(20):
        code = random_code(10)
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            break
    certificate = Certificate(
        enrolment=enrolment,
        code=code,
        holder_name=enrolment.person_name,
        course_title=course.title,
        course_title_ur=course.title_ur,
        institution_name=course.institution.name,
        institution_name_ur=course.institution.name_ur,
        institution_district=course.institution.district,
        start_date=section.start_date,
        end_date=section.end_date,
        issued_at=clock.now(),
        issued_by_id=admin.id if admin else None,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def normalise_code(code: str | None) -> str:
    """A certificate code as typed: in any script's digits, fullwidth letters as letters, with or without
    dashes or spaces."""
    code = ascii_digits(unicodedata.normalize("NFKC", code or "")).upper()
    return "".join(ch for ch in code if ch.isascii() and ch.isalnum())[:16]


def verify_certificate(code: str) -> Certificate | None:
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def certificate_for_viewer(user, code: str) -> Certificate:
    """The holder's account, or an admin of the institution, may open the printable certificate."""
    certificate = verify_certificate(code)
    if certificate is None:
        raise NotFound()
    enrolment = certificate.enrolment
    if enrolment.user_id != getattr(user, "id", None) and not can_manage_institution(
        user, enrolment.course.institution_id
    ):
        raise NotFound()
    return certificate


def _register_seeder() -> None:
    from portal.demo.seed import DOMAIN_SEEDERS

    def seed_education(users, size="small", seed_value=2026):
        from portal.education.demo import seed_education as run

        return run(users, size=size, seed_value=seed_value)

    if not any(getattr(s, "__name__", "") == "seed_education" for s in DOMAIN_SEEDERS):
        DOMAIN_SEEDERS.append(seed_education)


_register_seeder()


def _live_places(dependant) -> list[Enrolment]:
    """A family member's places (enrolled, waiting or asking) in cohorts not yet over, soonest first."""
    return db.session.scalars(
        select(Enrolment)
        .join(Section, Section.id == Enrolment.section_id)
        .where(
            Enrolment.user_id == dependant.user_id,  # the account's enrolments, by index
            Enrolment.dependant_id == dependant.id,
            Enrolment.status.in_(ACTIVE_STATUSES),
            Section.end_date >= clock.today(),
        )
        .options(contains_eager(Enrolment.section), joinedload(Enrolment.course))
        .order_by(Section.start_date, Enrolment.id)
    ).all()


def _places_to_leave(dependant) -> list[Enrolment]:
    """The family member's places (``_live_places``) that the account holder can still give up
    (``can_drop``). A seat kept after the drop deadline is not among them: nobody but the institution
    can end it, so it does not keep the member on the account (their records stay: removal only marks
    them removed)."""
    return [e for e in _live_places(dependant) if can_drop(e)]


def has_course_place_ahead(dependant) -> bool:
    """Whether a family member has a course place that the account holder can still leave (enrolled
    before the drop deadline, or waiting or asking for a place in a cohort not yet over)."""
    return bool(_places_to_leave(dependant))


if has_course_place_ahead not in COMMITMENT_CHECKS:
    COMMITMENT_CHECKS.append(has_course_place_ahead)


def course_places_ahead(dependant) -> list[Commitment]:
    """The places ``has_course_place_ahead`` looks for, as the page refusing a removal lists them, each
    with a link to the page that leaves it (which accepts it: ``can_drop``)."""
    return [
        Commitment(
            what=e.course.shown_title,
            day=e.section.start_date,
            reference=e.reference,
            endpoint="education.drop",
            action=_("Leave this course"),
        )
        for e in _places_to_leave(dependant)
    ]


if course_places_ahead not in COMMITMENT_LISTS:
    COMMITMENT_LISTS.append(course_places_ahead)


@dataclass(frozen=True)
class _EditedMember:
    """A family member with the details an edit would give them, as ``Person`` reads a family member."""

    id: int
    full_name: str
    date_of_birth: date
    gender: str


# The form field a rule that refuses a family member's new details is about.
_RULE_FIELDS = {RULE_AGE: "date_of_birth", RULE_GENDER: "gender"}


def check_places_allow(dependant, *, full_name: str, date_of_birth: date, gender: str) -> None:
    """Refuse (PlaceRulesRefuseDetails, at the date of birth or the gender) a family member's new
    details that a rule of a place they hold, ask for or wait for (``_live_places``) would refuse,
    when their present details pass it: they would keep a seat, or be promoted to one, that the rules
    give nobody like them (``promote_waitlist`` would pass them over for ever). The rules are the
    eligibility rules themselves (``rule_problem``); a rule already failed (added after they joined)
    is no reason to refuse a correction of something else."""
    if (date_of_birth, gender) == (dependant.date_of_birth, dependant.gender):
        return
    now = Person(dependant.user, dependant)
    edited = Person(dependant.user, _EditedMember(dependant.id, full_name.strip(), date_of_birth, gender))
    refused: dict[str, tuple[list, list]] = {}  # field: (course titles, problems)
    for enrolment in _live_places(dependant):
        section = enrolment.section
        for rule in rules_for(section):
            field = _RULE_FIELDS.get(rule.kind)
            if field is None:  # where they live and what they completed: no detail of theirs
                continue
            problem = rule_problem(rule, edited, section)
            if problem is None or rule_problem(rule, now, section) is not None:
                continue
            titles, problems = refused.setdefault(field, ([], []))
            title = InLanguage(enrolment.course.title, enrolment.course.title_ur)
            if all(t.english != title.english for t in titles):
                titles.append(title)
            problems.append(problem)
    if not refused:
        return
    errors = {
        field: Message(
            _l(
                "%(name)s could not keep their place in %(courses)s with these details: %(problems)s Check "
                "them, or first leave the course in My courses."
            ),
            name=edited.name,
            courses=LazyJoin(titles),
            problems=_Sentences(problems),
        )
        for field in ("date_of_birth", "gender")
        if field in refused
        for titles, problems in [refused[field]]
    }
    raise PlaceRulesRefuseDetails(errors)


class _Sentences:
    """Messages one after the other, written out when shown (in the reader's language)."""

    def __init__(self, messages):
        self.messages = list(messages)

    def __str__(self) -> str:
        return " ".join(dict.fromkeys(str(m) for m in self.messages))  # the same sentence said once


if check_places_allow not in DETAIL_CHECKS:
    DETAIL_CHECKS.append(check_places_allow)

__all__ = ["Message"]
