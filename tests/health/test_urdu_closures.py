"""A closure's reason in Urdu: the people whose appointments it cancels are told it in their own language,
their appointment keeps it in both (its page shows the reader's), the clinic admin's pages show it;
saved and emptied by the closure form. And a schedule change keeps its reason in both languages too."""

from __future__ import annotations

import re
from datetime import time

from flask_babel import force_locale
from sqlalchemy import func, select

from portal.extensions import db
from portal.health import admin, services
from portal.health.models import Appointment, Closure
from portal.notifications.models import Message
from tests.conftest import input_tag, post_form
from tests.health.conftest import TUESDAY, karachi

REASON, REASON_UR = "Public holiday (Pakistan Day)", "عام تعطیل (یومِ پاکستان)"


def in_urdu(client):
    client.get("/language/ur?next=/")


def in_english(client):
    client.get("/language/en?next=/")


CANCELLED_BY_THE_CLINIC = ("Appointment cancelled by the clinic", "کلینک نے اپائنٹمنٹ منسوخ کر دی")


def sms_to(user) -> str:
    """The SMS telling ``user`` that the clinic cancelled their appointment."""
    return db.session.scalar(
        select(Message.body).where(
            Message.user_id == user.id, Message.channel == "sms", Message.subject.in_(CANCELLED_BY_THE_CLINIC)
        )
    )


def close_tuesday(app, service, staff, reason_ur=REASON_UR, service_id=None):
    with app.test_request_context():
        admin.add_closure(
            staff, service.clinic, service_id, TUESDAY, TUESDAY, REASON, reason_ur=reason_ur, confirm=True
        )
    db.session.commit()


