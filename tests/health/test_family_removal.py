"""Taking a family member off an account while, and after, they have appointments."""

import pytest
from sqlalchemy import select

from portal.auth import services as auth_services
from portal.auth.errors import FamilyMemberBusy, NotFound
from portal.extensions import db
from portal.health import services
from portal.health.models import Appointment, Slot
from tests.health.conftest import TUESDAY, karachi

pytestmark = pytest.mark.usefixtures("request_ctx")


def test_a_family_member_with_an_appointment_ahead_cannot_be_removed_until_it_is_cancelled(make_service, citizen):
    service = make_service()
    hamza = citizen.dependants[0]
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30), dependant_id=hamza.id)
    db.session.commit()

    with pytest.raises(FamilyMemberBusy) as refused:
        auth_services.remove_dependant(citizen, hamza.id)
    db.session.rollback()
    assert "Hamza Khan still has an appointment or a course place ahead" in str(refused.value)
    db.session.expire_all()
    assert hamza.removed_at is None and citizen.dependants == [hamza]
    assert db.session.get(Appointment, appointment.id).status == "booked"

    services.cancel(citizen, appointment.reference)
    db.session.commit()
    auth_services.remove_dependant(citizen, hamza.id)
    db.session.commit()
    db.session.expire_all()

    # Off the account: not offered, not bookable; the cancelled appointment still names him, and his
    # place stays freed.
    assert citizen.dependants == []
    assert services.booking_people(citizen) == [(0, "Ayesha Khan (you)")]
    with pytest.raises(NotFound):
        services.book_slot(citizen, service.id, karachi(TUESDAY, 10, 0), dependant_id=hamza.id)
    db.session.rollback()
    kept = db.session.get(Appointment, appointment.id)
    assert (kept.status, kept.patient_name) == ("cancelled", "Hamza Khan")
    assert db.session.scalar(select(Slot.booked).where(Slot.service_id == service.id)) == 0


def test_past_visits_do_not_keep_a_family_member_on_the_account(app, make_service, citizen):
    service = make_service()
    hamza = citizen.dependants[0]
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30), dependant_id=hamza.id)
    db.session.commit()
    app.config["FIXED_NOW"] = "2026-03-04T04:00:00+00:00"  # the day after the visit

    auth_services.remove_dependant(citizen, hamza.id)
    db.session.commit()
    db.session.expire_all()
    assert citizen.dependants == []
    history = db.session.get(Appointment, appointment.id)
    assert (history.dependant_id, history.patient_name) == (hamza.id, "Hamza Khan")


def test_the_account_holder_may_book_for_themselves_after_a_family_member_is_removed(make_service, citizen):
    """The one-booking-per-person rule is the account holder's own, not shared with a removed child."""
    service = make_service()
    hamza = citizen.dependants[0]
    auth_services.remove_dependant(citizen, hamza.id)
    db.session.commit()
    mine = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30))
    db.session.commit()
    assert (mine.dependant_id, mine.patient_name) == (None, "Ayesha Khan")


def test_an_appointment_past_its_cut_off_does_not_keep_a_family_member_on_the_account(
    app, client, auth, make_service, citizen
):
    """Only what the account holder can still cancel keeps the member on the account: the removal page
    never links to a cancel page that would refuse."""
    service = make_service()  # cancel cut-off: 2 hours
    hamza = citizen.dependants[0]
    soon = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30), dependant_id=hamza.id)
    db.session.commit()
    reference = soon.reference
    app.config["FIXED_NOW"] = "2026-03-03T03:00:00+00:00"  # Tuesday 08:00 Karachi: 90 minutes before the visit
    assert not services.can_change(db.session.get(Appointment, soon.id))
    assert not auth_services.has_commitments(hamza) and auth_services.commitments(hamza) == []

    auth.login(citizen)
    html = client.get(f"/account/family/{hamza.id}/remove").get_data(as_text=True)
    assert f"/appointments/{reference}/cancel" not in html and "Yes, remove" in html

    auth_services.remove_dependant(citizen, hamza.id)
    db.session.commit()
    db.session.expire_all()
    assert citizen.dependants == []
    kept = db.session.get(Appointment, soon.id)  # the record stays, and the visit with it
    assert (kept.status, kept.patient_name) == ("booked", "Hamza Khan")


def test_an_appointment_that_can_still_be_cancelled_is_linked_and_the_link_cancels_it(
    app, client, auth, make_service, citizen
):
    service = make_service()
    hamza = citizen.dependants[0]
    later = services.book_slot(citizen, service.id, karachi(TUESDAY, 12, 0), dependant_id=hamza.id)
    db.session.commit()
    reference = later.reference
    app.config["FIXED_NOW"] = "2026-03-03T03:00:00+00:00"  # Tuesday 08:00 Karachi: 4 hours before
    auth.login(citizen)
    html = client.get(f"/account/family/{hamza.id}/remove").get_data(as_text=True)
    assert f'href="/appointments/{reference}/cancel"' in html
    assert "There is a problem" not in client.get(f"/appointments/{reference}/cancel").get_data(as_text=True)
