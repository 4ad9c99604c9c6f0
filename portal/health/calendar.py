"""An appointment as an iCalendar (.ics) file, with the icalendar library."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from portal import clock
from portal.health.models import Appointment


def appointment_ics(appointment: Appointment) -> bytes:
    service, clinic = appointment.service, appointment.clinic
    calendar = Calendar()
    calendar.add("prodid", "-//Digital Punjab//Health appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.reference}@health.punjab.gov.pk")
    event.add("dtstamp", clock.now())
    event.add("dtstart", appointment.starts_at)
    # The place's own end: the service's slot length may have changed since it was booked.
    slot = appointment.slot
    event.add(
        "dtend", slot.ends_at if slot is not None else appointment.starts_at + timedelta(minutes=service.slot_minutes)
    )
    event.add("summary", _("%(service)s at %(clinic)s", service=service.name, clinic=clinic.name))
    event.add("location", f"{clinic.name}, {clinic.address}")
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
