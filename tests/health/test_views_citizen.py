"""Request tests for the citizen journey: find, choose, confirm, see, download, cancel, reschedule."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.health.models import Appointment, Slot
from tests.conftest import csrf_token, radio_choices
from tests.health.conftest import MONDAY, TUESDAY, karachi


def ts(dt) -> int:
    return int(dt.timestamp())


def book_page(service, at):
    return f"/appointments/book/{service.id}/{ts(at)}"


def form_fields(html: str) -> dict:
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return {"submission_token": token.group(1) if token else "", "csrf_token": csrf.group(1)}


def book(client, service, at, person=0):
    page = book_page(service, at)
    data = form_fields(client.get(page).get_data(as_text=True))
    data["person"] = str(person)
    return client.post(page, data=data), data


def test_find_clinics_page_filters_and_next_date(client, make_clinic, make_service):
    a = make_clinic(name="Services Hospital")
    make_service(clinic=a, name="Dental")
    b = make_clinic(name="Holy Family Hospital", district="Rawalpindi")
    make_service(clinic=b, name="Eye")
    html = client.get("/clinics").get_data(as_text=True)
    assert "Services Hospital" in html and "Holy Family Hospital" in html
    assert "Next free date" in html and "Monday, March 2, 2026" in html
    html = client.get("/clinics?district=Rawalpindi&service=&q=").get_data(as_text=True)
    assert "Holy Family Hospital" in html and "Services Hospital" not in html
    html = client.get("/clinics?service=Dental").get_data(as_text=True)
    assert "Services Hospital" in html and "Holy Family Hospital" not in html
    html = client.get("/clinics?q=nothing-like-this").get_data(as_text=True)
    assert "No clinic matches" in html
    assert client.get("/clinics?page=abc").status_code == 200
    response = client.get("/clinics?page=999")
    assert response.status_code == 302 and response.headers["Location"] == "/clinics?page=1"


def test_find_clinics_says_which_filter_it_left_out_and_applies_the_others(client, make_clinic, make_service):
    """A stale or edited link (a district misspelt, a service no clinic offers any more) is not a
    silent "0 found": the page says at the filter and in the summary that it was left out, and
    searches with the rest."""
    make_service(clinic=make_clinic(name="Services Hospital"), name="Dental")
    make_service(clinic=make_clinic(name="Holy Family Hospital", district="Rawalpindi"), name="Eye")
    response = client.get("/clinics?district=Lahor&service=Eye")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Holy Family Hospital" in html and "Services Hospital" not in html  # the service still applies
    assert '<div class="error-summary"' in html and 'href="#district"' in html
    assert 'id="district-error"' in html and "This choice is not on the list" in html
    assert 'id="service-error"' not in html
    assert re.search(r'<option selected value="Eye">Eye</option>', html)  # what was chosen stays chosen
    html = client.get("/clinics?district=Rawalpindi&service=Cardiac%20surgery").get_data(as_text=True)
    assert "Holy Family Hospital" in html and "Services Hospital" not in html
    assert 'id="service-error"' in html and 'id="district-error"' not in html
    assert "<title>Error:" in html  # the title says so too, as on every page with an error
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/clinics?district=Lahor").get_data(as_text=True)
    assert "یہ انتخاب فہرست میں نہیں، اس لیے تلاش میں اسے شامل نہیں کیا گیا۔" in html


def test_find_clinics_keeps_a_search_too_long_out_of_the_search(client, make_clinic):
    make_clinic(name="Services Hospital")
    html = client.get("/clinics?q=" + "x" * 101).get_data(as_text=True)
    assert 'id="q-error"' in html and "Services Hospital" in html
    assert 'maxlength="100"' in html and 'type="search"' in html


def test_find_clinics_for_one_service_shows_that_services_next_free_date(client, make_clinic, make_service):
    from datetime import time

    clinic = make_clinic(name="Mayo Hospital OPD")
    make_service(clinic=clinic, name="General OPD")  # free today, Monday
    make_service(clinic=clinic, name="Dental", hours=[(3, time(9), time(12))])  # Thursdays only
    html = client.get("/clinics").get_data(as_text=True)
    assert "Monday, March 2, 2026" in html
    html = client.get("/clinics?service=Dental").get_data(as_text=True)
    assert "Mayo Hospital OPD" in html
    assert "Thursday, March 5, 2026" in html and "Monday, March 2, 2026" not in html


def test_find_clinics_paginates(client, make_clinic):
    for i in range(12):
        make_clinic(name=f"BHU {i:02d}")
    html = client.get("/clinics").get_data(as_text=True)
    assert "BHU 09" in html and "BHU 10" not in html and "Page 1 of 2" in html
    assert "BHU 11" in client.get("/clinics?page=2").get_data(as_text=True)


def test_clinic_page_leads_back_to_the_clinics_of_its_district(client, make_clinic):
    clinic = make_clinic(name="Holy Family Hospital", district="Rawalpindi")
    make_clinic(name="Services Hospital")
    html = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    assert '<a href="/clinics?district=Rawalpindi">Back to clinics in Rawalpindi</a>' in html
    back = client.get("/clinics?district=Rawalpindi").get_data(as_text=True)
    assert "Holy Family Hospital" in back and "Services Hospital" not in back


def test_clinic_dates_and_times_pages(client, make_service):
    service = make_service()
    html = client.get(f"/clinics/{service.clinic_id}").get_data(as_text=True)
    assert "General OPD" in html and f"/clinics/services/{service.id}" in html
    html = client.get(f"/clinics/services/{service.id}").get_data(as_text=True)
    assert html.count('class="day day-open"') == 15
    html = client.get(f"/clinics/services/{service.id}/{TUESDAY.isoformat()}").get_data(as_text=True)
    assert "9:00" in html and "12:30" in html and "11:00" not in html
    assert book_page(service, karachi(TUESDAY, 9)) in html
    # today: only times after the two-hour notice
    html = client.get(f"/clinics/services/{service.id}/{MONDAY.isoformat()}").get_data(as_text=True)
    assert "10:30" not in html and "11:30" in html
    assert client.get(f"/clinics/services/{service.id}/not-a-date").status_code == 404
    assert client.get("/clinics/999").status_code == 404
    assert client.get("/clinics/services/999").status_code == 404


def test_booking_needs_sign_in(client, make_service):
    service = make_service()
    response = client.get(book_page(service, karachi(TUESDAY, 9)))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_book_for_family_member_then_confirmation_and_ics(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    html = client.get(book_page(service, karachi(TUESDAY, 9))).get_data(as_text=True)
    assert "Hamza Khan" in html and "Ayesha Khan" in html and "Tuesday, March 3, 2026" in html
    assert "9:00" in html and "Mayo Hospital OPD" in html
    response, _ = book(client, service, karachi(TUESDAY, 9), person=citizen.dependants[0].id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    appointment = db.session.scalar(select(Appointment))
    assert appointment.dependant_id == citizen.dependants[0].id
    assert "Your appointment is booked" in page and appointment.reference in page and appointment.arrival_code in page
    assert "Hospital Road, Lahore" in page
    # The calendar file is offered in words, without the file type a reader does not need to know.
    assert 'type="text/calendar" download>Add to your phone calendar</a>' in page and ".ics)" not in page
    with client.session_transaction() as session:
        session["lang"] = "ur"
    urdu = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ">اپنے فون کے کیلنڈر میں شامل کریں</a>" in urdu and ".ics)" not in urdu
    with client.session_transaction() as session:
        session["lang"] = "en"
    with client.get(f"/appointments/{appointment.reference}/calendar.ics") as ics:
        assert ics.status_code == 200 and ics.mimetype == "text/calendar"
        body = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "DTSTART:20260303T040000Z" in body and appointment.reference in body
    assert "DTEND:20260303T043000Z" in body
    html = client.get("/appointments").get_data(as_text=True)
    assert appointment.reference in html and "Hamza Khan" in html
    # The clinic later makes its slots longer: the booked place keeps its own end in the calendar.
    service.slot_minutes = 45
    db.session.commit()
    with client.get(f"/appointments/{appointment.reference}/calendar.ics") as ics:
        assert "DTEND:20260303T043000Z" in ics.get_data(as_text=True)
    assert "Mar 3, 2026, 9:00\u202fAM" in html and "9:00:00" not in html  # to the minute, like every time shown


def test_double_submit_creates_one_booking(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    first, data = book(client, service, karachi(TUESDAY, 9))
    second = client.post(book_page(service, karachi(TUESDAY, 9)), data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Appointment.id))) == 1
    assert db.session.scalar(select(Slot.booked)) == 1


def test_bad_inputs_on_booking(client, auth, make_service, citizen, make_user):
    service = make_service(places_per_slot=1)
    auth.login(citizen)
    # a time outside hours: message, no booking
    response, _ = book(client, service, karachi(TUESDAY, 11))
    assert response.status_code == 200 and "does not take appointments at this time" in response.get_data(as_text=True)
    # someone else's family member: the choice is not offered
    other = make_user()
    from portal.auth.models import Dependant

    other.dependants.append(Dependant(full_name="X", relationship_="child", date_of_birth=MONDAY, gender="male"))
    db.session.commit()
    response, _ = book(client, service, karachi(TUESDAY, 9), person=other.dependants[0].id)
    assert response.status_code == 200 and "is no longer on your account" in response.get_data(as_text=True)
    # missing CSRF token
    assert client.post(book_page(service, karachi(TUESDAY, 9)), data={"person": "0"}).status_code == 400
    # absurd timestamp
    assert client.get(f"/appointments/book/{service.id}/99999999999999999").status_code == 404
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_full_slot_shows_full_page(client, auth, make_service, citizen, make_user):
    service = make_service(places_per_slot=1)
    auth.login(citizen)
    page = book_page(service, karachi(TUESDAY, 9))
    data = form_fields(client.get(page).get_data(as_text=True))
    from portal.health import services

    with client.application.test_request_context():
        services.book_slot(make_user(), service.id, karachi(TUESDAY, 9))
    db.session.commit()
    response = client.post(page, data={**data, "person": "0"})
    assert response.status_code == 409 and "this time is now full" in response.get_data(as_text=True)


def test_already_booked_message(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    book(client, service, karachi(TUESDAY, 9))
    response, _ = book(client, service, karachi(TUESDAY, 10))
    assert "already has an upcoming appointment" in response.get_data(as_text=True)


def test_booking_form_greys_out_who_already_has_an_appointment_for_the_service(client, auth, make_service, citizen):
    """Ayesha booked for herself: on the next form she is greyed out with the date of hers and her son
    Hamza is chosen; once he is booked too the form says everyone is and offers no button. Her form
    opened before she booked and posted for her is still refused with her reference."""
    service = make_service()
    hamza = citizen.dependants[0].id
    auth.login(citizen)
    assert radio_choices(client.get(book_page(service, karachi(TUESDAY, 10))).get_data(as_text=True)) == {
        "0": (False, True, "Ayesha Khan (you)"),
        str(hamza): (False, False, "Hamza Khan (your son)"),
    }
    book(client, service, karachi(TUESDAY, 9))
    html = client.get(book_page(service, karachi(TUESDAY, 10))).get_data(as_text=True)
    assert radio_choices(html) == {
        "0": (True, False, "Ayesha Khan (you) (already booked for Mar 3, 2026)"),
        str(hamza): (False, True, "Hamza Khan (your son)"),
    }
    mine = db.session.scalar(select(Appointment.reference))
    refused = client.post(book_page(service, karachi(TUESDAY, 10)), data={**form_fields(html), "person": "0"})
    assert "already has an upcoming appointment" in refused.get_data(as_text=True) and mine in refused.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1

    book(client, service, karachi(TUESDAY, 10), person=hamza)
    html = client.get(book_page(service, karachi(TUESDAY, 12))).get_data(as_text=True)
    assert all(disabled for disabled, _checked, _label in radio_choices(html).values())
    assert "Everyone on your account already has an upcoming appointment for this service." in html
    assert "Book this appointment" not in html
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get(book_page(service, karachi(TUESDAY, 12))).get_data(as_text=True)
    assert "Hamza Khan (آپ کا بیٹا) (3 مارچ، 2026 کے لیے پہلے ہی بک ہے)" in html


def test_cancel_flow(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    book(client, service, karachi(TUESDAY, 9))
    ref = db.session.scalar(select(Appointment.reference))
    assert "Yes, cancel" in client.get(f"/appointments/{ref}/cancel").get_data(as_text=True)
    response = client.post(
        f"/appointments/{ref}/cancel", data={"csrf_token": csrf_token(client, f"/appointments/{ref}/cancel")}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Appointment.status)) == "cancelled"
    assert db.session.scalar(select(Slot.booked)) == 0
    # a second cancel explains itself
    response = client.post(
        f"/appointments/{ref}/cancel", data={"csrf_token": csrf_token(client, f"/appointments/{ref}/cancel")}
    )
    assert "can no longer be changed" in response.get_data(as_text=True)


def test_reschedule_flow(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    book(client, service, karachi(TUESDAY, 9))
    ref = db.session.scalar(select(Appointment.reference))
    html = client.get(f"/appointments/{ref}/reschedule").get_data(as_text=True)
    assert f"/appointments/{ref}/reschedule?day=" in html
    assert "Now booked for Mar 3, 2026, 9:00\u202fAM." in html and "9:00:00" not in html
    html = client.get(f"/appointments/{ref}/reschedule?day={TUESDAY.isoformat()}").get_data(as_text=True)
    target = f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 12))}"
    assert target in html
    response = client.post(target, data={"csrf_token": csrf_token(client, target)})
    assert response.status_code == 302
    assert db.session.scalar(select(Appointment.starts_at)) == karachi(TUESDAY, 12)
    # a time in the break is refused with a message
    bad = f"/appointments/{ref}/reschedule/{ts(karachi(TUESDAY, 11))}"
    response = client.post(bad, data={"csrf_token": csrf_token(client, bad)})
    assert "does not take appointments at this time" in response.get_data(as_text=True)


def test_other_citizens_appointment_is_404(client, auth, make_service, citizen, make_user):
    service = make_service()
    auth.login(citizen)
    book(client, service, karachi(TUESDAY, 9))
    ref = db.session.scalar(select(Appointment.reference))
    auth.logout()
    auth.login(make_user())
    for path in (
        f"/appointments/{ref}",
        f"/appointments/{ref}/calendar.ics",
        f"/appointments/{ref}/cancel",
        f"/appointments/{ref}/reschedule",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/appointments/H-NOPE-NOPE").status_code == 404


def test_pages_in_urdu(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    with client.session_transaction() as s:
        s["lang"] = "ur"
    for path in ("/clinics", f"/clinics/services/{service.id}", "/appointments"):
        html = client.get(path).get_data(as_text=True)
        assert 'dir="rtl"' in html
    html = client.get("/clinics").get_data(as_text=True)
    assert "Find a clinic" not in html and "کلینک تلاش کریں" in html
    html = client.get(f"/clinics/services/{service.id}").get_data(as_text=True)
    assert "تاریخ منتخب کریں" in html
    book(client, service, karachi(TUESDAY, 9))
    html = client.get("/appointments").get_data(as_text=True)
    assert "3 مارچ، 2026 \u20669:00 AM\u2069" in html and "9:00:00" not in html  # the time left to right


def test_urdu_pages_keep_a_time_left_to_right(client, auth, make_service, citizen):
    """'9:00 AM' inside Urdu text reads 'AM 9:00' unless it is a left-to-right isolate: the free times,
    the booking page, the confirmation and the reschedule page's times (the current one included)."""
    service = make_service()
    auth.login(citizen)
    with client.session_transaction() as s:
        s["lang"] = "ur"
    at = karachi(TUESDAY, 9)
    time = '<bdi dir="ltr">9:00 AM</bdi>'
    assert time in client.get(f"/clinics/services/{service.id}/{TUESDAY.isoformat()}").get_data(as_text=True)
    assert time in client.get(book_page(service, at)).get_data(as_text=True)
    response, _ = book(client, service, at)
    assert time in client.get(response.headers["Location"]).get_data(as_text=True)
    reference = response.headers["Location"].split("/")[2].split("?")[0]
    html = client.get(f"/appointments/{reference}/reschedule?day={TUESDAY.isoformat()}").get_data(as_text=True)
    assert 'aria-current="time"><bdi dir="ltr">9:00 AM</bdi>' in html
    assert '<bdi dir="ltr">9:30 AM</bdi>' in html


