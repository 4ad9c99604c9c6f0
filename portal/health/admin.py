"""Clinic admin services: scope, catalogue and schedules, the daily list, walk-ins, exports, counts.

Same contract as ``services.py``: plain arguments, rules enforced here, flush only, the caller
commits. Every record outside the admin's clinics answers NotFound (the view turns it into 404).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Generic, TypeVar

from flask_babel import force_locale, format_date, format_time, lazy_ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock, refs, submissions
from portal.auth.models import ROLE_CLINIC_ADMIN, AuditEvent, RoleAssignment, User, mask_cnic
from portal.auth.services import assign, audit, clinic_ids_for
from portal.bilingual import InLanguage, in_urdu, left_to_right, shown_order, shown_sorted
from portal.database import begin_write
from portal.extensions import db
from portal.health import offered, schedule
from portal.health.errors import (
    AlreadyHereToday,
    BookedAgainSince,
    ClinicCancelTooLate,
    ClosureOver,
    DomainError,
    DuplicateSubmission,
    InvalidSchedule,
    NoPlaceToday,
    NotCancellable,
    NotFound,
    ScheduleConflict,
    ServiceClosedToday,
    ServiceDayOver,
    SlotFull,
    WalkInDayOver,
    WrongArrivalCode,
    WrongStatus,
)
from portal.health.forms import STATUS_LABELS
from portal.health.models import (
    STATUS_ARRIVED,
    STATUS_BOOKED,
    STATUS_CANCELLED,
    STATUS_NO_SHOW,
    STATUS_SEEN,
    STATUSES,
    Appointment,
    Clinic,
    Closure,
    Service,
    Slot,
    WeeklyHours,
)
from portal.health.services import (
    CHANNELS,
    SERVICE_HELD,
    _new_reference,
    _when,
    _where,
    active_key,
    mark_cancelled,
    new_arrival_code,
    release_place,
    slot_capacity,
    take_place,
)
from portal.notifications.services import notify
from portal.validation import normalise_cnic, same_name_among


def _at(field: str, error: DomainError) -> DomainError:
    """Name the form field an error is about, so that the page shows it next to that field as well as
    in the summary at the top (``field`` is the attribute name on the form)."""
    error.field = field
    return error


# --- scope -------------------------------------------------------------------------------------


def admin_clinics(user: User) -> list[Clinic]:
    """The clinics ``user`` runs, in the order of the names they see (portal.bilingual.shown_order)."""
    ids = clinic_ids_for(user)
    if not ids:
        return []
    stmt = select(Clinic).where(Clinic.id.in_(ids)).order_by(*shown_order(Clinic.name, Clinic.name_ur, Clinic.id))
    return list(db.session.scalars(stmt))


def clinic_services(clinic: Clinic) -> list[Service]:
    """All of the clinic's services, open or not, in the order of the names the admin sees."""
    return shown_sorted(clinic.services, Service.shown_name)


def clinic_for_admin(user: User, clinic_id: int) -> Clinic:
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or clinic.id not in clinic_ids_for(user):
        raise NotFound()
    return clinic


