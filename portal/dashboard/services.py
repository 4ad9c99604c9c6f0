"""Figures for officials: every aggregate is one SQL query with GROUP BY over the scoped rows.

Python only reshapes aggregated rows (a few per day, category or district) and expands the history of
places offered per weekday into the days of a period (portal.health.offered.places_offered, which the
clinic admin's counts read too), which is schedule data, not bookings.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from statistics import median

from flask import current_app
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.sql.util import find_tables

from portal import clock
from portal.auth.errors import NotFound
from portal.auth.models import Dependant, User
from portal.auth.services import OfficialScope
from portal.collation import english_order
from portal.districts import DISTRICT_NAMES
from portal.education.models import (  # CAPACITY_REFUSAL_REASON: refusals kept by enrol() and the demo data
    CAPACITY_REFUSAL_REASON,
    CATEGORIES,
    COMPLETED,
    DROPPED,
    ENROLLED,
    MOVED_REASON,
    PENDING,
    REJECTED,
    WAITLISTED,
    Certificate,
    Course,
    Enrolment,
    Institution,
    Section,
)
from portal.extensions import cache, db
from portal.health import schedule
from portal.health.models import (
    STATUS_ARRIVED,
    STATUS_BOOKED,
    STATUS_CANCELLED,
    STATUS_NO_SHOW,
    STATUS_SEEN,
    Appointment,
    Clinic,
    Service,
)
from portal.health.offered import places_offered
from portal.name_keys import listed_name, named_alike, plain_key_of
from portal.shared_cache import cache_failure
from portal.validation import typed_number

DEFAULT_PAST_DAYS = 30
MAX_RANGE_DAYS = 366
HEALTH_SERIES = ("booked", "seen", "no_show", "cancelled")
EDUCATION_SERIES = ("enrolled", "waitlisted", "pending", "other")
HOLDING = (STATUS_BOOKED, STATUS_ARRIVED, STATUS_SEEN, STATUS_NO_SHOW)
# A place taken: an appointment in a holding status that holds a slot. A walk-in's queue token (no slot,
# a queue number instead) is a visit, counted with the appointments, seen and no-shows, but takes none of
# the places the weekly hours offer: the clinic admin's own figure (health.admin.counts) counts the same.
# The slot is read from ix_dash_appointments_date_status (migration 0009), so the counts stay index-only.
HOLDS_PLACE = and_(Appointment.status.in_(HOLDING), Appointment.slot_id.is_not(None))
SEAT_HOLDERS = (ENROLLED, COMPLETED)
# An application that was given a seat, whatever became of it: a seat holder now, or one who left it. A
# seat given sets decided_at (a seat taken at once, an approval, a move up from the waitlist). An approval
# onto the waitlist sets it too, at the moment it was waitlisted: such a place, left later, never held a
# seat (nor does a place that waited and was dropped without an approval: no decided_at). A seat the
# school took back (reject of an enrolled place) keeps decided_at, and removed_at says when (0029).
HELD_A_SEAT = or_(
    Enrolment.status.in_(SEAT_HOLDERS),
    and_(
        Enrolment.status == DROPPED,
        Enrolment.decided_at.is_not(None),
        or_(Enrolment.waitlisted_at.is_(None), Enrolment.waitlisted_at < Enrolment.decided_at),
    ),
    and_(Enrolment.status == REJECTED, Enrolment.removed_at.is_not(None)),
)


# Officials read figures, not a live feed. Each aggregate is kept in the shared cache (Redis in
# production), keyed by the function and its arguments (the filters), and is fresh for a minute.
#
# In production a scheduled refresher (`flask dashboard refresh --every 10`, beside the app servers)
# recomputes the figures officials have looked at in the last FIGURES_WANTED_SECONDS once they are
# FIGURES_REFRESH_AFTER old, away from the web workers: no page request computes them, waits for them or
# slows behind a GROUP BY over a million appointments in its worker. Without the refresher (a demo, a
# development server) or when it falls behind, stale figures are recomputed by one request while everyone
# else is still served the previous figures, so that a room of officials never queues behind one query.
FIGURES_FRESH_SECONDS = 60
FIGURES_REFRESH_AFTER = 40
# What was done today is what a demo room watches for (a booking made on a phone a moment ago), and it is
# cheap (the day's rows, read from indexes): kept fresher, by the refresher and by requests alike.
ACTIVITY_FRESH_SECONDS = 30
ACTIVITY_REFRESH_AFTER = 10
FIGURES_WANTED_SECONDS = 600
FIGURES_KEPT_SECONDS = 3600
FIGURES_WAIT_SECONDS = 20
WANTED_INDEX_KEY = "dash:wanted"

# Every cached figure function by name, for the refresher (which finds the calls to repeat in the index).
_FIGURE_FUNCTIONS: dict[str, object] = {}


def figures_key(fn, args: tuple, kwargs: dict) -> str:
    """The cache key of a figure: its function, the version of what it means (``@figures(version=n)``,
    raised whenever what a figure counts or the shape of its value changes, so that a value cached by
    the code before is never served as the new figure) and its arguments."""
    arguments = hashlib.sha256(repr((args, sorted(kwargs.items()))).encode()).hexdigest()
    version = getattr(fn, "figures_version", 1)
    named = f"{fn.__module__}.{fn.__qualname__}" + (f"@v{version}" if version > 1 else "")
    return f"dash:{named}:{arguments}"


class _CacheDown(Exception):
    """The shared cache could not be reached."""


def _shared(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises (Redis down, timeout)
        raise _CacheDown() from exc


def _mark_wanted(key: str, call: tuple) -> None:
    """Tell the refresher that an official looked at these figures. One ``add`` per look (it fails while
    the mark lives); the first look in a mark's life also puts the call in the index the refresher reads."""
    if _shared(cache.add, key + ":wanted", 1, timeout=FIGURES_WANTED_SECONDS):
        index = _shared(cache.get, WANTED_INDEX_KEY) or {}
        if key not in index:
            index[key] = call
            _shared(cache.set, WANTED_INDEX_KEY, index, timeout=FIGURES_KEPT_SECONDS)


