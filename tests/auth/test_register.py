"""Registration: every field's errors, normalisation, duplicates and the audit trail."""

import pytest
from sqlalchemy import select

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from tests.auth.conftest import audit_actions, post_form, register_data, text_of
from tests.conftest import PASSWORD, csrf_token


def register(client, **overrides):
    return post_form(client, "/register", register_data(**overrides))


def only_user() -> User:
    db.session.expire_all()
    return db.session.scalars(select(User)).one()


def test_register_page_shows_the_form(client):
    response = client.get("/register")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("full_name", "cnic", "mobile", "email", "date_of_birth", "gender", "district", "password"):
        assert f'name="{name}"' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("typed", ["35202-1234567-1", "3520212345671"])
def test_register_stores_cnic_without_dashes_and_mobile_in_e164(client, typed):
    response = register(client, cnic=typed, mobile="0300-1234567", email="Ayesha@Example.PK")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = only_user()
    assert user.cnic == "3520212345671"
    assert user.mobile == "+923001234567"
    assert user.email == "ayesha@example.pk"
    assert user.district == "Lahore"
    assert user.gender == "female"
    assert user.privacy_accepted_at is not None
    assert user.password_hash and PASSWORD not in user.password_hash
    assert "Welcome, Ayesha Siddiqui" in text_of(client.get("/"))
    assert "account.registered" in audit_actions()


def test_register_email_is_optional(client):
    assert register(client, email="").status_code == 302
    assert only_user().email is None


