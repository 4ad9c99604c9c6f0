"""Urdu pages: lang="ur" dir="rtl", translated text, and translated messages from the auth layer."""

import pytest

from portal.extensions import db
from portal.notifications.models import CHANNEL_IN_APP, CHANNEL_SMS
from tests.auth.conftest import post_form, register_data, text_of


@pytest.fixture
def urdu(client):
    with client.session_transaction() as s:
        s["lang"] = "ur"
    return client


@pytest.mark.parametrize(
    ("path", "english", "urdu_text"),
    [
        ("/", "Book a clinic appointment", "کلینک میں اپائنٹمنٹ بک کریں"),
        ("/", "Find a course", "کورس تلاش کریں"),
        ("/login", "Forgotten your password?", "پاس ورڈ بھول گئے؟"),
        ("/login", "Keep me signed in on this device", "اس ڈیوائس پر مجھے سائن اِن رکھیں"),
        ("/register", "Create an account", "اکاؤنٹ بنائیں"),
        ("/register", "Date of birth", "تاریخِ پیدائش"),
        ("/password-reset", "Send the link", "لنک بھیجیں"),
    ],
)
def test_urdu_pages_are_right_to_left_and_translated(urdu, path, english, urdu_text):
    html = urdu.get(path).get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html
    assert urdu_text in html
    assert english not in html


def test_urdu_examples_of_a_cnic_and_a_mobile_number_read_left_to_right(urdu):
    """After Urdu letters, digit groups joined by a dash or a space are laid out right to left
    ("1-1234567-35202") unless isolated as left-to-right text (U+2066 … U+2069); nor may a line break
    split them (a word joiner after each dash, a no-break space)."""
    cnic, mobile = "\u206635202-\u20601234567-\u20601\u2069", "\u20660300\u00a01234567\u2069"
    html = urdu.get("/register").get_data(as_text=True)
    assert cnic in html and mobile in html
    response = post_form(urdu, "/register", register_data(cnic="123", mobile="12"))
    errors = response.get_data(as_text=True)
    assert cnic in errors and mobile in errors


def test_register_page_lists_the_districts_in_urdu(urdu):
    html = urdu.get("/register").get_data(as_text=True)
    assert '<option value="Lahore">لاہور</option>' in html
    assert '<option value="Dera Ghazi Khan">ڈیرہ غازی خان</option>' in html
    assert html.count("<option value=") >= 36


def test_every_district_has_an_urdu_name(app):
    from flask_babel import force_locale

    from portal.districts import DISTRICTS

    assert len(DISTRICTS) == 36
    with app.test_request_context(), force_locale("ur"):
        names = [str(label) for _value, label in DISTRICTS]
    assert all(name and not any("a" <= c.lower() <= "z" for c in name) for name in names), names
    assert len(set(names)) == 36


def test_language_switch_back_to_english(urdu):
    response = post_form(urdu, "/language", {"lang": "en", "next": "/login"}, token_from="/login")
    assert response.headers["Location"] == "/login"
    assert '<html lang="en" dir="ltr">' in urdu.get("/login").get_data(as_text=True)


def test_a_visitor_switches_language_by_a_link_that_returns_to_the_same_page(client):
    page = client.get("/courses?district=Lahore").get_data(as_text=True)
    assert '<form class="lang-switch"' not in page  # a visitor's page carries no form, hence no token
    assert 'href="/language/ur?next=/courses?district%3DLahore"' in page
    response = client.get("/language/ur?next=/courses?district%3DLahore")
    assert response.status_code == 302 and response.headers["Location"] == "/courses?district=Lahore"
    assert '<html lang="ur" dir="rtl">' in client.get("/courses?district=Lahore").get_data(as_text=True)
    back = client.get("/language/en?next=/courses").headers["Location"]
    assert back == "/courses" and 'lang="en"' in client.get(back).get_data(as_text=True)


def test_the_language_link_refuses_unknown_languages_and_other_sites(client):
    assert client.get("/language/fr?next=/login").status_code == 404
    assert client.get("/language/ur?next=//evil.example").headers["Location"] == "/"
    assert client.get("/language/ur?next=https://evil.example/").headers["Location"] == "/"


def test_a_visitor_reading_in_urdu_is_not_sent_a_cookie_on_every_page(urdu):
    # Flask-Login's "strong" session protection used to rewrite a visitor's language-only session on
    # every page (two Set-Cookie headers per response); there is no one signed in to protect.
    for path in ("/", "/clinics", "/courses", "/login"):
        response = urdu.get(path)
        assert response.status_code == 200 and 'dir="rtl"' in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers or path == "/login", path  # the sign-in form's token
    with urdu.session_transaction() as s:
        assert s["lang"] == "ur" and "_remember" not in s


