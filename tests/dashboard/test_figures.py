"""Dashboard figures against values worked out by hand on the fixed dataset (see conftest)."""

from __future__ import annotations

from datetime import date, time

import pytest

from portal.auth.services import OfficialScope
from portal.dashboard import services
from portal.dashboard.services import Filters
from portal.extensions import db
from portal.health.models import Appointment
from portal.health.offered import starts_per_day

PROVINCE = OfficialScope(province=True, districts=frozenset())
HEALTH = Filters(district=None, start=date(2026, 2, 23), end=date(2026, 3, 1))
EDU = Filters(district=None, start=date(2026, 2, 1), end=date(2026, 3, 31))


def test_appointments_per_day(dataset):
    days = {row["day"]: row for row in services.appointments_per_day(HEALTH)}
    assert len(days) == 7
    assert days[date(2026, 2, 23)] == {"day": date(2026, 2, 23), "booked": 0, "seen": 4, "no_show": 2, "cancelled": 2}
    assert days[date(2026, 2, 24)]["seen"] == 1
    assert sum(r["booked"] for r in days.values()) == 0  # today's bookings are outside the range


def test_health_summary_province(dataset):
    summary = services.health_summary(HEALTH)
    # Nine booked for the week, two of them cancelled: seven appointments stand, the two are counted apart.
    assert summary["appointments"] == 7
    assert summary["places_taken"] == 7
    assert summary["places_offered"] == 8 + 3
    assert summary["utilisation"] == pytest.approx(7 / 11)
    assert summary["no_show_rate"] == pytest.approx(2 / 7)
    assert summary["cancelled"] == 2


def test_health_summary_district_and_service(dataset):
    lahore = services.health_summary(Filters("Lahore", HEALTH.start, HEALTH.end))
    assert (lahore["places_taken"], lahore["places_offered"]) == (5, 8)
    assert lahore["no_show_rate"] == pytest.approx(1 / 5)
    dental = services.health_summary(Filters(None, HEALTH.start, HEALTH.end, service="Dental OPD"))
    assert (dental["places_taken"], dental["places_offered"], dental["no_show_rate"]) == (2, 3, 0.5)


def test_busiest_services(dataset):
    rows = services.busiest_services(HEALTH)
    assert [(r["service"], r["appointments"], r["clinics"]) for r in rows] == [
        ("General OPD", 5, 1),
        ("Dental OPD", 2, 1),
    ]
    assert rows[0]["utilisation"] == pytest.approx(5 / 8)


def test_clinic_league(app, dataset):
    app.config["FIXED_NOW"] = "2026-03-02T02:00:00+00:00"  # Monday 07:00 in Karachi, before any opening
    rows = services.clinic_league(HEALTH)
    assert [r["clinic"] for r in rows] == ["Clinic A", "Clinic B"]
    a, b = rows
    assert (a["appointments"], a["utilisation"], a["no_show_rate"]) == (5, 5 / 8, 1 / 5)
    assert (b["appointments"], b["utilisation"], b["no_show_rate"]) == (2, pytest.approx(2 / 3), 0.5)
    # A is full today (Monday) and opens only on Mondays: next free place in 7 days; B has room today.
    assert a["days_to_free"] == 7 and b["days_to_free"] == 0
    by_wait = services.clinic_league(HEALTH, sort="days_to_free", descending=False)
    assert [r["clinic"] for r in by_wait] == ["Clinic B", "Clinic A"]


