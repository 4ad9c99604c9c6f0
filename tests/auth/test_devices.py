"""One sign-in per device: signing out on one device leaves the others signed in, the account page lists
where the person is signed in and signs out any other device, and ended or long unseen sign-ins are
pruned."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.auth import services, signed_in
from portal.auth.devices import describe
from portal.auth.models import AuditEvent, SignIn, User, hash_sign_in_token
from portal.extensions import cache, db
from tests.auth.conftest import audit_actions, post_form, text_of
from tests.conftest import PASSWORD, AuthActions, Statements, csrf_token

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36 Edg/120.0.2210.91"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"
)


def device(app, user_agent: str):
    """A browser on a device of its own (its own cookies), sending this User-Agent."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def signed_in_on(client) -> bool:
    return client.get("/account").status_code == 200


def live(user_id: int) -> list[SignIn]:
    db.session.rollback()  # the test's session outlives the requests: read what they committed since
    return list(
        db.session.scalars(
            select(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None)).order_by(SignIn.id)
        )
    )


def cookie_token(client) -> str:
    with client.session_transaction() as sess:
        return sess["_user_id"]


def sign_out_buttons(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'action="/account/devices/(\d+)/sign-out"', page)]


@pytest.fixture
def cached_app(app):
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    yield app
    cache.clear()


# --- the device's name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "named"),
    [
        (ANDROID_CHROME, ("Chrome", "Android")),
        (IPHONE_SAFARI, ("Safari", "iPhone")),
        (WINDOWS_FIREFOX, ("Firefox", "Windows")),
        (WINDOWS_EDGE, ("Edge", "Windows")),
        (SAMSUNG, ("Samsung Internet", "Android")),
        ("curl/8.4.0", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
        ("x" * 100_000 + "Chrome/1 Android", (None, None)),  # only the start of what a client sends is read
    ],
)
def test_a_device_is_named_by_its_browser_and_system(user_agent, named):
    assert describe(user_agent) == named


# --- signing in --------------------------------------------------------------------------------


def test_each_sign_in_is_a_row_of_its_own_keeping_only_the_hash_of_the_cookies_token(app, citizen):
    phone, laptop = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(phone).login(citizen)
    AuthActions(laptop).login(citizen, remember="y")
    rows = live(citizen.id)
    assert [(r.browser, r.system) for r in rows] == [("Chrome", "Android"), ("Firefox", "Windows")]
    tokens = [cookie_token(phone), cookie_token(laptop)]
    assert [r.token_hash for r in rows] == [hash_sign_in_token(t) for t in tokens]
    assert all(t not in r.token_hash for t in tokens for r in rows)  # never the token itself
    assert all(r.created_at == clock.now() and r.last_seen_at == clock.now() for r in rows)


def test_the_demo_one_click_sign_in_is_a_sign_in_of_this_device(app, make_user):
    from portal.demo.personas import PERSONAS_BY_KEY
    from portal.demo.seed import seed

    seed()
    db.session.commit()
    app.config["DEMO_MODE"] = True
    phone = device(app, ANDROID_CHROME)
    assert phone.post("/demo/sign-in/citizen", data={"csrf_token": csrf_token(phone, "/login")}).status_code == 302
    persona = db.session.scalar(select(User).where(User.cnic == PERSONAS_BY_KEY["citizen"].cnic))
    assert [(r.browser, r.system) for r in live(persona.id)] == [("Chrome", "Android")]
    assert signed_in_on(phone)
    # Another persona on the same device: the first one's sign-in there ends.
    phone.post("/demo/sign-in/clinic_admin", data={"csrf_token": csrf_token(phone, "/account")})
    assert live(persona.id) == []


def test_registering_signs_in_this_device(app):
    from tests.auth.conftest import register_data

    phone = device(app, IPHONE_SAFARI)
    assert post_form(phone, "/register", register_data(), token_from="/register").status_code == 302
    person = db.session.scalar(select(User).where(User.cnic == "3520212345671"))
    assert [(r.browser, r.system) for r in live(person.id)] == [("Safari", "iPhone")]