# Inside a refresher's pass: the keys it has recomputed (nested figures included). None in a request.
_refreshed: ContextVar[set | None] = ContextVar("dashboard_refreshed", default=None)


def figures(
    fn=None,
    *,
    fresh_seconds: float = FIGURES_FRESH_SECONDS,
    refresh_after: float = FIGURES_REFRESH_AFTER,
    version: int = 1,
):
    """Keep what ``fn`` returns in the shared cache: fresh for ``fresh_seconds`` for a request, recomputed
    by the refresher once ``refresh_after`` old (``@figures``, or ``@figures(fresh_seconds=...)``).
    ``version``: raise it when the figure's meaning or shape changes (and that of every figure built from
    it): the key changes with it (``figures_key``), so values cached before the change are left to expire."""
    if fn is None:
        return functools.partial(figures, fresh_seconds=fresh_seconds, refresh_after=refresh_after, version=version)
    fn.figures_version = version
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def cached(*args, **kwargs):
        key = figures_key(fn, args, kwargs)
        lock = key + ":computing"
        refreshed = _refreshed.get()
        # The refresher recomputes what is due for it; a request, only what is stale.
        fresh_for = fresh_seconds if refreshed is None else refresh_after
        try:
            if refreshed is None:
                _mark_wanted(key, (name, args, kwargs))
            stored = _shared(cache.get, key)
            if stored is not None:
                computed_at, value = stored
                if time.time() - computed_at < fresh_for or not _shared(cache.add, lock, 1, timeout=120):
                    return value  # fresh, or stale while another process recomputes it
            elif not _shared(cache.add, lock, 1, timeout=120):
                # Nobody has these figures yet and another process is computing them: wait for its answer.
                deadline = time.monotonic() + FIGURES_WAIT_SECONDS
                while time.monotonic() < deadline:
                    time.sleep(0.05)
                    if (stored := _shared(cache.get, key)) is not None:
                        return stored[1]
        except _CacheDown:
            # Without the shared cache the figures are computed for this request: slower, never missing.
            cache_failure(current_app.logger, "dashboard figures: shared cache unavailable")
            return fn(*args, **kwargs)
        try:
            value = fn(*args, **kwargs)
            try:
                cache.set(key, (time.time(), value), timeout=FIGURES_KEPT_SECONDS)
            except Exception:  # noqa: BLE001 - the figures are shown all the same
                cache_failure(current_app.logger, "dashboard figures: not stored")
            if refreshed is not None:
                refreshed.add(key)
        finally:
            try:
                cache.delete(lock)
            except Exception:  # noqa: BLE001 - the lock expires by itself
                cache_failure(current_app.logger, "dashboard figures: lock not released")
        return value

    _FIGURE_FUNCTIONS[name] = cached
    return cached


def refresh_figures() -> dict[str, int]:
    """One pass of the scheduled refresher (``flask dashboard refresh``).

    Recomputes each figure in the index that an official looked at in the last FIGURES_WANTED_SECONDS and
    that is FIGURES_REFRESH_AFTER old or missing (with the figures it is built from, when they are due
    too); drops from the index what nobody looked at; leaves what another process is computing at this
    moment. A figure that fails is logged and left to the requests' own recomputation; the others go on.
    Counts: figures recomputed, figures in the index left as they were, dropped, failed. Needs an app
    context."""
    index = cache.get(WANTED_INDEX_KEY) or {}
    dropped, failed, refreshed = set(), 0, set()
    token = _refreshed.set(refreshed)
    try:
        for key, (name, args, kwargs) in index.items():
            figure = _FIGURE_FUNCTIONS.get(name)
            if figure is None or cache.get(key + ":wanted") is None:
                dropped.add(key)
                continue
            try:
                figure(*args, **kwargs)
            except Exception:  # noqa: BLE001 - one failing figure must not stop the others being refreshed
                current_app.logger.exception("dashboard figures: refreshing %s failed", name)
                failed += 1
            finally:
                db.session.rollback()  # it only read: end its transaction before the next
    finally:
        _refreshed.reset(token)
    # Written back from a fresh read, so that calls added by requests during this pass are kept.
    latest = {k: v for k, v in (cache.get(WANTED_INDEX_KEY) or {}).items() if k not in dropped}
    cache.set(WANTED_INDEX_KEY, latest, timeout=FIGURES_KEPT_SECONDS)
    left = len(index) - len(dropped) - failed - len(refreshed & index.keys())
    return {"refreshed": len(refreshed), "current": left, "dropped": len(dropped), "failed": failed}


