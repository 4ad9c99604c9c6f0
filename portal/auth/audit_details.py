"""An audit event's details in words, for the audit log: "Role: Clinic admin · Clinic: Mayo Hospital OPD (12)".

Each event keeps its details as the code that wrote it passed them (``audit("role.granted", …,
role="clinic_admin", scope_id=12, district=None)``), and old events keep the words of their day; this
module says them in the reader's language. A key it does not know (a detail added later, or dropped
since) is still shown, readably: "Scope id: 12" rather than "scope_id=12".

The words for the codes of other packages (appointment statuses, rule kinds, the walk-in and bulk
enrolment modes) are the same English as those packages' own, so that they read the same in Urdu.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from babel.lists import format_list
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.districts import district_label


@dataclass(frozen=True)
class Detail:
    label: str
    value: str
    code: bool = False  # a number, a reference, a time: kept left to right in an Urdu page


# What each key means, for every action that writes it.
LABELS = {
    "role": _l("Role"),
    "district": _l("District"),
    "reason": _l("Reason"),
    "reason_ur": _l("Reason in Urdu"),
    "reference": _l("Reference"),
    "demo_persona": _l("Signed in as a demo persona"),
    "name": _l("Name"),
    "title": _l("Course"),
    "capacity": _l("Seats"),
    "kind": _l("Condition"),
    "course_id": _l("Course number"),
    "weekday": _l("Day"),
    "start": _l("From"),
    "end": _l("To"),
    "previous": _l("Status before"),
    "status": _l("Status after"),
    "rows": _l("Rows in the file"),
    "changes": _l("Changes"),
    "errors": _l("Rows with problems"),
    "size": _l("Size of the dataset"),
    "seed": _l("Random seed"),
    "seconds": _l("Time taken"),
    "checked_with": _l("Checked in with"),
    # auth.services.sign_out_device: the device signed out, as its list named it
    "browser": _l("Browser"),
    "system": _l("Device"),
    "signed_in_on": _l("Signed in on"),
    # an "updated" event: the fields given another value (portal.auth.services.assign)
    "changed": _l("What changed"),
}
# A key whose meaning depends on the action.
ACTION_LABELS = {
    ("health.clinic.updated", "active"): _l("Open for bookings"),
    ("health.hours.saved", "weekday"): _l("Day of the week"),
    ("health.hours.saved", "start"): _l("Opens at"),
    ("health.hours.saved", "end"): _l("Closes at"),
    ("health.hours.saved", "break_start"): _l("Break starts"),
    ("health.hours.saved", "break_end"): _l("Break ends"),
    # An edited range: what it said before (health.admin.save_hours).
    ("health.hours.saved", "was_weekday"): _l("Day of the week before"),
    ("health.hours.saved", "was_start"): _l("Opened at before"),
    ("health.hours.saved", "was_end"): _l("Closed at before"),
    ("health.hours.saved", "was_break_start"): _l("Break started before"),
    ("health.hours.saved", "was_break_end"): _l("Break ended before"),
    ("health.hours.deleted", "weekday"): _l("Day of the week"),
    ("health.hours.deleted", "start"): _l("Opens at"),
    ("health.hours.deleted", "end"): _l("Closes at"),
    ("health.hours.deleted", "break_start"): _l("Break starts"),
    ("health.hours.deleted", "break_end"): _l("Break ends"),
    ("health.closure.added", "start"): _l("First closed day"),
    ("health.closure.added", "end"): _l("Last closed day"),
    ("health.closure.deleted", "start"): _l("First closed day"),
    ("health.closure.deleted", "end"): _l("Last closed day"),
    # A closure under way ended yesterday instead of removed (health.admin.delete_closure).
    ("health.closure.ended", "start"): _l("First closed day"),
    ("health.closure.ended", "end"): _l("Last closed day"),
    ("health.closure.ended", "was_end"): _l("Last closed day before"),
    ("health.walk_in.registered", "mode"): _l("Place"),
    ("education.bulk_enrolment", "mode"): _l("If some rows have problems"),
}
SCOPE_LABELS = {"clinic_admin": _l("Clinic"), "school_admin": _l("Institution")}

# The words for coded values, by key (or by action and key).
ROLES = {
    "clinic_admin": _l("Clinic admin"),
    "school_admin": _l("School admin"),
    "official": _l("Official"),
    "superadmin": _l("Superadmin"),
}
# An appointment's statuses (health.admin.set_status and undo_status), as the daily list says them.
STATUSES = {
    "booked": _l("Booked"),
    "arrived": _l("Arrived"),
    "seen": _l("Seen"),
    "no_show": _l("Did not come"),
    "cancelled": _l("Cancelled"),
}
# The fields an "updated" event keeps as ISO text: a date or a time.
DATE_AND_TIME_FIELDS = {
    "start_date", "end_date", "enrol_opens", "enrol_closes", "drop_deadline", "start_time", "end_time",
}  # fmt: skip
# A place's statuses (portal.education.models.STATUSES), as the roster says them.
ENROLMENT_STATUSES = {
    "enrolled": _l("Enrolled"),
    "pending": _l("Waiting for approval"),
    "waitlisted": _l("On the waitlist"),
}
VALUES = {
    "role": ROLES,
    "previous": STATUSES,
    "status": STATUSES,
    "kind": {
        "age": _l("Age range on the start date"),
        "gender": _l("Gender"),
        "district": _l("Home district"),
        "prerequisite": _l("Another course completed first"),
    },
    "size": {"small": _l("Small"), "medium": _l("Medium"), "large": _l("Large")},
    # health.admin.set_status: what the person at the counter showed
    "checked_with": {"code": _l("The arrival code"), "cnic": _l("The CNIC on their card")},
    "reason": {
        # auth.services.authenticate: why a sign-in failed
        "unknown_account": _l("No account has this CNIC or email"),
        "wrong_password": _l("Wrong password"),
        # health.admin: appointments cancelled by a change of the weekly hours
        "schedule change": _l("the clinic changed its schedule"),
    },
}
ACTION_VALUES = {
    ("health.walk_in.registered", "mode"): {"slot": _l("Next free time today"), "queue": _l("Queue token for today")},
    ("education.enrolment.rejected", "previous"): ENROLMENT_STATUSES,
    ("education.enrolment.removed", "previous"): ENROLMENT_STATUSES,
    ("education.bulk_enrolment", "mode"): {
        "all": _l("Enrol nobody until every row is right"),
        "valid": _l("Enrol the valid rows only"),
    },
}
# The fields an "updated" event names as changed, by action, in the words of the form that changed them.
_PLACE_FIELDS = {
    "name_ur": _l("Name in Urdu"),
    "type": _l("Type"),
    "district": _l("District"),
    "address": _l("Address in English"),
    "address_ur": _l("Address in Urdu"),
}
FIELDS = {
    "account.contact_changed": {"mobile": _l("Mobile number"), "email": _l("Email")},
    "health.clinic.updated": {
        **_PLACE_FIELDS,
        "name": _l("Clinic name in English"),
        "phone": _l("Phone"),
        "active": _l("Open for bookings"),
    },
    "health.service.updated": {
        "name": _l("Service name in English"),
        "name_ur": _l("Name in Urdu"),
        "slot_minutes": _l("Length of each appointment (minutes)"),
        "places_per_slot": _l("Places at each time"),
        "min_notice_hours": _l("Minimum notice (hours)"),
        "horizon_days": _l("How many days ahead people may book"),
        "cancel_cutoff_hours": _l("Cancellation cut-off (hours before)"),
        "practitioner": _l("Doctor or practitioner"),
        "practitioner_ur": _l("Doctor or practitioner in Urdu"),
        "active": _l("Taking appointments"),
    },
    "education.institution.updated": {
        **_PLACE_FIELDS,
        "name": _l("Name in English"),
        "contact": _l("Contact (phone or email)"),
        "active": _l("Open (shown to the public)"),
    },
    "education.course.updated": {
        "title": _l("Title in English"),
        "title_ur": _l("Title in Urdu"),
        "category": _l("Subject"),
        "description": _l("Description in English"),
        "description_ur": _l("Description in Urdu"),
        "level": _l("Level"),
        "language": _l("Language of teaching"),
        "mode": _l("How it is taught"),
        "duration": _l("Duration"),
        "fee_paisa": _l("Fee"),
        "certificate": _l("A certificate is awarded on completion"),
        "active": _l("Open (shown to the public)"),
    },
    "education.section.updated": {
        "name": _l("Name of the cohort in English"),
        "name_ur": _l("Name of the cohort in Urdu"),
        "start_date": _l("First day"),
        "end_date": _l("Last day"),
        "meeting_days": _l("Meeting days"),
        "start_time": _l("Starts at"),
        "end_time": _l("Ends at"),
        "venue": _l("Venue or online link, in English"),
        "venue_ur": _l("Venue in Urdu"),
        "capacity": _l("Seats"),
        "reserved_kind": _l("Reserve seats for"),
        "reserved_value": _l("Reserved for"),
        "reserved_seats": _l("Number of reserved seats"),
        "enrol_opens": _l("Enrolment opens"),
        "enrol_closes": _l("Enrolment closes"),
        "needs_approval": _l("Each enrolment needs approval"),
        "drop_deadline": _l("Last day to drop"),
        "waitlist_enabled": _l("Keep a waitlist when full"),
        "waitlist_cap": _l("Waitlist limit"),
        "closed": _l("Closed (no longer shown or taking enrolments)"),
    },
}
RESERVED_KINDS = {"gender": _l("Women and girls"), "district": _l("People from one district")}


def _education_words():
    """The words for the coded values of the fields an "updated" event gives before and after, and the
    weekdays: portal.education.models's own (imported here, not at the top: education imports auth)."""
    from portal.education import models

    fields = {"category": models.CATEGORIES, "level": models.LEVELS, "language": models.LANGUAGES, "mode": models.MODES}
    return fields, models.WEEKDAYS


