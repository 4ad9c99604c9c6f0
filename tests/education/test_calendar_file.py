"""The calendar file of a person's classes: on the class days in Karachi whatever the hour, cancelled
for a place given up, and never an error page for a section with odd dates."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from portal.education import catalogue, exports, services
from portal.extensions import db

KARACHI = ZoneInfo("Asia/Karachi")


def events(raw: bytes):
    return Calendar.from_ical(raw).walk("VEVENT")


def class_times(event) -> list:
    """Every class of ``event`` as a Karachi time, the weekly rule expanded as a calendar app does."""
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(event["dtstart"].params["TZID"]) == "Asia/Karachi"
    rule = event["rrule"].to_ical().decode()
    assert rule.split("UNTIL=")[1].split(";")[0].endswith("Z")  # RFC 5545: UTC with a TZID start
    return [o.astimezone(KARACHI) for o in rrulestr(rule, dtstart=start)]


def mondays_and_wednesdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() in (0, 2)]


@pytest.mark.parametrize(("starts", "ends"), [(time(4, 30), time(6, 0)), (time(18, 0), time(19, 30))])
def test_weekly_classes_fall_on_their_days_in_karachi(make_section, make_user, starts, ends):
    # A class before 05:00 Karachi is still the day before in UTC: written in UTC, "every Monday and
    # Wednesday" would have moved each class to Tuesday and Thursday.
    section = make_section(start_time=starts, end_time=ends, meeting_days="mon,wed")
    enrolment = services.enrol(make_user(), section.id).enrolment
    db.session.commit()
    raw = exports.sessions_ics([enrolment], "portal.test")
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:Asia/Karachi" in raw
    (event,) = events(raw)
    classes = class_times(event)
    assert [c.date() for c in classes] == mondays_and_wednesdays(date(2026, 3, 16), date(2026, 5, 16))
    assert {(c.hour, c.minute) for c in classes} == {(starts.hour, starts.minute)}
    assert event.decoded("dtend").astimezone(KARACHI).time() == ends


def test_the_calendar_pages_give_an_early_class_on_its_days(client, auth, make_section, make_user):
    user = make_user()
    section = make_section(start_time=time(4, 30), end_time=time(6, 0), meeting_days="mon,wed")
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    for path in (f"/my-courses/{enrolment.reference}/calendar.ics", "/my-courses/all/calendar.ics"):
        with client.get(path) as response:
            assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
            (event,) = events(response.get_data())
        assert {c.strftime("%a %H:%M") for c in class_times(event)} == {"Mon 04:30", "Wed 04:30"}


def test_a_place_given_up_answers_with_its_classes_cancelled(client, auth, make_section, make_user, school_admin):
    user = make_user()
    dropped_section, removed_section = make_section(), make_section()
    admin = school_admin(removed_section.course.institution)
    dropped = services.enrol(user, dropped_section.id).enrolment
    removed = services.enrol(user, removed_section.id).enrolment
    db.session.commit()
    auth.login(user)
    before = events(client.get(f"/my-courses/{dropped.reference}/calendar.ics").get_data())[0]
    assert str(before["status"]) == "CONFIRMED" and before["sequence"] == 0
    services.drop(user, dropped.reference)
    services.reject(admin, removed.id, "Did not attend.")
    db.session.commit()
    for enrolment in (dropped, removed):
        with client.get(f"/my-courses/{enrolment.reference}/calendar.ics") as response:
            assert response.status_code == 200
            (event,) = events(response.get_data())
        assert (
            str(event["uid"])
            == f"{enrolment.reference}@localhost"
            == str(before["uid"]).replace(dropped.reference, enrolment.reference)
        )
        assert str(event["status"]) == "CANCELLED" and event["sequence"] == 1
        assert str(event["summary"]).startswith("Cancelled: ")
    # The file of all courses holds the current seats only.
    assert not events(client.get("/my-courses/all/calendar.ics").get_data())


def test_a_request_or_a_waitlist_place_has_no_calendar_file(client, auth, make_section, make_user):
    user = make_user()
    asking = services.enrol(user, make_section(needs_approval=True).id).enrolment
    waiting_section = make_section(capacity=1)
    services.enrol(make_user(), waiting_section.id)
    waiting = services.enrol(user, waiting_section.id).enrolment
    db.session.commit()
    assert (asking.status, waiting.status) == ("pending", "waitlisted")
    auth.login(user)
    for enrolment in (asking, waiting):
        assert client.get(f"/my-courses/{enrolment.reference}/calendar.ics").status_code == 404
    assert not events(client.get("/my-courses/all/calendar.ics").get_data())


def test_class_times_without_class_days(client, auth, make_section, make_user):
    """Several weeks without class days cannot be put in a calendar (a single event on the first day
    would say the course is one day); a one-day section can."""
    user = make_user()
    weeks = make_section(meeting_days="")
    one_day = make_section(meeting_days="", start_date=date(2026, 3, 21), end_date=date(2026, 3, 21))
    several = services.enrol(user, weeks.id).enrolment
    single = services.enrol(user, one_day.id).enrolment
    db.session.commit()
    assert not exports.has_calendar(weeks) and exports.has_calendar(one_day)
    auth.login(user)
    assert "calendar.ics" not in client.get(f"/my-courses/{several.reference}").get_data(as_text=True)
    assert client.get(f"/my-courses/{several.reference}/calendar.ics").status_code == 404
    (event,) = events(client.get(f"/my-courses/{single.reference}/calendar.ics").get_data())
    assert "rrule" not in event
    assert event.decoded("dtstart").astimezone(KARACHI).isoformat() == "2026-03-21T09:00:00+05:00"
    (event,) = events(client.get("/my-courses/all/calendar.ics").get_data())
    assert str(event["uid"]).startswith(single.reference)


@pytest.mark.parametrize("first_day", [date(1, 1, 1), date(1999, 12, 31)])
def test_a_section_with_impossible_dates_is_left_out_not_an_error(
    client, auth, make_section, make_user, app, first_day
):
    """Such a section can no longer be made (test_section_dates), but one made before must not break
    the pages of the people in it."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    user = make_user()
    odd = services.enrol(user, make_section(start_date=first_day, start_time=time(1, 0), end_time=time(2, 0)).id)
    fine = services.enrol(user, make_section().id)
    db.session.commit()
    auth.login(user)
    assert client.get("/my-courses").status_code == 200
    assert client.get(f"/my-courses/{odd.enrolment.reference}").status_code == 200
    assert client.get(f"/my-courses/{odd.enrolment.reference}/calendar.ics").status_code == 404
    with client.get("/my-courses/all/calendar.ics") as response:
        assert response.status_code == 200
        uids = [str(e["uid"]).split("@")[0] for e in events(response.get_data())]
    assert uids == [fine.enrolment.reference]


