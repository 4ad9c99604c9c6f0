"""Institutions, courses, sections, enrolments, waitlists and certificates (issue 4)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.bilingual import Shown
from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.name_keys import folded_column, keep_folded, keep_key, key_column

INSTITUTION_TYPES = {
    "school": _l("School"),
    "college": _l("College"),
    "university": _l("University"),
    "it_centre": _l("IT training centre"),
    "vocational": _l("Vocational institute"),
}
CATEGORIES = {
    "digital": _l("Digital skills and IT"),
    "ai_data": _l("AI and data"),
    "health": _l("Health and first aid"),
    "languages": _l("Languages"),
    "vocational": _l("Vocational trades"),
    "school": _l("School subjects"),
}
MODES = {"on_site": _l("On site"), "online": _l("Online"), "blended": _l("Blended")}
LEVELS = {"beginner": _l("Beginner"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
LANGUAGES = {"ur": _l("Urdu"), "en": _l("English"), "pa": _l("Punjabi"), "ur_en": _l("Urdu and English")}
WEEKDAYS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}

# The days a section's dates may lie in. Outside them a date is a typing slip (2206 for 2026, a year left
# at 0001): the section form refuses it, and a calendar file leaves such a section out.
EARLIEST_SECTION_DAY = date(2000, 1, 1)
LATEST_SECTION_DAY = date(2100, 12, 31)

ENROLLED = "enrolled"
PENDING = "pending"
WAITLISTED = "waitlisted"
DROPPED = "dropped"
REJECTED = "rejected"
COMPLETED = "completed"
STATUSES = {
    ENROLLED: _l("Enrolled"),
    PENDING: _l("Waiting for approval"),
    WAITLISTED: _l("On the waitlist"),
    DROPPED: _l("Dropped"),
    REJECTED: _l("Not accepted"),
    COMPLETED: _l("Completed"),
}
# A person holds at most one of these per course at a time.
ACTIVE_STATUSES = (ENROLLED, PENDING, WAITLISTED)
# A request refused because no seat and no waitlist place was left is kept as a rejected enrolment
# with this reason: the officials' dashboard counts them as unmet demand.
CAPACITY_REFUSAL_REASON = "No seat or waitlist place left (capacity)"
# A waitlist place or a request given up for a free seat in another cohort of the same course is kept
# as a dropped enrolment with this reason.
MOVED_REASON = "Moved to a seat in another cohort"

RULE_AGE = "age"
RULE_GENDER = "gender"
RULE_DISTRICT = "district"
RULE_PREREQUISITE = "prerequisite"
RULE_KINDS = {
    RULE_AGE: _l("Age range on the start date"),
    RULE_GENDER: _l("Gender"),
    RULE_DISTRICT: _l("Home district"),
    RULE_PREREQUISITE: _l("Another course completed first"),
}

SEAT_RESERVED = "reserved"
SEAT_GENERAL = "general"
RESERVED_GENDER = "gender"
RESERVED_DISTRICT = "district"


# The texts that a search looks in: an institution's names, a course's titles and descriptions.
SEARCHED_INSTITUTION = ("name", "name_ur")
SEARCHED_COURSE = ("title", "title_ur", "description", "description_ur")


class Institution(db.Model):
    __tablename__ = "edu_institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # The name as people tell names apart (portal.name_keys): one per district, under a unique index.
    name_key: Mapped[str] = key_column("name")
    name_ur: Mapped[str | None] = mapped_column(String(160))  # the name in Urdu, when the admin gave one
    shown_name = Shown("name", "name_ur")  # in the page's (or the message's) language
    # Both names folded (portal.folding), which a search by name looks in.
    search_text: Mapped[str] = folded_column(*SEARCHED_INSTITUTION)
    type: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    address_ur: Mapped[str | None] = mapped_column(String(300))  # the address in Urdu, when the admin gave one
    shown_address = Shown("address", "address_ur")  # in the page's (or the message's) language
    contact: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    courses: Mapped[list[Course]] = relationship(back_populates="institution", order_by="Course.title")

    __table_args__ = (Index("uq_edu_institutions_district_name_key", "district", "name_key", unique=True),)


keep_key(Institution.name, "name_key")
keep_folded(Institution, SEARCHED_INSTITUTION, "search_text")


# A duration as a number and a unit ("12 weeks"), which pages can say in either language.
_DURATION = re.compile(r"\s*(\d{1,3})\s*(day|week|month|year)s?\s*", re.IGNORECASE)


class Course(db.Model):
    __tablename__ = "edu_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("edu_institutions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    # The title as people tell titles apart (portal.name_keys): one per institution, under a unique index.
    title_key: Mapped[str] = key_column("title")
    title_ur: Mapped[str | None] = mapped_column(String(160))  # in Urdu, when the admin gave them
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    description_ur: Mapped[str | None] = mapped_column(Text)
    shown_title = Shown("title", "title_ur")  # in the page's (or the message's) language
    shown_description = Shown("description", "description_ur")
    # The titles and descriptions folded (portal.folding), which the course search looks in.
    search_text: Mapped[str] = folded_column(*SEARCHED_COURSE)
    level: Mapped[str] = mapped_column(String(20), default="beginner")
    language: Mapped[str] = mapped_column(String(10), default="ur")
    mode: Mapped[str] = mapped_column(String(10))
    duration: Mapped[str] = mapped_column(String(60), default="")
    fee_paisa: Mapped[int] = mapped_column(Integer, default=0)
    certificate: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship(back_populates="courses")
    sections: Mapped[list[Section]] = relationship(
        back_populates="course", order_by="Section.start_date, Section.id", cascade="all, delete-orphan"
    )
    rules: Mapped[list[EligibilityRule]] = relationship(
        foreign_keys="EligibilityRule.course_id", order_by="EligibilityRule.id", viewonly=True
    )

    @property
    def shown_duration(self) -> str:
        """The duration in the reader's language when it is a number of days, weeks, months or years, as
        the form's hint suggests ("12 weeks", "3 Months", "1 year"); any other text as the admin typed it."""
        found = _DURATION.fullmatch(self.duration or "")
        if found is None:
            return self.duration
        num, unit = int(found.group(1)), found.group(2).lower()
        if unit == "day":
            return ngettext("%(num)s day", "%(num)s days", num)
        if unit == "week":
            return ngettext("%(num)s week", "%(num)s weeks", num)
        if unit == "month":
            return ngettext("%(num)s month", "%(num)s months", num)
        return ngettext("%(num)s year", "%(num)s years", num)

    __table_args__ = (
        CheckConstraint("fee_paisa >= 0", name="fee_not_negative"),
        Index("ix_edu_courses_search", "active", "category", "mode"),
        Index("uq_edu_courses_institution_title_key", "institution_id", "title_key", unique=True),
    )