def service_for_admin(user: User, service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or service.clinic_id not in clinic_ids_for(user):
        raise NotFound()
    return service


def hours_for_admin(user: User, hours_id: int) -> WeeklyHours:
    hours = db.session.get(WeeklyHours, hours_id)
    if hours is None or hours.service.clinic_id not in clinic_ids_for(user):
        raise NotFound()
    return hours


def closure_for_admin(user: User, closure_id: int) -> Closure:
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.clinic_id not in clinic_ids_for(user):
        raise NotFound()
    return closure


def appointment_for_admin(user: User, appointment_id: int, lock: bool = False) -> Appointment:
    stmt = select(Appointment).where(Appointment.id == appointment_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    appointment = db.session.scalar(stmt)
    if appointment is None or appointment.clinic_id not in clinic_ids_for(user):
        raise NotFound()
    return appointment


# --- schedule changes --------------------------------------------------------------------------


@dataclass
class Affected:
    id: int
    reference: str
    name: str
    service: str
    starts_at: datetime | None


def _lock_services(service_ids: Collection[int] = (), clinic: Clinic | None = None) -> list[Service]:
    """Hold these services (or every service of ``clinic``; given both, those of them in ``clinic``)
    FOR UPDATE until the transaction ends, in id order, and return them as they are now. A schedule
    change calls it before it changes anything: a booking of them in flight (which holds its service
    FOR KEY SHARE, services.hold_service) commits first and is then among the bookings the change
    reads (_upcoming_booked), and one that comes later reads the service's rules once the change has
    committed (the lock order is in services.py)."""
    stmt = select(Service).order_by(Service.id).with_for_update().execution_options(populate_existing=True)
    if clinic is not None:
        stmt = stmt.where(Service.clinic_id == clinic.id)
    if service_ids:
        stmt = stmt.where(Service.id.in_(sorted(set(service_ids))))
    elif clinic is None:
        return []
    return list(db.session.scalars(stmt))


def _lock_clinic(clinic: Clinic) -> None:
    """Hold the clinic's row FOR NO KEY UPDATE (first in the lock order, services.py): the counters of
    one clinic and an edit of the clinic take turns; the key-share lock a booking's insert takes on it
    (its foreign key) is not blocked."""
    db.session.execute(select(Clinic.id).where(Clinic.id == clinic.id).with_for_update(key_share=True))


def _upcoming_booked(service_ids: list[int]) -> list[Appointment]:
    """The upcoming bookings of these services, locked: one the person is cancelling or moving at this
    moment is read once they are done (and is then no longer booked, or at its new time), so that its
    place is never freed twice. Locked in one order (time, then id), so that two changes of one
    service queue instead of each holding a booking the other waits for."""
    if not service_ids:
        return []
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.service_id.in_(service_ids),
                Appointment.status == STATUS_BOOKED,
                Appointment.starts_at > clock.now(),
            )
            .order_by(Appointment.starts_at, Appointment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


SCHEDULE_CHANGED = _l("The clinic changed its schedule")


def _in_english_and_urdu(text) -> tuple[str, str | None]:
    """A portal text (lazy) as it reads in English, and in Urdu (None when the catalogue has no Urdu),
    whatever the language of the admin whose change it is: it is kept for the person, who reads
    one or the other."""
    with force_locale("en"):
        english = str(text)
    with force_locale("ur"):
        urdu = str(text)
    return english, (urdu if urdu != english else None)


def _apply_schedule_change(
    actor: User,
    services: list[Service],
    confirm: bool,
    ip: str | None,
    closure: Closure | None = None,
    reviewed: Collection[int] | None = None,
    places_changed: bool = False,
) -> list[Affected]:
    """After a flushed change: list booked appointments that no longer fit. Without ``confirm``
    raise ScheduleConflict (the caller rolls back); with it, cancel them and notify each person.

    ``reviewed`` is the ids of the appointments the admin was shown and confirmed: when given, the
    confirmation covers those alone, and a change that would cancel any other one (its dates or hours
    were changed after the list was shown, or someone booked meanwhile) raises ScheduleConflict again
    with the whole new list, cancelling nothing.

    When the change is a ``closure``, its reason is the one kept on each appointment, in the audit
    and in the message; otherwise they say that the clinic changed its schedule. Each appointment
    keeps the reason in English and in Urdu (when there is Urdu), and each person is told it in
    their own language.

    The caller holds the services' locks (_lock_services) from before its change. With
    ``places_changed`` (a service saved: its places per slot may have changed) the future slots of
    ``services`` follow their number of places, after the bookings are locked (the lock order,
    services.py: a person cancelling holds the booking, then its slot)."""
    db.session.flush()
    for service in services:
        db.session.refresh(service)
    upcoming = _upcoming_booked([s.id for s in services])
    if places_changed:
        for service in services:
            _slots_follow_places(service)
    broken = [a for a in upcoming if not schedule.fits_schedule(a.service, a.starts_at)]
    affected = [Affected(a.id, a.reference, a.patient_name, a.service.shown_name, a.starts_at) for a in broken]
    if broken and not confirm:
        raise ScheduleConflict(affected)
    if broken and reviewed is not None:
        unseen = sum(1 for a in broken if a.id not in reviewed)
        if unseen:
            raise ScheduleConflict(affected, unseen=unseen)
    if closure is None:
        (kept, kept_ur), audited = _in_english_and_urdu(SCHEDULE_CHANGED), "schedule change"
        told = SCHEDULE_CHANGED
    else:
        kept, kept_ur, audited = closure.reason, closure.reason_ur, closure.reason
        reason = InLanguage(closure.reason, closure.reason_ur)  # written out in each person's language
        told = (
            _l("This service is closed - %(reason)s", reason=reason)
            if closure.service_id
            else _l("The clinic is closed - %(reason)s", reason=reason)
        )
    for appointment in broken:
        mark_cancelled(appointment, kept, by_clinic=True, reason_ur=kept_ur)
        audit("health.appointment.cancelled", actor=actor, target=appointment, ip=ip, reason=audited)
        _notify_clinic_cancel(appointment, told)
    return affected


def _slots_follow_places(service: Service) -> None:
    """Future slots follow the service's number of places, never below what is already booked: those
    people keep their appointments, and the slot takes no one new until it is below the new number (its
    capacity comes down as they cancel, see release_place). Only the slots whose capacity changes are
    written (and locked)."""
    slots = Slot.__table__
    capacity = slot_capacity(slots.c.booked, service.places_per_slot)
    db.session.execute(
        slots.update()
        .where(slots.c.service_id == service.id, slots.c.starts_at > clock.now(), slots.c.capacity != capacity)
        .values(capacity=capacity)
    )


def _notify_clinic_cancel(appointment: Appointment, reason) -> None:
    """Tell the person; ``reason`` may be a lazy string, rendered in their language. The reason comes
    last, after a label, as the admin typed it (a sentence of its own, not a clause of ours). Urgent: the
    visit may be tomorrow morning, so the SMS is not held for the morning."""
    notify(
        appointment.user,
        subject=_l("Appointment cancelled by the clinic"),
        body=lambda: _(
            "Sorry: %(clinic)s has cancelled appointment %(ref)s for %(name)s (%(service)s, %(when)s). "
            "Please book another time on the portal. Reason: %(reason)s",
            clinic=appointment.clinic.shown_name,
            ref=appointment.reference,
            name=appointment.patient_name,
            service=appointment.service.shown_name,
            when=_when(appointment),
            reason=reason,
        ),
        channels=CHANNELS,
        urgent=True,
    )


Record = TypeVar("Record")

# --- clinics and services ----------------------------------------------------------------------

CLINIC_FIELDS = ("name", "name_ur", "type", "district", "address", "address_ur", "phone")
SERVICE_FIELDS = (
    "name",
    "name_ur",
    "slot_minutes",
    "places_per_slot",
    "min_notice_hours",
    "horizon_days",
    "cancel_cutoff_hours",
    "practitioner",
    "practitioner_ur",
)


@dataclass
class Saved(Generic[Record]):
    """What a save returns: the clinic, service or day's hours saved, and the booked appointments the
    change cancelled once the admin confirmed (the admin is told how many)."""

    record: Record
    cancelled: list[Affected]


def save_clinic(
    actor: User,
    clinic: Clinic | None,
    data: dict,
    active: bool = True,
    confirm: bool = False,
    ip=None,
    reviewed: Collection[int] | None = None,
    submission_token: str | None = None,
) -> Saved[Clinic]:
    """Create a clinic (its creator administers it) or edit one; deactivating asks to confirm cancellations.

    The new-clinic form posted again with the same ``submission_token`` (a double tap, a retry on a slow
    link) returns the clinic the first post created (portal.submissions)."""
    begin_write()
    creating = clinic is None
    if creating:
        posted = submissions.claim(actor, submission_token, Clinic, {**data, "active": active})
        if posted.earlier is not None:
            return Saved(posted.earlier, [])
    else:  # the clinic, then all its services, before anything changes (the lock order, services.py)
        _lock_clinic(clinic)
        held = _lock_services(clinic=clinic)
    _refuse_clinic_name_taken(clinic, data.get("name"), data.get("district"))
    try:
        with db.session.begin_nested():  # the name's unique index decides a race the check above lost
            record = Clinic(created_at=clock.now()) if creating else clinic
            db.session.add(record)
            changed = assign(record, {**{name: data.get(name) for name in CLINIC_FIELDS}, "active": active})
            db.session.flush()
    except IntegrityError:
        _refuse_clinic_name_taken(clinic, data.get("name"), data.get("district"))  # saved meanwhile: said so
        raise
    clinic = record
    offered.record_offers(service.id for service in clinic.services)  # opened or closed for bookings
    if creating:
        posted.created(clinic)
        db.session.add(RoleAssignment(user=actor, role=ROLE_CLINIC_ADMIN, scope_id=clinic.id, created_at=clock.now()))
        audit("health.clinic.created", actor=actor, target=clinic, ip=ip)
        return Saved(clinic, [])
    if changed:  # saved as it was: nothing happened worth a line in the audit log
        audit("health.clinic.updated", actor=actor, target=clinic, ip=ip, active=active, changed=changed)
    cancelled = _apply_schedule_change(actor, held, confirm, ip, reviewed=reviewed)
    if {"address", "address_ur"} & set(changed):
        _notify_address_changed(clinic)
    return Saved(clinic, cancelled)


ADDRESS_CHANGED = _l("Clinic address changed")


def _notify_address_changed(clinic: Clinic) -> None:
    """Tell each person with a booking still to come at ``clinic`` (one message per booking, as a
    cancellation by the clinic is) where it now is, in their language: the booking message gave the old
    address. Those the same save cancelled (the clinic closed for bookings) are no longer booked and
    have their cancellation instead. The bookings were locked by _apply_schedule_change (the lock order,
    services.py). Urgent when the visit is today or tomorrow, as the person may set out before 08:00."""
    soon = clock.today() + timedelta(days=1)
    booked = db.session.scalars(
        select(Appointment)
        .where(
            Appointment.clinic_id == clinic.id,
            Appointment.status == STATUS_BOOKED,
            Appointment.starts_at > clock.now(),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    for appointment in booked:
        notify(
            appointment.user,
            subject=ADDRESS_CHANGED,
            body=lambda appointment=appointment: _(
                "The address of the clinic has changed. Appointment %(ref)s for %(name)s (%(service)s, %(when)s) "
                "is at: %(where)s",
                ref=appointment.reference,
                name=appointment.patient_name,
                service=appointment.service.shown_name,
                when=_when(appointment),
                where=_where(appointment),
            ),
            channels=CHANNELS,
            urgent=appointment.visit_date <= soon,
        )


def save_service(
    actor: User,
    clinic: Clinic,
    service: Service | None,
    data: dict,
    active: bool = True,
    confirm: bool = False,
    ip=None,
    reviewed: Collection[int] | None = None,
    submission_token: str | None = None,
) -> Saved[Service]:
    """Create a service of ``clinic`` or edit one; changes that no longer fit bookings ask to confirm
    cancellations. The new-service form posted again with the same ``submission_token`` returns the
    service the first post created."""
    begin_write()
    creating = service is None
    if creating:
        posted = submissions.claim(actor, submission_token, Service, {**data, "active": active, "clinic": clinic.id})
        if posted.earlier is not None:
            return Saved(posted.earlier, [])
        # A clinic-wide closure being confirmed holds the clinic: the new service waits for it (and then
        # reads it), or the closure waits for the new service and closes it too. Otherwise a service made
        # meanwhile was not among those the closure locked, and could be given hours and booked on the
        # closed days before the closure committed.
        _lock_clinic(clinic)
    else:
        _lock_services([service.id])  # before anything changes (the lock order, services.py)
    _refuse_service_name_taken(clinic, service, data.get("name"), data.get("name_ur"))
    _refuse_notice_beyond_horizon(data.get("min_notice_hours"), data.get("horizon_days"))
    try:
        with db.session.begin_nested():  # the name's unique index decides a race the check above lost
            record = Service(clinic=clinic, created_at=clock.now()) if creating else service
            db.session.add(record)
            changed = assign(record, {**{name: data.get(name) for name in SERVICE_FIELDS}, "active": active})
            db.session.flush()
    except IntegrityError:
        _refuse_service_name_taken(clinic, service, data.get("name"), data.get("name_ur"))  # saved meanwhile
        raise
    service = record
    offered.record_offers([service.id])  # created, made active or not, or slots of another length or size
    if creating:  # no slot yet: nothing to follow its number of places
        audit("health.service.created", actor=actor, target=service, ip=ip)
        posted.created(service)
        return Saved(service, [])
    if changed:  # saved as it was: nothing happened worth a line in the audit log
        audit("health.service.updated", actor=actor, target=service, ip=ip, changed=changed)
    return Saved(service, _apply_schedule_change(actor, [service], confirm, ip, reviewed=reviewed, places_changed=True))


def _refuse_name_taken(others, name: str | None, message, field: str = "name") -> None:
    """Raise ``message`` at the name when one of ``others`` (a query of names) cannot be told from
    ``name``, case and spaces aside (portal.validation.same_name_among, in Python: SQLite's lower()
    knows only ASCII letters).

    Two admins saving one name at the same moment may both pass this check; the unique index over
    the stored key (portal.name_keys) then refuses the second flush, and its caller asks again, now
    finding the name taken, so that the second admin is told the same at the name."""
    if name and same_name_among(db.session.scalars(others), name) is not None:
        raise _at(field, DomainError(message, name=name.strip()))


def _refuse_clinic_name_taken(clinic: Clinic | None, name: str | None, district: str | None) -> None:
    """Two clinics of one district with one name cannot be told apart in search or on a booking."""
    others = select(Clinic.name).where(Clinic.district == district)
    if clinic is not None and clinic.id is not None:
        others = others.where(Clinic.id != clinic.id)
    _refuse_name_taken(
        others,
        name,
        _l(
            "There is already a clinic called “%(name)s” in this district. Give this one a name "
            "people can tell apart, or edit the one that exists.",
        ),
    )


def _refuse_service_name_taken(
    clinic: Clinic, service: Service | None, name: str | None, name_ur: str | None = None
) -> None:
    """Two services of one clinic with one name would be listed twice, and a walk-in could not choose;
    so would two with one Urdu name, for everyone reading in Urdu. (The Urdu name has no unique index:
    two admins saving one Urdu name at the same moment may both pass; the English names still differ.)"""
    others = select(Service.clinic_id).where(Service.clinic_id == clinic.id)
    if service is not None and service.id is not None:
        others = others.where(Service.id != service.id)
    _refuse_name_taken(
        others.with_only_columns(Service.name),
        name,
        _l(
            "This clinic already has a service called “%(name)s” (perhaps closed for now). "
            "Choose another name, or edit that service instead.",
        ),
    )
    _refuse_name_taken(
        others.with_only_columns(Service.name_ur).where(Service.name_ur.is_not(None)),
        name_ur,
        _l(
            "This clinic already has a service called “%(name)s” in Urdu (perhaps closed for now). "
            "Choose another Urdu name, or edit that service instead.",
        ),
        field="name_ur",
    )


def _refuse_notice_beyond_horizon(notice_hours: int | None, horizon_days: int | None) -> None:
    """A minimum notice as long as the booking horizon (72 hours typed for "3 days", bookings open 2
    days ahead) leaves no time anyone could book: the service would say it takes appointments and
    every day would be too soon or not yet open."""
    if notice_hours is None or not horizon_days or notice_hours < horizon_days * 24:
        return
    raise _at(
        "min_notice_hours",
        DomainError(
            lazy_ngettext(
                "The minimum notice must be shorter than the %(num)s day people may book ahead (%(hours)s "
                "hours), or no time could ever be booked. Give fewer hours, or let people book more days ahead.",
                "The minimum notice must be shorter than the %(num)s days people may book ahead (%(hours)s "
                "hours), or no time could ever be booked. Give fewer hours, or let people book more days ahead.",
                horizon_days,
                hours=horizon_days * 24,
            )
        ),
    )


def validate_hours(start: time, end: time, break_start: time | None, break_end: time | None) -> None:
    """Raises InvalidSchedule naming the field at fault (``error.field``)."""
    if end <= start:
        raise _at("end", InvalidSchedule(_l("The closing time must be after the opening time.")))
    if (break_start is None) != (break_end is None):
        missing = "break_end" if break_end is None else "break_start"
        raise _at(missing, InvalidSchedule(_l("Give both the start and the end of the break, or neither.")))
    if break_start is not None:
        if break_end <= break_start:
            raise _at("break_end", InvalidSchedule(_l("The break must end after it starts.")))
        if break_start <= start or break_end >= end:
            outside = "break_start" if break_start <= start else "break_end"
            raise _at(outside, InvalidSchedule(_l("The break must be inside the opening hours.")))


def save_hours(
    actor: User,
    service: Service,
    hours: WeeklyHours | None,
    weekday: int,
    start: time,
    end: time,
    break_start: time | None = None,
    break_end: time | None = None,
    confirm: bool = False,
    ip=None,
    reviewed: Collection[int] | None = None,
) -> Saved[WeeklyHours]:
    """Add or change one weekday's hours. Raises InvalidSchedule (bad or overlapping hours) or
    ScheduleConflict (booked appointments would no longer fit; confirm to cancel them)."""
    begin_write()
    validate_hours(start, end, break_start, break_end)
    _lock_services([service.id])  # before anything is read or changed (the lock order, services.py)
    others = db.session.scalars(
        select(WeeklyHours).where(WeeklyHours.service_id == service.id, WeeklyHours.weekday == weekday)
    ).all()
    for other in others:
        if hours is not None and other.id == hours.id:
            continue
        if start < other.end and other.start < end:
            raise _at(
                "start",
                InvalidSchedule(
                    _l("These hours overlap the hours %(hours)s already set for this day."),
                    # The range one left-to-right isolate in Urdu: "08:00–14:00", not "14:00–08:00".
                    hours=left_to_right(f"{other.start:%H:%M}–{other.end:%H:%M}"),
                ),
            )
    if hours is None:
        before = {}
        hours = WeeklyHours(service=service)
        db.session.add(hours)
    else:  # what the range said before, for the audit log: as committed by an edit this one waited for
        db.session.refresh(hours)
        before = {f"was_{name}": value for name, value in _hours_details(hours).items()}
    hours.weekday, hours.start, hours.end = weekday, start, end
    hours.break_start, hours.break_end = break_start, break_end
    db.session.flush()
    offered.record_offers([service.id])
    audit("health.hours.saved", actor=actor, target=service, ip=ip, **_hours_details(hours), **before)
    return Saved(hours, _apply_schedule_change(actor, [service], confirm, ip, reviewed=reviewed))


def _hours_details(hours: WeeklyHours) -> dict:
    """One weekday's range as its audit event keeps it: the day, the times and the break (None: none)."""

    def at(value: time | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "weekday": hours.weekday,
        "start": at(hours.start),
        "end": at(hours.end),
        "break_start": at(hours.break_start),
        "break_end": at(hours.break_end),
    }


def delete_hours(
    actor: User, hours: WeeklyHours, confirm: bool = False, ip=None, reviewed: Collection[int] | None = None
) -> list[Affected]:
    """Remove one weekday's hours; returns the appointments this cancelled (ScheduleConflict without
    ``confirm`` when there are any)."""
    begin_write()
    _lock_services([hours.service_id])  # before anything changes (the lock order, services.py)
    service = hours.service
    removed = _hours_details(hours)  # the range, which is gone once the row is
    db.session.delete(hours)
    db.session.flush()
    offered.record_offers([service.id])
    audit("health.hours.deleted", actor=actor, target=service, ip=ip, **removed)
    return _apply_schedule_change(actor, [service], confirm, ip, reviewed=reviewed)


# A closure is for days off (a holiday, a strike, a doctor on leave). A service or clinic that stops for
# longer is made inactive instead ("Taking appointments", "Open for bookings"), which people can see.
MAX_CLOSURE_DAYS = 366
# How far ahead a closure may start: a year, as far as anyone plans a clinic's holidays.
MAX_CLOSURE_AHEAD_DAYS = 366


@dataclass
class ClosureAdded:
    """The closure added and the booked appointments it cancelled. When the form was posted again, it
    is the closure the first post added: nothing more is cancelled, ``cancelled`` is empty and
    ``cancelled_before`` is how many the first post cancelled (kept in its audit event)."""

    closure: Closure
    cancelled: list[Affected]
    cancelled_before: int = 0

    @property
    def number_cancelled(self) -> int:
        return len(self.cancelled) or self.cancelled_before


def closure_date_problems(start_date: date | None, end_date: date | None) -> dict[str, str]:
    """What is wrong with a closure's days, by field (``start_date``, ``end_date``), each said once:
    a last day before the first, a closure already over, one longer than MAX_CLOSURE_DAYS, one that
    starts more than MAX_CLOSURE_AHEAD_DAYS from today (a typo such as 2099, or a plan to make nearer
    the time: no one books that far ahead). Either day may be missing (the form said so already)."""
    problems: dict[str, str] = {}
    today = clock.today()
    if start_date is not None and start_date > today + timedelta(days=MAX_CLOSURE_AHEAD_DAYS):
        problems["start_date"] = _(
            "A closure can start at most one year ahead, by %(last)s. Add a closure further ahead nearer the time.",
            last=format_date(today + timedelta(days=MAX_CLOSURE_AHEAD_DAYS), "long"),
        )
    if end_date is None:
        return problems
    if start_date is not None and end_date < start_date:
        problems["end_date"] = _("The last day must be on or after the first day.")
    elif end_date < today:
        problems["end_date"] = _("This closure is already over. Enter today or a later day as the last day.")
    elif start_date is not None and (end_date - start_date).days + 1 > MAX_CLOSURE_DAYS:
        problems["end_date"] = _(
            "A closure can last at most %(days)s days (one year). To stop taking appointments for longer, "
            "untick “Taking appointments” on the service, or “Open for bookings” on the clinic.",
            days=MAX_CLOSURE_DAYS,
        )
    return problems


def add_closure(
    actor: User,
    clinic: Clinic,
    service_id: int | None,
    start_date: date,
    end_date: date,
    reason: str,
    confirm: bool = False,
    ip=None,
    reason_ur: str | None = None,
    reviewed: Collection[int] | None = None,
    submission_token: str | None = None,
) -> ClosureAdded:
    """Close the clinic (``service_id`` None) or one service from ``start_date`` to ``end_date``, for
    ``reason`` (in English; ``reason_ur`` in Urdu, optional, shown to Urdu readers).

    Refused (InvalidSchedule naming the field): days that closure_date_problems finds wrong, and a
    closure overlapping one of the same clinic or service (remove that one first: two rows for the
    same days would be removed one at a time and leave the clinic closed). Bookings it hits raise
    ScheduleConflict unless ``confirm``; then they are cancelled, each person is told, and they are
    returned in ``cancelled``.

    The form posted again with the same ``submission_token`` (a double tap on the confirmation, a
    retry on a slow link) returns the closure the first post added, cancelling nothing more."""
    begin_write()
    posted = submissions.claim(
        actor,
        submission_token,
        Closure,
        {
            "clinic": clinic.id,
            "service": service_id or None,
            "start": start_date,
            "end": end_date,
            "reason": reason,
            "reason_ur": reason_ur,
        },
    )
    if posted.earlier is not None:
        return ClosureAdded(posted.earlier, [], cancelled_before=_cancelled_by(posted.earlier))
    problems = closure_date_problems(start_date, end_date)
    if problems:
        field, problem = next(iter(problems.items()))  # the view shows them all (admin_views._closure_form_valid)
        raise _at(field, InvalidSchedule(problem))
    # The services it closes, before anything changes (the lock order, services.py); for the whole
    # clinic, the clinic first, which a new service's creation holds too (save_service).
    if not service_id:
        _lock_clinic(clinic)
    services = _lock_services([service_id] if service_id else (), clinic=clinic)
    if service_id and not services:
        raise NotFound()
    same_scope = Closure.service_id == service_id if service_id else Closure.service_id.is_(None)
    overlapping = db.session.scalar(
        select(Closure)
        .where(
            Closure.clinic_id == clinic.id,
            same_scope,
            Closure.start_date <= end_date,
            Closure.end_date >= start_date,
        )
        .order_by(Closure.start_date)
        .limit(1)
    )
    if overlapping is not None:
        raise _at(
            "start_date",
            InvalidSchedule(
                _l(
                    "These days overlap the closure already set from %(start)s to %(end)s (%(reason)s). "
                    "Remove that one first, or choose other days."
                ),
                start=format_date(overlapping.start_date, "medium"),
                end=format_date(overlapping.end_date, "medium"),
                reason=InLanguage(overlapping.reason, overlapping.reason_ur),
            ),
        )
    closure = Closure(
        clinic_id=clinic.id,
        service_id=service_id or None,
        start_date=start_date,
        end_date=end_date,
        reason=reason.strip(),
        reason_ur=(reason_ur or "").strip() or None,
        created_at=clock.now(),
    )
    db.session.add(closure)
    db.session.flush()
    posted.created(closure)
    event = audit("health.closure.added", actor=actor, target=closure, ip=ip, start=str(start_date), end=str(end_date))
    cancelled = _apply_schedule_change(actor, services, confirm, ip, closure=closure, reviewed=reviewed)
    if cancelled:
        event.details = {**event.details, "cancelled": len(cancelled)}
    return ClosureAdded(closure, cancelled)


def _cancelled_by(closure: Closure) -> int:
    """How many booked appointments adding ``closure`` cancelled, as its audit event says (the newest
    for its id: a SQLite database older than revision 0021 may have given it the id of a closure
    removed before)."""
    details = db.session.scalar(
        select(AuditEvent.details)
        .where(
            AuditEvent.target_type == Closure.__tablename__,
            AuditEvent.target_id == str(closure.id),
            AuditEvent.action == "health.closure.added",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return int((details or {}).get("cancelled", 0))


def closure_under_way(closure: Closure) -> bool:
    """Whether ``closure`` started before today and is not over: removing it ends it yesterday."""
    today = clock.today()
    return closure.start_date < today <= closure.end_date


def delete_closure(actor: User, closure: Closure, ip=None) -> date | None:
    """Remove a closure still to come; returns None. Its days and reason are kept in the audit event,
    which is all that is left of it once the row is gone (the audit log shows them).

    The days already past are the clinic's record of when it was closed (the counts of places offered
    leave them out, for the clinic and for the officials): a closure under way is ended yesterday
    instead of removed, so that it opens from today and keeps its past days; the new last day is
    returned ("health.closure.ended"). One whose last day has passed is refused (ClosureOver), and
    nothing changes; the page lists only closures not over, but its id may be posted by hand."""
    closure_id = closure.id
    begin_write()
    # The services it closes, then the closure itself, before anything changes (the lock order,
    # services.py): a closure added or removed at this moment waits, and then finds this one as it is.
    scope = db.session.execute(select(Closure.clinic_id, Closure.service_id).where(Closure.id == closure_id)).first()
    if scope is None:  # removed meanwhile
        raise NotFound()
    _lock_services([scope.service_id] if scope.service_id else (), clinic=db.session.get(Clinic, scope.clinic_id))
    closure = db.session.scalar(
        select(Closure).where(Closure.id == closure_id).with_for_update().execution_options(populate_existing=True)
    )
    if closure is None:
        raise NotFound()
    today = clock.today()
    if closure.end_date < today:
        raise ClosureOver()
    details = {"start": str(closure.start_date), "end": str(closure.end_date), "reason": closure.reason}
    if closure.reason_ur:
        details["reason_ur"] = closure.reason_ur
    if closure.start_date < today:
        closure.end_date = today - timedelta(days=1)
        audit(
            "health.closure.ended",
            actor=actor,
            target=closure,
            ip=ip,
            **{**details, "end": str(closure.end_date), "was_end": details["end"]},
        )
        return closure.end_date
    audit("health.closure.deleted", actor=actor, target=closure, ip=ip, **details)
    db.session.delete(closure)
    return None


def clinic_closures(clinic: Clinic) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure)
            .where(Closure.clinic_id == clinic.id, Closure.end_date >= clock.today())
            .order_by(Closure.start_date)
        )
    )


# --- the daily list ----------------------------------------------------------------------------


def daily_list(clinic: Clinic, day: date) -> list[Appointment]:
    return list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.clinic_id == clinic.id, Appointment.visit_date == day)
            .order_by(Appointment.starts_at.is_(None), Appointment.starts_at, Appointment.queue_number, Appointment.id)
        )
    )


