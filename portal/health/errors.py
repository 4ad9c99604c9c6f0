"""The rules of booking, as errors a person can read."""

from flask_babel import format_time, lazy_ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from portal.auth.errors import DomainError, NotFound
from portal.bilingual import isolate
from portal.refs import REFERENCE_IN_TEXT

__all__ = [
    "AlreadyBooked",
    "AlreadyHereToday",
    "AppointmentCancelled",
    "AppointmentOver",
    "BeyondHorizon",
    "BookedAgainSince",
    "ClosedDay",
    "ClosureOver",
    "DomainError",
    "InPast",
    "InvalidSchedule",
    "NotBookable",
    "NotCancellable",
    "NotFound",
    "NoPlaceToday",
    "OutsideHours",
    "PastCutoff",
    "ScheduleConflict",
    "ServiceClosedToday",
    "ServiceDayOver",
    "SlotFull",
    "TooSoon",
    "WrongArrivalCode",
    "WrongStatus",
]


class SlotFull(DomainError):
    message = _l("Sorry, this time is now full. Someone else took the last place. Please choose another time.")


class InPast(DomainError):
    message = _l("This time has already passed. Please choose a later time.")


class TooSoon(DomainError):
    def __init__(self, *, hours: int):
        super().__init__(
            lazy_ngettext(
                "This service needs at least %(num)s hour's notice. Please choose a later time.",
                "This service needs at least %(num)s hours' notice. Please choose a later time.",
                hours,
            )
        )


class BeyondHorizon(DomainError):
    def __init__(self, *, days: int):
        super().__init__(
            lazy_ngettext(
                "This service can be booked at most %(num)s day ahead. Please choose an earlier date.",
                "This service can be booked at most %(num)s days ahead. Please choose an earlier date.",
                days,
            )
        )


class ClosedDay(DomainError):
    message = _l("The clinic is closed on this day. Please choose another date.")

    @classmethod
    def because(cls, reason: str | None) -> "ClosedDay":
        """Closed by a closure: its reason said, as the admin gave it ("Public holiday")."""
        if not reason or reason.isspace():
            return cls()
        return cls(_l("The clinic is closed on this day (%(reason)s). Please choose another date."), reason=reason)


class OutsideHours(DomainError):
    message = _l("This service does not take appointments at this time. Please choose one of the times shown.")


class NotBookable(DomainError):
    message = _l("This service is not taking appointments at the moment.")


class AlreadyBooked(DomainError):
    message = _l(
        "%(name)s already has an upcoming appointment for this service (%(ref)s). "
        "Please cancel or reschedule that one instead."
    )

    def __init__(self, message=None, appointment=None, **params):
        super().__init__(message, **params)
        self.appointment = appointment


class AlreadyHereToday(DomainError):
    """A walk-in for someone who already holds a booking or a queue token for the same service today
    (``appointment``): the counter finds them on the list instead of counting them twice."""

    def __init__(self, appointment):
        params = {"name": appointment.user.full_name, "ref": appointment.reference}
        if appointment.starts_at is None:
            message = _l(
                "%(name)s already has queue token %(number)s for this service today (%(ref)s). "
                "A second token was not given: find them on today's list.",
            )
            params["number"] = appointment.queue_number
        elif appointment.status == "booked":
            message = _l(
                "%(name)s already has an appointment for this service today at %(time)s (%(ref)s). "
                "Nothing was registered: check them in on today's list with their arrival code or CNIC.",
            )
        else:
            message = _l(
                "%(name)s is already registered for this service today at %(time)s (%(ref)s). "
                "A second place was not taken: find them on today's list.",
            )
        if appointment.starts_at is not None:
            params["time"] = format_time(appointment.starts_at, "short")
        super().__init__(message, **params)
        self.appointment = appointment


class DuplicateSubmission(DomainError):
    """The form was posted twice; ``token`` finds the first booking."""

    def __init__(self, token):
        super().__init__()
        self.token = token


class PastCutoff(DomainError):
    def __init__(self, *, hours: int):
        super().__init__(
            lazy_ngettext(
                "Appointments for this service can only be changed or cancelled up to %(num)s hour before. "
                "Please call the clinic.",
                "Appointments for this service can only be changed or cancelled up to %(num)s hours before. "
                "Please call the clinic.",
                hours,
            )
        )


class NotCancellable(DomainError):
    message = _l("This appointment can no longer be changed: it is not an upcoming booking.")