# Keys whose value is a date or a time (opening hours, a closure's days), said as the clinic pages say them.
DATES_OR_TIMES = {
    *("start", "end", "break_start", "break_end"),
    *("was_start", "was_end", "was_break_start", "was_break_end"),
    "signed_in_on",
}
# Keys whose value is a number or a code rather than words (and the keys above when they are times);
# of them, those that name something rather than count it (written as they are: "2026", not "2,026").
CODES = {"reference", "course_id", "capacity", "rows", "changes", "errors", "seed"}
IDENTIFIERS = {"reference", "course_id", "seed"}


def scopes_named(events) -> set[tuple[str, int]]:
    """The (role, scope id) pairs the details of ``events`` name: the clinics and institutions to look up."""
    return {
        (e.details["role"], e.details["scope_id"])
        for e in events
        if e.details and e.details.get("scope_id") is not None and e.details.get("role") in SCOPE_LABELS
    }


def describe(action: str, details: dict | None, scope_names: dict | None = None) -> list[Detail]:
    """``details`` in words, in their order; ``scope_names`` names the clinics and institutions by
    (role, id) (a clinic since deleted is shown by its number)."""
    shown = []
    details = details or {}
    for key, value in details.items():
        if key in ("before", "after") and isinstance(value, dict):
            continue  # said with "changed", field by field
        if key == "changed" and isinstance(value, list) and isinstance(details.get("after"), dict):
            shown += _changes(action, value, details.get("before") or {}, details["after"])
            continue
        if key == "scope_id":
            role = details.get("role")
            if value is None or role not in SCOPE_LABELS:
                continue
            name = (scope_names or {}).get((role, value))
            shown.append(Detail(str(SCOPE_LABELS[role]), f"{name} ({value})" if name else str(value)))
            continue
        if key == "district":
            # A district matters to an official's role (none: the whole province), not to the others'.
            if value is None and details.get("role") != "official":
                continue
            shown.append(Detail(str(LABELS["district"]), district_label(value) if value else _("All of Punjab")))
            continue
        label = ACTION_LABELS.get((action, key)) or LABELS.get(key)
        text = _value(action, key, value)
        code = (key in CODES and not isinstance(value, bool)) or (key in DATES_OR_TIMES and _is_time(value))
        shown.append(Detail(str(label) if label else _readable(key), text, code=code))
    return shown


