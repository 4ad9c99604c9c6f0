"""Request tests for the citizen pages at their edges: an appointment that is no longer upcoming, a time
that is full, a day that is closed or past, a page past the last, and Urdu lines holding English
names and references."""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.health.models import Appointment
from tests.conftest import csrf_token
from tests.health.conftest import MONDAY, TUESDAY, karachi
from tests.health.test_views_citizen import book, book_page, ts

MAYO_UR, OPD_UR = "میو ہسپتال او پی ڈی", "جنرل او پی ڈی"


def in_urdu(client):
    with client.session_transaction() as session:
        session["lang"] = "ur"


def booked(client, auth, make_service, citizen, **service_fields):
    """The citizen signed in with one appointment, Tuesday 9:00: (service, reference)."""
    service = make_service(**service_fields)
    auth.login(citizen)
    response, _data = book(client, service, karachi(TUESDAY, 9))
    assert response.status_code == 302
    return service, db.session.scalar(select(Appointment.reference))


def cancel(client, ref):
    path = f"/appointments/{ref}/cancel"
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def test_a_cancelled_appointment_offers_no_arrival_code_and_no_calendar(client, auth, make_service, citizen):
    service, ref = booked(client, auth, make_service, citizen)
    code = db.session.scalar(select(Appointment.arrival_code))
    html = client.get(f"/appointments/{ref}").get_data(as_text=True)
    assert code in html and "Show the arrival code at the counter" in html and "calendar.ics" in html
    assert cancel(client, ref).status_code == 302
    html = client.get(f"/appointments/{ref}").get_data(as_text=True)
    assert "This appointment was cancelled." in html and ref in html
    assert code not in html and "Show the arrival code" not in html
    assert "calendar.ics" not in html and "Add to your phone calendar" not in html
    assert "Change the time" not in html and f"/appointments/{ref}/cancel" not in html


def test_a_past_appointment_offers_no_arrival_code_and_no_calendar(app, client, auth, make_service, citizen):
    _service, ref = booked(client, auth, make_service, citizen)
    app.config["FIXED_NOW"] = karachi(TUESDAY, 10).isoformat()
    auth.login_again()  # the next day: a new sign-in (a session lasts 12 hours)
    html = client.get(f"/appointments/{ref}").get_data(as_text=True)
    assert "already taken place or its time has passed" in html
    assert "Arrival code" not in html and "calendar.ics" not in html


def test_calendar_file_of_a_cancelled_appointment_cancels_the_event(client, auth, make_service, citizen):
    _service, ref = booked(client, auth, make_service, citizen)
    code = db.session.scalar(select(Appointment.arrival_code))
    body = client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True)
    assert "STATUS:CONFIRMED" in body and code in body
    cancel(client, ref)
    with client.get(f"/appointments/{ref}/calendar.ics") as ics:
        assert ics.status_code == 200
        body = ics.get_data(as_text=True)
    assert "STATUS:CANCELLED" in body and ics_sequence(body) >= 1 and f"UID:{ref}@" in body
    assert "SUMMARY:Cancelled: General OPD at Mayo Hospital OPD" in body and code not in body


def ics_sequence(body: str) -> int:
    """The event's SEQUENCE; 0 when it has none, as RFC 5545 says."""
    found = re.search(r"^SEQUENCE:(\d+)\r?$", body, re.M)
    return int(found.group(1)) if found else 0


def test_calendar_file_after_a_reschedule_replaces_the_event_with_a_higher_sequence(
    app, client, auth, make_service, citizen
):
    """A calendar app that holds the event from the first file takes the moved time from the second
    only when its SEQUENCE is higher (same UID): the same goes for the cancellation after it."""
    _service, ref = booked(client, auth, make_service, citizen)
    first = client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True)
    assert "DTSTART:20260303T040000Z" in first  # 9:00 in Karachi
    app.config["FIXED_NOW"] = (clock.now() + timedelta(hours=2)).isoformat()
    target = f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 12))}"
    assert client.post(target, data={"csrf_token": csrf_token(client, target)}).status_code == 302
    moved = client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True)
    assert "DTSTART:20260303T070000Z" in moved and f"UID:{ref}@" in moved
    assert ics_sequence(moved) > ics_sequence(first)
    cancel(client, ref)
    cancelled = client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in cancelled and ics_sequence(cancelled) > ics_sequence(moved)