def test_confirm_page_explains_a_bad_time_before_the_click(client, auth, make_service, citizen):
    service = make_service()
    auth.login(citizen)
    html = client.get(book_page(service, karachi(MONDAY, 8))).get_data(as_text=True)
    assert "This time has already passed" in html and "Book this appointment" not in html


def test_my_appointments_shows_what_is_coming_and_the_twenty_latest_past(client, auth, make_service, citizen):
    from datetime import timedelta

    from portal.health import services

    service = make_service()
    upcoming = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    for days_ago in range(1, 24):  # 23 past visits, the oldest 23 days ago
        day = MONDAY - timedelta(days=days_ago)
        db.session.add(
            Appointment(
                reference=f"H-PAST-{days_ago:04d}",
                arrival_code="AAAA",
                user_id=citizen.id,
                clinic_id=service.clinic_id,
                service_id=service.id,
                starts_at=karachi(day, 10, 0),
                visit_date=day,
                status="seen" if days_ago % 5 else "no_show",
            )
        )
    db.session.commit()
    auth.login(citizen)
    html = client.get("/appointments").get_data(as_text=True)
    assert upcoming.reference in html
    shown = list(dict.fromkeys(re.findall(r"H-PAST-(\d{4})", html)))  # each appears in a link and its text
    assert shown == [f"{n:04d}" for n in range(1, 21)]  # newest first; the three oldest are left out
    assert "These are your 20 most recent past appointments." in html


