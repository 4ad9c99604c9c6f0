"""What leaves the portal as a file: a section's roster (CSV) and a person's classes (iCalendar)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.education.models import COMPLETED, DROPPED, ENROLLED, PENDING, REJECTED, WAITLISTED, Enrolment, Section
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


def roster_csv(section: Section) -> str:
    from portal.auth.models import format_cnic

    data = roster(section)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "name", "cnic", "family_member_of", "status", "waitlist_position", "enrolled_on"])
    groups = [data.enrolled, data.completed, data.pending, data.waitlisted]
    for group in groups:
        for position, e in enumerate(group, start=1):
            writer.writerow(
                [
                    spreadsheet_safe(x)
                    for x in (
                        e.reference,
                        e.person_name,
                        format_cnic(e.user.cnic) if e.dependant is None else (e.dependant.id_number or ""),
                        e.user.full_name if e.dependant is not None else "",
                        e.status,
                        position if e.status == WAITLISTED else "",
                        e.created_at.astimezone(clock.KARACHI).date().isoformat(),
                    )
                ]
            )
    return out.getvalue()


# --- calendar --------------------------------------------------------------------------------------------

_ICAL_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


def has_calendar(section: Section) -> bool:
    """Whether the section's classes can go into a calendar: it has class times, or at least class days."""
    return bool(section.days_list) or bool(section.start_time and section.end_time)


def sessions_ics(enrolments, host: str) -> bytes:
    """An iCalendar file with the weekly sessions of each enrolment (Karachi time, stored as UTC).

    A section with class days but no class times gets all-day events on those days (shown as free
    time): the person still sees which days they have classes. A section with neither is left out,
    and its pages offer no calendar link (``has_calendar``)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Digital Punjab//Courses//EN")
    calendar.add("version", "2.0")
    for e in enrolments:
        section = e.section
        if not has_calendar(section):
            continue
        days = section.days_list
        first = _first_meeting(section.start_date, section.end_date, days)
        if first is None:
            continue
        timed = bool(section.start_time and section.end_time)
        event = Event()
        event.add("uid", f"{e.reference}@{host}")
        # In the reader's language, as the pages are: the title, the venue (the institution when there is
        # none), the institution and the cohort.
        institution = e.course.institution
        event.add("summary", e.course.shown_title)
        event.add("location", section.shown_venue or institution.shown_name)
        event.add("description", f"{institution.shown_name} · {section.label} · {e.reference}")
        event.add("dtstamp", clock.now())
        if timed:
            event.add("dtstart", _karachi(first, section.start_time))
            event.add("dtend", _karachi(first, section.end_time))
            until = _karachi(section.end_date, section.end_time)
        else:
            event.add("dtstart", first)
            event.add("dtend", first + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            until = section.end_date
        if days:
            event.add("rrule", {"freq": "weekly", "byday": [_ICAL_DAYS[d] for d in days], "until": until})
        calendar.add_component(event)
    return calendar.to_ical()


def _karachi(day: date, at) -> datetime:
    return clock.karachi_to_utc(day, at.hour, at.minute)


def _first_meeting(start: date, end: date, days: list[str]) -> date | None:
    if not days:
        return start
    names = list(_ICAL_DAYS)
    day = start
    while day <= end:
        if names[day.weekday()] in days:
            return day
        day += timedelta(days=1)
    return None
