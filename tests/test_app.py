"""The app factory, configuration, health check, security headers and error pages."""

import pytest
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from portal import create_app
from portal.config import ProductionConfig
from portal.extensions import db
from tests.conftest import csrf_token


def test_home_page_points_to_both_services(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Book a clinic appointment" in html
    assert "Find a course" in html
    assert '<html lang="en" dir="ltr">' in html


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_database_error_with_503(tmp_path):
    broken = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/no-such-page"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_to_start_without_its_public_address(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 64)
    for base in (None, "portal.punjab.gov.pk", "javascript:alert(1)"):
        monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", base)
        with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL is missing"):
            create_app(ProductionConfig)


def test_production_refuses_rate_limit_counters_in_process_memory(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "https://portal.punjab.gov.pk")
    for storage in ("memory://", "", None):
        monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", storage)
        with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI must point at Redis"):
            create_app(ProductionConfig)


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "https://portal.punjab.gov.pk")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["DEMO_MODE"] is False


def test_404_page_is_styled_and_translated(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    client.post("/language", data={"lang": "ur"})  # CSRF refuses: the language stays English
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/no-such-page").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "Page not found" not in html


def test_404_answers_json_to_api_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == 404


def test_500_shows_a_friendly_page_without_traceback(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-only settings")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_static_assets_have_versioned_urls_and_long_cache(client):
    html = client.get("/").get_data(as_text=True)
    import re

    href = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]+)"', html).group(1)
    with client.get(href) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 31536000 and response.cache_control.immutable
        # Not also "no-cache", which would have the browser ask again on every page (a round trip per
        # file on a slow connection) whatever the max-age says.
        assert not response.cache_control.no_cache, response.headers["Cache-Control"]
    # An address without its version may change: asked again each time, as before.
    with client.get("/static/css/portal.css") as response:
        assert response.cache_control.no_cache and not response.cache_control.immutable


def test_dynamic_responses_are_never_stored_whatever_their_type(client, auth, make_service, make_user):
    """A daily list as CSV, a dashboard download, a JSON answer, a redirect: each may carry someone's
    data, so neither the browser nor a proxy keeps it (static files keep their lifetime, above)."""
    service = make_service()
    auth.login(make_user(roles=[("clinic_admin", service.clinic_id), "official"]))
    for path in (
        f"/clinic-admin/clinics/{service.clinic_id}/day.csv",
        "/dashboard/export/today.csv",
        "/healthz",
        "/language/ur?next=/",
    ):
        with client.get(path) as response:
            assert response.status_code in (200, 302), path
            assert response.cache_control.no_store, (path, response.headers.get("Cache-Control"))
    with client.get("/no-such-page", headers={"Accept": "application/json"}) as response:
        assert response.mimetype == "application/json" and response.cache_control.no_store


def test_every_response_carries_a_request_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert first and second and first != second
    assert client.get("/", headers={"X-Request-ID": "abc12345-from-proxy"}).headers["X-Request-ID"] == (
        "abc12345-from-proxy"
    )


def test_request_log_is_one_json_line_without_the_raw_path(app, client, caplog):
    import json
    import logging

    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/password-reset/some-secret-token")
    records = [r for r in caplog.records if r.name == "portal.requests"]
    assert records, "no request log line"
    from portal.observability import JsonFormatter

    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["path"] == "/password-reset/<token>"
    assert "some-secret-token" not in json.dumps(line)
    assert line["status"] == 400 and line["method"] == "GET" and line["request_id"]


@pytest.mark.parametrize("failure", ["fault", "busy"])
def test_an_error_on_a_reset_link_is_logged_without_its_token(app, client, caplog, monkeypatch, failure):
    """The error log named the page by its path: a reset link that met a fault, or a busy database, wrote
    its token (still unused, so still good for half an hour) into the log, for anyone who reads it."""
    import logging
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from portal.auth import services

    def fails(token):
        if failure == "busy":
            raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
        raise RuntimeError("a fault")

    monkeypatch.setattr(services, "reset_token_user", fails)
    with caplog.at_level(logging.INFO):
        response = client.get("/password-reset/the-secret-reset-token")
    assert response.status_code == (503 if failure == "busy" else 500)
    logged = [record.getMessage() for record in caplog.records if record.name != "portal.requests"]
    assert any("/password-reset/[token]" in line for line in logged)
    assert not any("the-secret-reset-token" in line for line in logged)


