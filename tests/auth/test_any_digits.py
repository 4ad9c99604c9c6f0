"""A CNIC typed in Urdu digits (or Arabic-Indic, or fullwidth, as some phone keyboards write them) is the
same CNIC as in ASCII digits, everywhere a person or a member of staff types one: it is stored in ASCII,
finds the same account, and is refused where the ASCII one would be."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.auth.errors import FamilyMemberNumberTaken, OwnCNICForFamilyMember
from portal.auth.models import Dependant, User
from portal.extensions import db
from tests.auth.conftest import post_form, register_data, text_of
from tests.auth.test_profile_family import dependant_data

URDU = "۳۵۲۰۲-۱۲۳۴۵۶۷-۱"
ARABIC_INDIC = "٣٥٢٠٢-١٢٣٤٥٦٧-١"
FULLWIDTH = "３５２０２１２３４５６７１"
EN_DASH = "35202–1234567–1"
DIGITS = "3520212345671"


def stored_cnics() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(User.cnic).order_by(User.id)))


@pytest.mark.parametrize("typed", [URDU, ARABIC_INDIC, FULLWIDTH, EN_DASH, "35202\u00a01234567\u00a01"])
def test_registering_with_a_cnic_in_other_digits_stores_it_in_ascii(client, typed):
    response = post_form(client, "/register", register_data(cnic=typed))
    assert response.status_code == 302
    assert stored_cnics() == [DIGITS]


def test_a_cnic_registered_in_urdu_digits_signs_in_typed_in_ascii(client, auth):
    post_form(client, "/register", register_data(cnic=URDU))
    auth.logout()
    assert auth.login("35202-1234567-1").status_code == 302


@pytest.mark.parametrize("typed", [URDU, ARABIC_INDIC, FULLWIDTH, f"\u200f{URDU}\u200e"])
def test_signing_in_with_the_cnic_in_other_digits(auth, make_user, typed):
    make_user(cnic=DIGITS)
    response = auth.login(typed)
    assert response.status_code == 302


def test_the_same_cnic_in_urdu_digits_does_not_make_a_second_account(client, app, make_user):
    make_user(cnic=DIGITS)
    response = post_form(client, "/register", register_data(cnic=URDU, full_name="Someone Else"))
    assert response.status_code == 200
    assert "An account with this CNIC already exists." in text_of(response)
    assert stored_cnics() == [DIGITS]


def test_the_register_limit_per_cnic_counts_every_script_as_one(app, client):
    from portal.auth.views import _register_cnic_key

    keys = set()
    for typed in (URDU, "35202-1234567-1", FULLWIDTH):
        with app.test_request_context("/register", method="POST", data={"cnic": typed}):
            keys.add(_register_cnic_key())
    assert keys == {"register-cnic:" + DIGITS}


# --- family members ----------------------------------------------------------------------------------


def test_the_account_holders_own_cnic_in_urdu_digits_is_refused_for_a_family_member(make_user):
    user = make_user(cnic=DIGITS)
    with pytest.raises(OwnCNICForFamilyMember):
        services.check_family_member(user, relationship="child", date_of_birth=date(2015, 1, 1), id_number=URDU)


def test_a_family_members_number_in_urdu_digits_is_stored_in_ascii_and_not_taken_twice(client, auth, make_user):
    user = make_user()
    auth.login(user)
    response = post_form(client, "/account/family/new", dependant_data(id_number="۳۵۲۰۲-۷۶۵۴۳۲۱-۲"))
    assert response.status_code == 302
    assert db.session.scalars(select(Dependant.id_number)).all() == ["3520276543212"]
    with pytest.raises(FamilyMemberNumberTaken):
        services.check_family_member(
            user, relationship="child", date_of_birth=date(2016, 1, 1), id_number="٣٥٢٠٢٧٦٥٤٣٢١٢"
        )


def test_a_family_members_date_of_birth_in_urdu_digits(client, auth, make_user):
    auth.login(make_user())
    response = post_form(client, "/account/family/new", dependant_data(date_of_birth="۲۰۱۵-۰۸-۰۱"))
    assert response.status_code == 302
    assert db.session.scalars(select(Dependant.date_of_birth)).all() == [date(2015, 8, 1)]


# --- staff pages -------------------------------------------------------------------------------------


def test_staff_lookup_and_audit_filter_by_a_cnic_in_urdu_digits(client, auth, make_user):
    admin = make_user(roles=["superadmin"])
    person = make_user(cnic=DIGITS, full_name="Ayesha Urdu-Digits")
    auth.login(admin)
    page = text_of(client.get("/admin/staff", query_string={"cnic": URDU}))
    assert "Ayesha Urdu-Digits" in page
    page = client.get("/admin/audit", query_string={"cnic": ARABIC_INDIC})
    assert page.status_code == 200
    assert "Events of Ayesha Urdu-Digits" in text_of(page)
    assert services.find_by_cnic(URDU) == person


def test_a_scope_number_in_urdu_digits(app, make_clinic):
    clinic = make_clinic()
    urdu = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(clinic.id))
    assert services.find_scope("clinic_admin", urdu) == (clinic.id, [])
    assert services.find_scope("clinic_admin", "²") == (None, [])
