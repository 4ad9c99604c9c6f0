"""A clinic's address in Urdu: on Urdu pages and in an Urdu reader's calendar file, with the English
address wherever there is no Urdu one; saved and emptied by the clinic admin's form."""

from __future__ import annotations

import re

from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.health.models import Appointment, Clinic
from tests.conftest import post_form
from tests.health.conftest import TUESDAY, karachi
from tests.health.test_views_citizen import book, book_page

ADDRESS, ADDRESS_UR = "12 Mall Road, Lahore", "12 مال روڈ، لاہور"


def in_urdu(client):
    client.get("/language/ur?next=/")


def test_shown_address_is_the_urdu_one_only_in_urdu_and_only_when_there_is_one(app, make_clinic):
    with_urdu = make_clinic(address=ADDRESS, address_ur=ADDRESS_UR)
    without = make_clinic(name="Services Hospital", address="Jail Road, Lahore", address_ur=None)
    blank = make_clinic(name="Jinnah Hospital", address="Usmani Road, Lahore", address_ur="  ")
    with app.test_request_context():
        assert with_urdu.shown_address == ADDRESS
        with force_locale("ur"):  # as a message for an Urdu reader is written
            assert with_urdu.shown_address == ADDRESS_UR
            assert without.shown_address == "Jail Road, Lahore"
            assert blank.shown_address == "Usmani Road, Lahore"


def test_clinic_search_and_clinic_pages_show_the_urdu_address_in_urdu(client, make_clinic, make_service):
    service = make_service(clinic=make_clinic(address=ADDRESS, address_ur=ADDRESS_UR))
    other = make_service(clinic=make_clinic(name="Services Hospital", address="Jail Road, Lahore"))
    pages = ("/clinics", f"/clinics/{service.clinic.id}")
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert ADDRESS in html and ADDRESS_UR not in html, path
    in_urdu(client)
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert ADDRESS_UR in html and ADDRESS not in html, path
    # No Urdu address: the English one, on the Urdu page too.
    html = client.get(f"/clinics/{other.clinic.id}").get_data(as_text=True)
    assert 'dir="rtl"' in html and "Jail Road, Lahore" in html


def test_booking_page_confirmation_and_calendar_file_in_the_readers_language(
    client, auth, make_user, make_clinic, make_service
):
    service = make_service(clinic=make_clinic(address=ADDRESS, address_ur=ADDRESS_UR))
    reader = make_user(preferred_language="ur")
    auth.login(reader)
    booking_page = client.get(book_page(service, karachi(TUESDAY, 9))).get_data(as_text=True)
    assert ADDRESS_UR in booking_page and ADDRESS not in booking_page
    response, _data = book(client, service, karachi(TUESDAY, 9))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ADDRESS_UR in page and ADDRESS not in page
    appointment = db.session.scalar(select(Appointment))
    with client.get(f"/appointments/{appointment.reference}/calendar.ics") as ics:
        event = Calendar.from_ical(ics.get_data()).walk("VEVENT")[0]
    assert str(event["LOCATION"]).endswith(f", {ADDRESS_UR}")
    # The same file for someone who reads English names the English address.
    client.get("/language/en?next=/")
    with client.get(f"/appointments/{appointment.reference}/calendar.ics") as ics:
        event = Calendar.from_ical(ics.get_data()).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == f"Mayo Hospital OPD, {ADDRESS}"


CLINIC_FORM = {"name": "Mayo Hospital OPD", "type": "teaching_opd", "district": "Lahore", "address": ADDRESS}