def test_a_database_error_is_logged_without_the_values_bound_to_it(app, client, caplog, monkeypatch):
    """A failing statement's error, logged with its traceback, names the statement but never its values
    (a CNIC, a password hash): the engine hides them (hide_parameters)."""
    import logging

    from sqlalchemy import text

    from portal.auth import services

    def fails(token):
        db.session.execute(
            text("SELECT id FROM no_such_table WHERE cnic = :cnic AND hash = :hash"),
            {"cnic": "3520211122233", "hash": "scrypt:secret-hash"},
        )

    monkeypatch.setattr(services, "reset_token_user", fails)
    with caplog.at_level(logging.INFO):
        assert client.get("/password-reset/some-token").status_code == 500
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records if r.name != "portal.requests")
    assert "no_such_table" in logged  # the error and its statement are there
    assert "3520211122233" not in logged and "secret-hash" not in logged


def test_a_database_error_is_logged_without_the_key_values_the_database_quotes(
    app, client, caplog, monkeypatch, make_user
):
    """PostgreSQL's own error text quotes a unique key's value (DETAIL: Key (cnic)=(...) already exists),
    which hide_parameters does not reach: a clash on a CNIC or an email must not write it to the log."""
    import logging

    from sqlalchemy import text

    from portal.auth import services

    first = make_user(cnic="3520211122233", email="first.person@example.pk")
    second = make_user()

    def clashes(token):
        db.session.execute(text("UPDATE users SET cnic = :cnic WHERE id = :id"), {"cnic": first.cnic, "id": second.id})

    monkeypatch.setattr(services, "reset_token_user", clashes)
    with caplog.at_level(logging.INFO):
        assert client.get("/password-reset/some-token").status_code == 500
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records if r.name != "portal.requests")
    assert "IntegrityError" in logged  # the error is there ...
    assert "3520211122233" not in logged and "35202-1112223-3" not in logged  # ... the CNIC is not

    def clashes_on_email(token):
        db.session.execute(
            text("UPDATE users SET email = :email WHERE id = :id"), {"email": first.email, "id": second.id}
        )

    caplog.clear()
    monkeypatch.setattr(services, "reset_token_user", clashes_on_email)
    with caplog.at_level(logging.INFO):
        assert client.get("/password-reset/some-token").status_code == 500
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records if r.name != "portal.requests")
    assert "IntegrityError" in logged and "first.person@example.pk" not in logged


@pytest.mark.parametrize(
    ("line", "kept", "gone"),
    [
        ("DETAIL:  Key (cnic)=(3520211122233) already exists.", "Key (cnic)=([hidden]) already exists", "35202"),
        ("DETAIL:  Key (lower(email::text))=(a.b@x.pk) already exists.", "=([hidden]) already exists", "a.b@x"),
        ("DETAIL:  Failing row contains (7, 3520211122233, Ali, null).", "Failing row contains ([hidden])", "Ali"),
        ("sms to +923001234567 failed", "sms to [number] failed", "3001234567"),
        ("walk-in 35202-1112223-3 not found", "walk-in [cnic] not found", "1112223"),
        ("booking H-7Q2K-9XMA for slot 123456 at 2026-03-02T09:00", "slot 123456 at 2026-03-02T09:00", "[number]"),
    ],
)
def test_personal_data_is_taken_out_of_log_lines(line, kept, gone):
    from portal.observability import without_personal_data

    cleaned = without_personal_data(line)
    assert kept in cleaned and gone not in cleaned


def test_a_log_call_whose_arguments_do_not_fit_its_format_never_raises_in_the_request(app, monkeypatch):
    """The filter formats the message itself, outside logging's own guard: a mismatch must be left to the
    handler to report (as logging always did), not raised where the call was made (the error page's)."""
    import logging

    from portal.observability import PersonalDataFilter

    record = logging.LogRecord("portal", logging.WARNING, __file__, 1, "section %s was already %d", (12, "zero"), None)
    assert PersonalDataFilter().filter(record) is True  # no TypeError
    assert record.args == (12, "zero")  # left for the handler, which reports "--- Logging error ---"
    monkeypatch.setattr(logging, "raiseExceptions", False)
    with app.app_context():
        app.logger.warning("seat counter of section %s was already %d", 12, "zero")