# --- signing out -------------------------------------------------------------------------------


def test_signing_out_on_one_device_leaves_the_others_signed_in(app, citizen):
    cafe, phone = device(app, WINDOWS_FIREFOX), device(app, ANDROID_CHROME)
    AuthActions(cafe).login(citizen, remember="y")
    AuthActions(phone).login(citizen, remember="y")
    copied = {name: cafe.get_cookie(name).value for name in ("session", "remember_token")}
    AuthActions(cafe).logout()
    assert not signed_in_on(cafe)
    assert signed_in_on(phone)  # the phone goes on
    for name, value in copied.items():  # the café computer's copied cookies do not
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert not signed_in_on(thief), name
    assert [(r.browser, r.system) for r in live(citizen.id)] == [("Chrome", "Android")]


def test_in_a_demo_signing_out_ends_this_device_only(app, citizen):
    """The room shares the personas: ending this device alone is safe, and a copy of its cookie stops."""
    app.config["DEMO_MODE"] = True
    mine, theirs = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(mine).login(citizen)
    AuthActions(theirs).login(citizen)
    copied = mine.get_cookie("session").value
    AuthActions(mine).logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not signed_in_on(thief)
    assert signed_in_on(theirs)


def test_a_sign_out_is_seen_at_once_by_a_device_read_from_the_shared_cache(cached_app, citizen):
    app = cached_app
    cafe, phone = device(app, WINDOWS_FIREFOX), device(app, ANDROID_CHROME)
    AuthActions(cafe).login(citizen)
    AuthActions(phone).login(citizen)
    copied = cafe.get_cookie("session").value
    db.session.remove()
    assert signed_in_on(cafe) and signed_in_on(phone)  # both now kept in the cache
    db.session.remove()
    AuthActions(cafe).logout()
    db.session.remove()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not signed_in_on(thief)
    db.session.remove()
    assert signed_in_on(phone)


def test_signing_out_everywhere_keeps_this_device_and_ends_the_others(app, citizen):
    phone, cafe, laptop = (device(app, ua) for ua in (ANDROID_CHROME, WINDOWS_FIREFOX, WINDOWS_EDGE))
    for client in (phone, cafe, laptop):
        AuthActions(client).login(citizen)
    post_form(phone, "/account/sign-out-everywhere", {}, token_from="/account")
    assert signed_in_on(phone)
    assert not signed_in_on(cafe) and not signed_in_on(laptop)
    assert [(r.browser, r.system) for r in live(citizen.id)] == [("Chrome", "Android")]


def test_a_new_password_ends_every_other_sign_in(app, citizen):
    phone, cafe = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(phone).login(citizen)
    AuthActions(cafe).login(citizen)
    new = "Another-long-pass-2026"
    response = post_form(
        phone, "/account/password", {"current": PASSWORD, "password": new, "confirm": new}, token_from="/account"
    )
    assert response.status_code == 302
    assert signed_in_on(phone) and not signed_in_on(cafe)
    assert len(live(citizen.id)) == 1


def copy_of(client, user_agent: str, app):
    """Another browser holding a copy of ``client``'s cookies as they are now (a café's computer the
    person signed in on, a cookie stolen from it)."""
    copy = device(app, user_agent)
    for name in ("session", "remember_token"):
        if (cookie := client.get_cookie(name)) is not None:
            copy.set_cookie(name, cookie.value)
    return copy


