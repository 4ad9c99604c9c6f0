"""The Punjab demo dataset: citizens and families, clinics with weekly hours, appointments over the last
60 days and the next two weeks, and (when the education package is present) institutions, courses,
sections, enrolments, waitlists and certificates.

Everything is drawn from one ``random.Random(seed)``, so a seed always gives the same data. Rows go in
with bulk ``insert(...)`` in batches, and the counters the services keep (``Slot.booked``,
``Section.enrolled_count``, ``Section.reserved_taken``) are computed from the very rows inserted, so the
capacity invariants hold in the seeded data.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from flask_babel import force_locale
from sqlalchemy import delete, insert, select

from portal import clock
from portal.demo import data
from portal.districts import DISTRICT_NAMES, DISTRICTS
from portal.extensions import db
from portal.refs import ALPHABET

BATCH = 5000
PAST_DAYS = 60
FUTURE_DAYS = 14
KARACHI_OFFSET = timedelta(hours=5)  # Pakistan keeps no daylight saving time


@dataclass(frozen=True)
class Size:
    citizens: int
    extra_clinics: int  # beyond one DHQ per district and the teaching hospitals
    services_per_clinic: int
    appointments: int
    institutions: int
    enrolments: int


SIZES = {
    "small": Size(
        citizens=300, extra_clinics=8, services_per_clinic=1, appointments=2500, institutions=12, enrolments=1000
    ),
    "medium": Size(
        citizens=5000, extra_clinics=110, services_per_clinic=3, appointments=50000, institutions=45, enrolments=12500
    ),
    "large": Size(
        citizens=100000,
        extra_clinics=900,
        services_per_clinic=4,
        appointments=1000000,
        institutions=220,
        enrolments=240000,
    ),
}

Progress = Callable[[str, float], None]


def _no_progress(label: str, fraction: float) -> None:
    return None


def insert_rows(table, rows: list[dict], returning: bool = False) -> list[int]:
    """Insert rows in batches; with ``returning``, the new ids in the order of ``rows``."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if not chunk:
            continue
        if returning:
            result = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)
            ids.extend(result.scalars().all())
        else:
            db.session.execute(insert(table), chunk)
    return ids


class Codes:
    """Unique readable codes (references, certificate codes) drawn from the seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def reference(self, prefix: str) -> str:
        while True:
            a = "".join(self.rng.choices(ALPHABET, k=4))
            b = "".join(self.rng.choices(ALPHABET, k=4))
            code = f"{prefix}-{a}-{b}"
            if code not in self.used:
                self.used.add(code)
                return code

    def plain(self, length: int) -> str:
        while True:
            code = "".join(self.rng.choices(ALPHABET, k=length))
            if code not in self.used:
                self.used.add(code)
                return code


class Weighted:
    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


def utc_at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC) - KARACHI_OFFSET


# --- people ------------------------------------------------------------------------------------


@dataclass
class People:
    ids: list[int]
    names: list[str]
    genders: list[str]
    districts: list[str]
    by_district: dict[str, list[int]]  # district → indexes into the lists
    dependants: dict[int, list[tuple[int, str, str, date]]]  # person index → (id, name, gender, dob)

    def pick_index(self, rng: random.Random, district: str | None) -> int:
        pool = self.by_district.get(district or "") or []
        if pool and rng.random() < 0.85:
            return pool[rng.randrange(len(pool))]
        return rng.randrange(len(self.ids))


def make_people(rng: random.Random, size: Size, exclude_cnics: set[str], password_hash: str | None) -> People:
    from portal.auth.models import Dependant, User

    today = clock.today()
    now = clock.now()
    districts = Weighted(data.DISTRICT_WEIGHTS, data.DISTRICT_WEIGHTS.values())
    cnics = set(exclude_cnics)
    mobiles: set[str] = set()
    rows, names, genders, homes = [], [], [], []
    for _ in range(size.citizens):
        gender = "female" if rng.random() < 0.49 else "male"
        first = rng.choice(data.FEMALE_NAMES if gender == "female" else data.MALE_NAMES)
        name = f"{first} {rng.choice(data.SURNAMES)}"
        district = districts.pick(rng)
        while True:
            body = f"{data.CNIC_PREFIX[district]}{rng.randint(1, 9)}{rng.randint(0, 9999999):07d}"
            last = rng.choice("13579" if gender == "male" else "02468")
            cnic = body + last
            if cnic not in cnics:
                cnics.add(cnic)
                break
        while True:
            mobile = f"+92{rng.choice(data.MOBILE_PREFIXES)}{rng.randint(0, 9999999):07d}"
            if mobile not in mobiles:
                mobiles.add(mobile)
                break
        age_days = rng.randint(18 * 365, 70 * 365)
        rows.append(
            {
                "full_name": name,
                "cnic": cnic,
                "mobile": mobile,
                "email": None,
                "date_of_birth": today - timedelta(days=age_days),
                "gender": gender,
                "district": district,
                "password_hash": password_hash,
                "preferred_language": "ur" if rng.random() < 0.6 else "en",
                "failed_logins": 0,
                "active": True,
                "privacy_accepted_at": now - timedelta(days=rng.randint(61, 400)),
                "created_at": now - timedelta(days=rng.randint(61, 400)),
            }
        )
        names.append(name)
        genders.append(gender)
        homes.append(district)
    ids = insert_rows(User.__table__, rows, returning=True)

    dep_rows, owners = [], []
    for index, user_id in enumerate(ids):
        if rng.random() >= 0.45:
            continue
        surname = names[index].split(" ", 1)[1]
        for _ in range(rng.choice((1, 1, 2, 3))):
            gender = "female" if rng.random() < 0.5 else "male"
            first = rng.choice(data.FEMALE_NAMES if gender == "female" else data.MALE_NAMES)
            relationship = rng.choice(("child", "child", "child", "spouse", "parent"))
            years = {"child": (1, 16), "spouse": (20, 60), "parent": (55, 85)}[relationship]
            dep_rows.append(
                {
                    "user_id": user_id,
                    "full_name": f"{first} {surname}",
                    "relationship": relationship,
                    "date_of_birth": today - timedelta(days=rng.randint(years[0] * 365, years[1] * 365)),
                    "gender": gender,
                    "id_number": None,
                    "created_at": now - timedelta(days=rng.randint(30, 300)),
                }
            )
            owners.append(index)
    dep_ids = insert_rows(Dependant.__table__, dep_rows, returning=True)
    dependants: dict[int, list] = {}
    for dep_id, owner, row in zip(dep_ids, owners, dep_rows, strict=True):
        dependants.setdefault(owner, []).append((dep_id, row["full_name"], row["gender"], row["date_of_birth"]))
    by_district: dict[str, list[int]] = {}
    for index, district in enumerate(homes):
        by_district.setdefault(district, []).append(index)
    return People(ids, names, genders, homes, by_district, dependants)


# --- names in Urdu --------------------------------------------------------------------------------


def urdu_district_names() -> dict[str, str]:
    """Each district's name in Urdu, from the portal's own catalogue (the labels pages show)."""
    with force_locale("ur"):
        return {name: str(label) for name, label in DISTRICTS}


def _town_ur(town: str, district: str, districts_ur: dict[str, str]) -> str:
    """A town drawn for a clinic's name, in Urdu: a named town, or "<district> <suffix>"."""
    if town in data.TOWNS_UR:
        return data.TOWNS_UR[town]
    suffix = town.removeprefix(f"{district} ")
    return f"{districts_ur[district]} {data.DEFAULT_TOWN_SUFFIXES_UR[suffix]}"