def test_days_to_the_next_free_place_are_those_the_booking_pages_offer(app, dataset):
    """At 09:00 B's only times left today (09:30, 10:30) are inside its two hours' notice, so nobody
    can book them: like the booking pages, its next free place is next Monday, not today. A week's
    closure of B pushes it a week further."""
    from portal.health.models import Closure

    app.config["FIXED_NOW"] = "2026-03-02T04:00:00+00:00"  # Monday 09:00 in Karachi
    b = dataset["clinic_b"]
    assert {r["clinic"]: r["days_to_free"] for r in services.clinic_league(HEALTH)} == {"Clinic A": 7, "Clinic B": 7}
    db.session.add(Closure(clinic_id=b.id, start_date=date(2026, 3, 9), end_date=date(2026, 3, 15), reason="Eid"))
    db.session.commit()
    assert {r["clinic"]: r["days_to_free"] for r in services.clinic_league(HEALTH)}["Clinic B"] == 14


def test_starts_per_day_matches_health_grid():
    from datetime import time

    assert starts_per_day(time(9), time(11), time(10), time(10, 30), 30) == 3
    assert starts_per_day(time(8), time(14), time(11), time(11, 30), 15) == 22
    assert starts_per_day(time(8), time(12), None, None, 60) == 4


def test_enrolments_per_day(dataset):
    days = {row["day"]: row for row in services.enrolments_per_day(EDU)}
    assert days[date(2026, 2, 10)] == {
        "day": date(2026, 2, 10),
        "enrolled": 3,
        "waitlisted": 0,
        "pending": 0,
        "other": 1,
    }
    # The application at 20:00 UTC on 28 Feb is 1 March in Karachi.
    assert days[date(2026, 3, 1)] == {"day": date(2026, 3, 1), "enrolled": 5, "waitlisted": 2, "pending": 0, "other": 2}
    assert days[date(2026, 2, 28)]["waitlisted"] == 0


def test_fill_by_category(dataset):
    rows = {r["category"]: r for r in services.fill_by_category(EDU)}
    assert (rows["ai_data"]["seats_taken"], rows["ai_data"]["seats"], rows["ai_data"]["fill_rate"]) == (3, 10, 0.3)
    assert rows["vocational"]["fill_rate"] == 1.0
    assert rows["languages"]["fill_rate"] is None


def test_unmet_demand(dataset):
    by_category = {r["category"]: r for r in services.unmet_by_category(EDU)}
    assert by_category["vocational"] == {"category": "vocational", "waitlist": 2, "refused": 1}
    assert by_category["ai_data"] == {"category": "ai_data", "waitlist": 0, "refused": 0}
    by_district = {r["district"]: r for r in services.unmet_by_district(EDU)}
    assert len(by_district) == 36
    assert by_district["Multan"] == {"district": "Multan", "waitlist": 2, "refused": 1}
    assert by_district["Lahore"]["waitlist"] == 0


def test_education_summary(dataset):
    s = services.education_summary(EDU)
    assert s["applications"] == 13
    # Seats given in the range: the seven holding one now and the one who left hers (men[1], dropped).
    assert s["enrolments"] == 9
    assert s["seat_fill_rate"] == pytest.approx(8 / 15)
    assert (s["waitlist"], s["refused"]) == (2, 1)
    assert s["completion_rate"] == pytest.approx(2 / 4)
    assert s["certificates"] == 2
    assert s["women_share"] == pytest.approx(5 / 8)
    lahore = services.education_summary(Filters("Lahore", EDU.start, EDU.end))
    assert (lahore["enrolments"], lahore["waitlist"], lahore["certificates"]) == (4, 0, 2)
    assert lahore["women_share"] == pytest.approx(2 / 3)


def test_district_table(dataset):
    rows = services.district_table(HEALTH, PROVINCE)
    assert len(rows) == 36
    by = {r["district"]: r for r in rows}
    assert by["Lahore"]["appointments"] == 5 and by["Lahore"]["utilisation"] == 5 / 8
    assert by["Multan"]["enrolments"] == 5 and by["Multan"]["refused"] == 1 and by["Multan"]["waitlist"] == 2
    assert by["Attock"]["utilisation"] is None
    ordered = services.district_table(HEALTH, PROVINCE, sort="appointments", descending=True)
    assert [r["district"] for r in ordered[:2]] == ["Lahore", "Multan"]
    lahore_only = services.district_table(HEALTH, OfficialScope(False, frozenset({"Lahore"})))
    assert [r["district"] for r in lahore_only] == ["Lahore"]