TRANSITIONS = {
    # A person marked "did not come" who turns up late that day is still checked in with their code.
    STATUS_ARRIVED: {STATUS_BOOKED, STATUS_NO_SHOW},
    STATUS_SEEN: {STATUS_ARRIVED},
    STATUS_NO_SHOW: {STATUS_BOOKED},
}


def no_show_allowed(appointment: Appointment) -> bool:
    """Whether "did not come" may be recorded now: for a booking, once its start time has passed (by
    the portal's clock); for one without a time (a queue token), from its day on."""
    if appointment.status != STATUS_BOOKED:
        return False
    if appointment.starts_at is not None:
        return appointment.starts_at <= clock.now()
    return appointment.visit_date <= clock.today()


def set_status(actor: User, appointment_id: int, status: str, arrival_code: str | None = None, ip=None) -> Appointment:
    """booked → arrived (arrival code must match, on the day) → seen; booked → no-show (once its time
    has passed, see no_show_allowed); no-show → arrived on the same day, with the code, for a person
    who comes late. Audited, with the previous status."""
    begin_write()
    appointment = appointment_for_admin(actor, appointment_id, lock=True)
    if status not in TRANSITIONS or appointment.status not in TRANSITIONS[status]:
        raise WrongStatus()
    today = clock.today()
    if status == STATUS_ARRIVED:
        if appointment.visit_date != today:
            raise WrongStatus(_l("A person can only be checked in on the day of the appointment."))
        if not (arrival_code or "").strip():
            raise _at("arrival_code", WrongArrivalCode(_l("Enter the arrival code or the CNIC.")))
        shown_by = _identity_shown(appointment, arrival_code)
        if shown_by is None:
            raise _at("arrival_code", WrongArrivalCode())
        appointment.arrived_at = clock.now()
    if status == STATUS_NO_SHOW and not no_show_allowed(appointment):
        raise WrongStatus(_l("A booking can only be marked “Did not come” once its time has passed."))
    if status == STATUS_SEEN:
        appointment.seen_at = clock.now()
    previous = appointment.status
    appointment.status = status
    appointment.active_key = None
    appointment.updated_at = clock.now()
    details = {"checked_with": shown_by} if status == STATUS_ARRIVED else {}
    audit(f"health.appointment.{status}", actor=actor, target=appointment, ip=ip, previous=previous, **details)
    return appointment


