"""What `make bench` loads: the pages and journeys named in the issue, built from the seeded data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.run import CONNECTIONS, PASSWORD, Scenario

BENCH_CITIZENS = 32


def _app(database_url: str):
    from portal import create_app

    # TestingConfig's fixed clock is lifted: the server under load runs on real time.
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "FIXED_NOW": None})


def _bench_citizens(count: int) -> list[str]:
    """CNICs of citizens kept for the benchmark's flows, with the demo password (created once)."""
    cnics = [f"99999{i:08d}" for i in range(count)]
    _bench_users(cnics, "Bench Citizen")
    _release_what_earlier_runs_left(cnics)
    return cnics


def _bench_users(cnics: list[str], name: str) -> None:
    from portal.auth import services as auth_services
    from portal.auth.models import User
    from portal.extensions import db

    have = set(db.session.scalars(select(User.cnic).where(User.cnic.in_(cnics))))
    digest = auth_services.hash_password(PASSWORD)
    for i, cnic in enumerate(cnics):
        if cnic not in have:
            db.session.add(
                User(
                    full_name=f"{name} {i}",
                    cnic=cnic,
                    mobile="+923001234567",
                    district="Lahore",
                    gender="female",
                    password_hash=digest,
                )
            )
    db.session.commit()


def _release_what_earlier_runs_left(cnics: list[str]) -> None:
    """wrk stops each flow mid-journey, so every run leaves a few bench bookings and enrolments that
    were never cancelled or dropped; the next run's citizens would then be refused ("already booked")
    and complete no journey. Cancel and drop them through the services (counters stay exact)."""
    from portal.auth.models import User
    from portal.education import services as education_services
    from portal.education.models import ACTIVE_STATUSES, Enrolment
    from portal.extensions import db
    from portal.health import services as health_services
    from portal.health.models import Appointment

    users = db.session.scalars(select(User).where(User.cnic.in_(cnics))).all()
    ids = [u.id for u in users]
    # Locked, like every cancellation: gunicorn may still be finishing a cancellation that wrk sent just
    # before it stopped, and one read unlocked here would be cancelled twice and its place freed twice.
    for appointment in db.session.scalars(
        select(Appointment)
        .where(Appointment.user_id.in_(ids), Appointment.status == "booked")
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all():
        health_services.mark_cancelled(appointment, "bench reset", by_clinic=False)
    db.session.commit()
    by_id = {u.id: u for u in users}
    for user_id, reference in db.session.execute(
        select(Enrolment.user_id, Enrolment.reference).where(
            Enrolment.user_id.in_(ids), Enrolment.status.in_(ACTIVE_STATUSES)
        )
    ).all():
        try:
            education_services.drop(by_id[user_id], reference)
            db.session.commit()
        except Exception:  # noqa: BLE001 - past its drop deadline: it stays, and so does its seat
            db.session.rollback()


READER_CNIC = "9999800000000"
READER_HISTORY = 24  # cancelled bookings: more than the page lists (20), as for a long-time patient


def _reader_with_history(booking_forms: list[str]) -> str:
    """The CNIC of the citizen whose "my appointments" the benchmark reads: one upcoming booking and
    READER_HISTORY cancelled ones, made through the services the same way on every database and size.
    The flows' citizens will not do: their cancelled bookings pile up with every round on the portal
    that runs the flows, not on the small portal beside it, so the scale target would compare a page of
    twenty entries with an empty one."""
    from portal import clock
    from portal.auth.errors import DomainError
    from portal.auth.models import User
    from portal.extensions import db
    from portal.health import services as health_services
    from portal.health.models import Appointment

    _bench_users([READER_CNIC], "Bench Reader")
    reader = db.session.scalar(select(User).where(User.cnic == READER_CNIC))

    def count(*conditions) -> int:
        return db.session.scalar(select(func.count()).where(Appointment.user_id == reader.id, *conditions))

    to_cancel = max(0, READER_HISTORY - count(Appointment.status == "cancelled"))
    to_keep = 0 if count(Appointment.status == "booked", Appointment.starts_at > clock.now()) else 1
    times = iter(form.rsplit("/", 2)[-2:] for form in booking_forms)
    while to_cancel or to_keep:
        service_id, at = next(times, (None, None))
        if service_id is None:
            raise RuntimeError("not enough bookable times in the dataset to give the bench reader a history")
        try:
            booked = health_services.book_slot(reader, int(service_id), datetime.fromtimestamp(int(at), UTC))
        except DomainError:  # that time is not for this reader (full, already booked): the next one
            db.session.rollback()
            continue
        if to_cancel:
            health_services.cancel(reader, booked.reference)
            to_cancel -= 1
        else:
            to_keep = 0
        db.session.commit()
    return READER_CNIC


def build_scenarios(database_url: str, base: str, sign_in) -> list[Scenario]:
    from portal import clock
    from portal.demo.personas import PERSONAS_BY_KEY
    from portal.education.models import Course, Section
    from portal.extensions import db
    from portal.health import schedule
    from portal.health.models import Clinic, Service

    app = _app(database_url)
    with app.app_context():
        cnics = _bench_citizens(max(CONNECTIONS, 8))
        # The busiest kind of clinic in Lahore: a service with many places over the horizon.
        services = db.session.scalars(
            select(Service)
            .join(Clinic)
            .where(Clinic.active, Service.active, Clinic.district == "Lahore")
            .order_by(Service.places_per_slot.desc(), Service.id)
            .limit(12)
        ).all()
        booking_forms, availability_path = [], None
        for service in services:
            for day in schedule.availability(service):
                if day.status != schedule.DAY_OPEN:
                    continue
                availability_path = availability_path or f"/clinics/services/{service.id}"
                before = f"/clinics/services/{service.id}/{day.day.isoformat()}"
                for choice in day.times:
                    if choice.free >= 2:
                        booking_forms.append(
                            f"{before}>/appointments/book/{service.id}/{int(choice.starts_at.timestamp())}"
                        )
            if len(booking_forms) > 400:
                break
        today = clock.today()
        sections = db.session.scalars(
            select(Section)
            .join(Course)
            .where(
                Course.active,
                ~Section.closed,
                Section.enrol_opens <= today,
                Section.enrol_closes >= today,
                ~Section.needs_approval,
                Section.capacity - Section.enrolled_count >= 4,
                (Section.drop_deadline.is_(None)) | (Section.drop_deadline >= today + timedelta(days=1)),
            )
            .order_by(Section.id)
            .limit(200)
        ).all()
        enrol_forms = [
            f"/courses/{s.course_id}>/courses/sections/{s.id}/enrol"
            for s in sections
            if not s.rules and not s.course.rules
        ]
        reader = _reader_with_history(booking_forms)
        busiest_district = db.session.execute(
            select(Clinic.district, func.count()).group_by(Clinic.district).order_by(func.count().desc())
        ).first()[0]
        db.engine.dispose()

    assert availability_path and booking_forms, "the dataset has no bookable service in Lahore"
    assert enrol_forms, "the dataset has no open section without eligibility rules"
    citizen_cookies = [sign_in(base, cnic) for cnic in cnics[:CONNECTIONS]]

    def release():
        # wrk ends each round in the middle of journeys: a booking or enrolment left behind would make
        # that citizen "already booked" for the rest of the run (on `small`, a thread has one course).
        with app.app_context():
            _release_what_earlier_runs_left(cnics)
            db.engine.dispose()

    official_cookie = sign_in(base, PERSONAS_BY_KEY["provincial_official"].cnic)
    return [
        Scenario("home", "get", {"PATHS": "/"}),
        Scenario("clinic search", "get", {"PATHS": f"/clinics?district={busiest_district.replace(' ', '+')}"}),
        Scenario("availability", "get", {"PATHS": availability_path}),
        # The same page for a signed-in citizen is never shared: rendered live on every request.
        Scenario("availability, signed in", "get", {"PATHS": availability_path, "COOKIE": citizen_cookies[1]}),
        Scenario("my appointments", "get", {"PATHS": "/appointments", "COOKIE": sign_in(base, reader)}),
        Scenario(
            "booking flow",
            "flow",
            {
                "COOKIES": "|".join(citizen_cookies),
                "FORMS": "|".join(booking_forms),
                "FIELDS": "person=0",
                "UNDO": "/cancel",
            },
            target="write",
            prepare=release,
        ),
        Scenario("course search", "get", {"PATHS": "/courses?district=Lahore"}),
        Scenario(
            "enrolment flow",
            "flow",
            {
                "COOKIES": "|".join(citizen_cookies),
                "FORMS": "|".join(enrol_forms),
                "FIELDS": "person=self",
                "UNDO": "/drop",
            },
            target="write",
            prepare=release,
        ),
        Scenario(
            "officials' dashboard", "get", {"PATHS": "/dashboard/", "COOKIE": official_cookie}, target="dashboard"
        ),
        Scenario("dashboard, health", "get", {"PATHS": "/dashboard/health", "COOKIE": official_cookie}),
    ]


def check_invariants(database_url: str, confirm_dir: str) -> list[str]:
    """After the load: no slot or section over capacity, counters equal rows, and every confirmation
    page that was served names a committed booking or enrolment."""
    from portal.education.models import Enrolment, Section
    from portal.extensions import db
    from portal.health.models import Appointment, Slot

    problems = []
    app = _app(database_url)
    with app.app_context():
        over = db.session.scalar(select(func.count()).select_from(Slot).where(Slot.booked > Slot.capacity))
        if over:
            problems.append(f"{over} slots over capacity")
        active = (
            select(Appointment.slot_id, func.count().label("n"))
            .where(Appointment.status != "cancelled", Appointment.slot_id.is_not(None))
            .group_by(Appointment.slot_id)
            .subquery()
        )
        mismatched = db.session.scalar(
            select(func.count())
            .select_from(Slot)
            .join(active, active.c.slot_id == Slot.id)
            .where(active.c.n != Slot.booked)
        )
        if mismatched:
            problems.append(f"{mismatched} slots whose counter differs from their bookings")
        over = db.session.scalar(
            select(func.count()).select_from(Section).where(Section.enrolled_count > Section.capacity)
        )
        if over:
            problems.append(f"{over} sections over capacity")
        refs = set()
        for path in Path(confirm_dir).glob("confirmed-*.txt"):
            for line in path.read_text().split():
                refs.add(line.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
        health = {r for r in refs if r.startswith("H-")}
        education = {r for r in refs if r.startswith("E-")}
        found = set(db.session.scalars(select(Appointment.reference).where(Appointment.reference.in_(health))))
        found |= set(db.session.scalars(select(Enrolment.reference).where(Enrolment.reference.in_(education))))
        missing = refs - found
        if missing:
            problems.append(f"{len(missing)} confirmation pages name no stored record, e.g. {sorted(missing)[:3]}")
        db.engine.dispose()
    return problems


def explain_pages() -> list[tuple[str, str | None, str]]:
    """(label, persona key or None, path) of the pages whose queries bench/explain.py checks.
    Runs inside an app context on the benchmark database."""
    from portal.extensions import db
    from portal.health.models import Clinic, Service

    service_id = db.session.scalar(
        select(Service.id)
        .join(Clinic)
        .where(Clinic.district == "Lahore", Service.active, Clinic.active)
        .order_by(Service.places_per_slot.desc(), Service.id)
        .limit(1)
    )
    return [
        ("Availability of a service", None, f"/clinics/services/{service_id}"),
        ("My appointments", "citizen", "/appointments"),
        ("Course search", None, "/courses?district=Lahore&q=data"),
        ("Clinic search", None, "/clinics?district=Lahore"),
        ("Officials' dashboard", "provincial_official", "/dashboard/"),
        ("Officials' dashboard, health", "provincial_official", "/dashboard/health"),
        ("Officials' dashboard, education", "provincial_official", "/dashboard/education"),
    ]
