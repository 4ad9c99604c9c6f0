"""The history of the places each service offers per weekday (``OfferedPlaces``), kept as the clinics
change what they offer, so that figures for a past period count what was offered then.

A version says how many places a service offered on each day of one weekday, from one Karachi date
(included) to another (excluded, NULL while in force). Whatever changes the places offered writes the
versions from the day of the change on (``record_offers``): a service created; weekly hours added, changed
(breaks included) or removed; slot length or places per slot changed; a service or its clinic made active
or inactive. Several changes on one day replace that day's version rather than stacking up one-day rows.
Every writer of those tables calls ``record_offers`` after its flush: portal.health.admin (save_clinic,
save_service, save_hours, delete_hours) and the demo seeders (portal.health.demo, portal.demo.generate).

``places_offered`` reads it back: the one count of places offered in a period, shared by the clinic admin's
counts (portal.health.admin.counts) and the officials' figures (portal.dashboard.services.offered_places),
so that the two say the same for the same clinic and days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update

from portal import clock
from portal.extensions import db
from portal.health.models import STATUS_CANCELLED, Appointment, Clinic, Closure, OfferedPlaces, Service, WeeklyHours

CHUNK = 500  # services per query, well under the databases' limits on bound parameters


def _minutes(t) -> int:
    return t.hour * 60 + t.minute


def starts_per_day(start, end, b_start, b_end, slot_minutes: int) -> int:
    """How many slots fit in one opening range (the grid restarts after the break), as health does."""
    if b_start and b_end and _minutes(b_start) < _minutes(b_end):
        before = max(0, (_minutes(b_start) - _minutes(start)) // slot_minutes)
        # A slot that would overlap the break is skipped and the grid restarts at the break's end.
        after = max(0, (_minutes(end) - max(_minutes(b_end), _minutes(start))) // slot_minutes)
        return before + after
    return max(0, (_minutes(end) - _minutes(start)) // slot_minutes)


def live_places(service_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Places each service offers per weekday according to the tables now: {(service id, weekday): places},
    only where it offers some (an inactive service, or one of an inactive clinic, offers none)."""
    ids = sorted(set(service_ids))
    out: dict[tuple[int, int], int] = defaultdict(int)
    for first in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(
                WeeklyHours.service_id,
                WeeklyHours.weekday,
                WeeklyHours.start,
                WeeklyHours.end,
                WeeklyHours.break_start,
                WeeklyHours.break_end,
                Service.slot_minutes,
                Service.places_per_slot,
            )
            .join(Service, Service.id == WeeklyHours.service_id)
            .join(Clinic, Clinic.id == Service.clinic_id)
            .where(
                WeeklyHours.service_id.in_(ids[first : first + CHUNK]),
                Service.active.is_(True),
                Clinic.active.is_(True),
            )
        ).all()
        for service_id, weekday, start, end, b_start, b_end, slot_minutes, places in rows:
            count = starts_per_day(start, end, b_start, b_end, slot_minutes) * places
            if count:
                out[(service_id, weekday)] += count
    return dict(out)


