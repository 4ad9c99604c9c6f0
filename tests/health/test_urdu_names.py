"""Clinic and service names in Urdu: on Urdu pages and in messages to people who read Urdu, with the
English name wherever there is no Urdu one; searched and saved by the clinic admin's forms."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.health.models import Clinic, Service
from portal.notifications.models import Message
from tests.conftest import post_form
from tests.health.conftest import TUESDAY, karachi
from tests.health.test_views_citizen import book

OPD_UR, MAYO_UR = "جنرل او پی ڈی", "میو ہسپتال او پی ڈی"


def in_urdu(client):
    client.get("/language/ur?next=/")


def test_service_times_in_urdu_show_the_urdu_names_and_english_pages_the_english(client, make_clinic, make_service):
    service = make_service(clinic=make_clinic(name_ur=MAYO_UR), name_ur=OPD_UR)
    pages = (f"/clinics/services/{service.id}", f"/clinics/services/{service.id}/{TUESDAY.isoformat()}")
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "General OPD" in html and "Mayo Hospital OPD" in html
        assert OPD_UR not in html and MAYO_UR not in html
    in_urdu(client)
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert OPD_UR in html and MAYO_UR in html
        assert "General OPD" not in html and "Mayo Hospital OPD" not in html


def test_a_service_without_an_urdu_name_keeps_its_english_name_on_urdu_pages(client, make_service):
    service = make_service(name="TB screening", name_ur="")
    in_urdu(client)
    html = client.get(f"/clinics/services/{service.id}").get_data(as_text=True)
    assert 'dir="rtl"' in html and "TB screening" in html


def test_clinic_search_finds_the_urdu_name_and_labels_the_service_filter_in_urdu(client, make_clinic, make_service):
    make_service(clinic=make_clinic(name_ur=MAYO_UR), name_ur=OPD_UR)
    make_clinic(name="Holy Family Hospital", name_ur="ہولی فیملی ہسپتال")
    in_urdu(client)
    html = client.get("/clinics", query_string={"q": "میو"}).get_data(as_text=True)
    assert MAYO_UR in html and "ہولی فیملی ہسپتال" not in html
    # The filter still searches by the English name; its label is the Urdu one.
    assert f'<option value="General OPD">{OPD_UR}</option>' in html
    html = client.get("/clinics", query_string={"service": "General OPD"}).get_data(as_text=True)
    assert MAYO_UR in html and "ہولی فیملی ہسپتال" not in html


def test_booking_confirmation_message_and_page_name_the_service_in_the_readers_language(
    client, auth, make_user, make_clinic, make_service
):
    service = make_service(clinic=make_clinic(name_ur=MAYO_UR), name_ur=OPD_UR)
    reader = make_user(preferred_language="ur")
    english = make_user(preferred_language="en")
    for person in (reader, english):
        auth.login(person)
        response, _data = book(client, service, karachi(TUESDAY, 9))
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert (OPD_UR in page) == (person is reader)
        auth.logout()
    bodies = {
        user_id: body
        for user_id, body in db.session.execute(select(Message.user_id, Message.body).where(Message.channel == "sms"))
    }
    assert OPD_UR in bodies[reader.id] and MAYO_UR in bodies[reader.id]
    assert "General OPD" not in bodies[reader.id]
    assert "General OPD at Mayo Hospital OPD" in bodies[english.id] and OPD_UR not in bodies[english.id]
    # The date and time after Urdu's own comma in an Urdu message; the English comma in an English one.
    # The time a left-to-right isolate in the Urdu one (stored so: an SMS app has no <bdi>).
    assert "2026، \u20669:00 AM\u2069" in bodies[reader.id] and "2026, 9:00 AM" in bodies[english.id]


SERVICE_FORM = {
    "name": "Antenatal care",
    "slot_minutes": "20",
    "places_per_slot": "1",
    "min_notice_hours": "2",
    "horizon_days": "14",
    "cancel_cutoff_hours": "2",
    "active": "y",
}


def test_admin_service_and_clinic_forms_save_the_urdu_names(client, auth, make_user, make_clinic):
    clinic = make_clinic()
    auth.login(make_user(roles=[("clinic_admin", clinic.id)]))
    path = f"/clinic-admin/clinics/{clinic.id}/services/new"
    html = client.get(path).get_data(as_text=True)
    assert 'name="name_ur"' in html and 'dir="rtl"' in html and 'lang="ur"' in html
    too_long = post_form(client, path, {**SERVICE_FORM, "name_ur": "ب" * 121})
    assert too_long.status_code == 200 and "Field cannot be longer than 120 characters" in too_long.get_data(
        as_text=True
    )
    assert post_form(client, path, {**SERVICE_FORM, "name_ur": "  زچگی سے پہلے کی دیکھ بھال  "}).status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Antenatal care"))
    assert service.name_ur == "زچگی سے پہلے کی دیکھ بھال"
    # Emptied again: no Urdu name (English is shown), not an empty string.
    assert (
        post_form(client, f"/clinic-admin/services/{service.id}/edit", {**SERVICE_FORM, "name_ur": " "}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Service, service.id).name_ur is None

    edit = f"/clinic-admin/clinics/{clinic.id}/edit"
    clinic_form = {
        "name": "Mayo Hospital OPD",
        "type": "teaching_opd",
        "district": "Lahore",
        "address": "Road",
        "active": "y",
    }
    too_long = post_form(client, edit, {**clinic_form, "name_ur": "ب" * 161})
    assert too_long.status_code == 200 and "Field cannot be longer than 160 characters" in too_long.get_data(
        as_text=True
    )
    assert post_form(client, edit, {**clinic_form, "name_ur": MAYO_UR}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).name_ur == MAYO_UR


def test_admin_forms_in_urdu_say_which_name_is_english_and_type_it_left_to_right(client, auth, make_user, make_clinic):
    import re

    clinic = make_clinic()
    auth.login(make_user(roles=[("clinic_admin", clinic.id)]))
    in_urdu(client)
    for path, label in (
        (f"/clinic-admin/clinics/{clinic.id}/services/new", "سروس کا نام انگریزی میں"),
        (f"/clinic-admin/clinics/{clinic.id}/edit", "کلینک کا نام انگریزی میں"),
    ):
        html = client.get(path).get_data(as_text=True)
        assert 'dir="rtl"' in html.split("<body", 1)[0] and label in html, path
        english = re.search(r'<input[^>]*\bname="name"[^>]*>', html).group(0)
        urdu = re.search(r'<input[^>]*\bname="name_ur"[^>]*>', html).group(0)
        assert 'dir="ltr"' in english and 'lang="en"' in english, english
        assert 'dir="rtl"' in urdu and 'lang="ur"' in urdu, urdu


def test_english_names_on_urdu_pages_are_marked_english(client, auth, citizen, make_clinic, make_service):
    """A clinic or service nobody has named in Urdu, a practitioner and a person named in Latin letters:
    on an Urdu page each says it is English (``lang="en"``), so that a screen reader reads it with its
    English voice instead of spelling it out with the Urdu one; a name in the page's language is not
    wrapped, and English pages carry no such marks."""
    service = make_service(
        clinic=make_clinic(name="Mayo Hospital OPD", name_ur=None),
        name="TB screening",
        name_ur="",
        practitioner="Dr. Khalid Javed",
    )
    make_service(clinic=make_clinic(name="Holy Family Hospital", name_ur="ہولی فیملی ہسپتال"), name_ur=OPD_UR)
    auth.login(citizen)
    in_urdu(client)
    found = client.get("/clinics").get_data(as_text=True)
    assert '<bdi lang="en">Mayo Hospital OPD</bdi></a></h2>' in found
    assert ">ہولی فیملی ہسپتال</a></h2>" in found  # Urdu on an Urdu page: as it is
    assert '<option lang="en" value="TB screening">TB screening</option>' in found
    assert f'<option value="General OPD">{OPD_UR}</option>' in found
    clinic = client.get(f"/clinics/{service.clinic_id}").get_data(as_text=True)
    assert '<h1><bdi lang="en">Mayo Hospital OPD</bdi></h1>' in clinic
    assert '<h3><bdi lang="en">TB screening</bdi></h3>' in clinic
    assert '<p><bdi lang="en">Dr. Khalid Javed</bdi></p>' in clinic
    assert '<strong><bdi lang="en">Ayesha Khan</bdi></strong>' in clinic  # who is signed in, in the header
    dates = client.get(f"/clinics/services/{service.id}").get_data(as_text=True)
    assert '<bdi lang="en">TB screening</bdi> · <bdi lang="en">Mayo Hospital OPD</bdi>' in dates

    response, _data = book(client, service, karachi(TUESDAY, 9))
    assert response.status_code == 302
    booked = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<bdi class="name" lang="en">Ayesha Khan</bdi>' in booked
    assert '<dd><bdi lang="en">TB screening</bdi></dd>' in booked
    mine = client.get("/appointments").get_data(as_text=True)
    assert '<bdi lang="en">Ayesha Khan</bdi></td>' in mine
    assert '<bdi lang="en">TB screening</bdi><br><span class="muted"><bdi lang="en">Mayo Hospital OPD</bdi>' in mine

    client.get("/language/en?next=/")
    for path in ("/clinics", f"/clinics/{service.clinic_id}", "/appointments"):
        assert 'lang="en"' not in client.get(path).get_data(as_text=True).split("<main", 1)[1], path


def test_urdu_names_on_english_pages_are_marked_urdu(client, auth, make_user, make_service):
    """The other way round: a family member's name typed in Urdu on an English page is Urdu, right to
    left."""
    from datetime import date

    from portal.auth.models import Dependant

    user = make_user(full_name="Ayesha Khan")
    user.dependants.append(
        Dependant(full_name="حمزہ خان", relationship_="child", date_of_birth=date(2016, 2, 3), gender="male")
    )
    db.session.commit()
    service = make_service()
    auth.login(user)
    response, _data = book(client, service, karachi(TUESDAY, 9), person=user.dependants[0].id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<bdi class="name" lang="ur" dir="rtl">حمزہ خان</bdi>' in page
    assert '<td data-label="For"><bdi lang="ur" dir="rtl">حمزہ خان</bdi></td>' in client.get("/appointments").text


def test_the_doctors_name_in_urdu_letters_is_saved_by_the_admin_and_shown_to_urdu_readers(
    client, auth, make_user, make_clinic
):
    clinic = make_clinic(name_ur=MAYO_UR)
    admin = make_user(roles=[("clinic_admin", clinic.id)])
    auth.login(admin)
    path = f"/clinic-admin/clinics/{clinic.id}/services/new"
    form = client.get(path).get_data(as_text=True)
    assert 'name="practitioner_ur"' in form
    sent = {**SERVICE_FORM, "name_ur": OPD_UR, "practitioner": "Dr. Sana Javed"}
    too_long = post_form(client, path, {**sent, "practitioner_ur": "ڈ" * 121})
    assert too_long.status_code == 200 and "Field cannot be longer than 120 characters" in too_long.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Service).where(Service.name == "Antenatal care")) is None
    assert post_form(client, path, {**sent, "practitioner_ur": "  ڈاکٹر ثنا جاوید "}).status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Antenatal care"))
    assert (service.practitioner, service.practitioner_ur) == ("Dr. Sana Javed", "ڈاکٹر ثنا جاوید")
    auth.logout()

    page = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    assert "<p>Dr. Sana Javed</p>" in page and "ڈاکٹر" not in page
    in_urdu(client)
    page = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    assert "<p>ڈاکٹر ثنا جاوید</p>" in page and "Sana Javed" not in page
    # Without an Urdu spelling, the English one, marked English.
    service.practitioner_ur = None
    db.session.commit()
    assert '<p><bdi lang="en">Dr. Sana Javed</bdi></p>' in client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