def test_booking_and_cancelling_are_each_one_short_transaction(client, auth, make_service, citizen):
    """Each write is one transaction of a few statements and nothing is read again after it commits:
    every round trip counts when many app servers share one PostgreSQL."""
    from tests.conftest import Statements

    service = make_service()
    auth.login(citizen)
    page = book_page(service, karachi(TUESDAY, 9))
    data = {**form_fields(client.get(page).get_data(as_text=True)), "person": "0"}
    db.session.remove()  # each request has a session of its own, as in production
    with Statements() as booking:
        response = client.post(page, data=data)
    assert response.status_code == 302
    ref = db.session.scalar(select(Appointment.reference))
    token = csrf_token(client, f"/appointments/{ref}/cancel")
    db.session.remove()  # each request has a session of its own, as in production
    with Statements() as cancelling:
        response = client.post(f"/appointments/{ref}/cancel", data={"csrf_token": token})
    assert response.status_code == 302 and db.session.scalar(select(Appointment.status)) == "cancelled"
    assert booking.after_commit == [] and cancelling.after_commit == []
    # Counted as production runs them, each request with a session of its own (the person and the
    # service loaded afresh); SQLite starts each write again under its write lock, which reads the
    # service and the person once more.
    booking_budget, cancel_budget = (12, 6) if db.engine.dialect.name == "postgresql" else (14, 7)
    assert len(booking.sent) <= booking_budget
    assert len(cancelling.sent) <= cancel_budget
