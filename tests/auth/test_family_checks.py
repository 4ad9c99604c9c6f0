"""A family member's details that cannot be right are refused, at their field: the account holder's own
CNIC, another family member's number, a husband or wife who is a child, a mother or father who is not
old enough to be one. Children and other relatives are any age. The test clock's today: 2 March 2026."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth import services
from portal.auth.errors import (
    FamilyMemberIsYou,
    FamilyMemberNumberTaken,
    FamilyMemberTwice,
    OwnCNICForFamilyMember,
    ParentTooYoung,
    SpouseTooYoung,
)
from portal.auth.models import Dependant, format_cnic
from portal.extensions import db
from tests.auth.conftest import post_form, text_of
from tests.auth.test_profile_family import dependant_data


def add(user, **fields):
    values = {"full_name": "Someone", "relationship": "child", "date_of_birth": date(2015, 8, 1), "gender": "female"}
    values.update(fields)
    dependant = services.add_dependant(user, **values)
    db.session.commit()
    return dependant


def count() -> int:
    return db.session.scalar(select(func.count(Dependant.id)))


# --- service -----------------------------------------------------------------------------------


def test_the_account_holders_own_cnic_is_refused_for_a_family_member(citizen):
    with pytest.raises(OwnCNICForFamilyMember) as refused:
        add(citizen, id_number=format_cnic(citizen.cnic))  # typed with dashes
    assert refused.value.field == "id_number"
    db.session.rollback()
    child = add(citizen, id_number="35202-7654321-2")
    with pytest.raises(OwnCNICForFamilyMember):
        services.update_dependant(
            citizen,
            child.id,
            full_name="Someone",
            relationship="child",
            date_of_birth=date(2015, 8, 1),
            gender="female",
            id_number=citizen.cnic,
        )


def test_two_family_members_of_one_account_cannot_share_a_number(citizen, make_user):
    first = add(citizen, full_name="Zainab", id_number="3520276543212")
    with pytest.raises(FamilyMemberNumberTaken) as refused:
        add(citizen, full_name="Hamza", id_number="35202-7654321-2")
    assert refused.value.field == "id_number" and "Zainab" in str(refused.value)
    db.session.rollback()
    assert count() == 1
    # Saving the same member with their own number is no clash; another account's family is not looked at.
    services.update_dependant(
        citizen,
        first.id,
        full_name="Zainab Bilal",
        relationship="child",
        date_of_birth=date(2015, 8, 1),
        gender="female",
        id_number="3520276543212",
    )
    add(make_user(), id_number="3520276543212")
    # Editing another member onto the number is refused too.
    second = add(citizen, full_name="Hamza", id_number="3520276543213")
    with pytest.raises(FamilyMemberNumberTaken):
        services.update_dependant(
            citizen,
            second.id,
            full_name="Hamza",
            relationship="child",
            date_of_birth=date(2015, 8, 1),
            gender="male",
            id_number="3520276543212",
        )
    db.session.rollback()
    # A member taken off the account and added again with their number is brought back (their history
    # with them), with the details given now.
    services.remove_dependant(citizen, first.id)
    db.session.commit()
    again = add(citizen, full_name="Zainab again", id_number="3520276543212")
    assert again.id == first.id and again.removed_at is None and again.full_name == "Zainab again"
    assert count() == 3


@pytest.mark.parametrize(
    ("born", "refused"),
    [(date(2026, 3, 1), True), (date(2010, 3, 3), True), (date(2010, 3, 2), False), (date(1950, 1, 1), False)],
)
def test_a_husband_or_wife_is_at_least_16(citizen, born, refused):
    if refused:
        with pytest.raises(SpouseTooYoung) as error:
            add(citizen, relationship="spouse", date_of_birth=born)
        assert error.value.field == "date_of_birth"
        assert str(error.value).startswith("A husband or wife must be at least 16 years old.")
    else:
        add(citizen, relationship="spouse", date_of_birth=born)


@pytest.mark.parametrize(
    ("born", "refused"),
    # The citizen was born on 17 May 1992.
    [(date(2020, 1, 1), True), (date(1995, 1, 1), True), (date(1980, 5, 18), True), (date(1980, 5, 17), False)],
)
def test_a_mother_or_father_is_at_least_12_years_older_than_the_account_holder(citizen, born, refused):
    assert citizen.date_of_birth == date(1992, 5, 17)
    if refused:
        with pytest.raises(ParentTooYoung) as error:
            add(citizen, relationship="parent", date_of_birth=born)
        assert "at least 12 years older than you" in str(error.value)
    else:
        add(citizen, relationship="parent", date_of_birth=born)


def test_without_the_holders_date_of_birth_a_parent_is_at_least_12(make_user):
    holder = make_user(date_of_birth=None)  # recorded at a clinic counter
    with pytest.raises(ParentTooYoung):
        add(holder, relationship="parent", date_of_birth=date(2015, 1, 1))
    db.session.rollback()
    add(holder, relationship="parent", date_of_birth=date(2014, 3, 2))


def test_children_and_other_relatives_are_any_age(citizen):
    add(citizen, full_name="Newborn", relationship="child", date_of_birth=date(2026, 3, 1))
    add(citizen, full_name="Stepson", relationship="child", date_of_birth=date(1990, 1, 1))
    add(citizen, full_name="Baby sister", relationship="sibling", date_of_birth=date(2025, 1, 1))
    add(citizen, full_name="Grandmother", relationship="other", date_of_birth=date(1940, 1, 1))
    assert count() == 4


def test_a_spouse_changed_to_a_child_date_of_birth_on_edit_is_refused(citizen):
    wife = add(citizen, relationship="spouse", date_of_birth=date(1993, 1, 1))
    with pytest.raises(SpouseTooYoung):
        services.update_dependant(
            citizen,
            wife.id,
            full_name="Someone",
            relationship="spouse",
            date_of_birth=date(2026, 3, 1),
            gender="female",
            id_number=None,
        )
    db.session.rollback()
    db.session.refresh(wife)
    assert wife.date_of_birth == date(1993, 1, 1)


def test_the_account_holder_is_not_added_as_their_own_family_member(make_user):
    holder = make_user(full_name="Ayesha Khan", date_of_birth=date(1990, 4, 12))
    for name in ("Ayesha Khan", "  ayesha   KHAN ", "Ａyesha Khan"):  # spaces, capitals, a wide letter
        with pytest.raises(FamilyMemberIsYou) as refused:
            add(holder, full_name=name, relationship="sibling", date_of_birth=date(1990, 4, 12))
        assert refused.value.field == "full_name"
        db.session.rollback()
    assert count() == 0
    # Her sister born another day, or someone of the same name born that day under another name, is added.
    add(holder, full_name="Ayesha Khan", relationship="sibling", date_of_birth=date(1992, 4, 12))
    add(holder, full_name="Amna Khan", relationship="sibling", date_of_birth=date(1990, 4, 12))
    # An edit into the holder is refused too.
    amna = holder.dependants[-1]
    with pytest.raises(FamilyMemberIsYou):
        services.update_dependant(
            holder,
            amna.id,
            full_name="ayesha khan",
            relationship="sibling",
            date_of_birth=date(1990, 4, 12),
            gender="female",
        )


def test_a_family_member_is_not_edited_into_a_copy_of_another(citizen):
    first = add(citizen, full_name="Zainab Ahmed", date_of_birth=date(2015, 8, 1))
    second = add(citizen, full_name="Hamza Ahmed", date_of_birth=date(2017, 1, 9), gender="male")
    with pytest.raises(FamilyMemberTwice) as refused:
        services.update_dependant(
            citizen,
            second.id,
            full_name="ZAINAB  Ahmed",
            relationship="child",
            date_of_birth=date(2015, 8, 1),
            gender="female",
        )
    assert refused.value.field == "full_name" and "Zainab Ahmed, already in your family members" in str(refused.value)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Dependant, second.id).full_name == "Hamza Ahmed"
    # Saving a member with their own name and date of birth is no copy of anyone.
    services.update_dependant(
        citizen,
        first.id,
        full_name="Zainab Ahmed",
        relationship="child",
        date_of_birth=date(2015, 8, 1),
        gender="female",
    )


def test_a_member_removed_and_added_again_is_brought_back(citizen):
    """Their id is their history (appointments, courses and what they completed): the same row comes
    back, with the details given now; by number, or with no number by name and date of birth."""
    by_name = add(citizen, full_name="Zainab Ahmed", date_of_birth=date(2015, 8, 1))
    by_number = add(citizen, full_name="Hamza", date_of_birth=date(2017, 1, 9), id_number="3520276543213")
    services.remove_dependant(citizen, by_name.id)
    services.remove_dependant(citizen, by_number.id)
    db.session.commit()

    again = add(citizen, full_name=" zainab ahmed", date_of_birth=date(2015, 8, 1), relationship="other")
    assert again.id == by_name.id and again.removed_at is None
    assert (again.full_name, again.relationship_) == ("zainab ahmed", "other")
    renamed = add(citizen, full_name="Hamza Ali", date_of_birth=date(2017, 1, 10), id_number="35202-7654321-3")
    assert renamed.id == by_number.id and renamed.full_name == "Hamza Ali"
    assert count() == 2
    assert sorted(d.id for d in citizen.dependants) == sorted([by_name.id, by_number.id])
    # Someone else (another date of birth, or another number) is a new member.
    assert add(citizen, full_name="Zainab Ahmed", date_of_birth=date(2016, 8, 1)).id not in (by_name.id, by_number.id)
    services.remove_dependant(citizen, renamed.id)
    db.session.commit()
    assert add(citizen, full_name="Hamza Ali", date_of_birth=date(2017, 1, 10), id_number="3520276543214").id != (
        by_number.id
    )
    # One removed without a number, added again with the B-form they have now, is brought back too.
    services.remove_dependant(citizen, again.id)
    db.session.commit()
    with_number = add(citizen, full_name="Zainab Ahmed", date_of_birth=date(2015, 8, 1), id_number="3520276543215")
    assert with_number.id == by_name.id and with_number.id_number == "3520276543215"


# --- pages -------------------------------------------------------------------------------------


def test_the_family_form_says_what_is_wrong_at_the_field(client, auth, citizen):
    auth.login(citizen)
    response = post_form(
        client, "/account/family/new", dependant_data(relationship="spouse", date_of_birth="2026-03-01")
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="date_of_birth-error"' in html and 'href="#date_of_birth"' in html
    assert "A husband or wife must be at least 16 years old." in text_of(response)
    assert count() == 0

    response = post_form(client, "/account/family/new", dependant_data(id_number=citizen.cnic))
    assert 'id="id_number-error"' in response.text and "This is your own CNIC." in text_of(response)
    assert count() == 0

    # The form shown again with its error can be sent, corrected, and adds the person once.
    response = post_form(client, "/account/family/new", dependant_data())
    assert response.status_code == 302 and count() == 1
    sister = add(citizen, full_name="Sara Ahmed", relationship="sibling", date_of_birth=date(2000, 1, 1))
    response = post_form(
        client,
        f"/account/family/{sister.id}",
        dependant_data(full_name="Sara Ahmed", relationship="sibling", date_of_birth="2000-01-01"),
    )
    assert response.status_code == 200 and 'id="id_number-error"' in response.text
    assert "Zainab Ahmed, already in your family members, has this number." in text_of(response)
    db.session.refresh(sister)
    assert sister.id_number is None


def test_the_family_form_says_it_in_urdu(client, auth, make_user):
    auth.login(make_user(preferred_language="ur"))
    response = post_form(
        client, "/account/family/new", dependant_data(relationship="parent", date_of_birth="2020-01-01")
    )
    assert response.status_code == 200
    assert "والدہ یا والد کو آپ سے کم از کم 12 سال بڑا ہونا چاہیے۔" in text_of(response)


def test_the_family_form_refuses_the_holder_and_a_copy_at_the_name(client, auth, make_user):
    holder = make_user(full_name="Ayesha Khan", date_of_birth=date(1990, 4, 12))
    auth.login(holder)
    sister = dependant_data(full_name="Ayesha Khan", relationship="sibling", date_of_birth="1990-04-12", id_number="")
    response = post_form(client, "/account/family/new", sister)
    assert response.status_code == 200 and 'id="full_name-error"' in response.text
    assert 'href="#full_name"' in response.text
    assert "This is your own name and date of birth" in text_of(response)
    assert count() == 0

    one = add(holder, full_name="Zainab Khan", date_of_birth=date(2015, 8, 1))
    other = add(holder, full_name="Sana Khan", date_of_birth=date(2016, 8, 1))
    response = post_form(client, f"/account/family/{other.id}", dependant_data(full_name="Zainab Khan", id_number=""))
    assert response.status_code == 200 and 'id="full_name-error"' in response.text
    assert "Zainab Khan, already in your family members, has this name and date of birth." in text_of(response)
    db.session.expire_all()
    assert db.session.get(Dependant, other.id).full_name == "Sana Khan" and one.id != other.id

    client.get("/language/ur?next=/")
    response = post_form(client, "/account/family/new", sister)
    assert "یہ آپ کا اپنا نام اور تاریخ پیدائش ہے" in text_of(response)