@dataclass(frozen=True)
class Filters:
    """What the official asked for; every field round-trips through the query string."""

    district: str | None
    start: date
    end: date
    service: str | None = None
    category: str | None = None

    def args(self, **override) -> dict[str, str]:
        """Query-string arguments for a link that keeps these filters (``override`` changes some)."""
        values = {
            "district": self.district or "",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "service": self.service or "",
            "category": self.category or "",
        }
        values.update({k: ("" if v is None else str(v)) for k, v in override.items()})
        return {k: v for k, v in values.items() if v}

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


# Dates an official may ask about: the portal's figures start after 2000, and a date near the ends
# of the calendar (0001-01-01, 9999-12-31) would overflow the day arithmetic of the filters.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


# What was wrong with a date the official typed (the view words it, next to the field).
DATE_INVALID, DATE_OUT_OF_RANGE, DATE_REVERSED, RANGE_TOO_LONG = "invalid", "out_of_range", "reversed", "too_long"
# On "end": the period asked for could not be used and ends in the future, so the default period is shown.
END_IN_FUTURE = "end_in_future"


def _parse_date(text: str | None) -> tuple[date | None, str | None]:
    """The date typed (None when left empty), or None and what is wrong with it."""
    text = (text or "").strip()
    if not text:
        return None, None
    try:
        day = date.fromisoformat(typed_number(text))  # digits typed in any script
    except ValueError:
        return None, DATE_INVALID
    return (day, None) if EARLIEST <= day <= LATEST else (None, DATE_OUT_OF_RANGE)


def _before_earliest(text: str | None) -> bool:
    """Whether ``text`` is a real date before the first one an official may ask about."""
    try:
        return date.fromisoformat(typed_number(text)) < EARLIEST
    except ValueError:
        return False


def read_filters(args, scope: OfficialScope) -> tuple[Filters, dict[str, str]]:
    """Filters from the query string, held to the official's scope, and what had to be changed in the
    dates typed, by field ("start", "end"):

    - DATE_INVALID or DATE_OUT_OF_RANGE: that date is replaced by its default (today for "end",
      30 days before the end for "start"), except a "start" before EARLIEST (asking for everything up to
      the end), which becomes the longest period that ends at the end, MAX_RANGE_DAYS;
    - DATE_REVERSED (on "end", or on "start" when no end was typed): the two dates are swapped;
    - RANGE_TOO_LONG (on "start"): the range is cut to MAX_RANGE_DAYS before the end;
    - END_IN_FUTURE (on "end"): the "start" was out of range or the range too long, and the end is after
      today: a period cut to end there would show days with nothing done yet (1900 to 2100 would show
      December 2099), so the default period, the 30 days up to today, is shown instead.

    A district official who names no district sees their own; naming a district outside the scope
    raises NotFound (404), as for any record out of scope.
    """
    today = clock.today()
    district = (args.get("district") or "").strip() or None
    if district is not None and district not in DISTRICT_NAMES:
        raise NotFound()
    if district is None and not scope.province:
        district = sorted(scope.districts)[0]
    if not scope.allows(district):
        raise NotFound()
    problems: dict[str, str] = {}
    end, problem = _parse_date(args.get("end"))
    if problem:
        problems["end"] = problem
    end = end or today
    start, problem = _parse_date(args.get("start"))
    if problem:
        problems["start"] = problem
    if problem == DATE_OUT_OF_RANGE and _before_earliest(args.get("start")):
        start = max(EARLIEST, end - timedelta(days=MAX_RANGE_DAYS - 1))
    start = start or end - timedelta(days=DEFAULT_PAST_DAYS - 1)
    if start > end:
        start, end = end, start
        # Said at the date that was typed: a "To" left empty is today, and the "From" is after it.
        problems.setdefault("end" if (args.get("end") or "").strip() else "start", DATE_REVERSED)
    if (end - start).days >= MAX_RANGE_DAYS:
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        problems.setdefault("start", RANGE_TOO_LONG)
    if problems.get("start") in (DATE_OUT_OF_RANGE, RANGE_TOO_LONG) and end > today:
        start, end = today - timedelta(days=DEFAULT_PAST_DAYS - 1), today
        problems.setdefault("end", END_IN_FUTURE)
    service = (args.get("service") or "").strip()[:120] or None
    category = (args.get("category") or "").strip() or None
    if category not in CATEGORIES:
        category = None
    return Filters(district=district, start=start, end=end, service=service, category=category), problems