def test_calendar_file_sequence_counts_each_reschedule_even_when_the_clock_stands_still(
    client, auth, make_service, citizen
):
    """The demo's clock does not move (nor does the test's): each reschedule still raises SEQUENCE by
    one, and the cancellation by one more."""
    _service, ref = booked(client, auth, make_service, citizen)
    sequences = [ics_sequence(client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True))]
    for hour, dtstart in ((12, "20260303T070000Z"), (10, "20260303T050000Z")):
        target = f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, hour))}"
        assert client.post(target, data={"csrf_token": csrf_token(client, target)}).status_code == 302
        moved = client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True)
        assert f"DTSTART:{dtstart}" in moved and f"UID:{ref}@" in moved
        sequences.append(ics_sequence(moved))
    cancel(client, ref)
    cancelled = client.get(f"/appointments/{ref}/calendar.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in cancelled
    sequences.append(ics_sequence(cancelled))
    assert sequences == [0, 1, 2, 3]


def test_calendar_file_is_in_the_readers_language_and_never_stored(client, auth, make_clinic, make_service, citizen):
    service = make_service(clinic=make_clinic(name_ur=MAYO_UR), name_ur=OPD_UR)
    auth.login(citizen)
    book(client, service, karachi(TUESDAY, 9))
    ref = db.session.scalar(select(Appointment.reference))
    with client.get(f"/appointments/{ref}/calendar.ics") as ics:
        assert "no-store" in ics.headers["Cache-Control"]
        assert "SUMMARY:General OPD at Mayo Hospital OPD" in ics.get_data(as_text=True)
    in_urdu(client)
    with client.get(f"/appointments/{ref}/calendar.ics") as ics:
        body = ics.get_data(as_text=True)
    assert f"SUMMARY:{MAYO_UR} میں {OPD_UR}" in body and f"LOCATION:{MAYO_UR}\\, Hospital Road" in body
    assert "General OPD" not in body and "Mayo Hospital OPD" not in body


def test_cancel_and_reschedule_pages_of_a_cancelled_appointment_say_so_and_offer_nothing(
    client, auth, make_service, citizen
):
    _service, ref = booked(client, auth, make_service, citizen)
    cancel(client, ref)
    html = client.get(f"/appointments/{ref}/cancel").get_data(as_text=True)
    assert "This appointment was cancelled. It can no longer be changed." in html
    assert "Yes, cancel" not in html and "given to someone else" not in html
    # Pressed again anyway (a form kept open in another tab): the same answer, still no button.
    token = csrf_token(client, f"/appointments/{ref}")  # the page's sign-out form carries one
    html = client.post(f"/appointments/{ref}/cancel", data={"csrf_token": token}).get_data(as_text=True)
    assert html.count("This appointment was cancelled. It can no longer be changed.") == 1
    assert "Yes, cancel" not in html
    for path in (f"/appointments/{ref}/reschedule", f"/appointments/{ref}/reschedule?day={TUESDAY.isoformat()}"):
        html = client.get(path).get_data(as_text=True)
        assert "This appointment was cancelled. It can no longer be changed." in html, path
        assert "Now booked for" not in html and "You keep this time" not in html, path
        assert (
            f'href="/appointments/{ref}/reschedule/' not in html and "reschedule?day=" not in html.split("<main", 1)[1]
        )
    target = f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 12))}"
    html = client.get(target).get_data(as_text=True)
    assert "This appointment was cancelled" in html and "Move my appointment" not in html
    assert db.session.scalar(select(Appointment.starts_at)) == karachi(TUESDAY, 9)


def test_reschedule_times_mark_the_current_time_and_do_not_offer_it(client, auth, make_service, citizen):
    _service, ref = booked(client, auth, make_service, citizen, places_per_slot=1)
    html = client.get(f"/appointments/{ref}/reschedule?day={TUESDAY.isoformat()}").get_data(as_text=True)
    current = re.search(r'<span class="button secondary current-time" aria-current="time"><bdi dir="ltr">([^<]*)', html)
    assert current and "9:00" in current.group(1) and "Your current time" in html
    assert f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 9))}" not in html
    assert f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 9, 30))}" in html
    # Another day shows no marker.
    html = client.get(f"/appointments/{ref}/reschedule?day={(TUESDAY + timedelta(days=1)).isoformat()}")
    assert "Your current time" not in html.get_data(as_text=True)


def test_reschedule_confirm_checks_the_time_when_it_opens_like_booking(client, auth, make_service, citizen):
    service, ref = booked(client, auth, make_service, citizen)
    for at, says in (
        (0, "This time has already passed"),
        (ts(karachi(MONDAY, 8)), "This time has already passed"),
        (ts(karachi(TUESDAY, 11)), "does not take appointments at this time"),
        (ts(karachi(TUESDAY, 9)), "This is already the time of your appointment."),
    ):
        html = client.get(f"/appointments/{ref}/reschedule/{at}").get_data(as_text=True)
        assert says in html and "Move my appointment to this time" not in html, at
        if at in (0, ts(karachi(MONDAY, 8))):  # the same answer as the booking page's
            assert says in client.get(f"/appointments/book/{service.id}/{at}").get_data(as_text=True)
    html = client.get(f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 12))}").get_data(as_text=True)
    assert "Move my appointment to this time" in html and "There is a problem" not in html