class AppointmentCancelled(NotCancellable):
    message = _l("This appointment was cancelled. It can no longer be changed.")


class AppointmentOver(NotCancellable):
    """Attended, missed, or its time has passed."""

    message = _l("This appointment has already taken place or its time has passed. It can no longer be changed.")


class ClinicCancelTooLate(NotCancellable):
    """The clinic cancelling a booking whose time has passed: the visit happened or was missed, and a
    cancellation now would tell the person "sorry" for a past day and free a place no one can take."""

    message = _l(
        "This appointment’s time has passed, so it can no longer be cancelled. "
        "If the person did not come, mark it “Did not come” on the day’s list."
    )


class WalkInDayOver(NotCancellable):
    message = _l("A walk-in can only be cancelled on the day it was registered.")


class WrongArrivalCode(DomainError):
    message = _l(
        "Neither the arrival code nor the CNIC matches this appointment. "
        "Check the code in the person’s message, or the CNIC on their card."
    )


class WrongStatus(DomainError):
    message = _l("This appointment cannot move from its current status to that one.")


class BookedAgainSince(DomainError):
    """Undoing a check-in or a "did not come" would make a booking upcoming again, but the person has
    booked the same service since (``appointment``): one person holds one booking of a service."""

    message = _l(
        "%(name)s has booked this service again since (%(ref)s), and a person can hold only one booking "
        "of a service at a time. Nothing was changed: to put this one back, cancel that booking first."
    )

    def __init__(self, appointment, name: str):
        super().__init__(name=name, ref=appointment.reference)
        self.appointment = appointment


class NoPlaceToday(DomainError):
    message = _l("There is no free place left today for this service. Give the person a queue token instead.")


class ServiceClosedToday(DomainError):
    message = _l(
        "This service has no opening hours today, or is closed today, so no one can be registered for it. "
        "If it is open after all, add today's hours or remove the closure first."
    )


class ServiceDayOver(DomainError):
    """A walk-in once the service's last time of the day has ended: a queue token would send the person
    to a counter that has closed (and the counts would show a place used after hours)."""

    message = _l(
        "This service has closed for today: its last appointment time ended at %(time)s. "
        "No one can be registered for it until its next opening day."
    )


class ClosureOver(DomainError):
    """Removing a closure whose last day has passed: its days are the clinic's record of when it was
    closed (the counts of places offered leave them out), and they stay as they were."""

    message = _l(
        "This closure is over, so it cannot be removed: the days it closed stay closed in the clinic's "
        "records and counts."
    )


class InvalidSchedule(DomainError):
    message = _l("These hours are not valid.")


class ScheduleConflict(DomainError):
    """A schedule change would cancel booked appointments; the admin must confirm first.

    ``unseen``: how many of them were not in the list the admin had confirmed (they widened a
    closure's dates after reviewing it, or someone booked in the meantime): nothing is cancelled, and
    the admin is asked again."""

    def __init__(self, affected, unseen: int = 0):
        if unseen:
            message = _l(
                "This change would now cancel appointments that were not in the list you reviewed (new in the "
                "list: %(unseen)s). Nothing has been changed yet: please review the list again and confirm.",
                unseen=unseen,
            )
        else:
            message = lazy_ngettext(
                "This change affects %(num)s booked appointment. Please review it and confirm.",
                "This change affects %(num)s booked appointments. Please review them and confirm.",
                len(affected),
            )
        super().__init__(message)
        self.affected = affected
        self.unseen = unseen


def on_page(error: DomainError) -> Markup:
    """The error's message for a page, each value in it isolated from the sentence around it: a
    reference (``H-7KQ2-9FXD``) as a left-to-right island that never breaks at its hyphens, any other
    text (a person's name) as ``<bdi class="name">``, marked ``lang="en"`` on an Urdu page when it is in
    Latin letters (``portal.bilingual.isolate``). In an Urdu sentence an English name then keeps
    its words in order and leaves the brackets and punctuation next to it where the sentence has them."""
    if not error.params:
        return escape(str(error))
    values = {}
    for key, value in error.params.items():
        if isinstance(value, str) and REFERENCE_IN_TEXT.fullmatch(value):
            values[key] = Markup('<bdi dir="ltr">{}</bdi>').format(value)
        elif isinstance(value, str):
            values[key] = isolate(value, "name")
        else:
            values[key] = value
    return escape(str(error.message)) % values