def place_ur(english: str, districts_ur: dict[str, str]) -> str | None:
    """A demo address or venue in Urdu, part by part between its commas (a district, a town, a street
    or building of ``data.PLACE_PARTS_UR``, "Room 4"), joined with Urdu's comma; None when a part is
    not known (the place stays English). Dictionary look-ups only: no query and no random draw."""
    parts = []
    for part in english.split(", "):
        word, _space, number = part.rpartition(" ")
        urdu = (
            data.PLACE_PARTS_UR.get(part)
            or districts_ur.get(part)
            or data.TOWNS_UR.get(part)
            or (f"{data.NUMBERED_PLACES_UR[word]} {number}" if word in data.NUMBERED_PLACES_UR else None)
        )
        if urdu is None:
            district = next((d for d in districts_ur if part.startswith(f"{d} ")), None)
            if district is None or part.removeprefix(f"{district} ") not in data.DEFAULT_TOWN_SUFFIXES_UR:
                return None
            urdu = _town_ur(part, district, districts_ur)
        parts.append(urdu)
    return "، ".join(parts) if parts else None


# --- health ------------------------------------------------------------------------------------


@dataclass
class ServicePlan:
    id: int
    clinic_id: int
    district: str
    name: str
    slot_minutes: int
    places: int
    starts: dict[int, list[time]]  # weekday → Karachi start times
    popularity: float
    desk: bool = False  # a service of the clinic admin persona's clinic (see DESK_DAYS)


def _starts(hours, slot_minutes: int) -> dict[int, list[time]]:
    out: dict[int, list[time]] = {}
    length = timedelta(minutes=slot_minutes)
    ref = date(2026, 1, 5)
    for weekday, start, end, b_start, b_end in hours:
        cursor, stop = datetime.combine(ref, start), datetime.combine(ref, end)
        bs = datetime.combine(ref, b_start) if b_start else None
        be = datetime.combine(ref, b_end) if b_end else None
        while cursor + length <= stop:
            if bs and be and cursor < be and cursor + length > bs:
                cursor = be
                continue
            out.setdefault(weekday, []).append(cursor.time())
            cursor += length
    return out


# The least a service's online quota is cut to however small the dataset: one day a week, an hour or
# more that day (or the whole opening when it is shorter), never the half-hour slivers the small size
# had. Higher floors make the small dataset's 2,500 bookings a few per cent of the places offered
# (two days of two hours: 6 %); these keep about a fifth taken, as a booking system in use looks.
MAIN_SERVICE_MIN_DAYS = 1
OTHER_SERVICE_MIN_DAYS = 1
MIN_DAY_MINUTES = 60


# The clinic admin persona's clinic keeps its whole opening hours, and its next DESK_DAYS days are
# booked to at least DESK_FILL of their places by people from anywhere in Punjab (a teaching hospital):
# whatever day a demo is given, its daily list has people to check in. The quota cut left it two or
# three mornings a week, and the 300 citizens of the small dataset in Lahore too few to fill them.
DESK_DAYS = 7
DESK_FILL = 0.3