def record_offers(service_ids: Iterable[int], day: date | None = None) -> None:
    """From ``day`` (today by portal.clock when None) on, the services offer what the tables say now.

    For each service and weekday: versions starting on or after ``day`` are removed (a second change on
    one day replaces the first), the one in force on ``day`` ends there, and a new one starts on ``day``
    unless the places are none. Nothing is written when the version in force already says the same, and a
    version that ended on ``day`` with the same places is taken up again (a change undone the same day
    leaves the history as it was). Call it after the change is flushed; a few queries per CHUNK services,
    so that the demo seeder can record thousands at once."""
    day = day or clock.today()
    ids = sorted(set(service_ids))
    table = OfferedPlaces.__table__
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        # Two admins saving one service at once (two ranges of one day, say) would each end the version in
        # force and add their own, leaving two in force. On PostgreSQL the second waits here for the
        # first to commit, then reads its hours and versions (each statement sees what is committed).
        # FOR NO KEY UPDATE: the service row's key-share lock, taken by writing its hours, does not block
        # it, so two such writers queue instead of deadlocking. SQLite writers are one at a time already
        # (portal.database.begin_write) and leave FOR UPDATE out.
        db.session.execute(
            select(Service.id).where(Service.id.in_(chunk)).order_by(Service.id).with_for_update(key_share=True)
        )
        live = live_places(chunk)
        versions: dict[tuple[int, int], list] = defaultdict(list)
        for row in db.session.execute(
            select(
                table.c.id,
                table.c.service_id,
                table.c.weekday,
                table.c.valid_from,
                table.c.valid_to,
                table.c.places,
            ).where(
                table.c.service_id.in_(chunk),
                or_(table.c.valid_to.is_(None), table.c.valid_to >= day),
            )
        ):
            versions[(row.service_id, row.weekday)].append(row)
        removed: list[int] = []
        ended: list[dict] = []
        reopened: list[dict] = []
        added: list[dict] = []
        for service_id in chunk:
            for weekday in range(7):
                places = live.get((service_id, weekday), 0)
                rows = versions.get((service_id, weekday), [])
                in_force = [r for r in rows if r.valid_from <= day and (r.valid_to is None or r.valid_to > day)]
                later = [r for r in rows if r.valid_from > day]
                if not later and in_force and in_force[0].valid_to is None and in_force[0].places == places:
                    continue  # says the same already
                if not later and not in_force and not places and not any(r.valid_to is None for r in rows):
                    continue  # offered nothing, offers nothing
                earlier = None  # the version that ends on ``day``, when one does
                for row in rows:
                    if row.valid_from >= day:
                        removed.append(row.id)
                    elif row.valid_to is None or row.valid_to > day:
                        ended.append({"b_id": row.id, "b_to": day})
                        earlier = row
                    elif row.valid_to == day:
                        earlier = row
                if not places:
                    continue
                if earlier is not None and earlier.places == places:
                    ended[:] = [e for e in ended if e["b_id"] != earlier.id]
                    reopened.append({"b_id": earlier.id, "b_to": None})
                    continue
                added.append(
                    {
                        "service_id": service_id,
                        "weekday": weekday,
                        "valid_from": day,
                        "valid_to": None,
                        "places": places,
                    }
                )
        if removed:
            db.session.execute(delete(table).where(table.c.id.in_(removed)))
        for changes in (ended, reopened):
            if changes:
                db.session.execute(
                    update(table).where(table.c.id == bindparam("b_id")).values(valid_to=bindparam("b_to")),
                    changes,
                )
        if added:
            db.session.execute(insert(table), added)


