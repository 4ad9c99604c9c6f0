"""Which start times a service offers: weekly hours minus breaks and closures, in Karachi time.

Pure functions over loaded rows plus two small queries; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from portal import clock
from portal.clock import KARACHI
from portal.extensions import db
from portal.health.models import Closure, Service, Slot, WeeklyHours

DAY_OPEN = "open"
DAY_FULL = "full"  # every place at the times still bookable is taken
DAY_TOO_LATE = "too_late"  # open, but every start time has passed or is inside the notice period
DAY_CLOSED = "closed"
DAY_PAST = "past"  # before today
DAY_NOT_YET = "not_yet"  # after the booking horizon: not open for booking yet


def karachi_datetime(day: date, at: time) -> datetime:
    """The UTC instant of a Karachi wall-clock time (Pakistan keeps no daylight saving)."""
    return datetime.combine(day, at, tzinfo=KARACHI).astimezone(UTC)


def karachi_date(instant: datetime) -> date:
    return instant.astimezone(KARACHI).date()


def starts_in_hours(hours: WeeklyHours, day: date, slot_minutes: int) -> list[datetime]:
    """Start times within one opening range on ``day``; a slot must end by closing and not touch the break."""
    length = timedelta(minutes=slot_minutes)
    out = []
    cursor = datetime.combine(day, hours.start)
    end = datetime.combine(day, hours.end)
    b_start = datetime.combine(day, hours.break_start) if hours.break_start else None
    b_end = datetime.combine(day, hours.break_end) if hours.break_end else None
    while cursor + length <= end:
        if b_start and b_end and cursor < b_end and cursor + length > b_start:
            cursor = b_end  # restart the grid after the break
            continue
        out.append(cursor.replace(tzinfo=KARACHI).astimezone(UTC))
        cursor += length
    return out


def closed_days(service: Service, first: date, last: date) -> dict[date, Closure]:
    """The days from ``first`` to ``last`` on which ``service`` is closed, each with its closure (the
    first one made, when two cover the day): its reason is what a person is told."""
    rows = db.session.scalars(
        select(Closure)
        .where(
            Closure.clinic_id == service.clinic_id,
            or_(Closure.service_id.is_(None), Closure.service_id == service.id),
            Closure.start_date <= last,
            Closure.end_date >= first,
        )
        .order_by(Closure.id)
    ).all()
    days: dict[date, Closure] = {}
    for row in rows:
        day = max(row.start_date, first)
        while day <= min(row.end_date, last):
            days.setdefault(day, row)
            day += timedelta(days=1)
    return days


def day_starts(service: Service, day: date, closed: Container[date] | None = None) -> list[datetime]:
    """Every start time of ``service`` on the Karachi date ``day`` (UTC instants), ignoring bookings."""
    if closed is None:
        closed = closed_days(service, day, day)
    if day in closed:
        return []
    starts: list[datetime] = []
    for hours in service.hours:
        if hours.weekday == day.weekday():
            starts.extend(starts_in_hours(hours, day, service.slot_minutes))
    return sorted(set(starts))


def fits_schedule(service: Service, starts_at: datetime) -> bool:
    """Whether an existing booking still matches the service's current rules."""
    if not (service.active and service.clinic.active):
        return False
    return starts_at in day_starts(service, karachi_date(starts_at))


@dataclass
class TimeChoice:
    starts_at: datetime
    free: int
    current: bool = False  # the time of the appointment being moved: shown, not offered


@dataclass
class DayAvailability:
    day: date
    status: str
    free: int = 0
    times: list[TimeChoice] = field(default_factory=list)
    closure: Closure | None = None  # why a closed day is closed, when a closure closes it
    passed: bool = False  # too late because every start time has passed (not only the notice period)


def booking_window(service: Service) -> tuple[datetime, date]:
    """(earliest start allowed by the notice period, last Karachi date inside the horizon)."""
    now = clock.now()
    return now + timedelta(hours=service.min_notice_hours), clock.today() + timedelta(days=service.horizon_days)