def test_signed_in_people_switch_language_with_a_form_that_saves_it(client, auth, citizen):
    auth.login(citizen)
    page = client.get("/").get_data(as_text=True)
    assert '<form class="lang-switch" method="post" action="/language">' in page
    assert "/language/ur" not in page


def test_urdu_register_errors_are_translated(urdu):
    response = post_form(urdu, "/register", register_data(cnic="123", password="short-1", confirm="short-1"))
    page = text_of(response)
    assert "ایک مسئلہ ہے" in page  # "There is a problem"
    assert "اپنا 13 ہندسوں کا شناختی کارڈ نمبر درج کریں" in page
    assert "کم از کم 10 حروف استعمال کریں۔" in page
    assert "Enter your 13-digit CNIC" not in page


def test_urdu_wrong_password_message(urdu, auth, citizen):
    page = text_of(auth.login(citizen, "Wrong-password-123"))
    assert "شناختی کارڈ نمبر یا ای میل اور پاس ورڈ ہمارے ریکارڈ سے مطابقت نہیں رکھتے۔" in page


def test_rate_limit_page_is_translated(app, urdu, auth, citizen):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "1 per minute"
    auth.login(citizen, "Wrong-password-123")
    response = auth.login(citizen, "Wrong-password-123")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'dir="rtl"' in html and "Too many attempts" not in html
    assert "بہت زیادہ کوششیں" in html


def test_form_expired_page_is_translated(urdu):
    response = urdu.post("/login", data={"identifier": "x", "password": "y"})
    assert response.status_code == 400
    assert "اس فارم کی میعاد ختم ہو گئی" in text_of(response)


def test_messages_are_queued_in_the_users_language(app, make_user):
    from flask_babel import gettext as _
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import select

    from portal.notifications.models import Message
    from portal.notifications.services import notify

    reader = make_user(preferred_language="ur")
    english = make_user(preferred_language="en")
    for user in (reader, english):
        notify(user, subject=_l("Reset your password"), body=lambda: _("Messages"), channels=(CHANNEL_IN_APP,))
    db.session.commit()
    rows = {m.user_id: m for m in db.session.scalars(select(Message))}
    # An Urdu body starts with a right-to-left mark (for SMS apps: see notifications.services.notify).
    assert (rows[reader.id].subject, rows[reader.id].body) == ("نیا پاس ورڈ بنائیں", "\u200fپیغامات")
    assert (rows[english.id].subject, rows[english.id].body) == ("Reset your password", "Messages")


def test_reset_link_message_in_urdu_keeps_the_link(client, make_user):
    from sqlalchemy import select

    from portal.notifications.models import Message

    user = make_user(preferred_language="ur")
    post_form(client, "/password-reset", {"identifier": user.cnic})
    body = db.session.scalars(select(Message.body).where(Message.channel == CHANNEL_SMS)).one()
    assert "30 منٹ کے اندر کھولیں" in body and "http://localhost/password-reset/" in body


def test_wtforms_own_messages_are_translated(urdu):
    page = text_of(
        post_form(urdu, "/register", register_data(full_name="x" * 121, date_of_birth="12/04/1990", district="Quetta"))
    )
    assert "یہ خانہ 120 حروف سے لمبا نہیں ہو سکتا۔" in page
    assert "یہ تاریخ درست نہیں۔" in page
    assert "یہ انتخاب درست نہیں۔" in page
    assert "Not a valid" not in page and "Field cannot be longer" not in page


def test_wtforms_own_messages_stay_english_in_english(client):
    page = text_of(post_form(client, "/register", register_data(full_name="x" * 121, district="Quetta")))
    assert "Field cannot be longer than 120 characters." in page and "Not a valid choice." in page


def test_district_names_follow_the_language_of_each_request(app):
    from flask_babel import force_locale

    from portal.districts import district_label

    with app.test_request_context():
        assert district_label("Lahore") == "Lahore"
        with force_locale("ur"):
            assert district_label("Lahore") == "لاہور"
        assert district_label("Lahore") == "Lahore"  # each language keeps its own names
        assert district_label("Nowhere") == "Nowhere" and district_label(None) == ""
    assert district_label("Lahore") == "Lahore"  # outside a request (a CLI command)
