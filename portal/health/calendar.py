"""An appointment as an iCalendar (.ics) file, with the icalendar library."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from portal import clock
from portal.health.models import STATUS_CANCELLED, Appointment


def appointment_ics(appointment: Appointment) -> bytes:
    """The appointment as one event, named in the reader's language (``shown_name``).

    The UID is the reference's, so a file opened again replaces the event rather than adding one;
    ``SEQUENCE`` is the appointment's ``revision``, one more with every reschedule and the cancellation
    (services.reschedule, services.mark_cancelled), so that a calendar app that holds an earlier
    version takes a moved time whatever the clocks say. A cancelled appointment is not offered as a
    file, but an old link still answers: ``STATUS:CANCELLED`` and a higher ``SEQUENCE``, so that a calendar app
    which holds the event from before updates or removes it, a summary that begins with "Cancelled" for
    apps that ignore the status, and no arrival code."""
    service, clinic = appointment.service, appointment.clinic
    cancelled = appointment.status == STATUS_CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Digital Punjab//Health appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.reference}@health.punjab.gov.pk")
    event.add("dtstamp", clock.now())
    event.add("sequence", appointment.revision)
    event.add("dtstart", appointment.starts_at)
    # The place's own end: the service's slot length may have changed since it was booked.
    slot = appointment.slot
    event.add(
        "dtend", slot.ends_at if slot is not None else appointment.starts_at + timedelta(minutes=service.slot_minutes)
    )
    names = {"service": service.shown_name, "clinic": clinic.shown_name}
    event.add("location", f"{clinic.shown_name}, {clinic.shown_address}")
    if cancelled:
        event.add("status", "CANCELLED")
        event.add("summary", _("Cancelled: %(service)s at %(clinic)s", **names))
        event.add(
            "description",
            _(
                "Reference %(ref)s. This appointment was cancelled. Patient: %(name)s.",
                ref=appointment.reference,
                name=appointment.patient_name,
            ),
        )
    else:
        event.add("status", "CONFIRMED")
        event.add("summary", _("%(service)s at %(clinic)s", **names))
        event.add(
            "description",
            _(
                "Reference %(ref)s. Show arrival code %(code)s at the counter. Patient: %(name)s.",
                ref=appointment.reference,
                code=appointment.arrival_code,
                name=appointment.patient_name,
            ),
        )
    calendar.add_component(event)
    return calendar.to_ical()
