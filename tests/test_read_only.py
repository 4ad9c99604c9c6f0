"""Pages that only read (portal.database.read_only): on PostgreSQL they read without a transaction
(no BEGIN before the first query, no ROLLBACK after the last), their POSTs keep theirs, and a page
marked read-only that tries to write is refused with nothing written, on both databases."""

from __future__ import annotations

import pytest
from flask import request
from sqlalchemy import event, func, insert, select, text

from portal.auth.models import AuditEvent
from portal.database import read_only, utcnow
from portal.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def pages(app):
    """A page marked read-only that reads on GET and writes on POST, and one that writes on GET."""

    @app.route("/test-only/read", methods=["GET", "POST"])
    @read_only
    def reads():
        db.session.execute(text("SELECT 1"))
        if request.method == "POST":  # it may write
            db.session.add(AuditEvent(action="test.posted"))
            db.session.commit()
        return "read"

    @app.route("/test-only/sneaky-write")
    @read_only
    def sneaky_write():
        db.session.add(AuditEvent(action="test.sneaky"))
        db.session.commit()
        return "written"

    @app.route("/test-only/sneaky-statement")
    @read_only
    def sneaky_statement():
        db.session.execute(insert(AuditEvent).values(action="test.sneaky", created_at=utcnow()))
        db.session.commit()
        return "written"

    return app


def autocommit_of_statements(client, method: str, path: str, **kwargs):
    """The response, and for each statement the request sent, whether its connection was in the
    driver's autocommit mode (no transaction)."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(bool(conn.connection.dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.open(path, method=method, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, seen


def postgres_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite a transaction costs no round trip, and pages keep theirs")


def test_a_read_only_page_reads_without_a_transaction_and_its_post_keeps_one(pages, client):
    postgres_only()
    response, seen = autocommit_of_statements(client, "GET", "/test-only/read")
    assert response.status_code == 200 and seen and all(seen)
    token = csrf_token(client, "/login")
    response, seen = autocommit_of_statements(client, "POST", "/test-only/read", data={"csrf_token": token})
    assert response.status_code == 200 and seen and not any(seen)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "test.posted")) == 1


def test_a_connection_that_served_a_read_only_page_returns_to_the_pool_with_transactions(pages, client):
    postgres_only()
    for _ in range(3):  # every connection the pool holds has served a read-only page
        client.get("/test-only/read")
    for _ in range(3):
        with db.engine.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit is False
            connection.execute(text("SELECT 1"))


def test_the_dashboard_and_a_citizens_pages_read_without_a_transaction(client, auth, make_user):
    postgres_only()
    auth.login(make_user(roles=[("official", None)]))
    for path in ("/dashboard/", "/appointments", "/my-courses"):
        response, seen = autocommit_of_statements(client, "GET", path)
        assert response.status_code == 200, path
        assert seen and all(seen), path


@pytest.mark.parametrize("path", ["/test-only/sneaky-write", "/test-only/sneaky-statement"])
def test_a_read_only_page_that_writes_is_refused_and_nothing_is_written(pages, client, path):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get(path)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
