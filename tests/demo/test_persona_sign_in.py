"""One-click sign-in as a demo persona: what a room of people sharing the personas needs, and never
without DEMO_MODE."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.demo.personas import PERSONAS, PERSONAS_BY_KEY
from portal.demo.seed import seed
from portal.extensions import db
from tests.conftest import AuthActions, csrf_token, post_form


@pytest.fixture
def personas(app):
    seed()  # the personas and the domain seeders' fixtures (the admins' clinic and centre)
    db.session.commit()
    return {p.key: db.session.scalar(select(User).where(User.cnic == p.cnic)) for p in PERSONAS}


def one_click(client, key: str, **kwargs):
    """Press the persona's button on the sign-in page: post its form (address and hidden fields) as
    a browser does."""
    name = PERSONAS_BY_KEY[key].full_name
    page = client.get("/login", query_string=kwargs.pop("query_string", None)).text
    form = next(f for f in re.findall(r"<form .*?</form>", page, re.S) if name in f)
    action = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    return client.post(action, data=fields, **kwargs)


def post_one_click(client, key: str, **kwargs):
    """The one-click address posted directly (with a valid token), as a script could."""
    token = csrf_token(client, "/login")
    return client.post(f"/demo/sign-in/{key}", data={"csrf_token": token}, **kwargs)


def test_the_sign_in_page_offers_every_persona_in_demo_mode_only(app, client, personas):
    assert "Demo: sign in as" not in client.get("/login").text
    assert not any(f"/demo/sign-in/{p.key}" in client.get("/login").text for p in PERSONAS)
    app.config["DEMO_MODE"] = True
    page = client.get("/login").text
    for persona in PERSONAS:
        assert f'action="/demo/sign-in/{persona.key}"' in page
        assert persona.full_name in page


def test_a_link_at_the_top_leads_to_the_personas_below_the_form(app, client, personas):
    jump = '<a href="#demo-title">Demo: sign in as one of the demo people</a>'
    assert jump not in client.get("/login").text
    app.config["DEMO_MODE"] = True
    page = client.get("/login").text
    # Before the form (on a phone the personas are two screens down), and it leads to their heading.
    assert page.index(jump) < page.index('<form method="post" novalidate class="form">')
    assert page.index(jump) < page.index('<h2 id="demo-title">')
    # Once the form shows an error, the person is signing in themselves: the page starts with the error.
    refused = client.post("/login", data={"csrf_token": csrf_token(client, "/login"), "identifier": "", "password": ""})
    assert jump not in refused.text and '<h2 id="demo-title">' in refused.text


def test_one_click_is_refused_without_demo_mode(app, client, personas):
    response = post_one_click(client, "provincial_official")
    assert response.status_code == 404
    assert client.get("/account").status_code == 302  # still signed out


def test_one_click_signs_in_and_opens_the_personas_own_page(app, client, personas):
    app.config["DEMO_MODE"] = True
    starts = {
        "citizen": "/",
        "clinic_admin": "/clinic-admin",
        "school_admin": "/school-admin",
        "provincial_official": "/dashboard/",
        "superadmin": "/admin/staff",
    }
    for key, path in starts.items():
        other = app.test_client()
        response = one_click(other, key)
        assert response.status_code == 302 and response.headers["Location"] == path, key
        assert other.get(path).status_code == 200, key
    # Asked for a page first: that page, as after typing the password.
    response = one_click(client, "citizen", query_string={"next": "/appointments"})
    assert response.headers["Location"] == "/appointments"


def test_a_room_full_of_phones_can_all_sign_in_as_the_same_persona(app, personas):
    """The typed sign-in allows 10 attempts a minute per account: the eleventh person in the room
    tapping "Citizen" was told "Too many attempts, wait a few minutes"."""
    app.config["DEMO_MODE"] = True
    for number in range(15):
        phone = app.test_client()
        response = one_click(phone, "citizen")
        assert response.status_code == 302, f"phone {number + 1}: {response.status_code}"
        assert phone.get("/appointments").status_code == 200


def test_one_click_works_while_someone_mistyping_the_password_is_held_back(app, client, personas, auth):
    app.config["DEMO_MODE"] = True
    app.config["LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS"] = "2 per 15 minutes"
    persona = PERSONAS_BY_KEY["provincial_official"]
    for _ in range(2):
        auth.login(persona.cnic, password="wrong-password-typed")
    assert auth.login(persona.cnic, password="wrong-password-typed").status_code == 429
    response = one_click(client, "provincial_official")
    assert response.headers["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_one_click_keeps_this_devices_language_and_leaves_the_personas_alone(app, personas):
    """Someone in the room reading in Urdu signs in as the provincial official: the presenter's laptop,
    in English, still opens the dashboard in English, and the other way round."""
    app.config["DEMO_MODE"] = True
    phone = app.test_client()
    phone.get("/language/ur")
    one_click(phone, "provincial_official")
    assert 'lang="ur"' in phone.get("/dashboard/").text
    assert db.session.get(User, personas["provincial_official"].id).preferred_language == "en"

    laptop = app.test_client()
    one_click(laptop, "provincial_official")
    assert 'lang="en"' in laptop.get("/dashboard/").text

    # A persona whose saved language is Urdu (changed on its profile) opens in this device's language.
    personas["clinic_admin"].preferred_language = "ur"
    db.session.commit()
    desk = app.test_client()
    one_click(desk, "clinic_admin")
    assert 'lang="en"' in desk.get("/clinic-admin").text


def test_one_click_before_the_personas_exist_says_what_to_do(app, client):
    app.config["DEMO_MODE"] = True
    response = one_click(client, "citizen", follow_redirects=True)
    assert "flask seed-demo" in response.text
    assert client.get("/account").status_code == 302


def test_one_click_needs_the_forms_token(app, client, personas):
    app.config["DEMO_MODE"] = True
    assert client.post("/demo/sign-in/citizen").status_code == 400
    assert client.get("/account").status_code == 302


def test_an_unknown_persona_is_not_found(app, client, personas):
    app.config["DEMO_MODE"] = True
    assert post_one_click(client, "mayor").status_code == 404


def test_someone_in_the_room_cannot_sign_the_presenter_out_of_a_shared_persona(app, personas):
    """ "Sign out of all devices" or a new password on a persona would end every sign-in of it: the
    presenter's laptop in the middle of the demo included."""
    app.config["DEMO_MODE"] = True
    laptop, phone = app.test_client(), app.test_client()
    one_click(laptop, "provincial_official")
    one_click(phone, "provincial_official")

    response = phone.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf_token(phone, "/account")}, follow_redirects=True
    )
    assert "This demo account is shared by everyone in the session" in html.unescape(response.text)
    response = phone.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(phone, "/account"),
            "current": PERSONAS_BY_KEY["provincial_official"].password,
            "password": "A-new-password-2027",
            "confirm": "A-new-password-2027",
        },
        follow_redirects=True,
    )
    assert "This demo account is shared by everyone in the session" in html.unescape(response.text)
    assert laptop.get("/dashboard/").status_code == 200
    assert phone.get("/dashboard/").status_code == 200
    # The documented password still works for someone typing it.
    typed = app.test_client()
    AuthActions(typed).login(
        PERSONAS_BY_KEY["provincial_official"].cnic, PERSONAS_BY_KEY["provincial_official"].password
    )
    assert typed.get("/dashboard/").status_code == 200


