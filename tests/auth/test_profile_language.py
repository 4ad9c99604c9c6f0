"""The profile's "Preferred language" starts on the language the page is in, so that saving something
else (a mobile number) never switches the site to another language. A demo persona's one-click sign-in
keeps the device's language and leaves the persona's saved one alone: the two differ there."""

import re

import pytest

from portal.auth.models import User
from portal.demo.personas import PERSONAS_BY_KEY
from portal.extensions import db
from tests.auth.conftest import post_form, text_of
from tests.auth.test_profile_family import profile_data
from tests.conftest import PASSWORD
from tests.demo.test_persona_sign_in import one_click, personas  # noqa: F401 - personas: a fixture


def selected_language(html: str) -> str:
    select = re.search(r'<select[^>]*name="preferred_language".*?</select>', html, re.S).group(0)
    return re.search(r'<option selected value="(\w+)"|<option value="(\w+)" selected', select).group(1)


def shown_values(html: str) -> dict:
    """What the profile form sends when Save is pressed as the page shows it."""
    return {
        "mobile": re.search(r'name="mobile"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="mobile"', html).group(1),
        "email": re.search(r'name="email"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="email"', html).group(1),
        "district": "Lahore",
        "preferred_language": selected_language(html),
    }


@pytest.fixture
def urdu_demo_phone(app, personas):  # noqa: F811 - the fixture imported above
    app.config["DEMO_MODE"] = True
    # Saved in English (Ayesha is seeded in Urdu, the README's demo script's language): the two differ.
    personas["citizen"].preferred_language = "en"
    db.session.commit()
    phone = app.test_client()
    phone.get("/language/ur")
    one_click(phone, "citizen")
    return phone, personas["citizen"]


def test_a_persona_signed_in_on_an_urdu_device_sees_urdu_chosen_on_the_profile(urdu_demo_phone):
    phone, persona = urdu_demo_phone
    assert persona.preferred_language == "en"
    html = phone.get("/account").text
    assert '<html lang="ur" dir="rtl">' in html
    assert selected_language(html) == "ur"


def test_saving_a_new_mobile_keeps_the_demo_device_in_urdu(urdu_demo_phone):
    phone, persona = urdu_demo_phone
    data = {
        **shown_values(phone.get("/account").text),
        "mobile": "0321 7654321",
        "current_password": PERSONAS_BY_KEY["citizen"].password,
    }
    response = post_form(phone, "/account", data)
    assert response.status_code == 302
    page = phone.get("/account")
    assert '<html lang="ur" dir="rtl">' in page.text
    assert "آپ کی تفصیلات محفوظ کر دی گئی ہیں۔" in text_of(page)
    db.session.expire_all()
    assert db.session.get(User, persona.id).mobile == "+923217654321"


def test_the_demo_device_can_still_choose_english_on_the_profile(urdu_demo_phone):
    phone, _persona = urdu_demo_phone
    post_form(phone, "/account", {**shown_values(phone.get("/account").text), "preferred_language": "en"})
    assert '<html lang="en"' in phone.get("/account").text


@pytest.mark.parametrize("saved", ["en", "ur"])
def test_a_cnic_sign_in_shows_and_keeps_the_saved_language(client, auth, make_user, saved):
    person = make_user(preferred_language=saved, district="Lahore")
    auth.login(person)
    html = client.get("/account").text
    assert f'<html lang="{saved}"' in html and selected_language(html) == saved
    post_form(client, "/account", {**shown_values(html), "mobile": "0321 7654321", "current_password": PASSWORD})
    assert f'<html lang="{saved}"' in client.get("/account").text
    db.session.refresh(person)
    assert person.preferred_language == saved


def test_profile_language_choice_still_switches_after_a_cnic_sign_in(client, auth, make_user):
    auth.login(make_user(preferred_language="en"))
    post_form(client, "/account", profile_data(preferred_language="ur"))
    assert '<html lang="ur" dir="rtl">' in client.get("/account").text