def parse_filters(args, scope: OfficialScope) -> Filters:
    """The filters of ``read_filters``, without what was changed in the dates."""
    return read_filters(args, scope)[0]


def visible_districts(scope: OfficialScope) -> list[str]:
    return list(DISTRICT_NAMES) if scope.province else [d for d in DISTRICT_NAMES if d in scope.districts]


def _rate(part, whole) -> float | None:
    return (part / whole) if whole else None


def _karachi_day(column):
    """The Karachi calendar date of a UTC timestamp column, in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Karachi", column))
    return func.date(column, "+5 hours")


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _utc_bounds(f: Filters) -> tuple[datetime, datetime]:
    return clock.karachi_to_utc(f.start), clock.karachi_to_utc(f.end + timedelta(days=1))


# --- health ------------------------------------------------------------------------------------


def _health_conditions(f: Filters, with_dates: bool = True) -> list:
    conditions = []
    if with_dates:
        conditions.append(Appointment.visit_date.between(f.start, f.end))
    if f.district:
        conditions.append(Clinic.district == f.district)
    if f.service:
        conditions.append(named_alike(Service.name_key, f.service))
    return conditions


def _tables_named(*clauses) -> set:
    """The tables that these columns and conditions name."""
    found = set()
    for clause in clauses:
        # A mapped attribute (Service.name) is not itself an SQL expression: its column is.
        clause = clause.__clause_element__() if hasattr(clause, "__clause_element__") else clause
        found.update(find_tables(clause, check_columns=True))
    return found


def _appointments(*columns, where=()):
    """Appointments with the given columns and conditions, joined with their clinic and service only
    when a column or condition names them. Every appointment has both, so the joins never change a
    count; they only cost time (on `large`, the 30-day counts took four times as long with them)."""
    named = _tables_named(*columns, *where)
    query = select(*columns).select_from(Appointment)
    if Clinic.__table__ in named:
        query = query.join(Clinic, Clinic.id == Appointment.clinic_id)
    if Service.__table__ in named:
        query = query.join(Service, Service.id == Appointment.service_id)
    return query.where(*where)


def _series_of(status: str) -> str:
    return {STATUS_ARRIVED: "booked", STATUS_BOOKED: "booked"}.get(status, status)


@figures
def appointments_per_day(f: Filters) -> list[dict]:
    """One row per day of the range: booked (still to come or arrived), seen, no-show, cancelled."""
    rows = db.session.execute(
        _appointments(Appointment.visit_date, Appointment.status, func.count(), where=_health_conditions(f)).group_by(
            Appointment.visit_date, Appointment.status
        )
    ).all()
    by_day = {day: dict.fromkeys(HEALTH_SERIES, 0) for day in f.days}
    for day, status, count in rows:
        by_day[_as_date(day)][_series_of(status)] += count
    return [{"day": day, **values} for day, values in by_day.items()]


@figures(version=2)
def offered_places(f: Filters, group: str) -> dict:
    """Places offered in the range, summed by ``group``: "clinic", "district", "service_name" (by the
    name people tell apart, portal.name_keys.plain_key: "general opd") or "all".

    The clinic admin's counts read the same function (portal.health.offered.places_offered): each day
    counts what was offered on that day, less the days a closure shut the clinic or the service."""
    key = {"clinic": Clinic.id, "district": Clinic.district, "service_name": plain_key_of(Service.name_key)}.get(group)
    conditions = []
    if f.district:
        conditions.append(Clinic.district == f.district)
    if f.service:
        conditions.append(named_alike(Service.name_key, f.service))
    return places_offered(f.start, f.end, key, conditions)


@figures(version=2)
def health_summary(f: Filters) -> dict:
    row = db.session.execute(
        _appointments(
            func.sum(case((Appointment.status != STATUS_CANCELLED, 1), else_=0)),
            func.sum(case((HOLDS_PLACE, 1), else_=0)),
            func.sum(case((Appointment.status == STATUS_SEEN, 1), else_=0)),
            func.sum(case((Appointment.status == STATUS_NO_SHOW, 1), else_=0)),
            func.sum(case((Appointment.status == STATUS_CANCELLED, 1), else_=0)),
            where=_health_conditions(f),
        )
    ).one()
    total, holding, seen, no_show, cancelled = (int(v or 0) for v in row)
    offered = offered_places(f, "all").get("all", 0)
    return {
        "appointments": total,
        "places_taken": holding,
        "places_offered": offered,
        "utilisation": _rate(holding, offered),
        "seen": seen,
        "no_show": no_show,
        "cancelled": cancelled,
        "no_show_rate": _rate(no_show, seen + no_show),
    }


@figures(version=2)
def busiest_services(f: Filters, limit: int | None = 10) -> list[dict]:
    held = func.sum(case((HOLDS_PLACE, 1), else_=0))
    # Services are counted by the names people tell apart (Service.name_key: "General OPD" and
    # "General  opd" are one), shown by one English name of each and one Urdu name given for it.
    key = plain_key_of(Service.name_key)
    query = (
        _appointments(
            key,
            func.min(Service.name),
            func.max(Service.name_ur),
            held.label("held"),
            func.count(func.distinct(Clinic.id)),
            where=_health_conditions(f),
        )
        .group_by(key)
        .order_by(held.desc(), english_order(func.min(Service.name)))
    )
    if limit:
        query = query.limit(limit)
    offered = offered_places(f, "service_name")
    return [
        {
            "service": listed_name(name),
            "service_ur": name_ur,
            "appointments": int(n or 0),
            "clinics": clinics,
            "utilisation": _rate(int(n or 0), offered.get(service_key, 0)),
        }
        for service_key, name, name_ur, n, clinics in db.session.execute(query).all()
    ]


@figures
def service_choices(f: Filters) -> list[tuple[str, str | None]]:
    """The services to filter by: (an English name, which the filter matches with every name people
    could not tell from it; an Urdu name given for it), one for each such name."""
    name = func.min(Service.name)
    query = (
        select(name, func.max(Service.name_ur))
        .join(Clinic, Clinic.id == Service.clinic_id)
        .group_by(plain_key_of(Service.name_key))
        .order_by(english_order(name))
    )
    if f.district:
        query = query.where(Clinic.district == f.district)
    return [(listed_name(name), name_ur) for name, name_ur in db.session.execute(query)]


def _by(f: Filters, key) -> dict:
    """Places taken (HOLDS_PLACE), seen, no-show and all appointments, grouped by ``key`` (a clinic or
    district column)."""
    rows = db.session.execute(
        _appointments(
            key,
            func.sum(case((HOLDS_PLACE, 1), else_=0)),
            func.sum(case((Appointment.status == STATUS_SEEN, 1), else_=0)),
            func.sum(case((Appointment.status == STATUS_NO_SHOW, 1), else_=0)),
            func.count(),
            where=_health_conditions(f),
        ).group_by(key)
    ).all()
    return {k: (int(h or 0), int(s or 0), int(n or 0), int(t or 0)) for k, h, s, n, t in rows}


@figures
def days_to_next_free(f: Filters) -> dict[int, float]:
    """Per clinic, the median over its services of the days from today to the first day with a free
    place — a proxy for waiting time. The day is the one the booking pages offer
    (``schedule.next_free_dates``): today only while one of its times is still ahead and outside the
    notice period, no closed day, within each service's own horizon. A service with no free day in its
    horizon is left out of its clinic's median, as before."""
    conditions = [Service.active.is_(True), Clinic.active.is_(True)]
    if f.district:
        conditions.append(Clinic.district == f.district)
    if f.service:
        conditions.append(named_alike(Service.name_key, f.service))
    services = list(
        db.session.scalars(
            select(Service)
            .join(Clinic, Clinic.id == Service.clinic_id)
            .where(*conditions)
            .options(contains_eager(Service.clinic), selectinload(Service.hours))
        )
    )
    today = clock.today()
    waits: dict[int, list[int]] = defaultdict(list)
    clinic_of = {s.id: s.clinic_id for s in services}
    for service_id, day in schedule.next_free_dates(services).items():
        if day is not None:
            waits[clinic_of[service_id]].append((day - today).days)
    return {cid: float(median(values)) for cid, values in waits.items()}