def remember_cookie_only(client, user_agent: str, app):
    """A browser with nothing but ``client``'s remember-me cookie (its session cookie expired)."""
    copy = device(app, user_agent)
    copy.set_cookie("remember_token", client.get_cookie("remember_token").value)
    return copy


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        (
            "/account/password",
            {"current": PASSWORD, "password": "Another-long-pass-2026", "confirm": "Another-long-pass-2026"},
        ),
        ("/account/sign-out-everywhere", {}),
    ],
    ids=["new password", "sign out everywhere"],
)
def test_a_copy_of_this_devices_cookies_is_signed_out_too(app, citizen, path, fields):
    """A new password and "sign out everywhere" give the device they are made on a new sign-in: the person
    stays signed in there, with "Keep me signed in" too, while a copy of its cookies taken before (left on a
    café's computer) no longer signs anyone in."""
    cafe = device(app, ANDROID_CHROME)
    AuthActions(cafe).login(citizen, remember="y")
    before = cookie_token(cafe)
    thief = copy_of(cafe, ANDROID_CHROME, app)
    stolen_remember = remember_cookie_only(cafe, ANDROID_CHROME, app)
    assert signed_in_on(thief) and signed_in_on(stolen_remember)

    assert post_form(cafe, path, fields, token_from="/account").status_code == 302
    assert cookie_token(cafe) != before
    assert signed_in_on(cafe)
    assert signed_in_on(remember_cookie_only(cafe, ANDROID_CHROME, app))  # its new remember cookie works
    assert not signed_in_on(thief) and not signed_in_on(stolen_remember)
    assert [(r.browser, r.system) for r in live(citizen.id)] == [("Chrome", "Android")]  # still named so


def test_a_device_without_keep_me_signed_in_is_given_no_remember_cookie_by_a_new_password(app, citizen):
    phone = device(app, ANDROID_CHROME)
    AuthActions(phone).login(citizen)
    new = "Another-long-pass-2026"
    post_form(phone, "/account/password", {"current": PASSWORD, "password": new, "confirm": new}, token_from="/account")
    assert signed_in_on(phone) and phone.get_cookie("remember_token") is None


def test_a_password_reset_ends_every_sign_in(cached_app, citizen):
    app = cached_app
    phone, cafe = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(phone).login(citizen)
    AuthActions(cafe).login(citizen)
    db.session.remove()
    assert signed_in_on(phone) and signed_in_on(cafe)  # kept in the cache
    db.session.remove()
    _user, token = services.request_password_reset(citizen.cnic)
    services.reset_password(token, "Another-long-pass-2026")
    db.session.commit()
    db.session.remove()
    assert not signed_in_on(phone)
    db.session.remove()
    assert not signed_in_on(cafe)
    assert live(citizen.id) == []
    assert services.authenticate(citizen.cnic, "Another-long-pass-2026").id == citizen.id


# --- the list on the account page --------------------------------------------------------------


def test_the_account_page_lists_where_the_person_is_signed_in(app, citizen, make_user):
    phone, cafe = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(cafe).login(citizen)
    AuthActions(phone).login(citizen)
    someone_else = device(app, IPHONE_SAFARI)
    AuthActions(someone_else).login(make_user())
    page = phone.get("/account").text
    text = text_of(phone.get("/account"))
    assert "Where you are signed in" in text
    assert "Chrome on Android This device" in text and "Firefox on Windows" in text
    assert "Safari" not in text  # another person's sign-in
    assert "Signed in on March 2, 2026" in text
    cafe_row, phone_row = live(citizen.id)
    assert sign_out_buttons(page) == [cafe_row.id]  # none for this device: "Sign out" at the top ends it
    assert "User-Agent" not in page and "127.0.0.1" not in page


def test_the_list_in_urdu(app, citizen):
    phone = device(app, ANDROID_CHROME)
    AuthActions(phone).login(citizen)
    AuthActions(device(app, "curl/8")).login(citizen)
    with phone.session_transaction() as sess:
        sess["lang"] = "ur"
    text = text_of(phone.get("/account"))
    assert "آپ کہاں سائن اِن ہیں" in text
    assert "Android پر Chrome" in text and "یہ ڈیوائس" in text
    assert "نامعلوم ڈیوائس" in text
    assert "2 مارچ، 2026 کو سائن اِن ہوئے" in text