# "Undo" on the daily list, for a status pressed on the wrong row: the status it puts back, by the one
# set by mistake. A check-in or a "did not come" goes back to booked, a "seen" back to waiting (arrived).
UNDO = {STATUS_ARRIVED: STATUS_BOOKED, STATUS_NO_SHOW: STATUS_BOOKED, STATUS_SEEN: STATUS_ARRIVED}


def undo_to(appointment: Appointment) -> str | None:
    """The status "Undo" would put back on ``appointment`` now, or None when there is nothing to undo.

    Only on the day of the visit (by the portal's clock): the next day the list is the clinic's record
    of what happened. A walk-in's check-in is not undone: it was registered arrived, its queue token or
    place was never booked, and a walk-in registered by mistake is cancelled instead (admin_cancel);
    its "seen" is undone like anyone's."""
    if appointment.visit_date != clock.today():
        return None
    back = UNDO.get(appointment.status)
    if back == STATUS_BOOKED and appointment.walk_in:
        return None
    return back


def undo_status(actor: User, appointment_id: int, ip=None) -> Appointment:
    """Take back a status set by mistake on the daily list, the same day: arrived → booked (clearing
    ``arrived_at``), did not come → booked, seen → arrived (clearing ``seen_at``); see ``undo_to``.

    Back to booked, the appointment holds its person's place for the service again (``active_key``, as
    book_slot gives it), so that they cannot book the service twice; when they have booked it again
    since (the check-in had let go of it), BookedAgainSince and nothing changes. WrongStatus when there
    is nothing to undo. Audited as ``health.appointment.undone`` with the status before and after."""
    begin_write()
    appointment = appointment_for_admin(actor, appointment_id, lock=True)
    back = undo_to(appointment)
    if back is None:
        if appointment.visit_date != clock.today() and appointment.status in UNDO:
            raise WrongStatus(_l("A status can only be undone on the day of the appointment."))
        if appointment.walk_in and appointment.status == STATUS_ARRIVED:
            raise WrongStatus(
                _l("A walk-in’s check-in cannot be undone. If it was registered by mistake, cancel it instead.")
            )
        raise WrongStatus(_l("There is nothing to undo on this appointment."))
    previous = appointment.status
    if back == STATUS_BOOKED:
        _hold_place_again(appointment)
        appointment.arrived_at = None
    if previous == STATUS_SEEN:
        appointment.seen_at = None
    appointment.status = back
    appointment.updated_at = clock.now()
    db.session.flush()
    audit("health.appointment.undone", actor=actor, target=appointment, ip=ip, previous=previous, status=back)
    return appointment