@figures(version=2)
def clinic_league(f: Filters, sort: str = "appointments", descending: bool = True) -> list[dict]:
    """Every open clinic, and every clinic closed down (made inactive) since that took places or offered
    some in the period (``closed``: True): the league of a past period keeps the clinics that worked in
    it, and its rows add up to the period's places taken."""
    counts = _by(f, Clinic.id)
    offered = offered_places(f, "clinic")
    waits = days_to_next_free(f)
    worked = sorted(
        {cid for cid, (_h, _s, _n, total) in counts.items() if total} | {c for c, n in offered.items() if n}
    )
    query = select(Clinic.id, Clinic.name, Clinic.name_ur, Clinic.district, Clinic.type, Clinic.active).where(
        or_(Clinic.active.is_(True), Clinic.id.in_(worked))
    )
    if f.district:
        query = query.where(Clinic.district == f.district)
    rows = []
    for cid, name, name_ur, district, kind, active in db.session.execute(query):
        holding, seen, no_show, total = counts.get(cid, (0, 0, 0, 0))
        rows.append(
            {
                "clinic_id": cid,
                "clinic": name,
                "clinic_ur": name_ur,
                "district": district,
                "type": kind,
                "appointments": holding,
                "utilisation": _rate(holding, offered.get(cid, 0)),
                "no_show_rate": _rate(no_show, seen + no_show),
                "days_to_free": waits.get(cid),
                "closed": not active,
            }
        )
    return sort_rows(rows, sort, descending, LEAGUE_COLUMNS)