def _quota_hours(rng: random.Random, hours, ratio: float, slot_minutes: int, main: bool):
    """The opening hours cut to about ``ratio`` of their places (fewer weekdays, shorter mornings), never
    below the realistic least above; a small dataset's services are then less full, not absurdly short."""
    if ratio >= 1.0:
        return hours
    least_days = min(len(hours), MAIN_SERVICE_MIN_DAYS if main else OTHER_SERVICE_MIN_DAYS)
    keep = max(least_days, min(len(hours), round(len(hours) * min(1.0, ratio * 3))))
    share = min(1.0, ratio * len(hours) / keep)
    out = []
    for weekday, start, end, b_start, b_end in sorted(rng.sample(list(hours), keep)):
        open_minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if b_start and b_end:
            open_minutes -= (b_end.hour * 60 + b_end.minute) - (b_start.hour * 60 + b_start.minute)
        minutes = round(open_minutes * share / slot_minutes) * slot_minutes
        minutes = min(open_minutes, max(slot_minutes, MIN_DAY_MINUTES, minutes))
        close = start.hour * 60 + start.minute + minutes
        new_end = time(close // 60, close % 60)
        if b_start and b_end and new_end > b_start:
            close += (b_end.hour * 60 + b_end.minute) - (b_start.hour * 60 + b_start.minute)
            new_end = time(min(close, 23 * 60) // 60, min(close, 23 * 60) % 60)
        else:
            b_start = b_end = None
        out.append((weekday, start, min(new_end, end), b_start, b_end))
    return tuple(out)


def seed_health(rng: random.Random, size: Size, people: People, codes: Codes, progress: Progress) -> dict:
    from portal.health.models import Appointment, Clinic, Closure, Service, Slot, WeeklyHours
    from portal.health.offered import record_offers

    now = clock.now()
    today = clock.today()
    districts_ur = urdu_district_names()
    clinic_rows: list[dict] = []
    for name, district, address in data.TEACHING_HOSPITALS:
        clinic_rows.append(
            {
                "name": data.CLINIC_TYPE_NAMES["teaching_opd"].format(name=name),
                "name_ur": data.CLINIC_TYPE_NAMES_UR["teaching_opd"].format(name=data.TEACHING_HOSPITALS_UR[name]),
                "type": "teaching_opd",
                "district": district,
                "address": address,
                "address_ur": place_ur(address, districts_ur),
            }
        )
    for district in DISTRICT_NAMES:
        clinic_rows.append(
            {
                "name": f"DHQ Hospital {district}",
                "name_ur": data.CLINIC_TYPE_NAMES_UR["dhq"].format(district=districts_ur[district]),
                "type": "dhq",
                "district": district,
                "address": f"Hospital Road, {district}",
                "address_ur": f"{data.PLACE_PARTS_UR['Hospital Road']}، {districts_ur[district]}",
            }
        )
    weights = {d: w * (3 if d in data.BIG_CITIES else 1) for d, w in data.DISTRICT_WEIGHTS.items()}
    where = Weighted(weights, weights.values())
    kinds = Weighted(data.CLINIC_TYPE_WEIGHTS, data.CLINIC_TYPE_WEIGHTS.values())
    names_used = {r["name"] for r in clinic_rows}
    for _ in range(size.extra_clinics):
        district = where.pick(rng)
        kind = kinds.pick(rng)
        towns = data.TOWNS.get(district) or tuple(f"{district} {s}" for s in data.DEFAULT_TOWN_SUFFIXES)
        town = rng.choice(towns)
        name = data.CLINIC_TYPE_NAMES[kind].format(town=town, district=district)
        town_ur = _town_ur(town, district, districts_ur)
        name_ur = data.CLINIC_TYPE_NAMES_UR[kind].format(town=town_ur, district=districts_ur[district])
        number = 2
        while name in names_used:
            name = f"{data.CLINIC_TYPE_NAMES[kind].format(town=town, district=district)} ({number})"
            number += 1
        if number > 2:
            name_ur = f"{name_ur} ({number - 1})"
        names_used.add(name)
        clinic_rows.append(
            {
                "name": name,
                "name_ur": name_ur,
                "type": kind,
                "district": district,
                "address": f"Main Bazaar, {town}, {district}" if town != district else district,
                "address_ur": (
                    f"{data.PLACE_PARTS_UR['Main Bazaar']}، {town_ur}، {districts_ur[district]}"
                    if town != district
                    else districts_ur[district]
                ),
            }
        )
    for row in clinic_rows:
        row.update(
            phone=f"+92{rng.choice((42, 51, 41, 61, 55, 62, 48))}{rng.randint(1000000, 9999999)}",
            active=True,
            created_at=now - timedelta(days=400),
        )
    # Clinics the domain seeders created already (e.g. "Mayo Hospital OPD") are kept, not duplicated.
    existing = {name for (name,) in db.session.execute(select(Clinic.name))}
    clinic_rows = [row for row in clinic_rows if row["name"] not in existing]
    clinic_ids = insert_rows(Clinic.__table__, clinic_rows, returning=True)

    service_rows, meta = [], []
    for clinic_id, clinic in zip(clinic_ids, clinic_rows, strict=True):
        offered = data.SERVICES_BY_TYPE[clinic["type"]]
        count = (
            len(offered)
            if clinic["type"] == "teaching_opd" and size.services_per_clinic >= 4
            else min(len(offered), size.services_per_clinic)
        )
        for position, (name, minutes, places) in enumerate(offered[:count]):
            service_rows.append(
                {
                    "clinic_id": clinic_id,
                    "name": name,
                    "name_ur": data.SERVICE_NAMES_UR.get(name),
                    "slot_minutes": minutes,
                    "places_per_slot": places,
                    "min_notice_hours": 2,
                    "horizon_days": FUTURE_DAYS,
                    "cancel_cutoff_hours": 2,
                    "practitioner": (practitioner := rng.choice(data.PRACTITIONERS)),
                    "practitioner_ur": data.PRACTITIONERS_UR[practitioner],
                    "active": True,
                    "created_at": now - timedelta(days=400),
                }
            )
            meta.append((clinic_id, clinic, position == 0))
    service_ids = insert_rows(Service.__table__, service_rows, returning=True)

    # Every service, the domain seeders' ones included:
    # (id, name, minutes, places, clinic, district, hours, how to cut the hours: "main", "other" or "keep").
    entries = [
        (
            sid,
            row["name"],
            row["slot_minutes"],
            row["places_per_slot"],
            cid,
            clinic["district"],
            data.HOURS_BY_TYPE[clinic["type"]],
            "main" if main else "other",
        )
        for sid, row, (cid, clinic, main) in zip(service_ids, service_rows, meta, strict=True)
    ]
    earlier = db.session.execute(
        select(Service.id, Service.name, Service.slot_minutes, Service.places_per_slot, Clinic.id, Clinic.district)
        .join(Clinic, Clinic.id == Service.clinic_id)
        .where(Service.id.not_in(service_ids), Service.active.is_(True), Clinic.active.is_(True))
        .order_by(Service.id)
    ).all()
    from portal.auth.models import ROLE_CLINIC_ADMIN, RoleAssignment, User
    from portal.demo.personas import PERSONAS_BY_KEY

    desk_clinics = set(
        db.session.scalars(
            select(RoleAssignment.scope_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(User.cnic == PERSONAS_BY_KEY["clinic_admin"].cnic, RoleAssignment.role == ROLE_CLINIC_ADMIN)
        )
    )
    for sid, name, minutes, places, cid, district in earlier:
        hours = tuple(
            (h.weekday, h.start, h.end, h.break_start, h.break_end)
            for h in db.session.scalars(
                select(WeeklyHours).where(WeeklyHours.service_id == sid).order_by(WeeklyHours.weekday)
            )
        )
        if hours:
            entries.append(
                (sid, name, minutes, places, cid, district, hours, "desk" if cid in desk_clinics else "persona")
            )
    # The domain seeders' services hold the personas' bookings: the weekdays they fall on keep their
    # whole hours (cut, a booking would lie outside them: a place the schedule does not offer), the
    # other weekdays are cut like any service's.
    persona_ids = [e[0] for e in entries if e[7] in ("persona", "desk")]
    booked_weekdays: dict[int, set[int]] = {}
    for service_id, starts_at in db.session.execute(
        select(Appointment.service_id, Appointment.starts_at).where(
            Appointment.service_id.in_(persona_ids), Appointment.starts_at.is_not(None)
        )
    ):
        local = (starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)).astimezone(clock.KARACHI)
        booked_weekdays.setdefault(service_id, set()).add(local.weekday())
    db.session.execute(delete(WeeklyHours).where(WeeklyHours.service_id.in_(persona_ids)))

    # Online booking is a quota of each OPD: the hours in which places can be booked on the portal
    # are cut down from the full opening hours so that the places offered fit the demand of the
    # size (about 60 % of them booked), and utilisation looks like a real booking system's; but
    # never below realistic hours (see _quota_hours), so a small dataset's clinics are less full.
    days = [today + timedelta(days=offset) for offset in range(-PAST_DAYS, FUTURE_DAYS + 1)]
    weekday_count = [sum(1 for d in days if d.weekday() == w) for w in range(7)]
    full_places = 0
    for _sid, _name, minutes, places, _cid, _district, hours, _cut in entries:
        for weekday, starts in _starts(hours, minutes).items():
            full_places += len(starts) * places * weekday_count[weekday]
    ratio = min(1.0, size.appointments / 0.6 / max(1, full_places))

    plans: list[ServicePlan] = []
    hour_rows = []
    for service_id, name, minutes, places, clinic_id, district, base_hours, cut in entries:
        if cut == "desk":
            hours = base_hours
        elif cut == "persona":
            booked = booked_weekdays.get(service_id, set())
            whole = tuple(h for h in base_hours if h[0] in booked)
            rest = tuple(h for h in base_hours if h[0] not in booked)
            hours = tuple(sorted(whole + (_quota_hours(rng, rest, ratio, minutes, main=False) if rest else ())))
        else:
            hours = _quota_hours(rng, base_hours, ratio, minutes, main=cut == "main")
        hour_rows.extend(
            {
                "service_id": service_id,
                "weekday": weekday,
                "start": start,
                "end": end,
                "break_start": b_start,
                "break_end": b_end,
            }
            for weekday, start, end, b_start, b_end in hours
        )
        popularity = rng.uniform(0.55, 1.0) * (1.15 if district in data.BIG_CITIES else 1.0)
        plans.append(
            ServicePlan(
                service_id,
                clinic_id,
                district,
                name,
                minutes,
                places,
                _starts(hours, minutes),
                popularity,
                cut == "desk",
            )
        )
    insert_rows(WeeklyHours.__table__, hour_rows)
    # The demo's schedules have been in force since its clinics opened (400 days ago), the domain
    # seeders' services included: their bookings in the past days hold places offered then.
    record_offers([entry[0] for entry in entries], day=(now - timedelta(days=400)).astimezone(clock.KARACHI).date())
    progress("clinics", 0.05)

    # Calibrate the fill rate so that the expected number of appointments matches the size.

    def demand(offset: int) -> float:
        if offset <= 0:
            return 1.0
        return max(0.15, 1.0 - offset * 0.065)

    weight = 0.0
    for plan in plans:
        for day in days:
            weight += (
                len(plan.starts.get(day.weekday(), ())) * plan.places * plan.popularity * demand((day - today).days)
            )
    fill = min(1.2, size.appointments / weight) if weight else 0

    active_keys: set[str] = set()
    # Days a closure (made by a domain seeder) shuts a service: no booking is generated on them.
    closed: set[tuple[int, date]] = set()
    by_clinic: dict[int, list[int]] = {}
    for plan in plans:
        by_clinic.setdefault(plan.clinic_id, []).append(plan.id)
    for clinic_id, service_id, first, last in db.session.execute(
        select(Closure.clinic_id, Closure.service_id, Closure.start_date, Closure.end_date).where(
            Closure.end_date >= days[0], Closure.start_date <= days[-1]
        )
    ):
        for sid in [service_id] if service_id else by_clinic.get(clinic_id, ()):
            closed.update((sid, first + timedelta(days=n)) for n in range((last - first).days + 1))
    # Slots the domain seeders' bookings materialised already stay as they are.
    taken_slots = {
        (sid, starts_at)
        for sid, starts_at in db.session.execute(
            select(Slot.service_id, Slot.starts_at).where(Slot.service_id.in_([p.id for p in plans]))
        )
    }
    slot_rows: list[dict] = []
    appts: list[tuple[int, dict]] = []  # (slot row index, appointment row) of the current chunk
    totals = {"slots": 0, "appointments": 0}

    def flush_chunk() -> None:
        """Insert the slots of the chunk (their ids come back in order), then their appointments."""
        slot_ids = insert_rows(Slot.__table__, slot_rows, returning=True)
        rows = []
        for slot_index, row in appts:
            row["slot_id"] = slot_ids[slot_index]
            rows.append(row)
        insert_rows(Appointment.__table__, rows)
        totals["slots"] += len(slot_ids)
        totals["appointments"] += len(rows)
        slot_rows.clear()
        appts.clear()

    for number, plan in enumerate(plans, start=1):
        for day in days:
            starts = plan.starts.get(day.weekday())
            if not starts or (plan.id, day) in closed:
                continue
            offset = (day - today).days
            probability = min(0.98, fill * plan.popularity * demand(offset))
            if plan.desk and 0 <= offset < DESK_DAYS:
                probability = max(probability, DESK_FILL)
            for at in starts:
                starts_at = utc_at(day, at)
                chosen = [p for p in range(plan.places) if rng.random() < probability]
                if not chosen or (plan.id, starts_at) in taken_slots:
                    continue
                slot_index = len(slot_rows)
                slot = {
                    "service_id": plan.id,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(minutes=plan.slot_minutes),
                    "capacity": plan.places,
                    "booked": 0,
                }
                slot_rows.append(slot)
                for _place in chosen:
                    row = _appointment(rng, codes, plan, people, day, starts_at, now, active_keys)
                    if row is None:
                        continue
                    if row["status"] != "cancelled":
                        slot["booked"] += 1
                    appts.append((slot_index, row))
        if len(appts) >= BATCH * 10:
            flush_chunk()
            progress("appointments", 0.05 + 0.75 * number / len(plans))
    flush_chunk()
    progress("appointments", 0.8)
    return {
        "clinics": len(clinic_ids),
        "services": len(service_ids),
        "slots": totals["slots"],
        "appointments": totals["appointments"],
        "_clinic_ids": clinic_ids,
    }


def _appointment(rng, codes, plan, people, day, starts_at, now, active_keys) -> dict | None:
    index = people.pick_index(rng, None if plan.desk else plan.district)
    user_id = people.ids[index]
    dependant_id = None
    family = people.dependants.get(index)
    child_service = "Paediatrics" in plan.name or "immunisation" in plan.name
    if family and (child_service or rng.random() < 0.2):
        dependant_id = rng.choice(family)[0]
    booked_at = starts_at - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 10))
    if booked_at > now:
        booked_at = now - timedelta(hours=rng.randint(1, 48))
    row = {
        "reference": codes.reference("H"),
        "arrival_code": "".join(rng.choices(ALPHABET, k=4)),
        "user_id": user_id,
        "dependant_id": dependant_id,
        "clinic_id": plan.clinic_id,
        "service_id": plan.id,
        "starts_at": starts_at,
        "visit_date": day,
        "queue_number": None,
        "active_key": None,
        "submission_token": None,
        "walk_in": False,
        "cancelled_reason": None,
        "cancelled_reason_ur": None,
        "cancelled_by_clinic": False,
        "notes": None,
        "created_at": booked_at,
        "updated_at": booked_at,
        "arrived_at": None,
        "seen_at": None,
        "cancelled_at": None,
    }
    # Nothing is dated after the seed's instant: a visit not over by now is still booked (or arrived, once
    # its arrival time has passed), and "did not come" is recorded only once the slot has ended. The same
    # draws are made whatever the outcome, so the past stays the same data for a seed.
    roll = rng.random()
    if starts_at <= now:
        if roll < 0.08:
            _cancel(rng, row, booked_at, starts_at)
            return row
        if roll < 0.08 + 0.092:  # about one in ten of the appointments that were kept
            if starts_at + timedelta(minutes=plan.slot_minutes) <= now:
                row["status"] = "no_show"
                row["updated_at"] = min(now, starts_at + timedelta(hours=6))
                return row
            return _still_booked(row, plan, user_id, dependant_id, active_keys)
        arrived_at = starts_at - timedelta(minutes=rng.randint(5, 40))
        seen_at = starts_at + timedelta(minutes=rng.randint(0, 90))
        if seen_at <= now:
            row["status"] = "seen"
            row["arrived_at"], row["seen_at"], row["updated_at"] = arrived_at, seen_at, seen_at
        elif arrived_at <= now:  # waiting to be seen: an arrival holds no active key (health.admin.set_status)
            row["status"] = "arrived"
            row["arrived_at"], row["updated_at"] = arrived_at, arrived_at
        else:
            return _still_booked(row, plan, user_id, dependant_id, active_keys)
    else:
        if roll < 0.05:
            _cancel(rng, row, booked_at, min(starts_at, now))
        else:
            return _still_booked(row, plan, user_id, dependant_id, active_keys)
    return row