def test_figures_join_clinics_services_and_courses_only_when_they_are_named():
    """Every appointment has a clinic and a service, every enrolment a section and a course: a count
    that filters on none of them reads the appointments (enrolments) alone, which on `large` is what
    makes the 30-day figures fast; a filter or a column that names one brings its join."""
    from sqlalchemy import func

    from portal.education.models import Course, Enrolment, Institution
    from portal.health.models import Service

    def sql(query) -> str:
        return " ".join(str(query).split())

    plain = sql(services._appointments(func.count(), where=services._health_conditions(HEALTH)))
    assert "JOIN" not in plain and "health_clinics" not in plain
    lahore = sql(
        services._appointments(
            func.count(), where=services._health_conditions(Filters("Lahore", HEALTH.start, HEALTH.end))
        )
    )
    assert "JOIN health_clinics" in lahore and "health_services" not in lahore
    by_service = sql(services._appointments(Service.name, func.count()))
    assert "JOIN health_services" in by_service and "health_clinics" not in by_service

    assert "JOIN" not in sql(services._enrolments(func.count(), where=[Enrolment.status == "enrolled"]))
    by_district = sql(services._enrolments(Institution.district, func.count()))
    assert "JOIN edu_courses" in by_district and "JOIN edu_institutions" in by_district
    assert "edu_sections" not in by_district
    by_category = sql(services._enrolments(func.count(), where=[Course.category == "ai_data"]))
    assert "JOIN edu_courses" in by_category and "edu_institutions" not in by_category


def test_queue_tokens_take_no_place_as_for_the_clinic_admin(app, make_service, make_user):
    """A walk-in's queue token (no slot, a queue number) is a visit but takes none of the places offered:
    the official's places taken, utilisation and days to the next free place agree with the clinic admin's
    own figure. Today (Monday 2 March) the service offers 2 places: 1 taken by a walk-in into a slot, and 3
    queue tokens given at the counter."""
    from portal.health import admin

    today = date(2026, 3, 2)
    app.config["FIXED_NOW"] = "2026-03-02T01:00:00+00:00"  # 06:00 in Karachi: 09:30 is beyond the notice
    service = make_service(places_per_slot=1, slot_minutes=30, hours=[(0, time(9), time(10))])
    clinic_admin = make_user(roles=[("clinic_admin", service.clinic_id)])
    with app.test_request_context():
        admin.register_walk_in(clinic_admin, service.clinic, service.id, "3520200000001", "P S", None, "slot")
        for i in range(3):
            admin.register_walk_in(clinic_admin, service.clinic, service.id, f"352020000010{i}", "P Q", None, "queue")
    db.session.commit()
    clinic_view = admin.counts(service.clinic, today, today)
    assert (clinic_view.used, clinic_view.places) == (1, 2)

    day = Filters(district=None, start=today, end=today)
    summary = services.health_summary(day)
    assert (summary["places_taken"], summary["places_offered"]) == (1, 2)
    assert summary["utilisation"] == clinic_view.utilisation == 0.5
    assert summary["appointments"] == 4  # every visit, queue tokens included
    [busiest] = services.busiest_services(day)
    assert (busiest["appointments"], busiest["utilisation"]) == (1, 0.5)
    [league] = services.clinic_league(day)
    assert (league["appointments"], league["utilisation"]) == (1, 0.5)
    assert league["days_to_free"] == 0  # one place is still free today
    district = services.health_by_district(day)[service.clinic.district]
    assert (district["appointments"], district["utilisation"]) == (1, 0.5)