LEAGUE_COLUMNS = ("clinic", "district", "appointments", "utilisation", "no_show_rate", "days_to_free")


def sort_rows(rows: list[dict], sort: str, descending: bool, allowed) -> list[dict]:
    if sort not in allowed:
        sort = allowed[0]
    present = [r for r in rows if r.get(sort) is not None]
    missing = [r for r in rows if r.get(sort) is None]
    present.sort(key=lambda r: (r[sort], r.get("district", ""), r.get("clinic", "")), reverse=descending)
    return present + missing


@figures(version=2)
def health_by_district(f: Filters) -> dict[str, dict]:
    counts = _by(f, Clinic.district)
    offered = offered_places(f, "district")
    out = {}
    for district in DISTRICT_NAMES:
        holding, seen, no_show, total = counts.get(district, (0, 0, 0, 0))
        out[district] = {
            "appointments": holding,
            "utilisation": _rate(holding, offered.get(district, 0)),
            "no_show_rate": _rate(no_show, seen + no_show),
        }
    return out


# --- education ---------------------------------------------------------------------------------


def _enrolments(*columns, where=()):
    """Enrolments with the given columns and conditions, joined with their section, course and
    institution only when a column or condition names them (every enrolment has a section and a
    course, every course an institution: the joins never change a count)."""
    named = _tables_named(*columns, *where)
    query = select(*columns).select_from(Enrolment)
    if Section.__table__ in named:
        query = query.join(Section, Section.id == Enrolment.section_id)
    if Course.__table__ in named or Institution.__table__ in named:
        query = query.join(Course, Course.id == Enrolment.course_id)
    if Institution.__table__ in named:
        query = query.join(Institution, Institution.id == Course.institution_id)
    return query.where(*where)


def _education_conditions(f: Filters) -> list:
    conditions = []
    if f.district:
        conditions.append(Institution.district == f.district)
    if f.category:
        conditions.append(Course.category == f.category)
    return conditions


def _created_in_range(f: Filters):
    start, end = _utc_bounds(f)
    return and_(Enrolment.created_at >= start, Enrolment.created_at < end)


def _seat_given_in_range(f: Filters):
    """Applications given a seat within the range (decided_at, Karachi days), kept or left since: a
    figure of the period that later drops and completions do not change, and the sum of "Today on the
    portal"'s enrolments over its days."""
    start, end = _utc_bounds(f)
    return and_(Enrolment.decided_at >= start, Enrolment.decided_at < end, HELD_A_SEAT)


def _sections_in_range(f: Filters):
    """Sections that run at some point of the range, or start within it."""
    return and_(Section.start_date <= f.end, Section.end_date >= f.start)


def _education_series(status: str) -> str:
    return {ENROLLED: "enrolled", COMPLETED: "enrolled", WAITLISTED: "waitlisted", PENDING: "pending"}.get(
        status, "other"
    )


@figures
def enrolments_per_day(f: Filters) -> list[dict]:
    """Applications per day of the range, by what they are now: a seat, the waitlist, pending, other."""
    day = _karachi_day(Enrolment.created_at)
    rows = db.session.execute(
        _enrolments(
            day, Enrolment.status, func.count(), where=[_created_in_range(f), *_education_conditions(f)]
        ).group_by(day, Enrolment.status)
    ).all()
    by_day = {d: dict.fromkeys(EDUCATION_SERIES, 0) for d in f.days}
    for when, status, count in rows:
        when = _as_date(when)
        if when in by_day:
            by_day[when][_education_series(status)] += count
    return [{"day": d, **values} for d, values in by_day.items()]


@figures
def fill_by_category(f: Filters) -> list[dict]:
    conditions = [_sections_in_range(f)]
    if f.district:
        conditions.append(Institution.district == f.district)
    if f.category:
        conditions.append(Course.category == f.category)
    rows = db.session.execute(
        select(Course.category, func.sum(Section.enrolled_count), func.sum(Section.capacity), func.count())
        .select_from(Section)
        .join(Course, Course.id == Section.course_id)
        .join(Institution, Institution.id == Course.institution_id)
        .where(*conditions)
        .group_by(Course.category)
    ).all()
    found = {cat: (int(e or 0), int(c or 0), n) for cat, e, c, n in rows}
    out = []
    for category in CATEGORIES:
        enrolled, capacity, sections = found.get(category, (0, 0, 0))
        if f.category and category != f.category:
            continue
        out.append(
            {
                "category": category,
                "seats_taken": enrolled,
                "seats": capacity,
                "sections": sections,
                "fill_rate": _rate(enrolled, capacity),
            }
        )
    return out