keep_key(Course.title, "title_key")
keep_folded(Course, SEARCHED_COURSE, "search_text")


class Section(db.Model):
    """A cohort of a course. ``enrolled_count`` is the number of seats taken; it only ever changes
    through conditional UPDATEs (services.take_seat / release_seat), never by read-modify-write."""

    __tablename__ = "edu_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("edu_courses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80), default="")
    name_ur: Mapped[str | None] = mapped_column(String(80))  # the cohort's name in Urdu, when the admin gave one
    shown_name = Shown("name", "name_ur")  # in the page's (or the message's) language
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    meeting_days: Mapped[str] = mapped_column(String(40), default="")  # "mon,wed"
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    venue: Mapped[str] = mapped_column(String(200), default="")
    venue_ur: Mapped[str | None] = mapped_column(String(200))  # the venue in Urdu, when the admin gave one
    shown_venue = Shown("venue", "venue_ur")  # in the page's (or the message's) language
    capacity: Mapped[int] = mapped_column(Integer)
    enrolled_count: Mapped[int] = mapped_column(Integer, default=0)
    # Reserved seats: part of the capacity kept for a group (women, or people from a district)
    # until enrolment closes; then unused ones are released to everyone.
    reserved_kind: Mapped[str | None] = mapped_column(String(10))
    reserved_value: Mapped[str | None] = mapped_column(String(40))
    reserved_seats: Mapped[int] = mapped_column(Integer, default=0)
    reserved_taken: Mapped[int] = mapped_column(Integer, default=0)
    reserved_released: Mapped[bool] = mapped_column(Boolean, default=False)
    enrol_opens: Mapped[date] = mapped_column(Date)
    enrol_closes: Mapped[date] = mapped_column(Date)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    drop_deadline: Mapped[date | None] = mapped_column(Date)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    waitlist_cap: Mapped[int | None] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How many times its dates, class days or times, or venue changed: the calendar file's SEQUENCE of
    # each enrolment in it is built on it (portal.education.exports), so that a calendar app takes the
    # new class times from a file downloaded again (RFC 5545 replaces an event only by a higher one).
    schedule_revision: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    course: Mapped[Course] = relationship(back_populates="sections")
    rules: Mapped[list[EligibilityRule]] = relationship(
        foreign_keys="EligibilityRule.section_id", order_by="EligibilityRule.id", viewonly=True
    )

    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("enrolled_count >= 0 AND enrolled_count <= capacity", name="seats_within_capacity"),
        CheckConstraint(
            "reserved_taken >= 0 AND reserved_taken <= reserved_seats AND reserved_seats <= capacity",
            name="reserved_within_capacity",
        ),
        Index("ix_edu_sections_course_start", "course_id", "start_date"),
    )

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.enrolled_count)

    @property
    def label(self) -> str:
        """The cohort's name in the current language (``shown_name``: Urdu for an Urdu page or message when
        there is one), or "Section 12" when the institution gave it none."""
        return self.shown_name or str(_l("Section %(id)s") % {"id": self.id})

    @property
    def general_seats_left(self) -> int:
        """Seats anyone can take now: those left less the ones still kept for the reserved group
        (``services.take_seat`` gives a person outside the group only these)."""
        return max(0, self.seats_left - self.reserved_open)

    def waitlist_full(self, waiting: int) -> bool:
        """Whether a waitlist of ``waiting`` people has no room left (False when there is no cap)."""
        return self.waitlist_cap is not None and waiting >= self.waitlist_cap

    @property
    def reserved_open(self) -> int:
        """Reserved seats still kept for the group."""
        if self.reserved_released or not self.reserved_kind:
            return 0
        return max(0, self.reserved_seats - self.reserved_taken)

    @property
    def days_list(self) -> list[str]:
        return [d for d in (self.meeting_days or "").split(",") if d in WEEKDAYS]


