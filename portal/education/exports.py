"""What leaves the portal as a file: a section's roster (CSV) and a person's classes (iCalendar)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.education.models import (
    COMPLETED,
    DROPPED,
    EARLIEST_SECTION_DAY,
    ENROLLED,
    LATEST_SECTION_DAY,
    PENDING,
    REJECTED,
    WAITLISTED,
    Enrolment,
    Section,
)
from portal.extensions import db
from portal.spreadsheets import spreadsheet_safe

# --- roster --------------------------------------------------------------------------------------------


@dataclass
class Roster:
    section: Section
    enrolled: list[Enrolment]
    pending: list[Enrolment]
    waitlisted: list[Enrolment]
    completed: list[Enrolment]
    other: list[Enrolment]


def roster(section: Section) -> Roster:
    rows = list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.section_id == section.id).order_by(Enrolment.created_at, Enrolment.id)
        )
    )
    return Roster(
        section=section,
        enrolled=[e for e in rows if e.status == ENROLLED],
        pending=[e for e in rows if e.status == PENDING],
        waitlisted=sorted([e for e in rows if e.status == WAITLISTED], key=lambda e: (e.waitlisted_at, e.id)),
        completed=[e for e in rows if e.status == COMPLETED],
        other=[e for e in rows if e.status in (DROPPED, REJECTED)],
    )


# The roster file's columns, as scripts reading it know them (the header in English).
ROSTER_HEADER = ("reference", "name", "cnic", "family_member_of", "status", "waitlist_position", "enrolled_on")


def roster_csv(section: Section) -> str:
    """The roster as CSV. CNICs (and a family member's B-form or CNIC) are masked as on the roster
    page (``mask_cnic``: enough to match a card, not enough to copy it): a file is passed on, mailed
    and left in download folders far more easily than a page is seen."""
    from portal.auth.models import mask_cnic
    from portal.bilingual import in_urdu
    from portal.education.models import STATUSES

    data = roster(section)
    urdu = in_urdu()
    out = io.StringIO()
    writer = csv.writer(out)
    # Under the Urdu interface the header and the statuses in Urdu, as the dashboard's CSV files have
    # them; in English the column names scripts know and the statuses as stored.
    if urdu:
        writer.writerow(
            [
                _("Reference"),
                _("Name"),
                _("CNIC"),
                _("Family member of"),
                _("Status"),
                _("Number on the waitlist"),
                _("Enrolment date"),
            ]
        )
    else:
        writer.writerow(ROSTER_HEADER)
    groups = [data.enrolled, data.completed, data.pending, data.waitlisted]
    for group in groups:
        for position, e in enumerate(group, start=1):
            writer.writerow(
                [
                    spreadsheet_safe(x)
                    for x in (
                        e.reference,
                        e.person_name,
                        mask_cnic(e.user.cnic) if e.dependant is None else _masked(e.dependant.id_number),
                        e.user.full_name if e.dependant is not None else "",
                        str(STATUSES[e.status]) if urdu else e.status,
                        position if e.status == WAITLISTED else "",
                        e.created_at.astimezone(clock.KARACHI).date().isoformat(),
                    )
                ]
            )
    return out.getvalue()


def _masked(number: str | None) -> str:
    from portal.auth.models import mask_cnic

    return mask_cnic(number) if number else ""


# --- calendar --------------------------------------------------------------------------------------------

_ICAL_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
# The statuses whose classes a calendar file shows: a seat, or a finished course (its history).
_ATTENDED = (ENROLLED, COMPLETED)
# A place given up or taken away: its file still answers, with the classes cancelled (as a cancelled
# appointment's does, portal.health.calendar), so that a calendar app holding them removes them.
_CANCELLED = (DROPPED, REJECTED)


def has_calendar(section: Section) -> bool:
    """Whether the section's classes can go into a calendar: it has class days, at least one of them in
    its dates; or it lasts one day and has class times. Without class days a section of several weeks
    cannot be put in a calendar (on which days would it repeat?), nor one whose dates are not sane
    (``EARLIEST_SECTION_DAY``-``LATEST_SECTION_DAY``)."""
    if not EARLIEST_SECTION_DAY <= section.start_date <= section.end_date <= LATEST_SECTION_DAY:
        return False
    if section.days_list:
        return _first_meeting(section.start_date, section.end_date, section.days_list) is not None
    return section.start_date == section.end_date and bool(section.start_time and section.end_time)


def in_calendar(enrolment: Enrolment) -> bool:
    """Whether ``enrolment`` has a calendar file: its classes, or (dropped, not accepted) their
    cancellation. A request or a waitlist place has no classes yet."""
    return enrolment.status in _ATTENDED + _CANCELLED and has_calendar(enrolment.section)


def sessions_ics(enrolments, host: str) -> bytes:
    """An iCalendar file with the weekly sessions of each enrolment, in Karachi time.

    The times are written as Karachi wall-clock times with ``TZID=Asia/Karachi`` (and its VTIMEZONE),
    so that the weekly rule repeats on the class days in Karachi: a 04:30 Monday class written in UTC
    would begin on Sunday, and ``BYDAY`` would move every class a day early or late. The rule's
    ``UNTIL`` is in UTC, as RFC 5545 asks with such a start. A section with class days but no class
    times gets all-day events on those days (shown as free time): the person still sees which days
    they have classes. A section without a calendar (``has_calendar``) is left out. A dropped or
    rejected enrolment's event is sent cancelled (``STATUS:CANCELLED``, a higher ``SEQUENCE``).

    ``SEQUENCE`` is twice the section's ``schedule_revision``, one more when cancelled: a file downloaded
    after an admin moved the classes, or after the place ended, is higher than any file before it, so a
    calendar app replaces the event it imported (RFC 5545). A move to another cohort is a new place,
    with an event (UID) of its own."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//Digital Punjab//Courses//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    spans = []
    for e in enrolments:
        event = _sessions_event(e, host)
        if event is not None:
            calendar.add_component(event)
            spans.append((e.section.start_date, e.section.end_date))
    if spans:
        # Only the years the classes fall in: a smaller file, and Pakistan's rules of those years.
        calendar.add_missing_timezones(
            first_date=min(start for start, _ in spans), last_date=max(end for _, end in spans) + timedelta(days=1)
        )
    return calendar.to_ical()


def _sessions_event(e: Enrolment, host: str):
    from icalendar import Event

    section = e.section
    if e.status not in _ATTENDED + _CANCELLED or not has_calendar(section):
        return None
    days = section.days_list
    first = _first_meeting(section.start_date, section.end_date, days)
    timed = bool(section.start_time and section.end_time)
    cancelled = e.status in _CANCELLED
    event = Event()
    event.add("uid", f"{e.reference}@{host}")
    event.add("sequence", 2 * (section.schedule_revision or 0) + (1 if cancelled else 0))
    # In the reader's language, as the pages are: the title, the venue (the institution when there is
    # none), the institution and the cohort.
    # Whose classes they are, as the appointment's file names its patient: in the description always,
    # and in the title too for a family member's place (a parent's calendar holds their children's).
    institution = e.course.institution
    title = e.course.shown_title
    if e.dependant_id is not None:
        title = _("%(course)s (%(name)s)", course=title, name=e.person_name)
    if cancelled:
        event.add("status", "CANCELLED")
        event.add("summary", _("Cancelled: %(course)s", course=title))
    else:
        event.add("status", "CONFIRMED")
        event.add("summary", title)
    event.add("location", section.shown_venue or institution.shown_name)
    who = _("Taking part: %(name)s", name=e.person_name)
    event.add("description", f"{institution.shown_name} · {section.label} · {e.reference} · {who}")
    event.add("dtstamp", clock.now())
    if timed:
        event.add("dtstart", datetime.combine(first, section.start_time, tzinfo=clock.KARACHI))
        event.add("dtend", datetime.combine(first, section.end_time, tzinfo=clock.KARACHI))
        until = datetime.combine(section.end_date, section.end_time, tzinfo=clock.KARACHI).astimezone(UTC)
    else:
        event.add("dtstart", first)
        event.add("dtend", first + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        until = section.end_date
    if days:
        event.add("rrule", {"freq": "weekly", "byday": [_ICAL_DAYS[d] for d in days], "until": until})
    return event


def _first_meeting(start: date, end: date, days: list[str]) -> date | None:
    if not days:
        return start
    names = list(_ICAL_DAYS)
    # The first of each weekday falls within a week of the start: no need to walk the whole span.
    for offset in range(7):
        day = start + timedelta(days=offset)
        if day > end:
            break
        if names[day.weekday()] in days:
            return day
    return None