def _hold_place_again(appointment: Appointment) -> None:
    """Give ``appointment`` back the key that makes it its person's one booking of the service, as
    book_slot does: refused (BookedAgainSince) when another booking holds it and is still to come; one
    whose time has passed without a status no longer counts as upcoming and lets go of it, as in
    book_slot. The unique constraint settles a booking made at this very moment (IntegrityError in the
    savepoint: the same refusal)."""
    key = active_key(appointment.service_id, appointment.user_id, appointment.dependant_id)
    holder = _key_holder(key, appointment)
    if holder is not None:
        if holder.starts_at is None or holder.starts_at > clock.now():
            raise BookedAgainSince(holder, name=appointment.patient_name)
        holder.active_key = None  # written first: begin_nested flushes what is pending
    try:
        with db.session.begin_nested():
            appointment.active_key = key
    except IntegrityError:
        with db.session.no_autoflush:
            holder = _key_holder(key, appointment)
        if holder is None:
            raise
        raise BookedAgainSince(holder, name=appointment.patient_name) from None


def _key_holder(key: str, appointment: Appointment) -> Appointment | None:
    """The other appointment that holds ``key`` (its person's one booking of the service), if any."""
    return db.session.scalar(
        select(Appointment).where(Appointment.active_key == key, Appointment.id != appointment.id).with_for_update()
    )