def test_queue_tokens_are_visits_seen_and_no_shows(dataset, make_user):
    """Queue tokens seen or missed count in the appointments and the no-show rate, not in places taken."""
    a = dataset["clinic_a"]
    opd = a.services[0]
    monday = date(2026, 2, 23)
    for number, status in enumerate(("seen", "seen", "no_show"), start=1):
        user = make_user()
        db.session.add(
            Appointment(
                reference=f"H-Q{number:03d}-TEST",
                arrival_code="QQQQ",
                user_id=user.id,
                clinic_id=a.id,
                service_id=opd.id,
                visit_date=monday,
                queue_number=number,
                status=status,
                walk_in=True,
            )
        )
    db.session.commit()
    summary = services.health_summary(HEALTH)
    assert (summary["appointments"], summary["seen"], summary["no_show"]) == (10, 7, 3)
    assert summary["places_taken"] == 7  # as without the tokens (test_health_summary_province)
    assert summary["no_show_rate"] == pytest.approx(3 / 10)
    lahore = services.clinic_league(HEALTH)[0]
    assert (lahore["clinic"], lahore["appointments"], lahore["no_show_rate"]) == ("Clinic A", 5, pytest.approx(2 / 8))


def test_a_waitlist_place_left_never_held_a_seat(dataset, make_user):
    """Completion rate and enrolments count the people given a seat. A request approved onto the
    waitlist (decided_at set at the moment it was waitlisted) and then left never held one: it is in
    neither. A place that waited, was moved up into a seat (decided later) and then left did hold one."""
    from datetime import UTC, datetime

    from portal.education.models import Enrolment, Section

    s1 = db.session.scalar(db.select(Section).where(Section.end_date == date(2026, 2, 28)))
    waited = datetime(2026, 2, 5, 10, tzinfo=UTC)
    moved_up = datetime(2026, 2, 12, 10, tzinfo=UTC)
    for n, decided in enumerate((waited, moved_up)):
        person = make_user(full_name=f"Waited {n}")
        db.session.add(
            Enrolment(
                reference=f"E-W{n:03d}-TEST",
                user_id=person.id,
                person_key=f"u{person.id}",
                section_id=s1.id,
                course_id=s1.course_id,
                status="dropped",
                created_at=waited,
                updated_at=moved_up,
                waitlisted_at=waited,
                decided_at=decided,
            )
        )
    db.session.commit()
    s = services.education_summary(EDU)
    # Before: 9 seats given, completion 2 of 4. The one moved up and then gone is a fifth seat holder.
    assert s["enrolments"] == 10
    assert s["completion_rate"] == pytest.approx(2 / 5)


def test_one_service_spelt_in_other_cases_or_spaces_is_one_service(app, dataset):
    """Clinic B calls its service "general  opd": the officials' figures count it with Clinic A's
    "General OPD", list it once to filter by, and the filter, however it is spelt, takes both."""
    from sqlalchemy import select

    from portal.health.models import Service

    dental = db.session.scalar(select(Service).where(Service.name == "Dental OPD"))
    dental.name = "general  opd"
    db.session.commit()
    rows = services.busiest_services(HEALTH)
    assert [(r["service"], r["appointments"], r["clinics"]) for r in rows] == [("General OPD", 7, 2)]
    assert rows[0]["utilisation"] == pytest.approx(7 / 11)
    assert services.service_choices(HEALTH) == [("General OPD", None)]
    for spelling in ("General OPD", "general  opd", "GENERAL OPD"):
        summary = services.health_summary(Filters(None, HEALTH.start, HEALTH.end, service=spelling))
        assert (summary["places_taken"], summary["places_offered"]) == (7, 11), spelling
    app.config["FIXED_NOW"] = "2026-03-02T02:00:00+00:00"
    assert set(services.days_to_next_free(Filters(None, HEALTH.start, HEALTH.end, service="General opd"))) == {
        dental.clinic_id,
        db.session.scalar(select(Service.clinic_id).where(Service.name == "General OPD")),
    }