def test_closure_tells_each_person_its_reason_in_their_language_and_keeps_both(app, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    english, urdu = make_user(preferred_language="en"), make_user(preferred_language="ur")
    with app.test_request_context():
        bookings = [services.book_slot(person, service.id, karachi(TUESDAY, 9)) for person in (english, urdu)]
    db.session.commit()
    close_tuesday(app, service, staff, reason_ur=f"  {REASON_UR} ")
    assert sms_to(english).endswith(f"Reason: The clinic is closed - {REASON}") and REASON_UR not in sms_to(english)
    assert f"کلینک بند ہے — {REASON_UR}" in sms_to(urdu) and REASON not in sms_to(urdu)
    for booking in bookings:
        db.session.refresh(booking)
        assert (booking.cancelled_reason, booking.cancelled_reason_ur) == (REASON, REASON_UR)
    assert db.session.scalar(select(Closure.reason_ur)) == REASON_UR  # stripped


def test_closure_of_one_service_in_urdu_and_one_without_urdu(app, make_service, make_user):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    reader = make_user(preferred_language="ur")
    with app.test_request_context():
        booking = services.book_slot(reader, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    close_tuesday(app, service, staff, service_id=service.id)
    assert f"یہ سروس بند ہے — {REASON_UR}" in sms_to(reader)
    # Without an Urdu reason the Urdu reader is told the English one, as before.
    db.session.execute(db.delete(Message))
    db.session.execute(db.delete(Closure))
    db.session.commit()
    with app.test_request_context():
        booking = services.book_slot(reader, service.id, karachi(TUESDAY, 10))
    db.session.commit()
    close_tuesday(app, service, staff, reason_ur="  ")
    assert f"کلینک بند ہے — {REASON}" in sms_to(reader)
    db.session.refresh(booking)
    assert (booking.cancelled_reason, booking.cancelled_reason_ur) == (REASON, None)


def test_appointment_page_shows_the_reason_in_the_readers_language_after_the_closure_is_removed(
    app, client, auth, make_service, make_user
):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    reader = make_user()
    with app.test_request_context():
        booking = services.book_slot(reader, service.id, karachi(TUESDAY, 9))
    db.session.commit()
    close_tuesday(app, service, staff)
    # The closure was a mistake and is removed: the cancelled appointment still says why it was cancelled.
    with app.test_request_context():
        admin.delete_closure(staff, db.session.scalar(select(Closure)))
    db.session.commit()
    auth.login(reader)
    page = f"/appointments/{booking.reference}"
    html = client.get(page).get_data(as_text=True)
    assert f"<dd><bdi>{REASON}</bdi></dd>" in html and REASON_UR not in html
    in_urdu(client)
    html = client.get(page).get_data(as_text=True)
    assert f'<dd><bdi dir="rtl">{REASON_UR}</bdi></dd>' in html and REASON not in html


def test_a_schedule_change_keeps_its_reason_in_both_languages_whatever_the_admins(
    app, client, auth, make_service, make_user
):
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    reader = make_user()
    with app.test_request_context():
        booking = services.book_slot(reader, service.id, karachi(TUESDAY, 12))
    db.session.commit()
    tuesday_hours = next(h for h in service.hours if h.weekday == TUESDAY.weekday())
    with app.test_request_context(), force_locale("ur"):  # the admin reads the portal in Urdu
        admin.save_hours(staff, service, tuesday_hours, TUESDAY.weekday(), time(9), time(11), confirm=True)
    db.session.commit()
    db.session.refresh(booking)
    assert (booking.cancelled_reason, booking.cancelled_reason_ur) == (
        "The clinic changed its schedule",
        "کلینک نے اپنے اوقات بدل دیے",
    )
    auth.login(reader)
    assert "The clinic changed its schedule" in client.get(f"/appointments/{booking.reference}").text
    in_urdu(client)
    assert "کلینک نے اپنے اوقات بدل دیے" in client.get(f"/appointments/{booking.reference}").text


def test_closure_form_saves_empties_and_limits_the_urdu_reason(client, auth, make_service, make_user):
    service = make_service()
    auth.login(make_user(roles=[("clinic_admin", service.clinic_id)]))
    path = f"/clinic-admin/clinics/{service.clinic_id}/closures"
    html = client.get(path).get_data(as_text=True)
    assert 'dir="rtl"' in input_tag(html, "reason_ur") and 'lang="ur"' in input_tag(html, "reason_ur")
    assert 'dir="ltr"' in input_tag(html, "reason") and 'lang="en"' in input_tag(html, "reason")
    assert "Reason in English" in html and "Reason in Urdu (optional)" in html

    day = {"service_id": "0", "start_date": "2026-03-23", "end_date": "2026-03-23", "reason": "Pakistan Day"}
    too_long = post_form(client, path, {**day, "reason_ur": "ب" * 201})
    assert too_long.status_code == 200
    assert re.search(r'id="reason_ur-error"><span>Field cannot be longer than 200 characters', too_long.text)
    assert db.session.scalar(select(func.count(Closure.id))) == 0

    assert post_form(client, path, {**day, "reason_ur": " یومِ پاکستان "}).status_code == 302
    assert db.session.scalar(select(Closure.reason_ur)) == "یومِ پاکستان"
    html = client.get(path).get_data(as_text=True)
    assert '<td data-label="Reason"><bdi>Pakistan Day</bdi></td>' in html and "یومِ پاکستان" not in html
    # Empty: no Urdu reason (the English one is shown), not an empty string.
    emptied = {**day, "start_date": "2026-03-30", "end_date": "2026-03-30", "reason_ur": "  "}
    assert post_form(client, path, emptied).status_code == 302
    assert db.session.scalars(select(Closure.reason_ur).order_by(Closure.start_date)).all() == ["یومِ پاکستان", None]


def test_clinic_admin_pages_in_urdu_show_the_urdu_reason(client, auth, make_service, make_user):
    service = make_service()
    auth.login(make_user(roles=[("clinic_admin", service.clinic_id)]))
    db.session.add_all(
        [
            Closure(
                clinic_id=service.clinic_id, start_date=TUESDAY, end_date=TUESDAY, reason=REASON, reason_ur=REASON_UR
            ),
            # An Urdu reason that starts with Latin letters stays right to left.
            Closure(
                clinic_id=service.clinic_id,
                start_date=TUESDAY.replace(day=10),
                end_date=TUESDAY.replace(day=10),
                reason="OPD staff training",
                reason_ur="OPD عملے کی تربیت",
            ),
        ]
    )
    db.session.commit()
    in_urdu(client)
    for path in (f"/clinic-admin/clinics/{service.clinic_id}/closures", f"/clinic-admin/clinics/{service.clinic_id}"):
        html = client.get(path).get_data(as_text=True)
        assert f'<bdi dir="rtl">{REASON_UR}</bdi>' in html and REASON not in html, path
        assert '<bdi dir="rtl">OPD عملے کی تربیت</bdi>' in html, path
    html = client.get(f"/clinic-admin/clinics/{service.clinic_id}/closures").get_data(as_text=True)
    assert "وجہ انگریزی میں" in html and "وجہ اردو میں (اختیاری)" in html
    # Closing the same day again is refused with the closure's reason in Urdu.
    day = {"service_id": "0", "start_date": "2026-03-03", "end_date": "2026-03-03", "reason": "Again"}
    refused = post_form(client, f"/clinic-admin/clinics/{service.clinic_id}/closures", day).get_data(as_text=True)
    assert f"، {REASON_UR})" in refused and db.session.scalar(select(func.count(Closure.id))) == 2


def test_citizens_see_why_a_day_is_closed_in_their_language(client, auth, make_service, make_user):
    """The date list and the day's times say why the clinic is closed ("Closed · Public holiday"), in
    the reader's language, as the people whose bookings the closure cancelled were told; a day the
    service does not run on is closed with no reason; a booking posted for the closed day is refused
    with it."""
    from datetime import timedelta

    service = make_service(hours=[(weekday, time(9), time(13)) for weekday in range(6)])  # not on Sundays
    db.session.add(
        Closure(clinic_id=service.clinic_id, start_date=TUESDAY, end_date=TUESDAY, reason=REASON, reason_ur=REASON_UR)
    )
    db.session.commit()
    days, tuesday = f"/clinics/services/{service.id}", f"/clinics/services/{service.id}/{TUESDAY.isoformat()}"
    sunday = f"/clinics/services/{service.id}/{(TUESDAY + timedelta(days=5)).isoformat()}"

    def closed_days(html):
        return re.findall(r'<li class="day day-closed">\s*<span class="day-date">([^<]+)</span>(.*?)</li>', html, re.S)

    listed = dict(closed_days(client.get(days).get_data(as_text=True)))
    assert f"<bdi>{REASON}</bdi>" in listed["Tue 3 Mar"] and "day-why" not in listed["Sun 8 Mar"]
    assert f"The clinic is closed on this day (<bdi>{REASON}</bdi>)." in client.get(tuesday).get_data(as_text=True)
    assert "The clinic is closed on this day. Please" in client.get(sunday).get_data(as_text=True)

    in_urdu(client)
    listed = client.get(days).get_data(as_text=True)
    assert f'<bdi dir="rtl">{REASON_UR}</bdi>' in listed and REASON not in listed
    assert f'اس دن کلینک بند ہے (<bdi dir="rtl">{REASON_UR}</bdi>)' in client.get(tuesday).get_data(as_text=True)

    # Someone who opened the booking form for Wednesday before the clinic closed that day.
    in_english(client)
    auth.login(make_user())
    wednesday = TUESDAY + timedelta(days=1)
    form = f"/appointments/book/{service.id}/{int(karachi(wednesday, 9).timestamp())}"
    html = client.get(form).get_data(as_text=True)
    fields = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)
        for name in ("csrf_token", "submission_token")
    }
    db.session.add(Closure(clinic_id=service.clinic_id, start_date=wednesday, end_date=wednesday, reason="Polio drive"))
    db.session.commit()
    refused = client.post(form, data={**fields, "person": "0"}).get_data(as_text=True)
    assert 'The clinic is closed on this day (<bdi class="name">Polio drive</bdi>).' in refused
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_one_appointment_cancelled_by_the_clinic_tells_its_reason_in_the_readers_language(
    app, client, auth, make_service, make_user
):
    """The clinic admin's cancel form takes the reason in Urdu too (optional): an Urdu reader is told
    it in the SMS and sees it on the appointment, an English reader the English one; without Urdu,
    both are told the English reason as before."""
    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    english, urdu, other = make_user(preferred_language="en"), make_user(preferred_language="ur"), make_user()
    with app.test_request_context():
        bookings = [
            services.book_slot(p, service.id, karachi(TUESDAY, hour))
            for hour, p in zip((9, 10, 12), (english, urdu, other))
        ]
    db.session.commit()
    auth.login(staff)
    form = f"/clinic-admin/appointments/{bookings[0].id}/cancel"
    assert 'name="reason_ur"' in client.get(form).get_data(as_text=True)
    assert 'dir="rtl"' in input_or_textarea(client.get(form).get_data(as_text=True), "reason_ur")
    too_long = post_form(client, form, {"reason": "Doctor on leave", "reason_ur": "ا" * 301})
    assert too_long.status_code == 200 and db.session.get(Appointment, bookings[0].id).status == "booked"
    for booking in bookings[:2]:
        path = f"/clinic-admin/appointments/{booking.id}/cancel"
        assert (
            post_form(client, path, {"reason": "Doctor on leave", "reason_ur": " ڈاکٹر چھٹی پر ہیں "}).status_code
            == 302
        )
    path = f"/clinic-admin/appointments/{bookings[2].id}/cancel"
    assert post_form(client, path, {"reason": "Doctor on leave", "reason_ur": "  "}).status_code == 302
    assert sms_to(english).endswith("Reason: Doctor on leave") and "ڈاکٹر" not in sms_to(english)
    assert sms_to(urdu).endswith("وجہ: ڈاکٹر چھٹی پر ہیں") and "Doctor on leave" not in sms_to(urdu)
    assert db.session.get(Appointment, bookings[1].id).cancelled_reason_ur == "ڈاکٹر چھٹی پر ہیں"
    assert db.session.get(Appointment, bookings[2].id).cancelled_reason_ur is None
    auth.logout()
    auth.login(urdu)
    in_urdu(client)
    html = client.get(f"/appointments/{bookings[1].reference}").get_data(as_text=True)
    assert '<bdi dir="rtl">ڈاکٹر چھٹی پر ہیں</bdi>' in html and "Doctor on leave" not in html


def input_or_textarea(html: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', html).group(0)