def _identity_shown(appointment: Appointment, typed: str | None) -> str | None:
    """How the person at the counter showed that the booking is theirs: "code" for the arrival code
    from the message, "cnic" for the CNIC on the card of the account holder or of the family member the
    booking is for (someone who has lost the message or the phone is checked in from their card, not
    sent away or registered again as a walk-in); None when what was typed matches neither."""
    if refs.normalise_reference(typed) == appointment.arrival_code:
        return "code"
    digits = normalise_cnic(typed)
    if digits is not None:
        dependant = appointment.dependant
        if digits == appointment.user.cnic or (dependant is not None and digits == dependant.id_number):
            return "cnic"
    return None


def why_clinic_cannot_cancel(appointment: Appointment) -> DomainError | None:
    """Why the clinic can no longer cancel ``appointment`` (the error to show), or None when it can.

    A booking only while it is still to come, by the portal's clock: before its start time, or for one
    without a time (a queue token) until the end of its day. Once its time has passed the visit
    happened or was missed ("Did not come", see no_show_allowed): a cancellation would tell the person
    "sorry, please book another time" for a past day and free a place no one can take (ClinicCancelTooLate).
    A walk-in not yet seen, on the day it was registered (WalkInDayOver after that day: the list is then
    the clinic's record, as with undo_to). Anything else: NotCancellable."""
    if appointment.waiting_walk_in:
        return WalkInDayOver() if appointment.visit_date < clock.today() else None
    if appointment.status != STATUS_BOOKED:
        return NotCancellable()
    if appointment.starts_at is not None:
        passed = appointment.starts_at <= clock.now()
    else:
        passed = appointment.visit_date < clock.today()
    return ClinicCancelTooLate() if passed else None


def clinic_cancel_allowed(appointment: Appointment) -> bool:
    """Whether the daily list offers "Cancel" on ``appointment`` (see why_clinic_cannot_cancel)."""
    return why_clinic_cannot_cancel(appointment) is None