def test_without_demo_mode_a_persona_account_signs_out_its_other_devices_as_any_account(app, personas):
    persona = PERSONAS_BY_KEY["citizen"]
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login(persona.cnic, persona.password)
    AuthActions(second).login(persona.cnic, persona.password)
    first.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(first, "/account")})
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302


def test_switching_language_as_a_shared_persona_leaves_its_saved_language_alone(app, personas):
    """In DEMO_MODE a presenter switching the header's language as Ayesha changes this device's language
    only: her saved language (Urdu, as the README's demo script uses her), which every message she gets
    is written in, stays as seeded for the whole room. A real account's switch is still saved."""
    assert personas["citizen"].preferred_language == "ur"
    assert personas["provincial_official"].preferred_language == "en"
    app.config["DEMO_MODE"] = True
    laptop = app.test_client()
    one_click(laptop, "citizen")
    response = post_form(laptop, "/language", {"lang": "en", "next": "/account"}, token_from="/")
    assert response.headers["Location"] == "/account"
    assert 'lang="en"' in laptop.get("/account").text  # this device reads English from now on
    db.session.expire_all()
    assert db.session.get(User, personas["citizen"].id).preferred_language == "ur"
    # Without DEMO_MODE a persona is an ordinary account (the password is the only way in): it is saved.
    app.config["DEMO_MODE"] = False
    post_form(laptop, "/language", {"lang": "en"}, token_from="/")
    db.session.expire_all()
    assert db.session.get(User, personas["citizen"].id).preferred_language == "en"


def test_signing_in_by_password_as_a_shared_persona_leaves_its_saved_language_alone(app, personas, auth):
    """A presenter who picks English on the sign-in page and then types Ayesha's published password reads
    English on that device, but her saved language, the one her messages are written in, stays Urdu in
    DEMO_MODE; an ordinary account's choice made the same way is saved."""
    app.config["DEMO_MODE"] = True
    client = app.test_client()
    post_form(client, "/language", {"lang": "en", "next": "/login"}, token_from="/login")
    persona = PERSONAS_BY_KEY["citizen"]
    assert AuthActions(client).login(persona.cnic, password=persona.password).status_code == 302
    assert 'lang="en"' in client.get("/account").text
    db.session.expire_all()
    assert db.session.get(User, personas["citizen"].id).preferred_language == "ur"
    app.config["DEMO_MODE"] = False
    other = app.test_client()
    post_form(other, "/language", {"lang": "en", "next": "/login"}, token_from="/login")
    assert AuthActions(other).login(persona.cnic, password=persona.password).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, personas["citizen"].id).preferred_language == "en"


def test_saving_the_profile_as_a_shared_persona_leaves_its_saved_language_alone(app, personas):
    """The profile form shows this device's language; a presenter saving Ayesha's district in English
    must not turn the room's Urdu demo (and her messages) into English."""
    app.config["DEMO_MODE"] = True
    laptop = app.test_client()
    laptop.get("/language/en")
    one_click(laptop, "citizen")
    citizen = personas["citizen"]
    response = post_form(
        laptop,
        "/account",
        {"mobile": citizen.mobile, "email": citizen.email or "", "district": "Multan", "preferred_language": "en"},
    )
    assert response.status_code == 302
    assert 'lang="en"' in laptop.get("/account").text
    db.session.expire_all()
    saved = db.session.get(User, citizen.id)
    assert (saved.district, saved.preferred_language) == ("Multan", "ur")