def unmet_demand(f: Filters, key=None) -> dict:
    """Waitlist now (sections that have not ended) and refusals for capacity in the range, by ``key``
    (a column), or in total under the key "all".

    Two counts, each read from an index led by the status (EXPLAIN on `large`: the waitlist from
    ix_dash_enrolments_status_section or _status_course, the refusals of the range from
    ix_dash_enrolments_refused), rather than one pass over every waitlisted and refused application:
    half the table on the demo data."""
    start, end = _utc_bounds(f)
    counts = {
        "waitlist": [Enrolment.status == WAITLISTED, Section.end_date >= clock.today()],
        "refused": [
            Enrolment.status == REJECTED,
            Enrolment.created_at >= start,
            Enrolment.created_at < end,
            Enrolment.reason == CAPACITY_REFUSAL_REASON,
        ],
    }
    conditions = _education_conditions(f)
    out: dict = {}
    for name, where in counts.items():
        if key is None:
            found = {"all": db.session.scalar(_enrolments(func.count(), where=[*where, *conditions]))}
        else:
            query = _enrolments(key, func.count(), where=[*where, *conditions]).group_by(key)
            found = dict(db.session.execute(query).all())
        for k, count in found.items():
            out.setdefault(k, {"waitlist": 0, "refused": 0})[name] = int(count or 0)
    return out


@figures
def unmet_by_category(f: Filters) -> list[dict]:
    found = unmet_demand(f, Course.category)
    return [
        {"category": c, **found.get(c, {"waitlist": 0, "refused": 0})}
        for c in CATEGORIES
        if not f.category or c == f.category
    ]


@figures(version=2)
def education_summary(f: Filters) -> dict:
    today = clock.today()
    gender = func.coalesce(Dependant.gender, User.gender)
    applied = db.session.execute(
        _enrolments(func.count(), where=[_created_in_range(f), *_education_conditions(f)])
    ).one()
    seats_given = db.session.scalar(
        _enrolments(func.count(), where=[_seat_given_in_range(f), *_education_conditions(f)])
    )
    women = db.session.execute(
        _enrolments(
            func.count(),
            func.sum(case((gender == "female", 1), else_=0)),
            where=[_sections_in_range(f), Enrolment.status.in_(SEAT_HOLDERS), *_education_conditions(f)],
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Dependant, Dependant.id == Enrolment.dependant_id)
    ).one()
    # Completion: of the people who held a seat in a section that ended within the range.
    completion = db.session.execute(
        _enrolments(
            func.count(),
            func.sum(case((Enrolment.status == COMPLETED, 1), else_=0)),
            where=[
                Section.end_date.between(f.start, min(f.end, today - timedelta(days=1))),
                HELD_A_SEAT,
                *_education_conditions(f),
            ],
        )
    ).one()
    start, end = _utc_bounds(f)
    cert_conditions = [Certificate.issued_at >= start, Certificate.issued_at < end]
    if f.district:
        cert_conditions.append(Institution.district == f.district)
    if f.category:
        cert_conditions.append(Course.category == f.category)
    certificates = select(func.count(Certificate.id)).where(*cert_conditions)
    if f.district or f.category:  # every certificate has an enrolment, a course and an institution
        certificates = (
            certificates.join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .join(Course, Course.id == Enrolment.course_id)
            .join(Institution, Institution.id == Course.institution_id)
        )
    certificates = db.session.scalar(certificates)
    totals = unmet_demand(f)["all"]
    fill = fill_by_category(f)
    seats = sum(r["seats"] for r in fill)
    return {
        "applications": int(applied[0] or 0),
        "enrolments": int(seats_given or 0),
        "seat_fill_rate": _rate(sum(r["seats_taken"] for r in fill), seats),
        "waitlist": totals["waitlist"],
        "refused": totals["refused"],
        "completion_rate": _rate(int(completion[1] or 0), int(completion[0] or 0)),
        "certificates": int(certificates or 0),
        "women_share": _rate(int(women[1] or 0), int(women[0] or 0)),
        "seat_holders": int(women[0] or 0),
    }


@figures(version=2)
def education_by_district(f: Filters) -> dict[str, dict]:
    unrestricted = replace(f, district=None)
    unmet = unmet_demand(unrestricted, Institution.district)
    enrolled = dict(
        db.session.execute(
            _enrolments(
                Institution.district,
                func.count(),
                where=[_seat_given_in_range(f), *_education_conditions(unrestricted)],
            ).group_by(Institution.district)
        ).all()
    )
    out = {}
    for district in DISTRICT_NAMES:
        u = unmet.get(district, {"waitlist": 0, "refused": 0})
        out[district] = {"enrolments": int(enrolled.get(district, 0)), **u}
    return out


@figures
def unmet_by_district(f: Filters) -> list[dict]:
    rows = education_by_district(f)
    districts = [f.district] if f.district else list(DISTRICT_NAMES)
    return [{"district": d, "waitlist": rows[d]["waitlist"], "refused": rows[d]["refused"]} for d in districts]