def admin_cancel(actor: User, appointment_id: int, reason: str, ip=None, reason_ur: str | None = None) -> Appointment:
    """The clinic cancels a booking with a reason (and, when the admin gave one, the reason in Urdu);
    the place is freed and the person is told the reason in their own language, as with a closure.

    A walk-in not yet seen (registered by mistake: twice, or for the wrong service) is cancelled the
    same way, its place freed, without a message: the person is at the counter, and a message saying
    "cancelled" would only confuse someone who holds the right token.

    Refused, nothing changed and no one told, once the booking's time has passed or a walk-in's day is
    over (why_clinic_cannot_cancel)."""
    begin_write()
    appointment = appointment_for_admin(actor, appointment_id, lock=True)
    refusal = why_clinic_cannot_cancel(appointment)
    if refusal is not None:
        raise refusal
    previous = appointment.status
    reason, reason_ur = reason.strip(), (reason_ur or "").strip() or None
    mark_cancelled(appointment, reason, by_clinic=True, reason_ur=reason_ur, walk_in_waiting=True)
    audit("health.appointment.cancelled", actor=actor, target=appointment, ip=ip, reason=reason, previous=previous)
    if previous == STATUS_BOOKED:
        _notify_clinic_cancel(appointment, InLanguage(reason, reason_ur))
    return appointment


WALK_IN_SLOT = "slot"
WALK_IN_QUEUE = "queue"


def register_walk_in(
    actor: User,
    clinic: Clinic,
    service_id: int,
    cnic: str,
    full_name: str | None,
    mobile: str | None,
    mode: str,
    ip=None,
    submission_token: str | None = None,
) -> Appointment:
    """Register a person at the counter: into the next free place today, or a queue token.

    A second call with the same ``submission_token`` (the counter's form posted twice: a double tap, a
    retry on a slow link) returns the first registration instead of taking a second place; a second
    post racing the first raises DuplicateSubmission.

    A CNIC the portal does not know gets a minimal record (no password: they cannot sign in until
    they register online with the mobile number recorded here); ``mobile`` (E.164) is recorded on
    such a record, and ignored for a full account. On a counter record that already exists it is
    recorded only when the record's visits are all at clinics ``actor`` runs
    (may_record_counter_mobile); otherwise the record keeps its number, and the view tells the
    counter so. Raises ServiceClosedToday when the service has no
    hours today or a closure covers today, ServiceDayOver once its last time of the day has ended (in
    both modes), NoPlaceToday when ``mode`` is "slot" and today's times are all taken or past.
    """
    begin_write()
    # Counters of one clinic register one person at a time (a row lock on PostgreSQL; SQLite's write
    # lock already serialises), taken first: the same form posted twice finds the first post's
    # registration below, two counters cannot both miss the other's registration of one person, and
    # queue numbers are taken in turn; the unique constraints and the retries are the safety net.
    _lock_clinic(clinic)
    existing = walk_in_by_token(clinic, submission_token)
    if existing is not None:
        if existing.service_id == service_id and existing.user.cnic == normalise_cnic(cnic):
            return existing
        # The same page sent again for someone else (the browser's Back, then a new CNIC): a new
        # registration, not the first one's.
        submission_token = None
    # The service held like a booking's (services.hold_service), and its rules read after that.
    service = db.session.scalar(
        select(Service)
        .where(Service.id == service_id, Service.clinic_id == clinic.id, Service.active.is_(True))
        .with_for_update(of=Service, **SERVICE_HELD)
        .execution_options(populate_existing=True)
    )
    if service is None:
        raise NotFound()
    today, now = clock.today(), clock.now()
    starts_today = schedule.day_starts(service, today)
    if not starts_today:
        # No hours on this weekday, or a closure: a queue token would send the person to a closed door.
        raise _at("service_id", ServiceClosedToday())
    closing = starts_today[-1] + timedelta(minutes=service.slot_minutes)
    if now >= closing:
        # Its last time of the day has ended: a queue token (or a place) would be for a counter now closed.
        raise _at("service_id", ServiceDayOver(time=format_time(closing, "short")))
    digits = normalise_cnic(cnic)
    if digits is None:
        raise _at("cnic", DomainError(_l("Enter a 13-digit CNIC.")))
    person = db.session.scalar(select(User).where(User.cnic == digits))
    if person is None:
        if not (full_name and full_name.strip()):
            raise _at("full_name", DomainError(_l("This CNIC is new to the portal: enter the person's full name.")))
        person, created = _counter_record(digits, full_name.strip(), mobile)
        if created:
            audit("health.walk_in.person_created", actor=actor, target=person, ip=ip)
    if person.password_hash is None and mobile and mobile != person.mobile and may_record_counter_mobile(actor, person):
        # A counter record completes online only with the mobile recorded here, so the counter can
        # add or correct it for the person standing in front of it (never for a full account, nor
        # for a record with visits at another clinic: may_record_counter_mobile).
        person.mobile = mobile
        audit("health.walk_in.mobile_recorded", actor=actor, target=person, ip=ip)
    already = _active_today(person, service, today)
    if already is not None:
        raise _at("cnic", AlreadyHereToday(already))
    appointment = Appointment(
        reference=_new_reference(),
        arrival_code=new_arrival_code(),
        user_id=person.id,
        clinic_id=clinic.id,
        service_id=service.id,
        visit_date=today,
        status=STATUS_ARRIVED,
        walk_in=True,
        arrived_at=now,
        submission_token=submission_token or None,
        created_at=now,
        updated_at=now,
    )
    if mode == WALK_IN_SLOT:
        slot_id = None
        current_start = now - timedelta(minutes=service.slot_minutes)
        for start in starts_today:
            if start <= current_start:
                continue
            try:
                with db.session.begin_nested():
                    slot_id = take_place(service, start)
            except SlotFull:
                continue
            appointment.slot_id, appointment.starts_at = slot_id, start
            break
        if slot_id is None:
            raise _at("mode", NoPlaceToday())
        try:
            with db.session.begin_nested():
                db.session.add(appointment)
        except IntegrityError:
            _raise_if_posted_twice(submission_token)
            raise
    else:
        for _attempt in range(5):
            number = (
                db.session.scalar(
                    select(func.max(Appointment.queue_number)).where(
                        Appointment.clinic_id == clinic.id, Appointment.visit_date == today
                    )
                )
                or 0
            ) + 1
            appointment.queue_number = number
            try:
                with db.session.begin_nested():
                    db.session.add(appointment)
            except IntegrityError:
                _raise_if_posted_twice(submission_token)
                continue  # another counter took this number; the savepoint forgot the row
            break
        else:
            raise DomainError(_l("Could not give a queue token. Please try again."))
    audit("health.walk_in.registered", actor=actor, target=appointment, ip=ip, mode=mode)
    return appointment