def test_request_log_names_the_signed_in_person_without_reloading_them_after_a_commit(
    app, client, auth, make_user, caplog
):
    import json
    import logging

    from sqlalchemy import event

    from portal.observability import JsonFormatter

    person = make_user(preferred_language="en")
    auth.login(person)
    token = csrf_token(client, "/")
    after_commit = []

    def committed(conn):
        after_commit.append("COMMIT")

    def remember(conn, cursor, statement, *args):
        if after_commit:
            after_commit.append(statement)

    event.listen(db.engine, "commit", committed)
    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        with caplog.at_level(logging.INFO, logger="portal.requests"):
            response = client.post("/language", data={"lang": "ur", "csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
        event.remove(db.engine, "commit", committed)
    assert response.status_code == 302
    line = json.loads(JsonFormatter().format([r for r in caplog.records if r.name == "portal.requests"][-1]))
    assert line["user_id"] == person.id and line["path"] == "/language"
    # The profile change committed (which expires the user) before the log line was written: naming
    # the person in the log does not read them again.
    assert after_commit == ["COMMIT"], after_commit


def test_request_log_of_a_visitor_names_no_one(client, caplog):
    import json
    import logging

    from portal.observability import JsonFormatter

    with caplog.at_level(logging.INFO, logger="portal.requests"):
        client.get("/privacy")
    line = json.loads(JsonFormatter().format([r for r in caplog.records if r.name == "portal.requests"][-1]))
    assert line["user_id"] is None


def test_a_page_that_fails_with_its_error_page_still_answers_in_both_languages(
    app, client, auth, make_user, monkeypatch
):
    """When the signed-in person cannot be loaded, the error page (whose header shows them) fails too:
    the person still gets the portal's own short page in English and Urdu, not the server's bare
    "Internal Server Error", and nothing of the fault."""
    auth.login(make_user())

    def broken_loader(token):
        raise RuntimeError("secret internals")

    # The loader is shared by every app of the test process: replaced for this test only.
    monkeypatch.setattr(app.login_manager, "_user_callback", broken_loader)
    response = client.get("/clinics")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, something went wrong on our side" in html
    assert "معذرت، ہماری طرف کوئی خرابی پیش آ گئی" in html  # the Urdu catalogue's words
    assert 'href="/"' in html
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    "huge",
    [
        2**31,  # one past PostgreSQL's INTEGER, which every id column is
        10**20,  # past what a 64-bit integer (and so SQLite) can hold
    ],
)
def test_an_id_too_large_for_the_database_is_a_missing_page_on_every_route(app, client, auth, make_user, huge):
    """Generated from the URL map, so that a new route with a number in its address is covered too."""
    staff = make_user(roles=["superadmin", "official"])
    auth.login(staff)
    tried = []
    for rule in app.url_map.iter_rules():
        numbers = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if not numbers or "GET" not in rule.methods:
            continue
        values = {name: (huge if name in numbers else "X") for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        response = client.get(path)
        tried.append(path)
        assert response.status_code == 404, (path, response.status_code)
    assert len(tried) >= 15  # clinics, services, appointments, courses, sections, family, admin pages…


@pytest.mark.parametrize(
    "path",
    [
        "/clinics?page=9223372036854775807",
        "/courses?page=99999999999999999999",
        "/messages?page=9223372036854775807",
        "/dashboard/?start=9999-12-31",
        "/dashboard/?start=0001-01-01&end=0001-01-02",
        "/dashboard/health?end=9999-12-31",
    ],
)
def test_extreme_page_numbers_and_dates_give_a_page_not_an_error(client, auth, make_user, path):
    auth.login(make_user(roles=["official"]))
    response = client.get(path, follow_redirects=True)  # clinic search: to its last page
    assert response.status_code == 200, response.status_code


def test_the_too_large_page_says_the_limit_and_leads_back_only_to_a_page_of_this_site(app, client):
    """A request over MAX_CONTENT_LENGTH: the page says how large a file may be, and "Back" returns to
    the page the person came from when it is one of this site's (never to another site's)."""
    app.config["MAX_CONTENT_LENGTH"] = 1_000_000
    body = b"x" * 1_000_001
    here = client.post(
        "/login", data=body, content_type="text/csv", headers={"Referer": "http://localhost/courses?q=ai"}
    )
    page = here.get_data(as_text=True)
    assert here.status_code == 413 and "Files of up to 1 MB can be sent here." in page
    assert '<a class="button" href="/courses?q=ai">Back to the page you were on</a>' in page
    elsewhere = client.post(
        "/logout", data=body, content_type="text/csv", headers={"Referer": "https://evil.example/x"}
    )
    page = elsewhere.get_data(as_text=True)
    assert elsewhere.status_code == 413 and "Back to the page you were on" not in page  # /logout is not a page
    assert "evil.example" not in page
    client.get("/language/ur?next=/")
    urdu = client.post("/login", data=body, content_type="text/csv").get_data(as_text=True)
    assert "یہاں زیادہ سے زیادہ \u20661 MB\u2069 تک کی فائل بھیجی جا سکتی ہے۔" in urdu
    assert 'href="/login">جس صفحے پر آپ تھے اس پر واپس جائیں</a>' in urdu
