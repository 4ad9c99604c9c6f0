"""What people did on the portal today (services.activity): counted when it was done, in Karachi's day,
in the district, service and category of the filters; made through the real booking, check-in, walk-in,
enrolment, approval and drop services, and read from indexes rather than whole tables.

Clock: Monday 2 March 2026, 09:00 Karachi (04:00 UTC). Karachi's 2 March runs from 1 March 19:00 UTC to
2 March 19:00 UTC.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event

from portal.auth.models import User
from portal.dashboard import services
from portal.dashboard.services import CAPACITY_REFUSAL_REASON, Filters
from portal.education import services as education
from portal.education.models import MOVED_REASON, Course, Enrolment, Institution, Section
from portal.extensions import db
from portal.health import admin as clinic_admin
from portal.health import services as health
from portal.health.models import Appointment, Clinic, Service, WeeklyHours
from portal.health.offered import record_offers
from tests.conftest import next_cnic
from tests.health.conftest import karachi

TODAY = date(2026, 3, 2)
NEXT_MONDAY = TODAY + timedelta(days=7)
LAST_WEEK = karachi(TODAY - timedelta(days=7), 10)
NOTHING = dict.fromkeys(services.ACTIVITY, 0)
_refs = itertools.count(1)


def activity(district=None, **filters) -> dict[str, int]:
    return services.activity(Filters(district=district, start=TODAY, end=TODAY, **filters))


def done(**counts) -> dict[str, int]:
    return {**NOTHING, **counts}


@pytest.fixture
def request_ctx(app):
    """The services word their messages in the reader's language, which needs a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def places(app):
    """A clinic in Lahore (General OPD) and one in Multan (Dental OPD), open every day 09:00-13:00 with
    30-minute slots of one place; a course in Lahore (AI and data) and one in Multan (vocational), each
    with one cohort of two seats, open for enrolment."""
    found = {}
    kinds = (("Lahore", "General OPD", "ai_data"), ("Multan", "Dental OPD", "vocational"))
    for district, service_name, category in kinds:
        clinic = Clinic(name=f"Clinic {district}", type="dhq", district=district, address=district)
        service = Service(
            clinic=clinic, name=service_name, slot_minutes=30, places_per_slot=1, horizon_days=14, min_notice_hours=1
        )
        service.hours = [WeeklyHours(weekday=d, start=time(9), end=time(13)) for d in range(7)]
        institution = Institution(name=f"Institute {district}", type="it_centre", district=district)
        course = Course(institution=institution, title=f"Course {district}", category=category, mode="on_site")
        section = Section(
            course=course,
            start_date=date(2026, 3, 16),
            end_date=date(2026, 5, 16),
            capacity=2,
            enrol_opens=date(2026, 2, 20),
            enrol_closes=date(2026, 3, 10),
            drop_deadline=date(2026, 3, 20),
            waitlist_enabled=True,
        )
        db.session.add_all([clinic, service, institution, course, section])
        found[district] = {"clinic": clinic, "service": service, "section": section}
    db.session.flush()
    record_offers(entry["service"].id for entry in found.values())
    db.session.commit()
    return found


def test_a_booking_made_now_counts_today_whatever_the_day_of_its_visit(places, make_user, request_ctx):
    """The reason for the panel: the period's figures count a booking on its visit day, which the
    default period (ending today) does not reach; what was done today counts it at once."""
    citizen = make_user()
    lahore = places["Lahore"]["service"]
    health.book_slot(citizen, lahore.id, karachi(NEXT_MONDAY, 10))
    db.session.commit()
    assert activity() == done(booked=1)
    period = Filters(district=None, start=TODAY - timedelta(days=29), end=TODAY)
    assert services.health_summary(period)["appointments"] == 0