def _still_booked(row, plan, user_id, dependant_id, active_keys) -> dict | None:
    """A booking still holding its place (one per person and service, as health.services.active_key
    keeps it), or None when the person holds one for the service already."""
    key = f"{plan.id}:{user_id}:{dependant_id or 0}"
    if key in active_keys:
        return None
    active_keys.add(key)
    row["status"] = "booked"
    row["active_key"] = key
    return row


def _cancel(rng, row, booked_at, before) -> None:
    row["status"] = "cancelled"
    cancelled_at = booked_at + (before - booked_at) * rng.random()
    row["cancelled_at"] = cancelled_at
    row["updated_at"] = cancelled_at
    by_clinic = rng.random() < 0.15
    row["cancelled_by_clinic"] = by_clinic
    row["cancelled_reason"] = reason = data.CLINIC_CANCEL_REASON if by_clinic else rng.choice(data.CANCEL_REASONS)
    row["cancelled_reason_ur"] = data.CANCEL_REASONS_UR[reason]  # a look-up: no draw, the same English data


# --- education ---------------------------------------------------------------------------------


def seed_education(rng: random.Random, size: Size, people: People, codes: Codes, progress: Progress) -> dict:
    from portal.dashboard.services import CAPACITY_REFUSAL_REASON
    from portal.education.models import Certificate, Course, Enrolment, Institution, Section

    now = clock.now()
    today = clock.today()
    districts_ur = urdu_district_names()
    inst_rows = [
        {
            "name": name,
            "name_ur": data.FIXED_INSTITUTIONS_UR[name],
            "type": kind,
            "district": district,
            "address": address,
            "address_ur": place_ur(address, districts_ur),
        }
        for name, kind, district, address in data.FIXED_INSTITUTIONS
    ]
    weights = {d: w * (3 if d in data.BIG_CITIES else 1) for d, w in data.DISTRICT_WEIGHTS.items()}
    where = Weighted(weights, weights.values())
    used = {r["name"] for r in inst_rows}
    # Every district gets an IT centre first, so that the district view always has courses.
    districts = list(DISTRICT_NAMES)
    while len(inst_rows) < size.institutions:
        if districts:
            district = districts.pop(0)
            kind, pattern = data.INSTITUTION_PATTERNS[0]
        else:
            district = where.pick(rng)
            kind, pattern = rng.choice(data.INSTITUTION_PATTERNS)
        name = pattern.format(district=district)
        if name in used:
            continue
        used.add(name)
        name_ur = data.INSTITUTION_PATTERNS_UR[pattern].format(district=districts_ur[district])
        inst_rows.append(
            {
                "name": name,
                "name_ur": name_ur,
                "type": kind,
                "district": district,
                "address": f"Civil Lines, {district}",
                "address_ur": f"{data.PLACE_PARTS_UR['Civil Lines']}، {districts_ur[district]}",
            }
        )
    for row in inst_rows:
        row.update(
            contact=f"info@{row['type'].replace('_', '')}.punjab.gov.pk",
            active=True,
            created_at=now - timedelta(days=500),
        )
    inst_ids = insert_rows(Institution.__table__, inst_rows, returning=True)

    course_rows, course_meta = [], []
    for inst_id, inst in zip(inst_ids, inst_rows, strict=True):
        categories = data.CATEGORIES_BY_TYPE[inst["type"]]
        for category in categories:
            catalogue = data.COURSES_BY_CATEGORY[category]
            # Universities teach the whole AI catalogue; a small dataset keeps few courses so that
            # its few hundred people still fill them (and some wait).
            few = size.citizens < 1000
            wanted = (
                catalogue
                if inst["type"] == "university" and category == "ai_data" and not few
                else rng.sample(catalogue, k=min(len(catalogue), 1 if few else rng.randint(1, 3)))
            )
            for title, mode, fee, duration, weeks, certificate in wanted:
                course_rows.append(
                    {
                        "institution_id": inst_id,
                        "title": title,
                        "title_ur": data.COURSE_TITLES_UR[title],
                        "category": category,
                        "description": f"{title} at {inst['name']}.",
                        "description_ur": data.COURSE_DESCRIPTION_UR.format(
                            title=data.COURSE_TITLES_UR[title], institution=inst["name_ur"]
                        ),
                        "level": "beginner",
                        "language": rng.choice(("ur", "ur_en", "en")) if category != "languages" else "ur_en",
                        "mode": mode,
                        "duration": duration,
                        "fee_paisa": fee * 100,
                        "certificate": certificate,
                        "active": True,
                        "created_at": now - timedelta(days=400),
                    }
                )
                course_meta.append((inst, weeks))
    course_ids = insert_rows(Course.__table__, course_rows, returning=True)

    # Sections: a finished cohort, a running one, an upcoming one (enrolling now).
    section_rows, section_meta = [], []
    per_course = 3 if size.enrolments / max(1, len(course_ids)) > 40 else 2
    if size.citizens < 1000:
        per_course = 1
    for course_id, course, (inst, weeks) in zip(course_ids, course_rows, course_meta, strict=True):
        if per_course == 3:
            phases = ("past", "running", "upcoming")
        elif per_course == 2:
            phases = rng.choice((("past", "upcoming"), ("running", "upcoming"), ("past", "running")))
        else:
            phases = (rng.choice(("past", "running", "upcoming")),)
        for phase in phases:
            length = timedelta(weeks=weeks)
            if phase == "past":
                start = today - length - timedelta(days=rng.randint(7, 40))
            elif phase == "running":
                start = today - timedelta(days=rng.randint(3, max(4, weeks * 7 - 3)))
            else:
                start = today + timedelta(days=rng.randint(7, 45))
            label, t0, t1, meeting = rng.choice(data.SECTION_SLOTS)
            capacity = rng.choice((20, 25, 30, 30, 35, 40))
            reserved = rng.random() < 0.35
            section_rows.append(
                {
                    "course_id": course_id,
                    "name": label,
                    "name_ur": data.SECTION_NAMES_UR[label],
                    "start_date": start,
                    "end_date": start + length,
                    "meeting_days": meeting,
                    "start_time": t0,
                    "end_time": t1,
                    "venue": inst["address"] if course["mode"] != "online" else "Online",
                    "venue_ur": inst["address_ur"] if course["mode"] != "online" else data.PLACE_PARTS_UR["Online"],
                    "capacity": capacity,
                    "enrolled_count": 0,
                    "reserved_kind": "gender" if reserved else None,
                    "reserved_value": "female" if reserved else None,
                    "reserved_seats": capacity * 3 // 10 if reserved else 0,
                    "reserved_taken": 0,
                    "reserved_released": False,
                    "enrol_opens": start - timedelta(days=30),
                    "enrol_closes": start - timedelta(days=2),
                    "needs_approval": course["category"] == "ai_data" and rng.random() < 0.3,
                    "drop_deadline": start + timedelta(days=7),
                    "waitlist_enabled": True,
                    "waitlist_cap": rng.choice((None, 5, 10)),
                    "closed": False,
                    "created_at": now - timedelta(days=200),
                }
            )
            section_meta.append((phase, course, inst, course_id))
    total_capacity = sum(r["capacity"] for r in section_rows)
    # People applying per seat: calibrated so the number of enrolment rows is about the target.
    demand = size.enrolments / max(1, total_capacity)

    enrol_rows: list[dict] = []
    owners: list[tuple[int, int]] = []  # (section index, person index or -1) for certificates
    taken: dict[int, set[str]] = {}
    for section_index, (row, (phase, course, inst, course_id)) in enumerate(
        zip(section_rows, section_meta, strict=True)
    ):
        popularity = rng.uniform(0.5, 1.9) * (1.3 if course["category"] == "ai_data" else 1.0)
        applicants = max(1, round(row["capacity"] * demand * popularity))
        if phase == "upcoming":
            # Nobody applies before enrolment opens (a cohort opening later has no one yet).
            opened = (today - row["enrol_opens"]).days
            applicants = max(1, round(applicants * min(1.0, opened / 30 + 0.2))) if opened >= 0 else 0
        closes_passed = today > row["enrol_closes"]
        used_keys = taken.setdefault(course_id, set())
        waitlist: list[dict] = []
        window_end = min(row["enrol_closes"], today - timedelta(days=1) if phase == "upcoming" else row["enrol_closes"])
        window = max(1, (window_end - row["enrol_opens"]).days)
        opens_at = utc_at(row["enrol_opens"], time(0, 0))  # the first instant anyone can apply (Karachi)
        reserved_room = row["reserved_seats"]
        first = len(enrol_rows)
        for _ in range(applicants):
            for _attempt in range(6):  # someone who has not applied to this course yet
                index = people.pick_index(rng, inst["district"])
                dependant = None
                family = people.dependants.get(index)
                if family and course["category"] == "school":
                    dependant = rng.choice(family)
                key = f"d{dependant[0]}" if dependant else f"u{people.ids[index]}"
                if key not in used_keys:
                    break
            else:
                continue
            used_keys.add(key)
            gender = dependant[2] if dependant else people.genders[index]
            created = utc_at(row["enrol_opens"] + timedelta(days=rng.randrange(window)), time(rng.randint(9, 21)))
            if created > now:  # within the last hours, never before enrolment opened
                created = now - timedelta(hours=rng.randint(1, 20))
                if created < opens_at:
                    created = opens_at + (now - opens_at) * rng.random()
            enrolment = {
                "reference": codes.reference("E"),
                "user_id": people.ids[index],
                "dependant_id": dependant[0] if dependant else None,
                "person_key": key,
                "section_id": section_index,
                "course_id": course_id,
                "status": None,
                "seat_kind": None,
                "submission_token": None,
                "reason": None,
                "source": "web",
                "created_at": created,
                "waitlisted_at": None,
                "decided_at": None,
                "updated_at": created,
            }
            member = row["reserved_kind"] == "gender" and gender == row["reserved_value"]
            general_room = row["capacity"] - row["reserved_seats"]
            general_used = row["enrolled_count"] - row["reserved_taken"]
            if row["needs_approval"] and phase == "upcoming" and rng.random() < 0.5:
                enrolment["status"] = "pending"
            elif member and row["reserved_taken"] < reserved_room and row["enrolled_count"] < row["capacity"]:
                _seat(row, enrolment, "reserved", created)
            elif general_used < general_room and row["enrolled_count"] < row["capacity"]:
                _seat(row, enrolment, "general", created)
            elif row["waitlist_cap"] is None or len(waitlist) < row["waitlist_cap"]:
                enrolment["status"], enrolment["waitlisted_at"] = "waitlisted", created
                waitlist.append(enrolment)
            else:
                enrolment["status"], enrolment["reason"] = "rejected", CAPACITY_REFUSAL_REASON
                enrolment["decided_at"] = created
            enrol_rows.append(enrolment)
            owners.append((section_index, index))
        _in_order_of_arrival(enrol_rows[first:])
        if closes_passed and row["reserved_kind"]:
            # Enrolment has closed: unused reserved seats went to the waitlist, first come first served.
            row["reserved_released"] = True
            while waitlist and row["enrolled_count"] < row["capacity"]:
                promoted = waitlist.pop(0)
                _seat(row, promoted, "general", promoted["created_at"] + timedelta(days=1))
                promoted["waitlisted_at"] = None
        for enrolment in enrol_rows[first:]:
            _outcome(rng, enrolment, row, phase, today)
        # A seat given up goes to the first on the waitlist at once, as education.services.promote_waitlist
        # does (the generator sets no eligibility rules; reserved seats are released by then).
        dropped_at = utc_at(row["start_date"], time(12, 0))
        while waitlist and row["enrolled_count"] < row["capacity"] and dropped_at <= now:
            promoted = waitlist.pop(0)
            _seat(row, promoted, "general", min(now, dropped_at + timedelta(minutes=1)))
            promoted["updated_at"] = promoted["decided_at"]
            if phase == "past" and rng.random() < 0.78:
                promoted["status"], promoted["updated_at"] = "completed", utc_at(row["end_date"], time(16, 0))
        if phase == "past":
            for enrolment in waitlist:
                enrolment["status"], enrolment["reason"] = "dropped", "Course started before a seat was free"
                enrolment["waitlisted_at"] = None
        if section_index % 200 == 0:
            progress("enrolments (planning)", 0.8 + 0.1 * section_index / max(1, len(section_rows)))
    section_ids = insert_rows(Section.__table__, section_rows, returning=True)
    for enrolment in enrol_rows:
        enrolment["section_id"] = section_ids[enrolment["section_id"]]
    enrol_ids = insert_rows(Enrolment.__table__, enrol_rows, returning=True)
    progress("enrolments", 0.95)

    cert_rows = []
    for enrol_id, enrolment, (section_index, person) in zip(enrol_ids, enrol_rows, owners, strict=True):
        if enrolment["status"] != "completed":
            continue
        section, (_phase, course, inst, _cid) = section_rows[section_index], section_meta[section_index]
        if not course["certificate"]:
            continue
        holder = people.names[person]
        if enrolment["dependant_id"]:
            holder = next(d[1] for d in people.dependants[person] if d[0] == enrolment["dependant_id"])
        cert_rows.append(
            {
                "enrolment_id": enrol_id,
                "code": codes.plain(10),
                "holder_name": holder,
                "course_title": course["title"],
                "institution_name": inst["name"],
                "institution_district": inst["district"],
                "start_date": section["start_date"],
                "end_date": section["end_date"],
                "issued_at": utc_at(section["end_date"], time(16, 0)),
                "issued_by_id": None,
            }
        )
    insert_rows(Certificate.__table__, cert_rows)
    return {
        "institutions": len(inst_ids),
        "courses": len(course_ids),
        "sections": len(section_ids),
        "enrolments": len(enrol_ids),
        "certificates": len(cert_rows),
        "_institution_ids": inst_ids,
    }


