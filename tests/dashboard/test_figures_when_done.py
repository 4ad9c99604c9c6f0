"""Dashboard figures that must agree with the tables and be counted when things were done (a seat removed
on a later day, people seen the day after arriving, hours cut in the afternoon, a clinic closed down)."""

from __future__ import annotations

from datetime import date, timedelta

from portal.dashboard import services
from portal.dashboard.services import Filters
from portal.education import services as education
from portal.extensions import db
from portal.health import admin as clinic_admin
from portal.health import services as health
from tests.dashboard import test_activity
from tests.health.conftest import karachi

places, request_ctx = test_activity.places, test_activity.request_ctx  # fixtures shared with the activity tests
TODAY = date(2026, 3, 2)  # Monday, the tests' clock (09:00 Karachi)


def day_filters(day, district=None):
    return Filters(district=district, start=day, end=day)


def test_removing_a_person_erases_the_seat_given_on_an_earlier_day(app, places, make_user, request_ctx):
    """A seat given on 2 March is an enrolment of 2 March ("kept or left since"). The admin removing the
    person on 3 March (reject of an ENROLLED place) makes it vanish from 2 March's figures."""
    section = places["Lahore"]["section"]
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    seated = education.enrol(make_user(), section.id).enrolment
    db.session.commit()
    assert seated.status == "enrolled"
    assert services.education_summary(day_filters(TODAY))["enrolments"] == 1
    assert services.activity(day_filters(TODAY))["enrolments"] == 1

    app.config["FIXED_NOW"] = "2026-03-03T10:00"
    education.reject(admin, seated.id, "Did not bring documents")
    db.session.commit()
    # The database still says the seat was given on 2 March (and taken back on 3 March) ...
    # ... but the dashboard now says nobody was given a seat on 2 March.
    assert services.education_summary(day_filters(TODAY))["enrolments"] == 1
    assert services.activity(day_filters(TODAY))["enrolments"] == 1