def test_cancelling_checking_in_seeing_and_a_walk_in_count_when_they_are_done(places, make_user, request_ctx):
    citizen, other = make_user(), make_user()
    clinic, service = places["Lahore"]["clinic"], places["Lahore"]["service"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    later = health.book_slot(citizen, service.id, karachi(NEXT_MONDAY, 11))
    todays = health.book_slot(other, service.id, karachi(TODAY, 11))
    db.session.commit()
    health.cancel(citizen, later.reference)
    db.session.commit()
    assert activity() == done(booked=2, cancelled=1)

    clinic_admin.set_status(admin, todays.id, "arrived", arrival_code=todays.arrival_code)
    db.session.commit()
    assert activity() == done(booked=2, cancelled=1, checked_in=1)
    clinic_admin.set_status(admin, todays.id, "seen")
    db.session.commit()
    assert activity() == done(booked=2, cancelled=1, checked_in=1, seen=1)

    clinic_admin.register_walk_in(admin, clinic, service.id, make_user().cnic, None, None, clinic_admin.WALK_IN_QUEUE)
    db.session.commit()
    assert activity() == done(booked=3, cancelled=1, checked_in=2, seen=1)


def test_a_walk_in_cancelled_as_a_mistake_is_no_longer_counted_as_checked_in(places, make_user, request_ctx):
    """Cancelling is how the counter undoes a walk-in registered by mistake: its arrival time stays on the
    row, but the person was never there."""
    clinic, service = places["Lahore"]["clinic"], places["Lahore"]["service"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    walk_in = clinic_admin.register_walk_in(
        admin, clinic, service.id, make_user().cnic, None, None, clinic_admin.WALK_IN_QUEUE
    )
    db.session.commit()
    assert activity() == done(booked=1, checked_in=1)
    clinic_admin.admin_cancel(admin, walk_in.id, "Registered by mistake")
    db.session.commit()
    assert activity() == done(booked=1, cancelled=1)


def test_enrolling_joining_a_waitlist_being_refused_and_dropping_count_when_they_are_done(
    places, make_user, request_ctx
):
    section = places["Lahore"]["section"]
    first, second, third = make_user(), make_user(), make_user()
    seated = education.enrol(first, section.id).enrolment
    education.enrol(second, section.id)
    db.session.commit()
    assert activity() == done(enrolments=2)
    assert education.enrol(third, section.id).enrolment.status == "waitlisted"
    db.session.commit()
    # A waitlist place is not an enrolment: no seat was given.
    assert activity() == done(enrolments=2, waitlisted=1)

    # The seat freed goes to the person waiting: a drop, a seat given, and no new waitlist place. The seat
    # given to the person who left was given today all the same.
    education.drop(first, seated.reference)
    db.session.commit()
    assert activity() == done(enrolments=3, waitlisted=1, dropped=1)

    # No seat and no waitlist place: the refusal is kept, and is not an enrolment made.
    section.waitlist_enabled = False
    db.session.commit()
    with pytest.raises(education.SectionFull):
        education.enrol(make_user(), section.id)
    db.session.rollback()
    education.record_capacity_refusal(make_user(), section.id)
    db.session.commit()
    assert activity() == done(enrolments=3, waitlisted=1, dropped=1, refused=1)


def test_requests_waiting_for_approval_are_not_enrolments_until_approved(places, make_user, request_ctx):
    """Three requests made today for a cohort that needs approval: three requests waiting, no enrolment.
    Approved, one is an enrolment made today; declined, one is neither."""
    section = places["Lahore"]["section"]
    section.needs_approval = True
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    db.session.commit()
    asked = [education.enrol(make_user(), section.id).enrolment for _ in range(3)]
    db.session.commit()
    assert [e.status for e in asked] == ["pending"] * 3
    assert activity() == done(requests=3)
    education.approve(admin, asked[0].id)
    db.session.commit()
    assert activity() == done(enrolments=1, requests=2)
    education.reject(admin, asked[1].id, "Not the right course for this person")
    db.session.commit()
    assert activity() == done(enrolments=1, requests=1)


def test_a_request_made_last_week_and_approved_today_is_an_enrolment_made_today(places, make_user, request_ctx):
    section = places["Lahore"]["section"]
    section.needs_approval = True
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    request = _enrolment(make_user(), section, "pending", created=LAST_WEEK)
    db.session.commit()
    assert activity() == NOTHING
    education.approve(admin, request.id)
    db.session.commit()
    assert request.status == "enrolled"
    assert activity() == done(enrolments=1)


def test_a_request_made_last_week_and_approved_onto_the_waitlist_today_counts_as_waitlisted_today(
    places, make_user, request_ctx
):
    section = places["Lahore"]["section"]
    section.needs_approval, section.enrolled_count = True, section.capacity  # no seat left
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    request = _enrolment(make_user(), section, "pending", created=LAST_WEEK)
    db.session.commit()
    assert activity() == NOTHING
    education.approve(admin, request.id)
    db.session.commit()
    assert request.status == "waitlisted"
    assert activity() == done(waitlisted=1)


def _appointment(
    service, *, created, visit=TODAY, status="booked", cancelled=None, arrived=None, seen=None
) -> Appointment:
    """An appointment; one arrived or seen is marked so at 10:00 and 10:30 on its visit day (Karachi),
    unless ``arrived`` / ``seen`` say when, as health.admin.set_status would."""
    if status in ("arrived", "seen"):
        arrived = arrived or karachi(visit, 10)
    if status == "seen":
        seen = seen or karachi(visit, 10, 30)
    appointment = Appointment(
        reference=f"H-{next(_refs):04d}-ACTV",
        arrival_code="AAAA",
        user_id=_person(),
        clinic_id=service.clinic_id,
        service_id=service.id,
        visit_date=visit,
        status=status,
        created_at=created,
        updated_at=cancelled or created,
        cancelled_at=cancelled,
        arrived_at=arrived,
        seen_at=seen,
    )
    db.session.add(appointment)
    return appointment


def _enrolment(
    user_id, section, status, *, created, updated=None, waitlisted=None, decided=None, reason=None
) -> Enrolment:
    user_id = getattr(user_id, "id", user_id)
    enrolment = Enrolment(
        reference=f"E-{next(_refs):04d}-ACTV",
        user_id=user_id,
        person_key=f"u{user_id}",
        section_id=section.id,
        course_id=section.course_id,
        status=status,
        reason=reason,
        created_at=created,
        updated_at=updated or created,
        waitlisted_at=waitlisted,
        decided_at=decided,
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def _person() -> int:
    user = User(cnic=next_cnic(), full_name="Someone", mobile="+923001112233", password_hash=None)
    db.session.add(user)
    db.session.flush()
    return user.id


def test_the_day_is_karachis_not_utcs(places):
    """Karachi is five hours ahead of UTC: 00:30 on 2 March in Karachi is still 1 March in UTC, and
    01:00 on 3 March in Karachi is 2 March in UTC."""
    service, section = places["Lahore"]["service"], places["Lahore"]["section"]
    just_after_midnight = datetime(2026, 3, 1, 19, 30, tzinfo=UTC)  # 00:30, 2 March, Karachi
    just_before_midnight = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)  # 23:30, 1 March, Karachi
    tomorrow = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 01:00, 3 March, Karachi
    assert just_after_midnight == karachi(TODAY, 0, 30)
    _appointment(service, created=just_after_midnight, visit=NEXT_MONDAY)
    _appointment(service, created=just_before_midnight, visit=NEXT_MONDAY)
    _appointment(service, created=tomorrow, visit=NEXT_MONDAY)
    _appointment(service, created=LAST_WEEK, visit=NEXT_MONDAY, status="cancelled", cancelled=just_after_midnight)
    _appointment(service, created=LAST_WEEK, visit=NEXT_MONDAY, status="cancelled", cancelled=just_before_midnight)
    _enrolment(_person(), section, "enrolled", created=just_after_midnight, decided=just_after_midnight)
    _enrolment(_person(), section, "enrolled", created=just_before_midnight, decided=just_before_midnight)
    _enrolment(_person(), section, "pending", created=just_after_midnight)
    _enrolment(_person(), section, "pending", created=just_before_midnight)
    _enrolment(_person(), section, "waitlisted", created=just_before_midnight, waitlisted=just_before_midnight)
    _enrolment(_person(), section, "dropped", created=LAST_WEEK, updated=just_before_midnight)
    _enrolment(_person(), section, "dropped", created=LAST_WEEK, updated=just_after_midnight)
    db.session.commit()
    assert activity() == done(booked=1, cancelled=1, enrolments=1, requests=1, dropped=1)


def test_checked_in_and_seen_are_counted_when_the_clinic_marked_them(places):
    service = places["Lahore"]["service"]
    for status in ("booked", "arrived", "seen", "no_show", "cancelled"):
        _appointment(service, created=LAST_WEEK, status=status)
    _appointment(service, created=LAST_WEEK, visit=TODAY - timedelta(days=1), status="seen")  # yesterday's
    # Checked in yesterday, marked seen today (set_status has no day rule for "seen"): seen today only.
    yesterday = TODAY - timedelta(days=1)
    _appointment(service, created=LAST_WEEK, visit=yesterday, status="seen", seen=karachi(TODAY, 8))
    # Karachi's day, not UTC's: checked in at 00:30 Karachi (19:30 UTC the day before) counts today.
    _appointment(service, created=LAST_WEEK, status="arrived", arrived=karachi(TODAY, 0, 30))
    db.session.commit()
    assert activity() == done(checked_in=3, seen=2)


def test_a_place_given_up_for_a_seat_in_another_cohort_is_a_move_not_a_drop(places):
    section = places["Lahore"]["section"]
    _enrolment(_person(), section, "dropped", created=LAST_WEEK, updated=karachi(TODAY, 8), reason=MOVED_REASON)
    _enrolment(_person(), section, "dropped", created=LAST_WEEK, updated=karachi(TODAY, 8), reason="Moved away")
    _enrolment(_person(), section, "rejected", created=karachi(TODAY, 8), reason=CAPACITY_REFUSAL_REASON)
    _enrolment(_person(), section, "rejected", created=karachi(TODAY, 8), reason="Not the right course")
    db.session.commit()
    # A request made today and declined today is neither an enrolment nor a request waiting; a capacity
    # refusal is a refusal.
    assert activity() == done(dropped=1, refused=1)


def test_counted_in_the_district_and_for_the_service_and_category_chosen(places):
    for district in ("Lahore", "Multan"):
        service, section = places[district]["service"], places[district]["section"]
        _appointment(service, created=karachi(TODAY, 8), visit=NEXT_MONDAY)
        _appointment(service, created=LAST_WEEK, status="arrived")
        _enrolment(_person(), section, "enrolled", created=karachi(TODAY, 8), decided=karachi(TODAY, 8))
    _appointment(places["Multan"]["service"], created=karachi(TODAY, 8, 30), visit=NEXT_MONDAY)
    db.session.commit()
    assert activity() == done(booked=3, checked_in=2, enrolments=2)
    assert activity("Lahore") == done(booked=1, checked_in=1, enrolments=1)
    assert activity("Multan") == done(booked=2, checked_in=1, enrolments=1)
    # The service chosen counts appointments only; the category, enrolments only.
    assert activity(service="Dental OPD") == done(booked=2, checked_in=1, enrolments=2)
    assert activity(category="ai_data") == done(booked=3, checked_in=2, enrolments=1)
    assert activity("Lahore", service="Dental OPD", category="vocational") == NOTHING


def test_the_counts_read_the_days_rows_from_indexes_not_whole_tables(app, places):
    """SQLite's plan (EXPLAIN QUERY PLAN) of every statement: each reads health_appointments and
    edu_enrolments through an index (SEARCH), never from end to end (SCAN), with or without the
    district, service and category filters. (PostgreSQL's plans on `large`: bench/README.md.)"""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans; PostgreSQL's are measured on `large` (python -m bench.explain)")
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        activity()
        activity("Lahore", service="General OPD", category="ai_data")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 10
    for statement, parameters in statements:
        explained = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = [row[-1] for row in explained]
        for table in ("health_appointments", "edu_enrolments"):
            assert not any(step.startswith(f"SCAN {table}") for step in plan), (statement, plan)
        assert any(step.startswith("SEARCH") and " USING " in step for step in plan), plan


# --- the overview, its CSV file and its slide --------------------------------------------------


def _today_rows(html: str) -> dict[str, str]:
    """The rows of the table of what was done today, as shown: {what: number}."""
    table = html[html.index('id="table-today"') :]
    table = table[: table.index("</table>")]
    return dict(re.findall(r'<th scope="row"[^>]*>\s*(.*?)\s*</th>\s*<td[^>]*>(.*?)</td>', table, re.S))


def _book(make_user, service, day=NEXT_MONDAY, hour=10):
    appointment = health.book_slot(make_user(), service.id, karachi(day, hour))
    db.session.commit()
    return appointment


def test_the_overview_shows_what_was_done_today_before_the_periods_figures(
    client, auth, places, make_user, request_ctx
):
    _book(make_user, places["Lahore"]["service"])
    auth.login(make_user(full_name="Provincial Official", roles=["official"]))
    html = client.get("/dashboard/").text  # the default period, which ends today
    assert '<h2 id="figure-today-title">Today on the portal</h2>' in html
    assert '<time datetime="2026-03-02">Monday, March 2, 2026</time>' in html
    assert "Counted at the moment each thing was done, since midnight (Pakistan time)" in html
    assert "What is done on the portal now shows here within about a minute." in html
    assert _today_rows(html) == {
        "Appointments booked": "1",
        "Appointments cancelled": "0",
        "People checked in at a clinic": "0",
        "People seen at a clinic": "0",
        "Enrolments made": "0",
        "Requests made today, waiting for approval": "0",
        "People put on a waitlist": "0",
        "People who left a course or a waitlist": "0",
        "People removed from a course by the school": "0",
        "Refused for capacity": "0",
    }
    assert html.index('id="figure-today"') < html.index('id="overview-health"')
    # The period's figures count the booking on its visit day, next week: not yet.
    health_cards = html[html.index('id="overview-health"') :]
    assert re.search(r'<p class="stat-label">Appointments</p><p class="stat-value">0</p>', health_cards)
    assert "/dashboard/export/today.csv" in html


def test_the_overview_shows_what_was_done_today_in_urdu(client, auth, places, make_user, request_ctx):
    _book(make_user, places["Lahore"]["service"])
    auth.login(make_user(roles=["official"]))
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/dashboard/").text
    assert '<h2 id="figure-today-title">آج پورٹل پر</h2>' in html
    assert "پورٹل پر ابھی کیا گیا کام تقریباً ایک منٹ میں یہاں نظر آ جاتا ہے۔" in html
    rows = _today_rows(html)
    assert rows["بک کی گئی اپائنٹمنٹس"] == "1" and rows["کیے گئے داخلے"] == "0"
    assert "Appointments booked" not in html and "Today on the portal" not in html


def test_a_district_official_sees_what_was_done_in_their_district_only(client, auth, places, make_user, request_ctx):
    _book(make_user, places["Lahore"]["service"])
    _book(make_user, places["Multan"]["service"])
    _book(make_user, places["Multan"]["service"], hour=11)
    auth.login(make_user(roles=[("official", "Lahore")]))
    assert _today_rows(client.get("/dashboard/").text)["Appointments booked"] == "1"
    assert client.get("/dashboard/", query_string={"district": "Multan"}).status_code == 404
    assert client.get("/dashboard/present/1", query_string={"district": "Multan"}).status_code == 404


def test_the_province_sees_every_district_or_the_one_service_and_district_chosen(
    client, auth, places, make_user, request_ctx
):
    _book(make_user, places["Lahore"]["service"])
    _book(make_user, places["Multan"]["service"])
    education.enrol(make_user(), places["Multan"]["section"].id)
    db.session.commit()
    auth.login(make_user(roles=["official"]))

    def shown(**query) -> tuple[str, str]:
        rows = _today_rows(client.get("/dashboard/", query_string=query).text)
        return rows["Appointments booked"], rows["Enrolments made"]

    assert shown() == ("2", "1")
    assert shown(district="Multan") == ("1", "1")
    assert shown(service="Dental OPD") == ("1", "1")  # the service counts appointments only
    assert shown(category="ai_data") == ("2", "0")  # the category, enrolments only
    # The dates chosen are the period's: what was done today is today's whatever they are.
    assert shown(start="2026-01-01", end="2026-01-31") == ("2", "1")


def test_what_was_done_today_downloads_as_a_csv_file_named_for_the_day(client, auth, places, make_user, request_ctx):
    _book(make_user, places["Lahore"]["service"])
    auth.login(make_user(roles=["official"]))
    response = client.get("/dashboard/export/today.csv")
    assert response.status_code == 200
    assert 'filename="today-punjab-2026-03-02.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["What was done", "Today"]
    assert rows[1] == ["Appointments booked", "1"] and len(rows) == 11
    chosen = client.get("/dashboard/export/today.csv", query_string={"district": "Lahore", "service": "General OPD"})
    assert 'filename="today-lahore-general-opd-2026-03-02.csv"' in chosen.headers["Content-Disposition"]


def test_presentation_mode_opens_on_what_was_done_today(client, auth, places, make_user, request_ctx):
    _book(make_user, places["Lahore"]["service"])
    auth.login(make_user(roles=["official"]))
    query = {"service": "General OPD", "category": "ai_data", "start": "2026-02-01", "end": "2026-02-28"}
    html = client.get("/dashboard/present/1", query_string=query).text
    assert "<h1>Today on the portal</h1>" in html
    assert '<p class="slide-place">All of Punjab · General OPD · AI and data · Today, Mar 2, 2026</p>' in html
    assert _today_rows(html)["Appointments booked"] == "1"
    assert "Slide 1 of 9" in html and "/dashboard/present/2?" in html
    # The next slide counts the period chosen, by the day of the visit.
    second = client.get("/dashboard/present/2", query_string=query).text
    assert "Appointments per day" in second and "Feb 1, 2026 – Feb 28, 2026" in second
    with client.session_transaction() as session:
        session["lang"] = "ur"
    urdu = client.get("/dashboard/present/1").text
    assert "<h1>آج پورٹل پر</h1>" in urdu and "آج، 2 مارچ، 2026" in urdu


@pytest.fixture
def shared_cache(app, monkeypatch):
    """The figures' shared cache, with a clock the test moves (the cache's expiry reads the same clock)."""
    import time as wall

    import cachelib.simple

    from portal.extensions import cache

    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    now = [1_000_000.0]
    monkeypatch.setattr(wall, "time", lambda: now[0])
    monkeypatch.setattr(cachelib.simple, "time", lambda: now[0])
    yield now
    cache.clear()


def test_a_booking_shows_once_the_figures_are_brought_up_to_date_as_the_page_says(
    client, auth, places, make_user, request_ctx, shared_cache
):
    """What was done today is one of the figures the refresher keeps up to date: within a minute."""
    auth.login(make_user(roles=["official"]))
    assert _today_rows(client.get("/dashboard/").text)["Appointments booked"] == "0"
    _book(make_user, places["Lahore"]["service"])
    shared_cache[0] += 20  # the page and its figures, shared for a while
    assert _today_rows(client.get("/dashboard/").text)["Appointments booked"] == "0"
    shared_cache[0] += services.FIGURES_REFRESH_AFTER
    assert services.refresh_figures()["refreshed"] >= 1
    assert _today_rows(client.get("/dashboard/").text)["Appointments booked"] == "1"


def test_without_the_refresher_a_booking_shows_on_the_next_look_within_well_under_a_minute(
    app, client, auth, places, make_user, request_ctx, shared_cache
):
    """`make run` (a demo) has no refresher: the next official to look recomputes what was done today
    once it is ACTIVITY_FRESH_SECONDS old, so the room sees its booking after at most that and the page
    body's DASHBOARD_PAGE_SECONDS, not the other figures' minute on top of the page's."""
    auth.login(make_user(roles=["official"]))
    assert _today_rows(client.get("/dashboard/").text)["Appointments booked"] == "0"
    _book(make_user, places["Lahore"]["service"])
    waited = max(services.ACTIVITY_FRESH_SECONDS, app.config["DASHBOARD_PAGE_SECONDS"]) + 1
    assert waited <= 45
    shared_cache[0] += waited
    assert _today_rows(client.get("/dashboard/").text)["Appointments booked"] == "1"


def test_requests_waiting_for_approval_are_shown_apart_from_enrolments_on_the_page_and_in_the_csv(
    client, auth, places, make_user, request_ctx
):
    """The reviewer's case: three requests waiting for approval, one later declined. The overview, its
    CSV file and its Urdu page say so, and count no enrolment made."""
    section = places["Lahore"]["section"]
    section.needs_approval = True
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    db.session.commit()
    asked = [education.enrol(make_user(), section.id).enrolment for _ in range(3)]
    db.session.commit()
    education.reject(admin, asked[0].id, "Not the right course for this person")
    db.session.commit()
    auth.login(make_user(roles=["official"]))
    rows = _today_rows(client.get("/dashboard/").text)
    assert rows["Enrolments made"] == "0" and rows["Requests made today, waiting for approval"] == "2"
    download = list(csv.reader(io.StringIO(client.get("/dashboard/export/today.csv").text.lstrip("\ufeff"))))
    assert ["Enrolments made", "0"] in download and ["Requests made today, waiting for approval", "2"] in download
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/dashboard/").text
    rows = _today_rows(html)
    assert rows["کیے گئے داخلے"] == "0" and rows["آج کی گئی درخواستیں جو منظوری کی منتظر ہیں"] == "2"
    assert "منظوری کی منتظر درخواست داخلہ نہیں" in html


def test_the_education_chart_of_every_application_is_not_called_enrolments(client, auth, dataset, provincial):
    auth.login(provincial)
    html = client.get("/dashboard/education").text
    assert "Applications over time" in html and "Enrolments over time" not in html