def test_register_remembers_the_language_chosen_before(client):
    with client.session_transaction() as s:
        s["lang"] = "ur"
    assert register(client).status_code == 302
    assert only_user().preferred_language == "ur"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"full_name": ""}, "This field is required."),
        ({"full_name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"cnic": ""}, "This field is required."),
        ({"cnic": "35202-123456-1"}, "Enter your 13-digit CNIC, for example 35202-1234567-1."),
        ({"cnic": "35202123456712"}, "Enter your 13-digit CNIC"),
        ({"cnic": "ABCDE-1234567-1"}, "Enter your 13-digit CNIC"),
        ({"mobile": ""}, "This field is required."),
        ({"mobile": "0300 12345"}, "Enter a Pakistani mobile number, for example 0300 1234567."),
        ({"mobile": "042 35761234"}, "Enter a Pakistani mobile number"),
        ({"mobile": "+44 7700 900123"}, "Enter a Pakistani mobile number"),
        ({"email": "not-an-email"}, "Enter an email address like name@example.com."),
        ({"date_of_birth": ""}, "Enter your date of birth."),
        ({"date_of_birth": "2026-03-03"}, "This date cannot be in the future."),
        ({"date_of_birth": "1850-01-01"}, "Enter a real date of birth."),
        ({"date_of_birth": "12/04/1990"}, "Not a valid date value."),
        ({"gender": None}, "Choose one."),
        ({"gender": "unknown"}, "Not a valid choice."),
        ({"district": ""}, "Choose your district."),
        ({"district": "Karachi"}, "Not a valid choice."),
        ({"password": "short-1", "confirm": "short-1"}, "Use at least 10 characters."),
        ({"password": "1234509876", "confirm": "1234509876"}, "a password of only digits is easy to guess"),
        ({"password": "cnic3520212345671", "confirm": "cnic3520212345671"}, "Do not use your CNIC as your password."),
        (
            {"password": "mob03001234567", "confirm": "mob03001234567"},
            "Do not use your mobile number as your password.",
        ),
        ({"password": "tel+923001234567", "confirm": "tel+923001234567"}, "Do not use your mobile number"),
        ({"confirm": "Green-valley-2027"}, "The two passwords do not match."),
        ({"confirm": ""}, "This field is required."),
        ({"accept_privacy": None}, "Please accept the privacy notice to create an account."),
    ],
)
def test_register_refuses_bad_input_with_a_message(client, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert db.session.scalar(select(User.id)) is None


def test_register_error_is_linked_to_its_field(client):
    html = register(client, cnic="123").get_data(as_text=True)
    assert 'href="#cnic"' in html
    assert 'aria-describedby="cnic-hint cnic-error"' in html
    assert 'aria-invalid="true"' in html


def test_the_error_summary_names_the_field_of_each_error(client):
    """The same message under several fields ("This field is required.") must say which is which."""
    html = post_form(client, "/register", {}).get_data(as_text=True)
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert '<span class="error-field">Full name:</span> This field is required.' in summary
    assert '<span class="error-field">CNIC number:</span> This field is required.' in summary
    assert '<span class="error-field">Mobile number:</span> This field is required.' in summary


def test_register_duplicate_cnic_points_to_sign_in_and_reset(client, make_user):
    make_user(cnic="3520212345671")
    response = register(client, cnic="35202-1234567-1")
    assert response.status_code == 200
    page = text_of(response)
    assert "An account with this CNIC already exists. Please sign in, or reset your password" in page
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_register_duplicate_email_is_refused(client, make_user):
    make_user(email="ayesha@example.pk")
    response = register(client, email="AYESHA@example.pk")
    assert response.status_code == 200
    assert "Another account already uses this email address." in text_of(response)


def test_register_completes_a_counter_record_given_the_mobile_recorded_there(client, make_user):
    walk_in = make_user(cnic="3520212345671", full_name="A. Siddiqui", mobile="+923001234567")
    walk_in.password_hash = None
    db.session.commit()
    assert register(client, mobile="0300-1234567").status_code == 302
    user = only_user()
    assert user.full_name == "Ayesha Siddiqui" and user.password_hash


def test_register_refuses_a_counter_record_with_another_mobile(client, make_user):
    walk_in = make_user(cnic="3520212345671", full_name="A. Siddiqui", mobile="+923331234567")
    walk_in.password_hash = None
    db.session.commit()
    response = register(client, mobile="0300 1234567")
    assert response.status_code == 200
    page = text_of(response)
    assert "An account with this CNIC already exists." in page  # as for any account: no word of a clinic
    assert "clinic counter" not in page
    user = only_user()
    assert user.full_name == "A. Siddiqui" and user.password_hash is None


def test_register_without_csrf_token_is_refused(client):
    response = client.post("/register", data=register_data())
    assert response.status_code == 400
    assert "This form expired" in text_of(response)
    assert db.session.scalar(select(User.id)) is None


def test_signed_in_person_is_sent_home_from_register(client, auth, citizen):
    auth.login(citizen)
    response = client.get("/register")
    assert response.status_code == 302


@pytest.mark.parametrize(("field", "message"), [("cnic", "An account with this CNIC"), ("email", "Another account")])
def test_register_race_is_decided_by_the_unique_constraints(app, client, monkeypatch, field, message):
    """Another registration commits the same CNIC or email between our check and our insert.
    (On SQLite the service holds the write lock from its first read, so this cannot happen.)"""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises registrations with BEGIN IMMEDIATE")
    from portal.auth import services
    from portal.auth.models import User as UserModel

    rival = {"cnic": "3520212345671" if field == "cnic" else "3520299999991", "email": "race@example.pk"}
    real_scalar = db.session.scalar
    state = {"raced": False}

    def scalar(statement, *args, **kwargs):
        if not state["raced"] and "FROM users" in str(statement):
            state["raced"] = True
            with db.engine.begin() as other:
                other.execute(
                    UserModel.__table__.insert().values(
                        full_name="Rival",
                        cnic=rival["cnic"],
                        email=rival["email"],
                        preferred_language="en",
                        failed_logins=0,
                        active=True,
                        password_hash="x",
                        created_at=clock.now(),
                    )
                )
            return None
        return real_scalar(statement, *args, **kwargs)

    token = csrf_token(client, "/register")
    monkeypatch.setattr(db.session, "scalar", scalar)
    response = client.post("/register", data={**register_data(email="race@example.pk"), "csrf_token": token})
    monkeypatch.undo()
    assert state["raced"]
    assert response.status_code == 200
    assert message in text_of(response)
    assert services.find_by_cnic("3520212345671") is None or field == "cnic"
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def _register_from(client, address: str, **overrides):
    data = {**register_data(**overrides), "csrf_token": csrf_token(client, "/register")}
    return client.post("/register", data=data, environ_base={"REMOTE_ADDR": address})


def test_registrations_from_one_address_are_limited(app, client):
    """Each costs a password hash and says whether a CNIC has an account: not at any speed."""
    app.config["REGISTER_RATE_LIMIT_IP"] = "3 per minute"
    for n in range(3):
        assert _register_from(client, "10.0.0.1", cnic=f"352021234567{n}", password="short").status_code == 200
    response = _register_from(client, "10.0.0.1", cnic="3520212345679")
    assert response.status_code == 429
    assert "Too many attempts" in text_of(response)
    assert db.session.scalar(select(User.id)) is None
    assert _register_from(app.test_client(), "10.0.0.2", cnic="3520212345679").status_code == 302


def test_registrations_with_one_cnic_are_limited_whatever_the_address(app, client):
    app.config["REGISTER_RATE_LIMIT_CNIC"] = "2 per hour"
    for n in range(2):
        assert _register_from(client, f"10.0.1.{n}", cnic="35202-1234567-1", password="short").status_code == 200
    assert _register_from(client, "10.0.1.9", cnic="3520212345671").status_code == 429
    assert _register_from(client, "10.0.1.9", cnic="3520212345672").status_code == 302


def test_a_person_sent_to_sign_in_who_registers_instead_goes_on_where_they_were_going(client):
    booking = "/appointments/book/1/1772510400"
    login = client.get(f"/login?next={booking}").get_data(as_text=True)
    assert f'href="/register?next={booking}"' in login
    response = post_form(client, f"/register?next={booking}", register_data())
    assert response.status_code == 302 and response.headers["Location"] == booking
    assert only_user().full_name == "Ayesha Siddiqui"


def test_register_ignores_a_next_address_off_the_site(client):
    response = post_form(client, "/register?next=//evil.example/x", register_data())
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_error_summary_gives_one_message_per_field_and_no_stray_full_stop(client):
    """A too-long email is one problem, not also "not an email address"; the privacy checkbox's label
    is a sentence, whose full stop does not come before the summary's colon."""
    response = register(client, email="a" * 250 + "@example.pk", accept_privacy=None)
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "Field cannot be longer than 254 characters." in page
    assert "Enter an email address like name@example.com." not in page
    assert html.count('id="email-error"') == 1
    assert "keeps these details.:" not in page and "keeps these details: Please accept" in page