def test_a_full_time_says_so_when_the_form_opens(client, auth, make_service, citizen, make_user):
    from portal.health import services

    service = make_service(places_per_slot=1)
    with client.application.test_request_context():
        services.book_slot(make_user(), service.id, karachi(TUESDAY, 9))
        services.book_slot(make_user(), service.id, karachi(TUESDAY, 12))
    db.session.commit()
    auth.login(citizen)
    response = client.get(book_page(service, karachi(TUESDAY, 9)))
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "This time is now full" in html
    assert "Someone else took the last place" in html and "Book this appointment" not in html
    # "Choose another time" leads to the other times of that day, not back to the list of dates.
    assert f'href="/clinics/services/{service.id}/{TUESDAY.isoformat()}">Choose another time</a>' in html
    # Moving an appointment to a full time: the same page, leading back to that day's times to move to.
    response, _data = book(client, service, karachi(TUESDAY, 10))
    ref = db.session.scalar(select(Appointment.reference).where(Appointment.user_id == citizen.id))
    response = client.get(f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 12))}")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and f'href="/appointments/{ref}/reschedule?day={TUESDAY.isoformat()}"' in html


def test_back_to_the_form_after_taking_the_last_place_shows_ones_own_booking(client, auth, make_service, citizen):
    """Booking the last place and pressing Back (or booking a second family member there) does not say
    that someone else took it: the page names the person's own booking and links to it."""
    service, ref = booked(client, auth, make_service, citizen, places_per_slot=1)
    response = client.get(book_page(service, karachi(TUESDAY, 9)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "You have booked this time" in html
    assert "Someone else" not in html and "Book this appointment" not in html
    assert f'href="/appointments/{ref}"' in html and "Ayesha Khan" in html
    # Posting the form again for the other person: the same answer, nothing booked.
    hamza = citizen.dependants[0].id
    response = client.post(
        book_page(service, karachi(TUESDAY, 9)),
        data={"csrf_token": csrf_token(client, "/account"), "submission_token": "another-form", "person": hamza},
    )
    assert response.status_code == 200 and f'href="/appointments/{ref}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Appointment.id))) == 1
    # Once cancelled it is no longer the person's, and the time is free again.
    assert cancel(client, ref).status_code == 302
    assert "Book this appointment" in client.get(book_page(service, karachi(TUESDAY, 9))).get_data(as_text=True)


def test_who_the_appointment_is_for_tells_people_with_the_same_name_apart(client, auth, make_service, make_user):
    """A son named after his father, two daughters called Fatima: the choices read '(you)' for the account
    holder, say who each family member is to them, and give the date of birth of a family member whose
    name someone else on the account has."""
    from datetime import date

    from portal.auth.models import Dependant

    service = make_service()
    father = make_user(full_name="Muhammad Ali")
    for name, born, gender in (
        ("Muhammad Ali", date(2012, 4, 1), "male"),
        ("Fatima", date(2015, 1, 9), "female"),
        ("Fatima", date(2018, 7, 2), "female"),
    ):
        father.dependants.append(Dependant(full_name=name, relationship_="child", date_of_birth=born, gender=gender))
    father.dependants.append(
        Dependant(full_name="Aslam", relationship_="parent", date_of_birth=date(1950, 1, 1), gender="other")
    )
    db.session.commit()
    auth.login(father)
    html = client.get(book_page(service, karachi(TUESDAY, 9))).get_data(as_text=True)
    labels = re.findall(r'type="radio" value="\d+"[^>]*> ([^<]+)</label>', html)
    assert labels == [
        "Muhammad Ali (you)",
        "Muhammad Ali, born Apr 1, 2012 (your son)",
        "Fatima, born Jan 9, 2015 (your daughter)",
        "Fatima, born Jul 2, 2018 (your daughter)",
        "Aslam (your mother or father)",  # gender: other
    ]
    in_urdu(client)
    html = client.get(book_page(service, karachi(TUESDAY, 9))).get_data(as_text=True)
    assert "Muhammad Ali (آپ)" in html and "Fatima، پیدائش 9 جنوری، 2015 (آپ کی بیٹی)" in html


def test_times_page_says_why_a_day_has_no_times(client, make_service):
    service = make_service(hours=[(1, time(9), time(10))])  # Tuesdays only

    def says(day):
        return client.get(f"/clinics/services/{service.id}/{day.isoformat()}").get_data(as_text=True)

    assert "The clinic is closed on this day." in says(TUESDAY + timedelta(days=1))
    assert "This date has passed." in says(MONDAY - timedelta(days=6))
    assert "at most 14 days ahead" in says(TUESDAY + timedelta(days=21))
    # A day past the horizon on which the clinic does not open: the horizon is what helps, as any day
    # that far ahead is refused; "closed on this day" sent people to another day just as far.
    assert "at most 14 days ahead" in says(TUESDAY + timedelta(days=22))
    for day in (TUESDAY + timedelta(days=1), MONDAY - timedelta(days=6), TUESDAY + timedelta(days=21)):
        assert "no free times left" not in says(day)


def test_a_page_past_the_last_goes_to_the_last_page(client, make_clinic):
    for i in range(12):
        make_clinic(name=f"BHU {i:02d}")
    response = client.get("/clinics?q=BHU&page=999")
    assert response.status_code == 302 and response.headers["Location"] == "/clinics?q=BHU&page=2"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 clinics found" in html and "No clinic matches" not in html
    response = client.get("/clinics?q=nothing&page=3")
    assert response.status_code == 302 and response.headers["Location"] == "/clinics?q=nothing&page=1"


def test_urdu_lines_isolate_references_and_names(client, auth, make_clinic, make_service, citizen):
    service = make_service(clinic=make_clinic(name_ur=MAYO_UR), name_ur=OPD_UR, practitioner="Dr. Khalid Javed")
    auth.login(citizen)
    in_urdu(client)
    book(client, service, karachi(TUESDAY, 9))
    ref = db.session.scalar(select(Appointment.reference))
    response, _data = book(client, service, karachi(TUESDAY, 10))  # the same person and service again
    html = response.get_data(as_text=True)
    # Names in Latin letters are also marked English, for a screen reader's voice.
    ayesha = '<bdi class="name" lang="en">Ayesha Khan</bdi>'
    khalid = '<bdi class="name" lang="en">Dr. Khalid Javed</bdi>'
    assert ayesha in html and f'(<bdi dir="ltr">{ref}</bdi>)' in html
    assert f"{OPD_UR}</bdi> · {khalid}" in html  # the summary
    html = client.get(f"/appointments/{ref}/cancel").get_data(as_text=True)
    assert f'<strong class="reference" dir="ltr">{ref}</strong> · {ayesha}' in html
    assert khalid in html
    html = client.get(f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 12))}").get_data(as_text=True)
    assert f"{ayesha} ·" in html and khalid in html
    html = client.get(f"/appointments/{ref}/reschedule").get_data(as_text=True)
    assert f'<bdi dir="rtl">{OPD_UR}</bdi> · <bdi dir="rtl">{MAYO_UR}</bdi> · {ayesha}' in html


