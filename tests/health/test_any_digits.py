"""Numbers typed at a clinic counter in Urdu digits (or Arabic-Indic, or fullwidth) are the numbers
typed in ASCII: a walk-in's CNIC finds the person already known, the CNIC on a card or an arrival code
checks the booking in, and a reference finds the booking."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.health import admin, services
from tests.health.conftest import MONDAY, karachi

pytestmark = pytest.mark.usefixtures("request_ctx")

URDU_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


def in_urdu_digits(text: str) -> str:
    return "".join(URDU_DIGITS[int(ch)] if ch.isascii() and ch.isdigit() else ch for ch in text)


@pytest.fixture
def clinic_admin(make_service, make_user):
    service = make_service()
    return service, make_user(roles=[("clinic_admin", service.clinic_id)])


def test_a_walk_in_typed_in_urdu_digits_finds_the_person_already_known(clinic_admin, make_user):
    service, staff = clinic_admin
    person = make_user(cnic="3520212345671")
    walk_in = admin.register_walk_in(staff, service.clinic, service.id, "۳۵۲۰۲-۱۲۳۴۵۶۷-۱", "Walk In", None, "queue")
    db.session.commit()
    assert walk_in.user_id == person.id
    assert db.session.scalar(select(func.count(User.id))) == 2  # the person and the admin: nobody new


def test_a_new_walk_in_typed_in_arabic_indic_digits_is_recorded_in_ascii(clinic_admin):
    service, staff = clinic_admin
    walk_in = admin.register_walk_in(
        staff, service.clinic, service.id, "٣٧٤٠٥–٢٢٢٢٢٢٢–١", "Nasreen Bibi", None, "queue"
    )
    db.session.commit()
    assert db.session.get(User, walk_in.user_id).cnic == "3740522222221"


def test_checked_in_with_the_cnic_or_the_arrival_code_in_urdu_digits(clinic_admin, citizen):
    service, staff = clinic_admin
    by_card = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    child = citizen.dependants[0]
    by_code = services.book_slot(citizen, service.id, karachi(MONDAY, 12, 30), dependant_id=child.id)
    by_code.arrival_code = "7K2Q"  # drawn at random: this one surely has digits
    db.session.commit()
    admin.set_status(staff, by_card.id, "arrived", in_urdu_digits(citizen.cnic))
    admin.set_status(staff, by_code.id, "arrived", in_urdu_digits(by_code.arrival_code.lower()))
    db.session.commit()
    assert by_card.status == by_code.status == "arrived"


def test_a_reference_typed_in_urdu_digits_finds_the_booking(citizen, make_service):
    service = make_service()
    booking = services.book_slot(citizen, service.id, karachi(MONDAY, 12))
    booking.reference = "H-7KQ2-9FXD"
    db.session.commit()
    typed = in_urdu_digits(booking.reference).replace("-", "–")
    assert services.get_own_appointment(citizen, typed) == booking
