"""A control character in anything a request sends is refused in one place (portal/control_characters.py)
with a 400 and the portal's error page (JSON for an API client), before any view reads it: PostgreSQL
cannot store NUL in text, and answered "text fields cannot contain NUL" with a 500 wherever one reached a
query. Tab, line feed and carriage return, which text areas send, are accepted.

Run on PostgreSQL too (TEST_DB=postgres): there these requests were the 500s."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import AuditEvent, User
from portal.extensions import db
from tests.auth.conftest import register_data, text_of
from tests.conftest import csrf_token

REFUSED = "Something you sent has a hidden character that the portal cannot use"


def counts() -> tuple[int, int]:
    db.session.rollback()
    return db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(AuditEvent.id)))


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/clinics", {"q": "Mayo\x00"}),
        ("/clinics", {"service": "General\x00OPD"}),
        ("/clinics", {"district": "Lahore\x00"}),
        ("/courses", {"q": "Python\x00"}),
        ("/verify", {"code": "AB\x00CD"}),
        ("/clinics", {"q\x00": "Mayo"}),  # in a name, too
        ("/clinics", {"q": "Mayo\x01"}),
        ("/clinics", {"q": "\x1b[31mMayo"}),
        ("/courses", {"q": "Python\x0b"}),
        ("/courses", {"q": "Python\x1f"}),
    ],
)
def test_a_control_character_in_the_query_string_is_a_400_with_the_error_page(client, make_clinic, path, query):
    make_clinic()
    response = client.get(path, query_string=query)
    assert response.status_code == 400
    assert REFUSED in text_of(response)


def test_a_nul_in_the_address_itself(client):
    assert client.get("/verify/AB%00CD").status_code == 400


@pytest.mark.parametrize("typed", ["Mayo\tHospital", "Mayo\nHospital", "Mayo\r\nHospital", "Mayo\x7f", "Mayo\u200f"])
def test_tab_line_breaks_and_other_characters_are_accepted(client, make_clinic, typed):
    make_clinic(name="Mayo Hospital OPD")
    assert client.get("/clinics", query_string={"q": typed}).status_code == 200


def test_the_refusal_is_in_urdu_for_an_urdu_reader(client):
    client.get("/language/ur?next=/")
    response = client.get("/clinics", query_string={"q": "میو\x00"})
    assert response.status_code == 400
    page = text_of(response)
    assert REFUSED not in page and "آپ کے بھیجے ہوئے متن میں ایک چھپا ہوا حرف ہے" in page


def test_an_api_client_is_answered_in_json(client):
    response = client.get("/clinics", query_string={"q": "Mayo\x00"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": 400,
        "message": REFUSED,
        "detail": response.get_json()["detail"],
    }


def test_a_nul_in_a_json_body(client):
    response = client.get("/clinics", json={"filters": [{"q": "Mayo\x00"}]}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == 400
    assert client.get("/clinics", json={"filters": [{"q": "Mayo"}]}).status_code == 200


def test_signing_in_with_a_nul_after_the_email_changes_nothing(client, make_user):
    make_user(email="a@example.pk")
    before = counts()
    for identifier in ("a@example.pk\x00", "35202\x001234567-1"):
        response = client.post(
            "/login", data={"identifier": identifier, "password": "x", "csrf_token": csrf_token(client, "/login")}
        )
        assert response.status_code == 400, identifier
        assert REFUSED in text_of(response)
    assert counts() == before  # no failed sign-in recorded: the request never reached the view


def test_registering_with_a_nul_in_the_name_makes_no_account(client):
    data = register_data(full_name="Ayesha\x00 Khan")
    data["csrf_token"] = csrf_token(client, "/register")
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert counts()[0] == 0


def test_a_nul_in_an_uploaded_files_name(client, make_user):
    from io import BytesIO

    make_user()
    data = {"csrf_token": csrf_token(client, "/login"), "file": (BytesIO(b"x"), "list\x00.csv")}
    assert client.post("/login", data=data, content_type="multipart/form-data").status_code == 400
