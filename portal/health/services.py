"""Booking rules and transactions for health: finding clinics, booking, cancelling, rescheduling.

Services take plain arguments, enforce the rules, may flush and raise errors from
``portal.health.errors``; the caller commits once (and rolls back on an error). Every writer calls
``begin_write()`` before its first read. The last place of a slot is decided by a conditional
UPDATE on ``health_slots.booked``; "one active appointment per person per service" by a unique key.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, refs
from portal.auth.models import Dependant, User
from portal.auth.services import (
    COMMITMENT_CHECKS,
    COMMITMENT_LISTS,
    RECORD_NAMERS,
    SCOPE_FINDERS,
    SCOPE_RESOLVERS,
    Commitment,
    RecordName,
    get_dependant,
    people_labels,
)
from portal.bilingual import holds_words, in_language, shown_order, shown_sorted
from portal.database import begin_write
from portal.districts import district_label
from portal.extensions import db
from portal.health import schedule
from portal.health.errors import (
    AlreadyBooked,
    AppointmentCancelled,
    AppointmentOver,
    BeyondHorizon,
    ClosedDay,
    DomainError,
    DuplicateSubmission,
    InPast,
    NotBookable,
    NotCancellable,
    NotFound,
    OutsideHours,
    PastCutoff,
    SlotFull,
    TooSoon,
)
from portal.health.models import (
    STATUS_ARRIVED,
    STATUS_BOOKED,
    STATUS_CANCELLED,
    Appointment,
    Clinic,
    Closure,
    Service,
    Slot,
)
from portal.name_keys import listed_name, named_alike, plain_key, plain_key_of
from portal.notifications.models import CHANNEL_IN_APP, CHANNEL_SMS
from portal.notifications.services import notify, register_reminder_hook
from portal.validation import name_key

CHANNELS = (CHANNEL_SMS, CHANNEL_IN_APP)


# --- finding clinics ---------------------------------------------------------------------------


def find_clinics(district: str | None = None, service_name: str | None = None, q: str | None = None, page: int = 1):
    """A page of active clinics, filtered by district, a service they offer and part of the name."""
    stmt = (
        select(Clinic).where(Clinic.active.is_(True)).options(selectinload(Clinic.services).selectinload(Service.hours))
    )
    if district:
        stmt = stmt.where(Clinic.district == district)
    if service_name:
        stmt = stmt.where(
            Clinic.id.in_(
                select(Service.clinic_id).where(Service.active.is_(True), named_alike(Service.name_key, service_name))
            )
        )
    # Every typed word in the English or the Urdu name, in any order (portal.bilingual.holds_words).
    stmt = stmt.where(*holds_words(q, Clinic.search_text))
    # By the name the reader sees: in Urdu, in Urdu alphabetical order (portal.bilingual.shown_order).
    stmt = stmt.order_by(*shown_order(Clinic.name, Clinic.name_ur, Clinic.id))
    return db.paginate(stmt, page=page, per_page=10, error_out=False)


def service_names() -> list[tuple[str, str | None]]:
    """The services offered somewhere, as (English name, an Urdu name given for it or None), one for
    each name people tell apart (``Service.name_key``: "General OPD" and "General  opd" are one): the
    service filter finds every service of that name, and shows the Urdu one on Urdu pages, in the
    order of the name shown."""
    name, name_ur = func.min(Service.name), func.max(Service.name_ur)
    return [
        (listed_name(name), name_ur)
        for name, name_ur in db.session.execute(
            select(name, name_ur)
            .join(Clinic)
            .where(Service.active.is_(True), Clinic.active.is_(True))
            .group_by(plain_key_of(Service.name_key))
            .order_by(*shown_order(name, name_ur))
        )
    ]


def get_clinic(clinic_id: int) -> Clinic:
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or not clinic.active:
        raise NotFound()
    return clinic


def get_service(service_id: int, fresh: bool = False) -> Service:
    """The active service of an active clinic, else NotFound. ``fresh`` reads it again even when the
    session holds it (a booking reads it after taking the service's lock, see hold_service)."""
    # The clinic and the weekly hours in the same query: every page about a service needs both.
    service = db.session.get(
        Service,
        service_id,
        options=[joinedload(Service.clinic), joinedload(Service.hours)],
        populate_existing=fresh,
    )
    if service is None or not service.active or not service.clinic.active:
        raise NotFound()
    return service


def active_services(clinic: Clinic) -> list[Service]:
    """The clinic's open services, in the order of the names the reader sees."""
    return [s for s in shown_sorted(clinic.services, Service.shown_name) if s.active]


def next_free_dates(clinics: list[Clinic], service_name: str | None = None) -> dict[int, date | None]:
    """Each clinic's first day with a free place in any of its services, or only in the services
    called ``service_name`` when the search asked for one (a person looking for dental care is not
    helped by tomorrow's free general OPD). Two queries for the lot."""
    key = None if service_name is None else name_key(service_name)
    offered = {
        clinic.id: [s for s in active_services(clinic) if key is None or plain_key(s.name_key) == key]
        for clinic in clinics
    }
    by_service = schedule.next_free_dates([s for chosen in offered.values() for s in chosen])
    answer = {}
    for clinic in clinics:
        dates = [by_service[s.id] for s in offered[clinic.id] if by_service[s.id] is not None]
        answer[clinic.id] = min(dates) if dates else None
    return answer


# --- booking -----------------------------------------------------------------------------------

# Lock order (PostgreSQL; SQLite writers are one at a time, see begin_write, and the clauses compile to
# nothing there). Every writer takes the rows it locks in this order, so no two wait for each other:
#   1. the clinic's row, FOR NO KEY UPDATE: the counter (register_walk_in) and a clinic's own edit
#      (admin.save_clinic); it does not block the key-share locks of foreign keys (a booking's insert);
#   2. service rows: a booking, a move or a walk-in holds its service FOR KEY SHARE (hold_service)
#      from before it reads the service's rules until it commits; a schedule change (closure, hours,
#      the service or the clinic edited) holds every service it changes FOR UPDATE, in id order, from
#      before it changes anything (admin._lock_services). So a booking either commits before the change
#      reads the bookings it cancels (and is cancelled) or reads the rules once the change has
#      committed (and is refused, or takes the new number of places);
#   3. appointments (FOR UPDATE; several: by start time, then id, admin._upcoming_booked);
#   4. slots: one, or two for a move, in the order of their start times (reschedule).
SERVICE_HELD = {"read": True, "key_share": True}  # FOR KEY SHARE: bookings of one service never wait for each other


def hold_service(service_id: int, user: User | None = None, token: str | None = None) -> Appointment | None:
    """Hold the service's row FOR KEY SHARE until the transaction ends (see the lock order above), and
    in the same statement find the user's booking made by the form carrying ``token`` (find_by_token),
    which is returned: the booking path sends no statement more than before. Read the service's rules
    (get_service(fresh=True)) only after this: on PostgreSQL a statement that waited for the lock sees
    the other rows as they were when it started."""
    stmt = select(Service.id).where(Service.id == service_id).with_for_update(of=Service, **SERVICE_HELD)
    if user is None or not token:
        db.session.execute(stmt)
        return None
    stmt = stmt.add_columns(Appointment).outerjoin(
        Appointment, and_(Appointment.submission_token == token, Appointment.user_id == user.id)
    )
    row = db.session.execute(stmt).first()
    return row[1] if row is not None else None


def check_bookable(service: Service, starts_at: datetime) -> None:
    """Raise the first rule that stops a booking of ``service`` at ``starts_at``."""
    if not (service.active and service.clinic.active):
        raise NotBookable()
    now = clock.now()
    if starts_at <= now:
        raise InPast()
    earliest, last_day = schedule.booking_window(service)
    if starts_at < earliest:
        raise TooSoon(hours=service.min_notice_hours)
    day = schedule.karachi_date(starts_at)
    if day > last_day:
        raise BeyondHorizon(days=service.horizon_days)
    closure = schedule.closed_days(service, day, day).get(day)
    if closure is not None:
        raise ClosedDay.because(closure.shown_reason)
    if starts_at not in schedule.day_starts(service, day, set()):
        raise OutsideHours()


def check_free(service: Service, starts_at: datetime) -> None:
    """Raise SlotFull when no place is left at ``starts_at`` now: what a booking would find, said when
    the form opens rather than after the click. (Only a hint: the booking itself decides, take_place.)"""
    if service.places_per_slot < 1:
        raise SlotFull()
    full = db.session.scalar(
        select(Slot.id).where(Slot.service_id == service.id, Slot.starts_at == starts_at, Slot.booked >= Slot.capacity)
    )
    if full is not None:
        raise SlotFull()


def _upsert():
    """INSERT … ON CONFLICT of this database (PostgreSQL and SQLite spell it the same way)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def take_place(service: Service, starts_at: datetime) -> int:
    """Take one place at ``starts_at`` in one statement, and return the slot's id.

    The slot is created with this first place taken, or, when it exists, its counter goes up only while
    it is below capacity: PostgreSQL locks the existing row and checks the condition on its latest
    version, SQLite writers are serialised (BEGIN IMMEDIATE). No row back means the slot is full:
    raises SlotFull.
    """
    if service.places_per_slot < 1:
        raise SlotFull()
    slots = Slot.__table__
    statement = (
        _upsert()(slots)
        .values(
            service_id=service.id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=service.slot_minutes),
            capacity=service.places_per_slot,
            booked=1,
        )
        .on_conflict_do_update(
            index_elements=["service_id", "starts_at"],
            set_={"booked": slots.c.booked + 1},
            where=slots.c.booked < slots.c.capacity,
        )
        .returning(slots.c.id)
    )
    slot_id = db.session.execute(statement).scalar()
    if slot_id is None:
        raise SlotFull()
    return slot_id


def slot_capacity(booked, places):
    """The capacity a slot with ``booked`` people has when its service offers ``places``: the places,
    or more while more people than that are booked (they keep their appointments after the service
    offered fewer places). SQL's greatest(), written as a CASE that SQLite and PostgreSQL both know."""
    return case((booked > places, booked), else_=places)


def release_place(slot_id: int | None) -> None:
    """Free one place of the slot. A slot left with more capacity than its service now offers (places
    were lowered while it was booked) comes down with it, never below the people still booked."""
    if slot_id is None:
        return
    places = select(Service.places_per_slot).where(Service.id == Slot.service_id).scalar_subquery()
    db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1, capacity=slot_capacity(Slot.booked - 1, places))
        .execution_options(synchronize_session=False)
    )