def _value(action: str, key: str, value) -> str:
    words = ACTION_VALUES.get((action, key)) or VALUES.get(key)
    if words and isinstance(value, str) and value in words:
        return str(words[value])
    if key == "changed" and isinstance(value, list):
        fields = FIELDS.get(action, {})
        names = [str(fields[name]) if name in fields else _readable(name) for name in value]
        return format_list(names, locale=get_locale() or "en") if names else "—"
    if key in ("weekday", "was_weekday") and isinstance(value, int) and 0 <= value < 7:  # Monday = 0
        return str(list(_education_words()[1].values())[value])
    if key in DATES_OR_TIMES and isinstance(value, str):
        return _date_or_time(value)
    if key in ("browser", "system") and value is None:
        return _("Unknown")
    if key in IDENTIFIERS and value is not None:
        return str(value)
    if key == "seconds" and isinstance(value, int | float):
        return _("%(seconds)s seconds", seconds=format_decimal(value))
    return _plain(value)


def _changes(action: str, changed: list, before: dict, after: dict) -> list[Detail]:
    """An "updated" event's changes: "What changed" names the fields, then each field whose values the
    event kept says its old and new value ("Seats: 30 → 40"; in Urdu the arrow points right to left)."""
    shown = [Detail(str(LABELS["changed"]), _value(action, "changed", changed))]
    fields = FIELDS.get(action, {})
    right_to_left = bool(get_locale() and get_locale().character_order == "right-to-left")
    # Each value a first-strong isolate (FSI … PDI), so that an English venue on an Urdu page, or an Urdu
    # name on an English one, cannot take the arrow into its own direction; on an Urdu page the line
    # starts with a right-to-left mark, so that it reads right to left even between two numbers.
    start, arrow = ("\u200f", " ← ") if right_to_left else ("", " → ")
    for name in changed:
        if name not in after:
            continue  # a long text: only named
        label = str(fields[name]) if name in fields else _readable(name)
        old, new = _field_value(name, before.get(name)), _field_value(name, after[name])
        shown.append(Detail(label, f"{start}\u2068{old}\u2069{arrow}\u2068{new}\u2069"))
    return shown