# --- what people did, by when they did it -------------------------------------------------------

ACTIVITY = (
    "booked",
    "cancelled",
    "checked_in",
    "seen",
    "enrolments",
    "requests",
    "waitlisted",
    "dropped",
    "removed",
    "refused",
)


@figures(fresh_seconds=ACTIVITY_FRESH_SECONDS, refresh_after=ACTIVITY_REFRESH_AFTER, version=3)
def activity(f: Filters) -> dict[str, int]:
    """What people did on the portal from ``f.start`` to ``f.end`` (Karachi days; the overview asks for
    today), counted by the moment it was done rather than by the day of the visit or the course: an
    appointment booked today for next week counts today. In the district, for the service (appointments)
    and the category (enrolments) of the filters.

    - booked: appointments made (online, or a walk-in registered at the counter); cancelled: by the
      person, the clinic or a closure;
    - checked_in: people who arrived (a walk-in is registered arrived), when they were checked in
      (arrived_at); seen: marked seen by the clinic, when it was marked (seen_at), which may be a day
      after the visit's (health.admin.set_status has no day rule for "seen"). A status undone clears
      its time, and is no longer counted;
    - enrolments: seats given in a course, when they were given: to a person who asked for a free seat,
      whose request the admin approved, or who moved up from a waitlist (counted even if the person has
      left the course since). A request waiting for approval or a waitlist place is not an enrolment;
    - requests: requests for a seat made in these days that still wait for the admin's approval (once
      approved or declined they are no longer counted here; an approval giving a seat is an enrolment);
    - waitlisted: people put on a waitlist, when they asked or when the admin approved their request
      with no seat left; dropped: people who left a course or a waitlist (not a place given up for a
      seat in another cohort, which is a move); removed: people whose seat the school took back
      (removed_at; the seat stays an enrolment of the day it was given); refused: people turned away with
      no seat and no waitlist place left.

    Each count reads only the rows of these days from an index (0015: appointments by when they were
    made and cancelled, enrolments by when they last changed; 0029: appointments by when people were
    checked in and seen), never the whole table."""
    start, end = _utc_bounds(f)
    health_where = _health_conditions(f, with_dates=False)

    def made_between(column):
        return [column >= start, column < end, *health_where]

    booked = db.session.scalar(_appointments(func.count(), where=made_between(Appointment.created_at)))
    cancelled = db.session.scalar(_appointments(func.count(), where=made_between(Appointment.cancelled_at)))
    # A visit cancelled since (a walk-in registered by mistake, undone by cancelling it) keeps its times
    # but is no longer counted as checked in or seen: the partial index gives the day's rows, and only
    # those are read for their status.
    still_on = Appointment.status != STATUS_CANCELLED
    checked_in = db.session.scalar(_appointments(func.count(), where=[*made_between(Appointment.arrived_at), still_on]))
    seen = db.session.scalar(_appointments(func.count(), where=[*made_between(Appointment.seen_at), still_on]))

    def between(column):
        return and_(column >= start, column < end)

    refused = and_(Enrolment.status == REJECTED, Enrolment.reason == CAPACITY_REFUSAL_REASON)
    seat_given = and_(between(Enrolment.decided_at), HELD_A_SEAT)  # as _seat_given_in_range
    seats, requests, waitlisted, dropped, removed, turned_away = db.session.execute(
        _enrolments(
            func.sum(case((seat_given, 1), else_=0)),
            func.sum(case((and_(Enrolment.status == PENDING, between(Enrolment.created_at)), 1), else_=0)),
            func.sum(case((between(Enrolment.waitlisted_at), 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            Enrolment.status == DROPPED,
                            between(Enrolment.updated_at),
                            func.coalesce(Enrolment.reason, "") != MOVED_REASON,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((between(Enrolment.removed_at), 1), else_=0)),
            func.sum(case((and_(refused, between(Enrolment.created_at)), 1), else_=0)),
            where=[Enrolment.updated_at >= start, *_education_conditions(f)],
        )
    ).one()
    counts = {
        "booked": booked,
        "cancelled": cancelled,
        "checked_in": checked_in,
        "seen": seen,
        "enrolments": seats,
        "requests": requests,
        "waitlisted": waitlisted,
        "dropped": dropped,
        "removed": removed,
        "refused": turned_away,
    }
    return {key: int(counts[key] or 0) for key in ACTIVITY}


# --- districts ---------------------------------------------------------------------------------

DISTRICT_COLUMNS = ("district", "appointments", "utilisation", "no_show_rate", "enrolments", "waitlist", "refused")


def district_table(f: Filters, scope: OfficialScope, sort: str = "district", descending: bool = False) -> list[dict]:
    unrestricted = replace(f, district=None)
    health = health_by_district(unrestricted)
    education = education_by_district(unrestricted)
    rows = [{"district": d, **health[d], **education[d]} for d in visible_districts(scope)]
    return sort_rows(rows, sort, descending, DISTRICT_COLUMNS)