def active_key(service_id: int, user_id: int, dependant_id: int | None) -> str:
    return f"{service_id}:{user_id}:{dependant_id or 0}"


def _new_reference() -> str:
    for _attempt in range(10):
        reference = refs.new_reference("H")
        if not db.session.scalar(select(Appointment.id).where(Appointment.reference == reference)):
            return reference
    raise RuntimeError("could not find a free reference")


REFERENCE_ATTEMPTS = 5


def new_arrival_code() -> str:
    return refs.random_code(4)


def find_by_token(user: User, token: str | None) -> Appointment | None:
    if not token:
        return None
    return db.session.scalar(
        select(Appointment).where(Appointment.submission_token == token, Appointment.user_id == user.id)
    )


def book_slot(
    user: User,
    service_id: int,
    starts_at: datetime,
    dependant_id: int | None = None,
    submission_token: str | None = None,
) -> Appointment:
    """Book one place for the user (or one of their family members) and queue the confirmation.

    A second call with the same ``submission_token`` returns the first booking. Raises InPast,
    TooSoon, BeyondHorizon, ClosedDay, OutsideHours, NotBookable, AlreadyBooked or SlotFull.
    """
    begin_write()
    existing = hold_service(service_id, user, submission_token)
    if existing is not None:
        return existing
    service = get_service(service_id, fresh=True)  # after the lock: its rules and places as they are now
    dependant = get_dependant(user, dependant_id, for_booking=True) if dependant_id else None
    check_bookable(service, starts_at)
    key = active_key(service.id, user.id, dependant.id if dependant else None)
    name = dependant.full_name if dependant else user.full_name
    current = db.session.scalar(select(Appointment).where(Appointment.active_key == key))
    if current is not None:
        if current.starts_at is None or current.starts_at > clock.now():
            raise AlreadyBooked(appointment=current, name=name, ref=current.reference)
        # A booking whose time has passed without a status no longer counts as upcoming.
        current.active_key = None
    slot_id = take_place(service, starts_at)
    appointment = Appointment(
        reference=refs.new_reference("H"),
        arrival_code=new_arrival_code(),
        user_id=user.id,
        dependant_id=dependant.id if dependant else None,
        clinic_id=service.clinic_id,
        service_id=service.id,
        slot_id=slot_id,
        starts_at=starts_at,
        visit_date=schedule.karachi_date(starts_at),
        status=STATUS_BOOKED,
        active_key=key,
        submission_token=submission_token or None,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    _insert_appointment(appointment, name)
    _notify_booked(appointment)
    return appointment


def _insert_appointment(appointment: Appointment, name: str) -> None:
    """Insert a new booking in a savepoint; the unique constraints settle what the checks before could
    not: the same form posted twice at once, the same person booked twice at once (PostgreSQL), or
    (about once in a million bookings) a reference that is already taken, which is drawn again."""
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.add(appointment)
            return
        except IntegrityError:
            token = appointment.submission_token
            if token and db.session.scalar(select(Appointment.id).where(Appointment.submission_token == token)):
                raise DuplicateSubmission(token) from None
            if not db.session.scalar(select(Appointment.id).where(Appointment.reference == appointment.reference)):
                raise AlreadyBooked(name=name, ref="—") from None
            appointment.reference = refs.new_reference("H")
    raise RuntimeError("could not find a free reference")


def _when(appointment: Appointment) -> str:
    if appointment.starts_at is None:
        return _("today, queue token %(number)s", number=appointment.queue_number)
    comma = "،" if str(get_locale()) == "ur" else ","  # Urdu's own comma in an Urdu message
    return format_datetime(appointment.starts_at, f"EEEE d MMMM y{comma} h:mm a")


def _where(appointment: Appointment) -> str:
    """The clinic and its address, for the messages a person acts on (the booking and the reminder the
    day before): "Mayo Hospital OPD (Hospital Road, Lahore)", in the message's language."""
    clinic = appointment.clinic
    address = (clinic.shown_address or "").strip()
    return f"{clinic.shown_name} ({address})" if address else clinic.shown_name


def _notify_booked(appointment: Appointment) -> None:
    notify(
        appointment.user,
        subject=_l("Appointment booked"),
        body=lambda: _(
            "Your appointment %(ref)s for %(name)s: %(service)s at %(clinic)s, %(when)s. "
            "Show arrival code %(code)s at the counter.",
            ref=appointment.reference,
            name=appointment.patient_name,
            service=appointment.service.shown_name,
            clinic=_where(appointment),
            when=_when(appointment),
            code=appointment.arrival_code,
        ),
        channels=CHANNELS,
    )


PAST_SHOWN = 20


def my_appointments(user: User, past_limit: int = PAST_SHOWN) -> tuple[list[Appointment], list[Appointment], bool]:
    """(upcoming, the ``past_limit`` most recent past or cancelled, whether there are older ones) of the
    user and their family members. Two bounded queries: a long history never slows the page."""
    today = clock.today()
    options = (joinedload(Appointment.service), joinedload(Appointment.clinic), joinedload(Appointment.dependant))
    order = (Appointment.visit_date.desc(), Appointment.starts_at.desc(), Appointment.id.desc())
    # Everything that may still be upcoming: not cancelled, from today on (a handful per person).
    current = db.session.scalars(
        select(Appointment)
        .where(Appointment.user_id == user.id, Appointment.visit_date >= today, Appointment.status != STATUS_CANCELLED)
        .options(*options)
        .order_by(*order)
    ).all()
    upcoming, past = [], []
    for row in current:
        (upcoming if is_upcoming(row) else past).append(row)
    upcoming.reverse()  # soonest first
    older = db.session.scalars(
        select(Appointment)
        .where(
            Appointment.user_id == user.id,
            (Appointment.visit_date < today) | (Appointment.status == STATUS_CANCELLED),
        )
        .options(*options)
        .order_by(*order)
        .limit(past_limit + 1)
    ).all()
    past = sorted(past + list(older), key=_newest_first)
    return upcoming, past[:past_limit], len(past) > past_limit


def _newest_first(appointment: Appointment):
    starts = appointment.starts_at.timestamp() if appointment.starts_at else 0.0
    return (-appointment.visit_date.toordinal(), -starts, -appointment.id)


def get_own_appointment(user: User, reference: str, lock: bool = False) -> Appointment:
    """The user's appointment with this reference; NotFound for anyone else's."""
    stmt = (
        select(Appointment)
        .where(Appointment.reference == refs.normalise_reference(reference), Appointment.user_id == user.id)
        # Every page and message about an appointment names its service and clinic.
        .options(joinedload(Appointment.service), joinedload(Appointment.clinic))
    )
    if lock:
        stmt = stmt.with_for_update(of=Appointment).execution_options(populate_existing=True)
    appointment = db.session.scalar(stmt)
    if appointment is None:
        raise NotFound()
    return appointment


def own_bookings_at(user: User, service_id: int, starts_at: datetime) -> list[Appointment]:
    """The user's and their family's bookings of ``service_id`` at ``starts_at`` that still stand: what
    a full time is full of when the person took its last place themselves (the back button after booking)."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.user_id == user.id,
                Appointment.service_id == service_id,
                Appointment.starts_at == starts_at,
                Appointment.status == STATUS_BOOKED,
            )
            .options(joinedload(Appointment.dependant))
            .order_by(Appointment.id)
        )
    )


def is_upcoming(appointment: Appointment) -> bool:
    """Whether the visit is still to come: booked for a time ahead, or a queue token of today or later
    still waiting its turn. Only then are its arrival code and calendar entry of any use."""
    if appointment.starts_at is None:
        return appointment.status == STATUS_ARRIVED and appointment.visit_date >= clock.today()
    return appointment.status == STATUS_BOOKED and appointment.starts_at > clock.now()


def can_change(appointment: Appointment) -> bool:
    """Whether the citizen may still cancel or reschedule (booked, upcoming, before the cut-off)."""
    return why_unchangeable(appointment) is None


def why_unchangeable(appointment: Appointment) -> DomainError | None:
    """Why the citizen can no longer cancel or move this appointment (the error to show), or None
    when they still can: cancelled, over (attended, missed or its time passed), or past the cut-off."""
    if appointment.status == STATUS_CANCELLED:
        return AppointmentCancelled()
    if appointment.status != STATUS_BOOKED or appointment.starts_at is None or appointment.starts_at <= clock.now():
        return AppointmentOver()
    cutoff = appointment.starts_at - timedelta(hours=appointment.service.cancel_cutoff_hours)
    if clock.now() >= cutoff:
        return PastCutoff(hours=appointment.service.cancel_cutoff_hours)
    return None


def _check_changeable(appointment: Appointment) -> None:
    refusal = why_unchangeable(appointment)
    if refusal is not None:
        raise refusal


def mark_cancelled(
    appointment: Appointment,
    reason: str | None,
    by_clinic: bool,
    reason_ur: str | None = None,
    walk_in_waiting: bool = False,
) -> None:
    """Cancel a booked appointment and free its place in the same transaction; ``reason_ur`` is the
    reason in Urdu when there is one (shown to Urdu readers instead of ``reason``). With
    ``walk_in_waiting`` a walk-in not yet seen (``Appointment.waiting_walk_in``) may be cancelled too:
    an entry the clinic made by mistake. Raises NotCancellable for anything else."""
    if appointment.status != STATUS_BOOKED and not (walk_in_waiting and appointment.waiting_walk_in):
        raise NotCancellable()
    appointment.status = STATUS_CANCELLED
    appointment.active_key = None
    appointment.cancelled_reason, appointment.cancelled_reason_ur = reason, reason_ur
    appointment.cancelled_by_clinic = by_clinic
    appointment.cancelled_at = clock.now()
    appointment.revision += 1  # its calendar file now cancels the event (calendar.appointment_ics)
    release_place(appointment.slot_id)
    db.session.flush()


def cancel(user: User, reference: str) -> Appointment:
    """The citizen cancels before the cut-off; the place is free for others at once."""
    begin_write()
    appointment = get_own_appointment(user, reference, lock=True)
    _check_changeable(appointment)
    mark_cancelled(appointment, None, by_clinic=False)
    notify(
        appointment.user,
        subject=_l("Appointment cancelled"),
        body=lambda: _(
            "Your appointment %(ref)s for %(name)s (%(service)s at %(clinic)s, %(when)s) is cancelled.",
            ref=appointment.reference,
            name=appointment.patient_name,
            service=appointment.service.shown_name,
            clinic=appointment.clinic.shown_name,
            when=_when(appointment),
        ),
        channels=CHANNELS,
    )
    return appointment


def check_movable(appointment: Appointment, new_starts_at: datetime) -> None:
    """Raise the first rule that stops moving ``appointment`` to ``new_starts_at``: the appointment can
    no longer be changed, the time is its own already, the time is not bookable (check_bookable)."""
    _check_changeable(appointment)
    if new_starts_at == appointment.starts_at:
        raise OutsideHours(_l("This is already the time of your appointment."))
    check_bookable(appointment.service, new_starts_at)


def reschedule(user: User, reference: str, new_starts_at: datetime) -> Appointment:
    """Move a booking to another time of the same service, atomically.

    One place is taken and the other freed in the order of their times; if the new time is full
    (SlotFull) or not allowed, nothing changes (the caller rolls back).
    """
    begin_write()
    # The service first, then the booking (the lock order above): its rules are read after both.
    db.session.execute(
        select(Service.id)
        .join(Appointment, Appointment.service_id == Service.id)
        .where(Appointment.reference == refs.normalise_reference(reference), Appointment.user_id == user.id)
        .with_for_update(of=Service, **SERVICE_HELD)
    )
    appointment = get_own_appointment(user, reference, lock=True)
    check_movable(appointment, new_starts_at)
    service = appointment.service
    old_slot_id, old_when = appointment.slot_id, _when(appointment)
    # The two slots in the order of their times, as every move takes them: two people swapping times
    # at once queue instead of each holding the slot the other waits for. Freeing the old place first
    # is safe: a full new time raises SlotFull and the caller rolls back.
    if appointment.starts_at < new_starts_at:
        release_place(old_slot_id)
        new_slot_id = take_place(service, new_starts_at)
    else:
        new_slot_id = take_place(service, new_starts_at)
        release_place(old_slot_id)
    appointment.slot_id = new_slot_id
    appointment.starts_at = new_starts_at
    appointment.visit_date = schedule.karachi_date(new_starts_at)
    appointment.updated_at = clock.now()
    appointment.revision += 1  # a calendar app takes the moved time only from a higher SEQUENCE
    db.session.flush()
    notify(
        appointment.user,
        subject=_l("Appointment moved"),
        body=lambda: _(
            "Your appointment %(ref)s for %(name)s (%(service)s at %(clinic)s) has moved from %(old)s to %(new)s. "
            "Your arrival code is still %(code)s.",
            ref=appointment.reference,
            name=appointment.patient_name,
            service=service.shown_name,
            clinic=appointment.clinic.shown_name,
            old=old_when,
            new=_when(appointment),
            code=appointment.arrival_code,
        ),
        channels=CHANNELS,
    )
    return appointment


def upcoming_for_service(user: User, service_id: int) -> dict[int, Appointment]:
    """The user's and their family's upcoming appointments for ``service_id`` (the one each may hold:
    a new booking for them would be refused as AlreadyBooked), keyed as ``booking_people`` (0 = the
    user). One statement on the person's own rows."""
    now = clock.now()
    found = db.session.scalars(
        select(Appointment).where(
            Appointment.user_id == user.id, Appointment.service_id == service_id, Appointment.active_key.is_not(None)
        )
    )
    return {
        appointment.dependant_id or 0: appointment
        for appointment in found
        if appointment.starts_at is None or appointment.starts_at > now
    }


def booking_people(user: User) -> list[tuple[int, str]]:
    """Choices for "who is the appointment for": 0 = the user, else a family member's id."""
    # user.dependants: the family members on the account now (the relationship leaves out removed ones).
    return [(dependant_id or 0, label) for dependant_id, label in people_labels(user, kin=True).items()]


# --- reminders ---------------------------------------------------------------------------------


def _reminder_key(appointment: Appointment) -> str:
    """One reminder per appointment and time: a moved appointment is reminded again for its new time."""
    at = appointment.starts_at.astimezone(clock.KARACHI).strftime("%H%M") if appointment.starts_at else "queue"
    return f"health-reminder-{appointment.id}-{appointment.visit_date:%Y%m%d}-{at}"


# Reminders are queued (and so sent) in the daytime the day before the visit, Karachi time: from 09:00,
# and none from 21:00, so that the first run after midnight no longer texts everyone with a visit the
# next day. An appointment for tomorrow booked (or moved) after 21:00 gets no reminder: its confirmation
# came minutes or hours before and says everything the reminder would.
REMINDERS_FROM = time(9)
REMINDERS_UNTIL = time(21)


def queue_reminders(now: datetime) -> int:
    """Between REMINDERS_FROM and REMINDERS_UNTIL (Karachi), queue a reminder for every booked
    appointment tomorrow; never twice for the same appointment at the same time, once more when it has
    moved to another time."""
    local = now.astimezone(clock.KARACHI)
    if not REMINDERS_FROM <= local.time() < REMINDERS_UNTIL:
        return 0
    begin_write()
    tomorrow = local.date() + timedelta(days=1)
    count = 0
    rows = db.session.scalars(
        select(Appointment).where(Appointment.status == STATUS_BOOKED, Appointment.visit_date == tomorrow)
    ).all()
    for appointment in rows:
        created = notify(
            appointment.user,
            subject=_l("Appointment tomorrow"),
            body=lambda a=appointment: _(
                "Reminder: %(name)s has %(service)s at %(clinic)s, %(when)s (ref %(ref)s, arrival code "
                "%(code)s). If you cannot come, please cancel so someone else can have the place.",
                name=a.patient_name,
                service=a.service.shown_name,
                clinic=_where(a),
                when=_when(a),
                ref=a.reference,
                code=a.arrival_code,
            ),
            channels=CHANNELS,
            dedupe_key=_reminder_key(appointment),
        )
        if created:
            count += 1
    return count


register_reminder_hook(queue_reminders)


def _appointments_to_cancel(dependant: Dependant) -> list[Appointment]:
    """A family member's booked appointments that the account holder can still cancel (``can_change``:
    the time is ahead and its cut-off not passed), soonest first. One past its cut-off, or a queue
    token, is not among them: only the clinic can end it now, so it does not keep the member on the
    account (their records stay: removal only marks them removed)."""
    found = db.session.scalars(
        select(Appointment)
        .where(
            Appointment.user_id == dependant.user_id,  # the account's appointments, by index
            Appointment.dependant_id == dependant.id,
            Appointment.visit_date >= clock.today(),
            Appointment.status == STATUS_BOOKED,
        )
        .options(joinedload(Appointment.service).joinedload(Service.clinic))
        .order_by(Appointment.visit_date, Appointment.starts_at, Appointment.id)
    )
    return [a for a in found if can_change(a)]


def has_appointment_ahead(dependant: Dependant) -> bool:
    """Whether a family member has an appointment ahead that the account holder can still cancel."""
    return bool(_appointments_to_cancel(dependant))


if has_appointment_ahead not in COMMITMENT_CHECKS:
    COMMITMENT_CHECKS.append(has_appointment_ahead)


def appointments_ahead(dependant: Dependant) -> list[Commitment]:
    """The appointments ``has_appointment_ahead`` looks for, as the page refusing a removal lists them,
    each with a link to the page that cancels it (which accepts it: ``can_change``)."""
    return [
        Commitment(
            what=_("%(service)s at %(clinic)s", service=a.service.shown_name, clinic=a.service.clinic.shown_name),
            day=a.visit_date,
            reference=a.reference,
            endpoint="health.cancel",
            action=_("Cancel this appointment"),
        )
        for a in _appointments_to_cancel(dependant)
    ]


if appointments_ahead not in COMMITMENT_LISTS:
    COMMITMENT_LISTS.append(appointments_ahead)


def _clinic_name(clinic_id: int) -> str | None:
    row = db.session.execute(select(Clinic.name, Clinic.name_ur).where(Clinic.id == clinic_id)).first()
    return in_language(*row) if row else None


def _clinics_named(text: str, limit: int = 6) -> list[tuple[int, str]]:
    """Clinics (active or not) whose English or Urdu name holds every word of ``text``."""
    stmt = select(Clinic.id, Clinic.name, Clinic.name_ur).where(*holds_words(text, Clinic.search_text))
    rows = db.session.execute(stmt.order_by(*shown_order(Clinic.name, Clinic.name_ur, Clinic.id)).limit(limit)).all()
    return [(row.id, in_language(row.name, row.name_ur)) for row in rows]


SCOPE_RESOLVERS["clinic_admin"] = _clinic_name
SCOPE_FINDERS["clinic_admin"] = _clinics_named


def _appointments_named(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each appointment: its reference and whom it is for."""
    stmt = (
        select(Appointment)
        .where(Appointment.id.in_(ids))
        .options(joinedload(Appointment.user), joinedload(Appointment.dependant))
    )
    return {a.id: RecordName(a.reference, (a.patient_name,), code=True) for a in db.session.scalars(stmt)}


def _clinics_named_for_log(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each clinic: its name in the reader's language, and its district."""
    rows = db.session.execute(select(Clinic.id, Clinic.name, Clinic.name_ur, Clinic.district).where(Clinic.id.in_(ids)))
    return {row.id: RecordName(in_language(row.name, row.name_ur), (district_label(row.district),)) for row in rows}


def _services_named(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each service: its name, and its clinic's (several clinics have a "General OPD")."""
    rows = db.session.execute(
        select(
            Service.id, Service.name, Service.name_ur, Clinic.name.label("clinic"), Clinic.name_ur.label("clinic_ur")
        )
        .join(Clinic, Clinic.id == Service.clinic_id)
        .where(Service.id.in_(ids))
    )
    return {
        row.id: RecordName(in_language(row.name, row.name_ur), (in_language(row.clinic, row.clinic_ur),))
        for row in rows
    }


def _closures_named(ids: set[int]) -> dict[int, RecordName]:
    """The audit log's name of each closure: its clinic, and the service closed or the whole clinic (its
    days are in the event's details)."""
    rows = db.session.execute(
        select(
            Closure.id, Clinic.name, Clinic.name_ur, Service.name.label("service"), Service.name_ur.label("service_ur")
        )
        .join(Clinic, Clinic.id == Closure.clinic_id)
        .outerjoin(Service, Service.id == Closure.service_id)
        .where(Closure.id.in_(ids))
    )
    return {
        row.id: RecordName(
            in_language(row.name, row.name_ur),
            (in_language(row.service, row.service_ur) if row.service else _("The whole clinic"),),
        )
        for row in rows
    }


RECORD_NAMERS[Appointment.__tablename__] = _appointments_named
RECORD_NAMERS[Clinic.__tablename__] = _clinics_named_for_log
RECORD_NAMERS[Service.__tablename__] = _services_named
RECORD_NAMERS[Closure.__tablename__] = _closures_named


def _register_demo_seeder() -> None:
    from portal.demo.seed import DOMAIN_SEEDERS
    from portal.health.demo import seed_health

    if seed_health not in DOMAIN_SEEDERS:
        DOMAIN_SEEDERS.append(seed_health)


_register_demo_seeder()