def _field_value(name: str, value) -> str:
    """A field's value kept by an "updated" event, as the form that changed it says it."""
    if value is None or value == "":
        return "—"
    if name == "fee_paisa" and isinstance(value, int):
        from portal import format_money

        return format_money(value)
    field_words, weekdays = _education_words()
    if name == "meeting_days" and isinstance(value, str):
        days = [str(weekdays.get(day, day)) for day in value.split(",") if day]
        return format_list(days, locale=get_locale() or "en") if days else "—"
    if name == "reserved_value" and isinstance(value, str):
        return str(RESERVED_KINDS["gender"]) if value == "female" else district_label(value)
    words = RESERVED_KINDS if name == "reserved_kind" else field_words.get(name)
    if words and isinstance(value, str) and value in words:
        return str(words[value])
    if name in DATE_AND_TIME_FIELDS and isinstance(value, str):
        return _date_or_time(value)
    return _plain(value)


def _is_time(value) -> bool:
    try:
        time.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _date_or_time(text: str) -> str:
    """A date ("2026-03-05", a closure's) or a time ("09:00:00", opening hours) as the portal shows them."""
    try:
        return format_date(date.fromisoformat(text), "medium")
    except ValueError:
        pass
    try:
        return time.fromisoformat(text).strftime("%H:%M")
    except ValueError:
        return text


def _plain(value) -> str:
    """Any value, readable: yes or no, a number as the reader writes it, a list or a mapping spelt out."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{_readable(k)}: {_plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def _readable(key: str) -> str:
    """A key the portal has no words for, readable: "scope_id" → "Scope id"."""
    text = str(key).replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:] if text else "—"