def test_dates_page_counts_days_and_hours_in_words_that_fit(client, make_service):
    """ "You can book up to 1 day ahead, at least 1 hour before." (it read "1 days", "1 hours"), and a
    service that needs no notice does not say "at least 0 hours before"."""
    one = make_service(horizon_days=1, min_notice_hours=1)
    none = make_service(min_notice_hours=0)
    assert "You can book up to 1 day ahead, at least 1 hour before." in client.get(f"/clinics/services/{one.id}").text
    html = client.get(f"/clinics/services/{none.id}").text
    assert "You can book up to 14 days ahead.</p>" in html and "0 hours" not in html
    in_urdu(client)
    assert (
        "آپ 1 دن پہلے تک، اور کم از کم 1 گھنٹہ پہلے بک کر سکتے ہیں۔" in client.get(f"/clinics/services/{one.id}").text
    )


def test_a_family_member_removed_in_another_tab_is_asked_about_again_not_called_an_invalid_choice(
    client, auth, make_service, citizen
):
    from portal.auth import services as auth_services
    from tests.health.test_views_citizen import form_fields

    service = make_service()
    auth.login(citizen)
    page = book_page(service, karachi(TUESDAY, 9))
    data = form_fields(client.get(page).get_data(as_text=True))
    hamza = citizen.dependants[0]
    auth_services.remove_dependant(citizen, hamza.id)  # in another tab
    db.session.commit()
    for lang, said in (
        ("en", "The person you chose is no longer on your account"),
        ("ur", "آپ نے جس شخص کو چنا"),
    ):
        if lang == "ur":
            in_urdu(client)
        response = client.post(page, data={**data, "person": str(hamza.id)})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and said in html
        assert "Not a valid choice" not in html and 'href="#person' in html
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