def _in_order_of_arrival(rows: list[dict]) -> None:
    """Give a cohort's applications their times in the order they were handled (seats, then the
    waitlist, first come first served): the times drawn, sorted. Every time set so far is the
    application's own (created, decided, waitlisted), so each moves with it."""
    times = sorted(row["created_at"] for row in rows)
    for row, when in zip(rows, times, strict=True):
        old = row["created_at"]
        for field in ("created_at", "updated_at", "decided_at", "waitlisted_at"):
            if row[field] == old:
                row[field] = when


def _seat(section: dict, enrolment: dict, kind: str, when: datetime) -> None:
    section["enrolled_count"] += 1
    if kind == "reserved":
        section["reserved_taken"] += 1
    enrolment["status"], enrolment["seat_kind"], enrolment["decided_at"] = "enrolled", kind, when


def _outcome(rng: random.Random, enrolment: dict, section: dict, phase: str, today: date) -> None:
    """What happened later to a person holding a seat: completion, or dropping out (seat freed)."""
    if enrolment["status"] != "enrolled":
        return
    roll = rng.random()
    end = utc_at(section["end_date"], time(16, 0))
    if phase == "past" and roll < 0.78:
        enrolment["status"], enrolment["updated_at"] = "completed", end
    elif phase != "upcoming" and roll > 0.9:
        enrolment["status"], enrolment["reason"] = "dropped", rng.choice(data.DROP_REASONS)
        section["enrolled_count"] -= 1
        if enrolment["seat_kind"] == "reserved":
            section["reserved_taken"] -= 1
        enrolment["seat_kind"] = None
        enrolment["updated_at"] = utc_at(section["start_date"], time(12, 0))