def may_record_counter_mobile(actor: User, person: User) -> bool:
    """Whether the walk-in counter of ``actor`` may record or change the mobile number of the
    counter record ``person`` (a CNIC with no password yet).

    That number is the proof of ownership: an online registration, or a password reset by SMS,
    completes the record (and opens every visit on it, with their messages) for whoever gives the
    CNIC and that number. CNICs are printed on many documents, so if any clinic's counter could
    set the number, the admin of one clinic could type a CNIC seen anywhere and their own number,
    then claim the record and read the person's visits at other clinics.

    So the number is set or changed only when every visit of the record is at a clinic ``actor``
    runs: the clinics whose lists already show this admin those visits, so nothing is opened that
    they could not read. A record with a visit elsewhere keeps its number (or stays without one);
    the person corrects it at the clinic that recorded it, or registers online with the number
    they gave there. Rather than refusing the walk-in over it: the person at the counter is still
    seen, and the form says the number was not recorded.
    """
    elsewhere = db.session.scalar(
        select(Appointment.id)
        .where(Appointment.user_id == person.id, Appointment.clinic_id.not_in(clinic_ids_for(actor)))
        .limit(1)
    )
    return elsewhere is None


def _counter_record(cnic: str, full_name: str, mobile: str | None) -> tuple[User, bool]:
    """The minimal record of a person the portal did not know (no password), and whether it is new
    here: when a counter of another clinic (or an online registration) creates one for the same CNIC
    at this moment, the unique key refuses this one (in a savepoint, which forgets it) and the other,
    now committed, is the person's."""
    person = User(cnic=cnic, full_name=full_name, mobile=mobile or None, password_hash=None)
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        other = db.session.scalar(select(User).where(User.cnic == cnic))
        if other is None:
            raise
        return other, False
    return person, True


def _active_today(person: User, service: Service, today: date) -> Appointment | None:
    """The person's own booking or queue token for ``service`` today that is still waiting to be seen
    (booked or arrived), if any."""
    return db.session.scalar(
        select(Appointment)
        .where(
            Appointment.user_id == person.id,
            Appointment.dependant_id.is_(None),
            Appointment.service_id == service.id,
            Appointment.visit_date == today,
            Appointment.status.in_((STATUS_BOOKED, STATUS_ARRIVED)),
        )
        .order_by(Appointment.id)
        .limit(1)
    )


def walk_in_by_token(clinic: Clinic, token: str | None) -> Appointment | None:
    """The walk-in that the counter form carrying ``token`` registered at ``clinic``, if any."""
    if not token:
        return None
    return db.session.scalar(
        select(Appointment).where(Appointment.submission_token == token, Appointment.clinic_id == clinic.id)
    )


def _raise_if_posted_twice(token: str | None) -> None:
    if token and db.session.scalar(select(Appointment.id).where(Appointment.submission_token == token)):
        raise DuplicateSubmission(token)


# --- exports and counts ------------------------------------------------------------------------

# "cnic" is the account holder's, as on the daily list: a family member (often a child) may have no
# number of their own, and the counter matches the card of the adult who booked; "booked_by" names them.
EXPORT_HEADER = (
    "reference",
    "date",
    "time",
    "queue",
    "name",
    "cnic",
    "service",
    "status",
    "walk_in",
    "reason",
    "booked_by",
)
# The header under the Urdu interface: the words of the day's page (English stays the names above,
# which scripts reading the file know), as the dashboard's CSV files do.
EXPORT_LABELS = {
    "reference": _l("Reference"),
    "date": _l("Date"),
    "time": _l("Time"),
    "queue": _l("Queue token"),
    "name": _l("Name"),
    "cnic": _l("CNIC"),
    "service": _l("Service"),
    "status": _l("Status"),
    "walk_in": _l("Walk-in"),
    "reason": _l("Reason"),
    "booked_by": _l("Booked by"),
}


def export_header() -> list[str]:
    """The first row of the clinic's CSV files, in the reader's language (``EXPORT_LABELS``)."""
    return [str(EXPORT_LABELS[key]) for key in EXPORT_HEADER] if in_urdu() else list(EXPORT_HEADER)


def export_rows(clinic: Clinic, first: date, last: date) -> list[tuple]:
    rows = db.session.scalars(
        select(Appointment)
        .where(Appointment.clinic_id == clinic.id, Appointment.visit_date >= first, Appointment.visit_date <= last)
        .order_by(Appointment.visit_date, Appointment.starts_at.is_(None), Appointment.starts_at, Appointment.id)
    )
    # Under the Urdu interface the service's Urdu name (when it has one), the status and yes or no in
    # Urdu, as the day's page shows them; in English the status as stored and "yes"/"no", as before.
    urdu = in_urdu()
    yes, no = (_("Yes"), _("No")) if urdu else ("yes", "no")
    out = []
    for a in rows:
        local = a.starts_at.astimezone(clock.KARACHI).strftime("%H:%M") if a.starts_at else ""
        out.append(
            (
                a.reference,
                a.visit_date.isoformat(),
                local,
                a.queue_number or "",
                a.patient_name,
                mask_cnic(a.user.cnic),
                a.service.shown_name,
                str(STATUS_LABELS[a.status]) if urdu else a.status,
                yes if a.walk_in else no,
                a.cancelled_reason or "",
                a.user.full_name if a.dependant is not None else "",
            )
        )
    return out


@dataclass
class Counts:
    first: date
    last: date
    by_status: dict
    places: int
    used: int

    @property
    def utilisation(self) -> float:
        return self.used / self.places if self.places else 0.0


def counts(clinic: Clinic, first: date, last: date) -> Counts:
    """The clinic's appointments by status from ``first`` to ``last`` (Karachi dates, both included), the
    places used (appointments in a slot, not cancelled; a queue token takes none) and the places offered:
    each day's by the hours in force that day, less closed days (portal.health.offered.places_offered).
    The places used and offered are the officials' for the same clinic and days (the dashboard's league)."""
    by_status = dict.fromkeys(STATUSES, 0)
    for status, number in db.session.execute(
        select(Appointment.status, func.count(Appointment.id))
        .where(Appointment.clinic_id == clinic.id, Appointment.visit_date >= first, Appointment.visit_date <= last)
        .group_by(Appointment.status)
    ):
        by_status[status] = number
    used = (
        db.session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.clinic_id == clinic.id,
                Appointment.visit_date >= first,
                Appointment.visit_date <= last,
                Appointment.slot_id.is_not(None),
                Appointment.status != STATUS_CANCELLED,
            )
        )
        or 0
    )
    # Each day's places as offered that day, less closed days: the officials' figure for this clinic.
    places = offered.places_offered(first, last, where=[Service.clinic_id == clinic.id]).get("all", 0)
    return Counts(first, last, by_status, places, used)


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


__all__ = [
    "WALK_IN_QUEUE",
    "WALK_IN_SLOT",
    "add_closure",
    "admin_cancel",
    "admin_clinics",
    "clinic_cancel_allowed",
    "counts",
    "daily_list",
    "release_place",
    "save_clinic",
    "save_hours",
    "save_service",
    "set_status",
    "undo_status",
    "why_clinic_cannot_cancel",
]