def test_a_file_downloaded_after_the_classes_moved_replaces_the_event_in_the_calendar(
    client, auth, make_section, make_user, school_admin
):
    """A calendar app replaces an imported event only with a higher SEQUENCE (RFC 5545): each change of
    the classes' dates, days, times or venue raises it, a change of the last day to drop does not, and
    the cancelled file after them is higher still."""
    from tests.education.test_admin_services import section_data

    user = make_user()
    section = make_section(start_time=time(9, 0), end_time=time(11, 0), meeting_days="mon,wed")
    admin = school_admin(section.course.institution)
    enrolment = services.enrol(user, section.id).enrolment
    db.session.commit()
    auth.login(user)
    path = f"/my-courses/{enrolment.reference}/calendar.ics"

    def event():
        return events(client.get(path).get_data())[0]

    first = event()
    assert first["sequence"] == 0
    catalogue.save_section(
        admin, section_data(section, start_time=time(14, 0), end_time=time(16, 0)), section_id=section.id
    )
    db.session.commit()
    moved = event()
    assert moved["sequence"] > first["sequence"] and moved["uid"] == first["uid"]
    assert {c.strftime("%a %H:%M") for c in class_times(moved)} == {"Mon 14:00", "Wed 14:00"}
    catalogue.save_section(admin, section_data(section, venue="Room 12, Block B"), section_id=section.id)
    db.session.commit()
    new_room = event()
    assert new_room["sequence"] > moved["sequence"] and str(new_room["location"]) == "Room 12, Block B"
    catalogue.save_section(
        admin, section_data(section, drop_deadline=section.start_date + timedelta(days=3)), section_id=section.id
    )
    db.session.commit()
    assert event()["sequence"] == new_room["sequence"]  # the classes did not move
    services.drop(user, enrolment.reference)
    db.session.commit()
    cancelled = event()
    assert str(cancelled["status"]) == "CANCELLED" and cancelled["sequence"] > new_room["sequence"]


def test_the_calendar_file_says_whose_classes_they_are(client, auth, make_course, make_section, make_user):
    """As the appointment's file names its patient: the person in the description, and a family member's
    name in the title too (a parent's calendar holds their children's classes), in the reader's language."""
    from datetime import date as day

    from portal.auth.models import Dependant

    user = make_user(full_name="Ayesha Khan")
    user.dependants.append(
        Dependant(full_name="Sara Khan", relationship_="child", date_of_birth=day(2008, 2, 3), gender="female")
    )
    db.session.commit()
    course = make_course(title="Stitching", title_ur="سلائی")
    own = services.enrol(user, make_section(course).id).enrolment
    sara = services.enrol(user, make_section().id, dependant_id=user.dependants[0].id).enrolment
    db.session.commit()
    auth.login(user)
    mine = events(client.get(f"/my-courses/{own.reference}/calendar.ics").get_data())[0]
    assert str(mine["summary"]) == "Stitching"
    assert str(mine["description"]).endswith(f"{own.reference} · Taking part: Ayesha Khan")
    hers = events(client.get(f"/my-courses/{sara.reference}/calendar.ics").get_data())[0]
    assert str(hers["summary"]) == f"{sara.course.title} (Sara Khan)"
    assert str(hers["description"]).endswith("Taking part: Sara Khan")

    client.get("/language/ur?next=/")
    mine = events(client.get(f"/my-courses/{own.reference}/calendar.ics").get_data())[0]
    assert str(mine["summary"]) == "سلائی" and str(mine["description"]).endswith("شریک: Ayesha Khan")
    services.drop(user, sara.reference)
    db.session.commit()
    hers = events(client.get(f"/my-courses/{sara.reference}/calendar.ics").get_data())[0]
    assert str(hers["summary"]).endswith("(Sara Khan)") and "شریک: Sara Khan" in str(hers["description"])