def test_clinic_form_saves_empties_and_limits_the_urdu_address(client, auth, make_user, make_clinic):
    clinic = make_clinic()
    auth.login(make_user(roles=[("clinic_admin", clinic.id)]))
    edit = f"/clinic-admin/clinics/{clinic.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    urdu = re.search(r'<textarea[^>]*\bname="address_ur"[^>]*>', html).group(0)
    english = re.search(r'<textarea[^>]*\bname="address"[^>]*>', html).group(0)
    assert 'dir="rtl"' in urdu and 'lang="ur"' in urdu, urdu
    assert 'dir="ltr"' in english and 'lang="en"' in english, english

    too_long = post_form(client, edit, {**CLINIC_FORM, "active": "y", "address_ur": "ب" * 301})
    assert too_long.status_code == 200
    html = too_long.get_data(as_text=True)
    assert re.search(r'id="address_ur-error"><span>Field cannot be longer than 300 characters', html)
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).address_ur is None

    assert post_form(client, edit, {**CLINIC_FORM, "active": "y", "address_ur": f"  {ADDRESS_UR} "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).address_ur == ADDRESS_UR
    # Emptied again: no Urdu address (English is shown), not an empty string.
    assert post_form(client, edit, {**CLINIC_FORM, "active": "y", "address_ur": " "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).address_ur is None


def test_new_clinic_keeps_its_urdu_address(client, auth, make_user):
    auth.login(make_user(roles=[("clinic_admin", 999)]))
    response = post_form(client, "/clinic-admin/clinics/new", {**CLINIC_FORM, "active": "y", "address_ur": ADDRESS_UR})
    assert response.status_code == 302
    assert db.session.scalar(select(Clinic.address_ur).where(Clinic.name == "Mayo Hospital OPD")) == ADDRESS_UR


def test_clinic_form_in_urdu_labels_the_two_addresses(client, auth, make_user, make_clinic):
    clinic = make_clinic()
    auth.login(make_user(roles=[("clinic_admin", clinic.id)]))
    in_urdu(client)
    html = client.get(f"/clinic-admin/clinics/{clinic.id}/edit").get_data(as_text=True)
    assert "پتہ انگریزی میں" in html and "پتہ اردو میں (اختیاری)" in html


def test_an_urdu_address_that_starts_with_latin_letters_stays_right_to_left(client, make_clinic):
    clinic = make_clinic(address="Phase 5, DHA, Lahore", address_ur="DHA فیز 5، لاہور")
    assert "<p><bdi>Phase 5, DHA, Lahore</bdi>" in client.get(f"/clinics/{clinic.id}").text
    in_urdu(client)
    for path in (f"/clinics/{clinic.id}", "/clinics"):
        assert '<bdi dir="rtl">DHA فیز 5، لاہور</bdi>' in client.get(path).text, path


def test_clinic_admin_page_shows_the_address_in_the_admins_language(client, auth, make_clinic, make_service, make_user):
    service = make_service(clinic=make_clinic(address=ADDRESS, address_ur=ADDRESS_UR))
    auth.login(make_user(roles=[("clinic_admin", service.clinic_id)]))
    path = f"/clinic-admin/clinics/{service.clinic_id}"
    html = client.get(path).get_data(as_text=True)
    assert f"<bdi>{ADDRESS}</bdi>" in html and ADDRESS_UR not in html
    in_urdu(client)
    html = client.get(path).get_data(as_text=True)
    assert f'<bdi dir="rtl">{ADDRESS_UR}</bdi>' in html and ADDRESS not in html


def test_booking_and_reminder_messages_say_where_the_clinic_is_in_the_readers_language(
    app, make_user, make_clinic, make_service
):
    """The two messages a person acts on, the booking's and the reminder the day before, name the
    clinic with its address (the one they read), so that an SMS alone gets them to the right door."""
    from portal.health import services
    from portal.notifications.models import Message
    from tests.health.conftest import MONDAY

    service = make_service(clinic=make_clinic(address=ADDRESS, address_ur=ADDRESS_UR))
    english, urdu = make_user(preferred_language="en"), make_user(preferred_language="ur")
    with app.test_request_context():
        for person in (english, urdu):
            services.book_slot(person, service.id, karachi(TUESDAY, 9))
        services.queue_reminders(karachi(MONDAY, 18))
    db.session.commit()
    for subject in ("Appointment booked", "Appointment tomorrow"):
        sms = dict(
            db.session.execute(
                select(Message.user_id, Message.body).where(
                    Message.channel == "sms", Message.subject.in_((subject, _ur(app, subject)))
                )
            ).all()
        )
        assert f"at Mayo Hospital OPD ({ADDRESS})," in sms[english.id] and ADDRESS_UR not in sms[english.id]
        assert f"({ADDRESS_UR}) میں" in sms[urdu.id] and ADDRESS not in sms[urdu.id]


def _ur(app, text: str) -> str:
    with app.test_request_context(), force_locale("ur"):
        from flask_babel import gettext

        return gettext(text)