def current_offers(service_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """The versions in force today, as ``live_places`` answers: {(service id, weekday): places}. The two
    agree whenever every change was recorded (the tests compare them over the demo data)."""
    ids = sorted(set(service_ids))
    today = clock.today()
    out: dict[tuple[int, int], int] = {}
    for first in range(0, len(ids), CHUNK):
        for service_id, weekday, places in db.session.execute(
            select(OfferedPlaces.service_id, OfferedPlaces.weekday, OfferedPlaces.places).where(
                OfferedPlaces.service_id.in_(ids[first : first + CHUNK]),
                OfferedPlaces.valid_from <= today,
                or_(OfferedPlaces.valid_to.is_(None), OfferedPlaces.valid_to > today),
            )
        ):
            out[(service_id, weekday)] = places
    return out


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _weekdays_between(first: date, stop: date) -> list[int]:
    """How many of each weekday (Monday = 0) fall from ``first`` (included) to ``stop`` (excluded)."""
    days = max(0, (stop - first).days)
    counts = [days // 7] * 7
    for n in range(days % 7):
        counts[(first.weekday() + n) % 7] += 1
    return counts


def places_offered(first: date, last: date, key=None, where=()) -> dict:
    """Places offered from ``first`` to ``last`` (Karachi dates, both included), summed by ``key`` (a column
    of Clinic or Service: Clinic.id, Clinic.district, Service.name) or, when None, under "all". ``where``:
    conditions on Clinic and Service that choose the services counted (Service.clinic_id == 7, say).

    Each day counts what was offered on that day (the versions in force that day), less the days a closure
    shut the clinic or the service. A change made today changes the count from today on, never a past
    day's; a day still to come counts the version in force now (versions never start after today), less
    the closures already planned for it. A service's day counts at least the places taken on it (places
    that were used were offered): a day whose offer was cut after some of its places were taken (hours
    cut or a closure added at 11:00) is never over 100 %. Three queries whatever the number of services:
    the versions overlapping the period, grouped by the days they hold (most share them), the versions
    the period's closures fall in, and the versions that began or ended within the period (the days
    changed during the day); and the places taken on those days, when there are any."""
    key_column = key if key is not None else Clinic.district
    stop = last + timedelta(days=1)
    conditions = [
        OfferedPlaces.valid_from <= last,
        or_(OfferedPlaces.valid_to.is_(None), OfferedPlaces.valid_to > first),
        *where,
    ]

    def versions(*columns):
        return (
            select(key_column, *columns)
            .select_from(OfferedPlaces)
            .join(Service, Service.id == OfferedPlaces.service_id)
            .join(Clinic, Clinic.id == Service.clinic_id)
        )

    out: dict = defaultdict(int)
    rows = db.session.execute(
        versions(
            OfferedPlaces.weekday, OfferedPlaces.valid_from, OfferedPlaces.valid_to, func.sum(OfferedPlaces.places)
        )
        .where(*conditions)
        .group_by(key_column, OfferedPlaces.weekday, OfferedPlaces.valid_from, OfferedPlaces.valid_to)
    ).all()
    for group_key, weekday, valid_from, valid_to, places in rows:
        start = max(_as_date(valid_from), first)
        end = min(_as_date(valid_to), stop) if valid_to is not None else stop
        out["all" if key is None else group_key] += int(places) * _weekdays_between(start, end)[weekday]
    # A day shut by a clinic's closure and by one of its service's own counts once.
    closed: dict[tuple[int, date], tuple] = {}
    for group_key, service_id, weekday, valid_from, valid_to, places, shut_from, shut_to in db.session.execute(
        versions(
            Service.id,
            OfferedPlaces.weekday,
            OfferedPlaces.valid_from,
            OfferedPlaces.valid_to,
            OfferedPlaces.places,
            Closure.start_date,
            Closure.end_date,
        )
        .join(
            Closure,
            and_(
                Closure.clinic_id == Service.clinic_id,
                or_(Closure.service_id.is_(None), Closure.service_id == Service.id),
            ),
        )
        .where(
            *conditions,
            Closure.start_date <= last,
            Closure.end_date >= first,
            OfferedPlaces.valid_from <= Closure.end_date,
            or_(OfferedPlaces.valid_to.is_(None), OfferedPlaces.valid_to > Closure.start_date),
        )
    ):
        start = max(_as_date(valid_from), _as_date(shut_from), first)
        end = min(_as_date(valid_to) if valid_to is not None else stop, _as_date(shut_to) + timedelta(days=1), stop)
        day = start + timedelta(days=(weekday - start.weekday()) % 7)
        while day < end:
            closed[(service_id, day)] = ("all" if key is None else group_key, places)
            day += timedelta(days=7)
    for group_key, places in closed.values():
        out[group_key] -= places
    # Places that were used were offered: each service's day counts at least the places taken on it. Only
    # a day whose offer changed during it can count fewer (a version starts or ends on it: hours cut,
    # a service or clinic closed at 11:00 while the morning's places stay taken; a closure added for a
    # day already begun), so only those days are read, with the places taken on them.
    day_offer: dict[tuple[int, date], tuple] = {}
    for group_key, service_id, weekday, valid_from, valid_to, places in db.session.execute(
        versions(
            Service.id,
            OfferedPlaces.weekday,
            OfferedPlaces.valid_from,
            OfferedPlaces.valid_to,
            OfferedPlaces.places,
        ).where(
            *where,
            or_(OfferedPlaces.valid_from.between(first, last), OfferedPlaces.valid_to.between(first, last)),
        )
    ):
        group = "all" if key is None else group_key
        began, ended = _as_date(valid_from), _as_date(valid_to) if valid_to is not None else None
        if first <= began <= last and began.weekday() == weekday:
            day_offer[(service_id, began)] = (group, int(places))  # the version in force that day
        if ended is not None and first <= ended <= last and ended.weekday() == weekday:
            day_offer.setdefault((service_id, ended), (group, 0))  # none, unless another starts that day
    for (service_id, day), (group_key, _places) in closed.items():
        day_offer[(service_id, day)] = (group_key, 0)
    for (service_id, day), taken in _places_taken(day_offer).items():
        group_key, places = day_offer[(service_id, day)]
        if taken > places:
            out[group_key] += taken - places
    return dict(out)


def _places_taken(days: dict[tuple[int, date], object]) -> dict[tuple[int, date], int]:
    """Places taken (an appointment in a slot, not cancelled: a queue token takes none) on each of these
    (service id, day), read by service and visit day from an index (ix_dash_appointments_service_date)."""
    if not days:
        return {}
    by_service: dict[int, set[date]] = defaultdict(set)
    for service_id, day in days:
        by_service[service_id].add(day)
    ids = sorted(by_service)
    out: dict[tuple[int, date], int] = {}
    for begin in range(0, len(ids), CHUNK):
        chunk = ids[begin : begin + CHUNK]
        wanted = {d for sid in chunk for d in by_service[sid]}
        rows = db.session.execute(
            select(Appointment.service_id, Appointment.visit_date, func.count())
            .where(
                Appointment.service_id.in_(chunk),
                Appointment.visit_date.in_(sorted(wanted)),
                Appointment.status != STATUS_CANCELLED,
                Appointment.slot_id.is_not(None),
            )
            .group_by(Appointment.service_id, Appointment.visit_date)
        )
        for service_id, day, count in rows:
            day = _as_date(day)
            if (service_id, day) in days:
                out[(service_id, day)] = int(count)
    return out