class EligibilityRule(db.Model):
    """One declarative condition on a course (every section) or on one section. All must hold."""

    __tablename__ = "edu_eligibility_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("edu_courses.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("edu_sections.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(10))
    districts: Mapped[str | None] = mapped_column(Text)  # comma-separated district names
    prerequisite_course_id: Mapped[int | None] = mapped_column(ForeignKey("edu_courses.id", ondelete="CASCADE"))

    prerequisite_course: Mapped[Course | None] = relationship(foreign_keys=[prerequisite_course_id])

    __table_args__ = (CheckConstraint("(course_id IS NULL) <> (section_id IS NULL)", name="course_or_section"),)

    @property
    def district_list(self) -> list[str]:
        return [d for d in (self.districts or "").split(",") if d]


class Enrolment(db.Model):
    __tablename__ = "edu_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dependant_id: Mapped[int | None] = mapped_column(ForeignKey("dependants.id", ondelete="CASCADE"))
    # "u<user id>" or "d<dependant id>": who sits in the seat, for the one-per-course rule.
    person_key: Mapped[str] = mapped_column(String(20))
    section_id: Mapped[int] = mapped_column(ForeignKey("edu_sections.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("edu_courses.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    seat_kind: Mapped[str | None] = mapped_column(String(10))  # reserved | general while holding a seat
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10), default="web")  # web | bulk
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a school admin took the seat back (reject of an ENROLLED place, migration 0029): decided_at
    # keeps the moment the seat was given, so the seat stays counted on the day it was given.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    dependant = relationship("Dependant")
    section: Mapped[Section] = relationship()
    course: Mapped[Course] = relationship()
    certificate: Mapped[Certificate | None] = relationship(back_populates="enrolment", uselist=False)

    __table_args__ = (
        Index("ix_edu_enrolments_user", "user_id", "created_at"),
        Index("ix_edu_enrolments_section_status", "section_id", "status", "waitlisted_at", "id"),
        Index("ix_edu_enrolments_person_course", "course_id", "person_key", "status"),
        # The database keeps the one-active-enrolment-per-person-per-course rule too.
        Index(
            "uq_edu_enrolments_one_active",
            "course_id",
            "person_key",
            unique=True,
            sqlite_where=text("status IN ('enrolled', 'pending', 'waitlisted')"),
            postgresql_where=text("status IN ('enrolled', 'pending', 'waitlisted')"),
        ),
    )

    @property
    def person_name(self) -> str:
        return self.dependant.full_name if self.dependant is not None else self.user.full_name

    @property
    def moved(self) -> bool:
        """Whether this waitlist place or request was given up for a seat in another cohort."""
        return self.status == DROPPED and self.reason == MOVED_REASON

    @property
    def reason_text(self) -> str:
        """The reason as the person reads it: the portal's own refusal in their language, an admin's as written."""
        if self.reason == CAPACITY_REFUSAL_REASON:
            return str(_l("No seat and no waitlist place was left when you asked."))
        return self.reason or "—"


class Certificate(db.Model):
    """The details exactly as printed, so that an edited printout does not match /verify/<code>."""

    __tablename__ = "edu_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("edu_enrolments.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(160))
    institution_name: Mapped[str] = mapped_column(String(160))
    # In Urdu too, when the course and the institution had Urdu names on the day it was issued.
    course_title_ur: Mapped[str | None] = mapped_column(String(160))
    institution_name_ur: Mapped[str | None] = mapped_column(String(160))
    shown_course_title = Shown("course_title", "course_title_ur")  # in the page's language
    shown_institution_name = Shown("institution_name", "institution_name_ur")
    institution_district: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="certificate")