def availability(service: Service, first: date | None = None, last: date | None = None) -> list[DayAvailability]:
    """The booking horizon day by day: open (with free places and times), full, too late or closed.

    Full says people have taken every place at the times still bookable; too late says no time of the
    day can be booked any more, whether or not anyone booked (today once its last time is within the
    notice period or has passed, tomorrow too with a notice longer than the hours left today). Both
    depend on the time of day: a page showing them is shared for seconds only (portal.pagecache)."""
    earliest, horizon_last = booking_window(service)
    first = max(first or clock.today(), clock.today())
    last = min(last or horizon_last, horizon_last)
    if last < first or not (service.active and service.clinic.active):
        return []
    closed = closed_days(service, first, last)
    taken = {
        slot.starts_at: slot.capacity - slot.booked
        for slot in db.session.scalars(
            select(Slot).where(
                Slot.service_id == service.id,
                Slot.starts_at >= karachi_datetime(first, time(0)),
                Slot.starts_at < karachi_datetime(last + timedelta(days=1), time(0)),
            )
        )
    }
    days = []
    day = first
    while day <= last:
        starts = day_starts(service, day, closed)
        if not starts:
            days.append(DayAvailability(day, DAY_CLOSED, closure=closed.get(day)))
        else:
            bookable = [start for start in starts if start >= earliest]
            times = []
            for start in bookable:
                free = taken.get(start, service.places_per_slot)
                if free > 0:
                    times.append(TimeChoice(start, free))
            if times:
                days.append(DayAvailability(day, DAY_OPEN, sum(t.free for t in times), times))
            elif bookable:
                days.append(DayAvailability(day, DAY_FULL))
            else:
                days.append(DayAvailability(day, DAY_TOO_LATE, passed=starts[-1] <= clock.now()))
        day += timedelta(days=1)
    return days


def day_availability(service: Service, day: date) -> DayAvailability | None:
    """One day's times, for any date a link or a person may ask for: inside the booking horizon open,
    full, too late or closed; outside it past (before today), closed (the clinic does not open that day) or not
    yet open for booking. None when the service takes no bookings at all."""
    if day < clock.today():
        return DayAvailability(day, DAY_PAST)
    found = availability(service, day, day)
    if found and found[0].day == day:
        return found[0]
    if not (service.active and service.clinic.active):
        return None
    closed = closed_days(service, day, day)
    if day in closed:
        return DayAvailability(day, DAY_CLOSED, closure=closed[day])  # for its reason, however far ahead
    if day_starts(service, day, closed) or day > booking_window(service)[1]:
        # Past the horizon "not open for booking yet" is what helps, even on a weekday the clinic does
        # not open: "closed on this day" sent people to another day just as far ahead.
        return DayAvailability(day, DAY_NOT_YET)
    return DayAvailability(day, DAY_CLOSED)


def with_current(available: DayAvailability | None, current: datetime | None) -> DayAvailability | None:
    """``available`` with ``current`` (the time of the appointment being moved) among its times, marked
    as the current one, when it falls on that open, full or too late day: the person sees where their
    booking is now, whether or not places are left at it, and cannot pick it as a new time."""
    if available is None or current is None or available.status not in (DAY_OPEN, DAY_FULL, DAY_TOO_LATE):
        return available
    if karachi_date(current) != available.day:
        return available
    times = [t for t in available.times if t.starts_at != current] + [TimeChoice(current, 0, current=True)]
    times.sort(key=lambda t: t.starts_at)
    return DayAvailability(available.day, available.status, available.free, times, passed=available.passed)


def next_free_date(service: Service) -> date | None:
    """The first Karachi date with a free place for ``service``, or None inside its horizon."""
    return next_free_dates([service]).get(service.id)


def next_free_dates(services: list[Service]) -> dict[int, date | None]:
    """The first day with a free place for each service, in two queries whatever the number of services:
    search pages ask this for every clinic they list. A start time is free unless its slot row is full
    (a start without a row has all its places), so only the full slots and the closures are read."""
    open_services = [s for s in services if s.active and s.clinic.active]
    answer: dict[int, date | None] = {s.id: None for s in services}
    if not open_services:
        return answer
    today = clock.today()
    last = max(booking_window(s)[1] for s in open_services)
    closures = db.session.execute(
        select(Closure.clinic_id, Closure.service_id, Closure.start_date, Closure.end_date).where(
            Closure.clinic_id.in_({s.clinic_id for s in open_services}),
            Closure.start_date <= last,
            Closure.end_date >= today,
        )
    ).all()
    full = set(
        db.session.execute(
            select(Slot.service_id, Slot.starts_at).where(
                Slot.service_id.in_([s.id for s in open_services]),
                Slot.starts_at >= karachi_datetime(today, time(0)),
                Slot.starts_at < karachi_datetime(last + timedelta(days=1), time(0)),
                Slot.booked >= Slot.capacity,
            )
        ).all()
    )
    for service in open_services:
        earliest, horizon_last = booking_window(service)
        closed = set()
        for clinic_id, service_id, start, end in closures:
            if clinic_id == service.clinic_id and service_id in (None, service.id):
                day = max(start, today)
                while day <= min(end, horizon_last):
                    closed.add(day)
                    day += timedelta(days=1)
        day = today
        while day <= horizon_last and answer[service.id] is None:
            for start in day_starts(service, day, closed):
                if start >= earliest and (service.id, start) not in full:
                    answer[service.id] = day
                    break
            day += timedelta(days=1)
    return answer
