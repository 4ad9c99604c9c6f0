"""Profile (mobile, email, district, language) and family members."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal.auth import services
from portal.auth.errors import NotFound
from portal.auth.models import Dependant
from portal.extensions import db
from tests.auth.conftest import post_form, text_of
from tests.conftest import PASSWORD, csrf_token


def profile_data(**overrides):
    data = {
        "mobile": "0321 7654321",
        "email": "new@example.pk",
        "district": "Multan",
        "preferred_language": "en",
        "current_password": PASSWORD,  # a new mobile number or email asks for it (tests/auth/test_contact_change.py)
    }
    data.update(overrides)
    return data


def test_profile_shows_current_details(client, auth, citizen):
    auth.login(citizen)
    html = client.get("/account").get_data(as_text=True)
    assert "Bilal Ahmed" in html
    # A left-to-right island inside the value, so that on an Urdu page it stays at the value's
    # (right-hand) side beside the name above it, and its digits and dashes keep their order.
    assert f'<dd><bdi dir="ltr">{citizen.cnic_display}</bdi></dd>' in html
    assert 'value="0300 1234567"' in html  # the mobile number in its national form
    assert 'value="bilal@example.pk"' in html


def test_profile_edit_saves_normalised_values(client, auth, citizen):
    auth.login(citizen)
    response = post_form(client, "/account", profile_data(email="New@Example.PK"))
    assert response.status_code == 302
    assert "Your details have been saved." in text_of(client.get("/account"))
    db.session.refresh(citizen)
    assert (citizen.mobile, citizen.email, citizen.district) == ("+923217654321", "new@example.pk", "Multan")


def test_profile_email_can_be_removed(client, auth, citizen):
    auth.login(citizen)
    post_form(client, "/account", profile_data(email=""))
    db.session.refresh(citizen)
    assert citizen.email is None


def test_profile_language_switches_the_pages(client, auth, citizen):
    auth.login(citizen)
    post_form(client, "/account", profile_data(preferred_language="ur"))
    db.session.refresh(citizen)
    assert citizen.preferred_language == "ur"
    html = client.get("/account").get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mobile": ""}, "This field is required."),
        ({"mobile": "12345"}, "Enter a Pakistani mobile number"),
        ({"email": "nope"}, "Enter an email address like name@example.com."),
        ({"district": ""}, "Choose your district."),
        ({"district": "Quetta"}, "Not a valid choice."),
        ({"preferred_language": "fr"}, "Not a valid choice."),
    ],
)
def test_profile_refuses_bad_input(client, auth, citizen, overrides, message):
    auth.login(citizen)
    response = post_form(client, "/account", profile_data(**overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    db.session.refresh(citizen)
    assert citizen.district == "Lahore"


def test_profile_duplicate_email_is_refused(client, auth, citizen, make_user):
    make_user(email="taken@example.pk")
    auth.login(citizen)
    response = post_form(client, "/account", profile_data(email="TAKEN@example.pk"))
    assert response.status_code == 200
    assert "Another account already uses this email address." in text_of(response)
    db.session.refresh(citizen)
    assert citizen.email == "bilal@example.pk"


def test_profile_keeping_own_email_is_fine(client, auth, citizen):
    auth.login(citizen)
    assert post_form(client, "/account", profile_data(email="bilal@example.pk")).status_code == 302


def test_profile_needs_sign_in(client):
    assert client.get("/account").headers["Location"].startswith("/login")


def test_language_switch_is_remembered_on_the_profile(client, auth, citizen):
    auth.login(citizen)
    response = post_form(client, "/language", {"lang": "ur", "next": "/account"}, token_from="/")
    assert response.headers["Location"] == "/account"
    db.session.refresh(citizen)
    assert citizen.preferred_language == "ur"


def test_language_switch_refuses_unknown_language_and_unsafe_next(client):
    assert post_form(client, "/language", {"lang": "fr"}, token_from="/login").status_code == 400
    response = post_form(client, "/language", {"lang": "ur", "next": "//evil.example"}, token_from="/login")
    assert response.headers["Location"] == "/"


# --- family members ----------------------------------------------------------------------------


def dependant_data(**overrides):
    data = {
        "full_name": "Zainab Ahmed",
        "relationship": "child",
        "date_of_birth": "2015-08-01",
        "gender": "female",
        "id_number": "35202-7654321-2",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_add_edit_and_remove_a_family_member(client, auth, citizen):
    auth.login(citizen)
    assert "You have not added anyone yet." in text_of(client.get("/account/family"))

    response = post_form(client, "/account/family/new", dependant_data())
    assert response.status_code == 302 and response.headers["Location"] == "/account/family"
    page = text_of(client.get("/account/family"))
    assert "Zainab Ahmed has been added to your family members." in page
    assert "Daughter" in page and "Son or daughter" not in page  # she is a girl: one word says it
    # On a phone the table turns into one card per person, each value with its column's name.
    html = client.get("/account/family").get_data(as_text=True)
    assert '<table class="table responsive family">' in html
    assert '<td data-label="Relationship">Daughter</td>' in html
    assert '<td data-label="Actions" class="actions">' in html
    dependant = db.session.scalars(select(Dependant)).one()
    assert (dependant.user_id, dependant.id_number, dependant.date_of_birth) == (
        citizen.id,
        "3520276543212",
        date(2015, 8, 1),
    )

    edit = f"/account/family/{dependant.id}"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="Zainab Ahmed"' in html and '<option selected value="child">' in html
    response = post_form(client, edit, dependant_data(full_name="Zainab Bilal", id_number=""))
    assert response.status_code == 302
    assert "The details of Zainab Bilal have been saved." in text_of(client.get("/account/family"))
    db.session.refresh(dependant)
    assert dependant.full_name == "Zainab Bilal" and dependant.id_number is None

    # Remove asks first: the list links to a page that names the person; nothing changes until its button.
    remove = f"/account/family/{dependant.id}/remove"
    assert f'href="{remove}"' in client.get("/account/family").get_data(as_text=True)
    confirm = text_of(client.get(remove))
    assert "Remove Zainab Bilal from your family members?" in confirm
    assert "Yes, remove Zainab Bilal" in confirm and "No, keep them" in confirm
    db.session.refresh(dependant)
    assert dependant.removed_at is None
    response = post_form(client, remove, {})
    assert response.status_code == 302
    page = text_of(client.get("/account/family"))
    assert "Zainab Bilal has been removed from your family members." in page
    assert "You have not added anyone yet." in page
    assert client.get(edit).status_code == 404
    # Kept, marked removed, so that anything booked for her in the past still names her.
    db.session.refresh(dependant)
    assert dependant.removed_at is not None


def test_a_family_member_with_an_appointment_ahead_is_not_removed_and_the_page_says_why(
    client, auth, citizen, make_service
):
    from portal.health import services as health

    dependant = services.add_dependant(
        citizen, full_name="Zainab Ahmed", relationship="child", date_of_birth=date(2015, 8, 1), gender="female"
    )
    db.session.commit()
    service = make_service()
    with client.application.test_request_context():
        booked = health.book_slot(
            citizen,
            service.id,
            health.schedule.karachi_datetime(date(2026, 3, 3), time(9, 30)),
            dependant_id=dependant.id,
        )
    reference = booked.reference
    db.session.commit()
    auth.login(citizen)

    # The confirmation page says so at once, and offers no button.
    response = client.get(f"/account/family/{dependant.id}/remove")
    html, confirm = response.get_data(as_text=True), text_of(response)
    assert "Zainab Ahmed still has an appointment or a course place ahead. Please cancel it first" in confirm
    assert "Yes, remove" not in confirm
    # It says which, and leads to where it is cancelled.
    assert f"{service.name} at {service.clinic.name} · Mar 3, 2026 · {reference}" in confirm
    assert f'<a href="/appointments/{reference}/cancel">Cancel this appointment' in html
    # A POST (an old page, a second tab) is refused the same way.
    response = post_form(client, f"/account/family/{dependant.id}/remove", {}, token_from="/account/family")
    assert response.status_code == 302
    page = text_of(client.get("/account/family"))
    assert "Zainab Ahmed still has an appointment or a course place ahead. Please cancel it first" in page
    db.session.refresh(dependant)
    assert dependant.removed_at is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"full_name": ""}, "This field is required."),
        ({"relationship": ""}, "Choose one."),
        ({"relationship": "cousin"}, "Not a valid choice."),
        ({"date_of_birth": ""}, "Enter the date of birth."),
        ({"date_of_birth": "2026-03-03"}, "This date cannot be in the future."),
        ({"gender": None}, "Choose one."),
        ({"id_number": "12345"}, "Enter the 13-digit B-form or CNIC number, or leave it empty."),
    ],
)
def test_family_member_form_refuses_bad_input(client, auth, citizen, overrides, message):
    auth.login(citizen)
    response = post_form(client, "/account/family/new", dependant_data(**overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(select(Dependant.id)) is None


def test_another_users_family_member_is_not_found(client, auth, citizen, make_user):
    other = make_user(full_name="Someone Else")
    theirs = services.add_dependant(
        other, full_name="Their Child", relationship="child", date_of_birth=date(2018, 1, 1), gender="male"
    )
    db.session.commit()
    auth.login(citizen)
    assert client.get(f"/account/family/{theirs.id}").status_code == 404
    assert (
        post_form(
            client, f"/account/family/{theirs.id}", dependant_data(), token_from="/account/family/new"
        ).status_code
        == 404
    )
    assert post_form(client, f"/account/family/{theirs.id}/remove", {}, token_from="/account/family").status_code == 404
    assert client.get(f"/account/family/{theirs.id}/remove").status_code == 404
    assert client.get("/account/family/999999").status_code == 404
    db.session.refresh(theirs)
    assert theirs.full_name == "Their Child"
    assert "Their Child" not in text_of(client.get("/account/family"))


def test_get_dependant_service_refuses_someone_elses(app, make_user):
    owner, stranger = make_user(), make_user()
    dependant = services.add_dependant(
        owner, full_name="Ali", relationship="child", date_of_birth=date(2019, 2, 2), gender="male"
    )
    db.session.commit()
    assert services.get_dependant(owner, dependant.id) is dependant
    with pytest.raises(NotFound):
        services.get_dependant(stranger, dependant.id)
    with pytest.raises(NotFound):
        services.remove_dependant(stranger, dependant.id)


def test_a_family_member_added_from_a_booking_page_brings_the_person_back_there(client, auth, citizen):
    auth.login(citizen)
    booking = "/appointments/book/1/1772510400"
    response = post_form(client, f"/account/family/new?next={booking}", dependant_data())
    assert response.status_code == 302 and response.headers["Location"] == booking
    # Only addresses on this site: anything else ends on the family list as before.
    response = post_form(
        client, "/account/family/new?next=https://evil.example/", dependant_data(full_name="Ali Ahmed", id_number="")
    )
    assert response.headers["Location"] == "/account/family"


def test_the_family_form_opened_from_a_booking_page_leads_back_there_without_adding(client, auth, citizen):
    """Its way back goes where the person came from (the enrol page) rather than to the family list,
    which saving already did; any other address keeps the family list."""
    auth.login(citizen)
    enrol = "/courses/sections/3/enrol"
    html = client.get(f"/account/family/new?next={enrol}").get_data(as_text=True)
    assert f'<a href="{enrol}">Back without adding anyone</a>' in html and "Back to family members" not in html
    html = client.get("/account/family/new?next=https://evil.example/").get_data(as_text=True)
    assert '<a href="/account/family">Back to family members</a>' in html and 'href="https://evil' not in html
    html = client.get("/account/family/new").get_data(as_text=True)
    assert '<a href="/account/family">Back to family members</a>' in html


def test_the_family_form_posted_twice_adds_the_person_once(client, auth, citizen):
    """A double tap on Save, or Back and Save again on a slow link: the same name (spaces and capitals
    aside) and date of birth is the family member already there, not a second copy in every choice."""
    auth.login(citizen)
    token = csrf_token(client, "/account/family/new")
    for data in (dependant_data(), dependant_data(full_name=" zainab  ahmed ")):
        response = client.post("/account/family/new", data={**data, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/account/family"
    assert [d.full_name for d in db.session.scalars(select(Dependant))] == ["Zainab Ahmed"]
    # Another child of the same name (born another day, with their own B-form) is someone else; one added
    # again after removal is the one removed, brought back (with their history).
    post_form(client, "/account/family/new", dependant_data(date_of_birth="2017-03-04", id_number="3520276543213"))
    assert db.session.scalar(select(func.count(Dependant.id))) == 2
    first = db.session.scalars(select(Dependant).order_by(Dependant.id)).first()
    services.remove_dependant(citizen, first.id)
    db.session.commit()
    post_form(client, "/account/family/new", dependant_data())
    assert db.session.scalar(select(func.count(Dependant.id))) == 2
    db.session.expire_all()
    assert db.session.get(Dependant, first.id).removed_at is None


def test_profile_saved_message_is_in_the_language_just_chosen(client, auth, citizen):
    auth.login(citizen)
    post_form(client, "/account", profile_data(preferred_language="ur"))
    page = text_of(client.get("/account"))
    assert "آپ کی تفصیلات محفوظ کر دی گئی ہیں۔" in page
    assert "Your details have been saved." not in page


def test_family_pages_need_sign_in(client):
    for path in ("/account/family", "/account/family/new", "/account/family/1", "/account/family/1/remove"):
        assert client.get(path).headers["Location"].startswith("/login")


def test_profile_email_race_shows_the_duplicate_message(client, auth, citizen, make_user, monkeypatch):
    """Another account takes the email between the check and the update."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    from portal.auth.models import User

    rival = make_user(email=None)
    auth.login(citizen)
    token = csrf_token(client, "/account")
    real_scalar = db.session.scalar
    state = {"raced": False}

    def scalar(statement, *args, **kwargs):
        if not state["raced"] and "lower(users.email)" in str(statement):
            state["raced"] = True
            with db.engine.begin() as other:
                other.execute(User.__table__.update().where(User.id == rival.id).values(email="race@example.pk"))
            return None
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", scalar)
    response = client.post("/account", data={**profile_data(email="race@example.pk"), "csrf_token": token})
    monkeypatch.undo()
    assert state["raced"] and response.status_code == 200
    assert "Another account already uses this email address." in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, citizen.id).email == "bilal@example.pk"


def test_the_family_list_says_each_relationship_in_one_word_when_the_gender_tells(client, auth, citizen):
    """ "Mother", not "Mother or father", once the form has said she is female; a gender given as
    "Other", or an "Other relative", keeps the choice's words. In Urdu too."""
    auth.login(citizen)
    people = (
        dependant_data(full_name="Bilal Ahmed", relationship="spouse", gender="male", date_of_birth="1985-01-01"),
        dependant_data(full_name="Razia Begum", relationship="parent", gender="female", date_of_birth="1950-01-01"),
        dependant_data(full_name="Sam Ahmed", relationship="sibling", gender="other", id_number=None),
    )
    for data in people:
        assert post_form(client, "/account/family/new", {**data, "id_number": ""}).status_code == 302
    html = client.get("/account/family").get_data(as_text=True)
    for word in ("Husband", "Mother", "Brother or sister"):
        assert f'<td data-label="Relationship">{word}</td>' in html
    assert "Husband or wife" not in html and "Mother or father" not in html
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/account/family").get_data(as_text=True)
    assert ">شوہر</td>" in html and ">والدہ</td>" in html