def test_seen_the_day_after_arrival_is_not_counted_when_it_was_done(app, places, make_user, request_ctx):
    """Checked in on 2 March, marked seen on 3 March (set_status has no day rule for "seen"): the
    "People seen" of 3 March ("counted when done") stays 0 and 2 March's rises after the fact."""
    clinic, service = places["Lahore"]["clinic"], places["Lahore"]["service"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    todays = health.book_slot(make_user(), service.id, karachi(TODAY, 11))
    db.session.commit()
    clinic_admin.set_status(admin, todays.id, "arrived", arrival_code=todays.arrival_code)
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-03T10:00"
    clinic_admin.set_status(admin, todays.id, "seen")
    db.session.commit()
    assert todays.seen_at.date() == date(2026, 3, 3)
    assert services.activity(day_filters(TODAY))["seen"] == 0
    assert services.activity(day_filters(TODAY + timedelta(days=1)))["seen"] == 1


def test_a_clinic_closed_down_vanishes_from_the_league_of_a_past_period(app, dataset, make_user, request_ctx):
    """Clinic B (Multan) took 2 places on Mon 23 Feb. Deactivated today, it is no longer in the league
    table of 23 Feb - 1 Mar, while the district row and the summary of the same period still count its
    places: the league's rows no longer add up to the province's places taken."""
    clinic = dataset["clinic_b"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    data = {name: getattr(clinic, name) for name in clinic_admin.CLINIC_FIELDS}
    clinic_admin.save_clinic(admin, clinic, data, active=False, confirm=True)
    db.session.commit()
    f = Filters(district=None, start=date(2026, 2, 23), end=date(2026, 3, 1))
    league = services.clinic_league(f)
    assert services.health_by_district(f)["Multan"]["appointments"] == 2
    assert sum(r["appointments"] for r in league) == services.health_summary(f)["places_taken"]


def _four_morning_places(app, places, make_user):
    clinic, service = places["Lahore"]["clinic"], places["Lahore"]["service"]
    app.config["FIXED_NOW"] = "2026-03-02T07:00"
    booked = [
        health.book_slot(make_user(), service.id, karachi(TODAY, h, m)) for h, m in ((9, 0), (9, 30), (10, 0), (10, 30))
    ]
    db.session.commit()
    return clinic, service, booked


def test_hours_cut_in_the_afternoon_put_the_morning_over_100_percent(app, places, make_user, request_ctx):
    """Lahore's General OPD offers 8 places on Monday 2 March (09:00-13:00, 30 min, 1 place). Four
    people booked 09:00-10:30. At 11:00 the admin cuts Monday's hours to 12:00-12:30 from now on: the
    version written today says 1 place for all of today, while the four morning places stay taken. A
    service's day counts at least the places taken on it: 4 offered, 4 taken, never 400 %."""
    clinic, service = places["Lahore"]["clinic"], places["Lahore"]["service"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    app.config["FIXED_NOW"] = "2026-03-02T07:00"
    for hour, minute in ((9, 0), (9, 30), (10, 0), (10, 30)):
        health.book_slot(make_user(), service.id, karachi(TODAY, hour, minute))
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-02T11:00"
    monday = next(h for h in service.hours if h.weekday == 0)
    from datetime import time

    clinic_admin.save_hours(admin, service, monday, 0, time(12), time(12, 30), confirm=True)
    db.session.commit()
    summary = services.health_summary(day_filters(TODAY, "Lahore"))
    assert summary["places_taken"] == 4 and summary["places_offered"] == 4
    assert summary["utilisation"] == 1
    (row,) = services.clinic_league(day_filters(TODAY, "Lahore"))
    assert row["utilisation"] == 1
    assert services.health_by_district(day_filters(TODAY))["Lahore"]["utilisation"] == 1
    assert services.busiest_services(day_filters(TODAY, "Lahore"))[0]["utilisation"] == 1
    # The clinic admin's own count says the same; the next Monday counts the new hours alone.
    assert clinic_admin.counts(clinic, TODAY, TODAY).places == 4
    assert services.health_summary(day_filters(TODAY + timedelta(days=7), "Lahore"))["places_offered"] == 1
    # Monday and Tuesday: Tuesday counts what it offers (8), Monday its four.
    two_days = Filters(district="Lahore", start=TODAY, end=TODAY + timedelta(days=1))
    assert services.health_summary(two_days)["places_offered"] == 4 + 8


def test_a_closure_added_for_a_day_already_begun_keeps_its_morning_places(app, places, make_user, request_ctx):
    """Four places taken and seen in the morning; at 11:00 the clinic closes the service for the rest of
    the day. The day offered no place by the closure, but the four it gave count: 4 of 4, not 4 of 0."""
    clinic, service, booked = _four_morning_places(app, places, make_user)
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    app.config["FIXED_NOW"] = "2026-03-02T06:00"  # 11:00 Karachi
    for appointment in booked:
        clinic_admin.set_status(admin, appointment.id, "arrived", arrival_code=appointment.arrival_code)
        clinic_admin.set_status(admin, appointment.id, "seen")
    db.session.commit()
    clinic_admin.add_closure(admin, clinic, service.id, TODAY, TODAY, "Doctor called away", confirm=True)
    db.session.commit()
    summary = services.health_summary(day_filters(TODAY, "Lahore"))
    assert summary["places_taken"] == 4 and summary["places_offered"] == 4
    assert summary["utilisation"] == 1
    assert clinic_admin.counts(clinic, TODAY, TODAY).places == 4
    assert services.health_summary(day_filters(TODAY, "Multan"))["places_offered"] == 8


def test_lahore_official_downloads_see_only_lahore(client, auth, dataset, lahore_official):
    auth.login(lahore_official)
    for name in (
        "districts",
        "unmet_district",
        "health_districts",
        "clinics",
        "today",
        "health_daily",
        "education_fill",
        "unmet_category",
        "education_daily",
        "health_services",
    ):
        body = client.get(f"/dashboard/export/{name}.csv?start=2026-02-01&end=2026-03-02").get_data(as_text=True)
        assert "Multan" not in body, name
        assert "Clinic B" not in body, name
    assert client.get("/dashboard/export/today.csv?district=Multan").status_code == 404
    assert client.get("/dashboard/present/1?district=Multan").status_code == 404
    html = client.get("/dashboard/districts").get_data(as_text=True)
    assert "Multan" not in html


def test_a_removal_is_counted_on_its_own_day_and_the_seat_stays_on_its_day(app, places, make_user, request_ctx):
    section = places["Lahore"]["section"]
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    seated = education.enrol(make_user(), section.id).enrolment
    education.enrol(make_user(), section.id)  # the second of two seats
    waiting = education.enrol(make_user(), section.id).enrolment
    db.session.commit()
    assert waiting.status == "waitlisted"
    app.config["FIXED_NOW"] = "2026-03-03T10:00"
    education.reject(admin, seated.id, "Did not bring documents")
    db.session.commit()
    assert seated.decided_at.date() == date(2026, 3, 2) and seated.removed_at.date() == date(2026, 3, 3)
    assert waiting.status == "enrolled"  # moved up into the seat freed: a seat given on 3 March
    on_the_3rd = services.activity(day_filters(TODAY + timedelta(days=1)))
    assert on_the_3rd["removed"] == 1 and on_the_3rd["enrolments"] == 1
    assert on_the_3rd["dropped"] == 0 and on_the_3rd["refused"] == 0
    assert services.activity(day_filters(TODAY)) == {
        **services.activity(day_filters(TODAY)),
        "enrolments": 2,
        "removed": 0,
    }
    both = Filters(district=None, start=TODAY, end=TODAY + timedelta(days=1))
    assert services.education_summary(both)["enrolments"] == 3  # kept or taken back since
    assert services.education_by_district(both)["Lahore"]["enrolments"] == 3
    # A seat never held: ending a waitlist place is no removal and no seat.
    waiting_place = education.enrol(make_user(), section.id).enrolment
    db.session.commit()
    assert waiting_place.status == "waitlisted"
    education.reject(admin, waiting_place.id, "Course full")
    db.session.commit()
    assert waiting_place.removed_at is None and waiting_place.decided_at.date() == date(2026, 3, 3)
    assert services.activity(day_filters(TODAY + timedelta(days=1)))["removed"] == 1
    assert services.education_summary(both)["enrolments"] == 3


def test_a_person_removed_from_a_course_stays_in_its_completion_rate(app, places, make_user, request_ctx):
    section = places["Lahore"]["section"]
    admin = make_user(roles=[("school_admin", section.course.institution_id)])
    seated = education.enrol(make_user(), section.id).enrolment
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-20T10:00"
    education.reject(admin, seated.id, "Never came")
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-05-20T10:00"
    ended = Filters(district=None, start=date(2026, 5, 1), end=date(2026, 5, 19))
    assert services.education_summary(ended)["completion_rate"] == 0  # 0 of 1, not "no one held a seat"


def test_checked_in_is_counted_on_the_day_of_arrival_and_an_undo_takes_it_back(app, places, make_user, request_ctx):
    clinic, service = places["Lahore"]["clinic"], places["Lahore"]["service"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    visit = health.book_slot(make_user(), service.id, karachi(TODAY, 11))
    db.session.commit()
    clinic_admin.set_status(admin, visit.id, "arrived", arrival_code=visit.arrival_code)
    db.session.commit()
    assert services.activity(day_filters(TODAY))["checked_in"] == 1
    assert services.activity(day_filters(TODAY, "Multan"))["checked_in"] == 0
    assert services.activity(day_filters(TODAY, "Lahore"))["checked_in"] == 1
    clinic_admin.undo_status(admin, visit.id)
    db.session.commit()
    assert services.activity(day_filters(TODAY))["checked_in"] == 0
    # Checked in on the 2nd, seen on the 3rd: each counted on its own day only.
    clinic_admin.set_status(admin, visit.id, "arrived", arrival_code=visit.arrival_code)
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-03T10:00"
    clinic_admin.set_status(admin, visit.id, "seen")
    db.session.commit()
    assert services.activity(day_filters(TODAY)) | {} == {
        **services.activity(day_filters(TODAY)),
        "checked_in": 1,
        "seen": 0,
    }
    assert services.activity(day_filters(TODAY + timedelta(days=1)))["checked_in"] == 0


def test_the_league_marks_a_clinic_closed_down_and_lists_none_that_did_nothing(
    app, client, auth, dataset, provincial, make_user
):
    from portal.health.models import Clinic

    clinic = dataset["clinic_b"]
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    with app.test_request_context():
        data = {name: getattr(clinic, name) for name in clinic_admin.CLINIC_FIELDS}
        clinic_admin.save_clinic(admin, clinic, data, active=False, confirm=True)
        idle = Clinic(name="Clinic Idle", type="bhu", district="Multan", address="x", active=False)
        db.session.add(idle)
        db.session.commit()
    auth.login(provincial)
    body = client.get("/dashboard/export/clinics.csv?start=2026-02-23&end=2026-03-01").get_data(as_text=True)
    assert "Clinic B (closed down)" in body
    assert "Clinic Idle" not in body
    html = client.get("/dashboard/health?start=2026-02-23&end=2026-03-01").get_data(as_text=True)
    assert "Clinic B (closed down)" in html
    client.get("/language/ur?next=/dashboard/")
    body = client.get("/dashboard/export/clinics.csv?start=2026-02-23&end=2026-03-01").get_data(as_text=True)
    assert "(closed down)" not in body and "Clinic B" in body  # said in Urdu


def test_figures_whose_meaning_changed_are_not_served_from_values_cached_before(
    app, places, make_user, request_ctx, monkeypatch
):
    """A value cached under the key of the code before this change (no version) is left alone: the
    activity of the day is computed afresh, with its new row, rather than a dict without it served."""
    import time

    import cachelib.simple

    from portal.extensions import cache

    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    try:
        f = day_filters(TODAY)
        old_key = services.figures_key(services.activity.__wrapped__, (f,), {}).replace("activity@v3", "activity")
        assert old_key != services.figures_key(services.activity.__wrapped__, (f,), {})
        stale = {k: 0 for k in services.ACTIVITY if k != "removed"}
        cache.set(old_key, (time.time(), stale))
        assert services.activity(f)["removed"] == 0
        for fn in (
            services.health_summary,
            services.clinic_league,
            services.offered_places,
            services.education_summary,
        ):
            assert "@v2:" in services.figures_key(fn.__wrapped__, (f,), {})
        assert "@v" not in services.figures_key(services.appointments_per_day.__wrapped__, (f,), {})
        assert cachelib.simple  # the fixture's SimpleCache
    finally:
        cache.clear()