def test_signing_out_another_device_from_the_list(app, citizen):
    phone, cafe = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(cafe).login(citizen)
    AuthActions(phone).login(citizen)
    cafe_row = live(citizen.id)[0]
    response = post_form(phone, f"/account/devices/{cafe_row.id}/sign-out", {}, token_from="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account#devices"
    assert "That device has been signed out." in text_of(phone.get("/account"))
    assert not signed_in_on(cafe)
    assert signed_in_on(phone)
    assert sign_out_buttons(phone.get("/account").text) == []
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.device_signed_out")).one()
    assert event.actor_id == citizen.id and event.target_id == str(citizen.id)
    assert event.details == {"browser": "Firefox", "system": "Windows", "signed_in_on": "2026-03-02"}


def test_the_audit_log_says_which_device_was_signed_out_in_words(app, citizen, make_user):
    phone, cafe = device(app, ANDROID_CHROME), device(app, "curl/8")
    AuthActions(cafe).login(citizen)
    AuthActions(phone).login(citizen)
    post_form(phone, f"/account/devices/{live(citizen.id)[0].id}/sign-out", {}, token_from="/account")
    admin = device(app, WINDOWS_EDGE)
    AuthActions(admin).login(make_user(roles=["superadmin"]))
    text = text_of(admin.get("/admin/audit", query_string={"person": citizen.cnic}))
    assert "Signed out on one other device" in text
    assert "Browser: Unknown" in text and "Device: Unknown" in text and "Signed in on: Mar 2, 2026" in text


def test_another_persons_sign_in_cannot_be_ended_and_answers_not_found(app, citizen, make_user):
    other = make_user()
    their_phone = device(app, IPHONE_SAFARI)
    AuthActions(their_phone).login(other)
    theirs = live(other.id)[0]
    mine = device(app, ANDROID_CHROME)
    AuthActions(mine).login(citizen)
    response = post_form(mine, f"/account/devices/{theirs.id}/sign-out", {}, token_from="/account")
    assert response.status_code == 404
    assert signed_in_on(their_phone)
    assert [r.id for r in live(other.id)] == [theirs.id]
    assert "auth.device_signed_out" not in audit_actions()


@pytest.mark.parametrize("which", ["this device", "ended", "missing"])
def test_only_a_live_other_device_of_ones_own_can_be_signed_out(app, citizen, which):
    phone, cafe = device(app, ANDROID_CHROME), device(app, WINDOWS_FIREFOX)
    AuthActions(cafe).login(citizen)
    AuthActions(phone).login(citizen)
    cafe_row, phone_row = live(citizen.id)
    if which == "ended":
        AuthActions(cafe).logout()
    sign_in_id = {"this device": phone_row.id, "ended": cafe_row.id, "missing": 2**63 - 1}[which]
    response = post_form(phone, f"/account/devices/{sign_in_id}/sign-out", {}, token_from="/account")
    assert response.status_code == 404
    assert signed_in_on(phone)
    assert "auth.device_signed_out" not in audit_actions()


def test_signing_out_a_device_needs_a_signed_in_owner_a_post_and_csrf(app, client, citizen):
    cafe, phone = device(app, WINDOWS_FIREFOX), device(app, ANDROID_CHROME)
    AuthActions(cafe).login(citizen)
    AuthActions(phone).login(citizen)
    cafe_row = live(citizen.id)[0]
    address = f"/account/devices/{cafe_row.id}/sign-out"
    anonymous = client.post(address, data={"csrf_token": csrf_token(client, "/login")})
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert phone.get(address).status_code == 405
    assert phone.post(address).status_code == 400  # no CSRF token
    assert signed_in_on(cafe)
    assert [r.id for r in live(citizen.id)] == [cafe_row.id, live(citizen.id)[1].id]


def test_a_shared_demo_persona_cannot_sign_out_the_rooms_other_devices(app, citizen):
    from portal.demo.personas import PERSONAS_BY_KEY
    from portal.demo.seed import seed

    seed()
    db.session.commit()
    app.config["DEMO_MODE"] = True
    presenter, phone = device(app, WINDOWS_EDGE), device(app, ANDROID_CHROME)
    for client in (presenter, phone):
        client.post("/demo/sign-in/citizen", data={"csrf_token": csrf_token(client, "/login")})
    persona = db.session.scalar(select(User).where(User.cnic == PERSONAS_BY_KEY["citizen"].cnic))
    presenters = live(persona.id)[0]
    response = post_form(phone, f"/account/devices/{presenters.id}/sign-out", {}, token_from="/account")
    assert response.status_code == 302
    assert "This demo account is shared by everyone in the session" in text_of(phone.get("/account"))
    assert signed_in_on(presenter)


# --- the shared cache and "last seen" ----------------------------------------------------------


def test_a_warm_page_sends_no_statement_about_the_person_or_their_sign_in(cached_app, citizen):
    phone = device(cached_app, ANDROID_CHROME)
    AuthActions(phone).login(citizen)
    db.session.remove()
    assert phone.get("/").status_code == 200  # read from the database, then kept
    db.session.remove()
    with Statements() as statements:
        assert phone.get("/").status_code == 200
    assert not [s for s in statements.sent + statements.after_commit if "auth_sign_ins" in s or "users" in s]


def test_last_seen_moves_on_at_most_every_few_minutes(app, citizen):
    phone = device(app, ANDROID_CHROME)
    AuthActions(phone).login(citizen)
    signed_in_at = clock.now()

    def at(minutes: int) -> datetime:
        app.config["FIXED_NOW"] = signed_in_at + timedelta(minutes=minutes)
        assert signed_in_on(phone)
        return live(citizen.id)[0].last_seen_at

    assert at(signed_in.LAST_SEEN_EVERY.seconds // 60 - 1) == signed_in_at  # not on every page
    assert at(10) == signed_in_at + timedelta(minutes=10)
    assert at(12) == signed_in_at + timedelta(minutes=10)
    assert live(citizen.id)[0].created_at == signed_in_at  # what the list shows


# --- pruning -----------------------------------------------------------------------------------


def test_pruning_deletes_ended_and_long_unseen_sign_ins_only(app, citizen):
    now = clock.now()
    lifetime = timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"])

    def row(name: str, *, seen: timedelta, ended: bool = False) -> SignIn:
        sign_in = SignIn(
            user_id=citizen.id,
            token_hash=hash_sign_in_token(name),
            created_at=now - seen,
            last_seen_at=now - seen,
            ended_at=now if ended else None,
        )
        db.session.add(sign_in)
        return sign_in

    row("ended just now", seen=timedelta(0), ended=True)
    row("unseen too long", seen=lifetime + timedelta(minutes=1))
    kept = [row("seen a while ago", seen=lifetime - timedelta(minutes=1)).token_hash, row("now", seen=timedelta(0))]
    kept[1] = kept[1].token_hash
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0 and "sign-ins deleted: 2" in result.output
    db.session.expire_all()
    assert sorted(db.session.scalars(select(SignIn.token_hash))) == sorted(kept)


def test_last_seen_waits_for_a_page_that_holds_sqlites_write_lock(app, citizen, caplog):
    """A wrong current password leaves the page's write transaction open until the request ends: "last
    seen" is left for a later page rather than waiting on that lock (SQLite's busy timeout, 15 s)."""
    import time

    phone = device(app, ANDROID_CHROME)
    AuthActions(phone).login(citizen)
    token = csrf_token(phone, "/account/password")
    db.session.commit()
    app.config["FIXED_NOW"] = clock.now() + timedelta(minutes=10)
    started = time.monotonic()
    response = phone.post(
        "/account/password", data={"current": "not it", "password": "x" * 12, "confirm": "x" * 12, "csrf_token": token}
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 5
    assert "last seen not recorded" not in caplog.text
