"""A database that is busy or out of reach: the portal answers "busy, please try again" (503) within its
configured timeouts, and changes nothing, instead of holding a worker until gunicorn ends it with a 500.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.auth.models import User
from portal.database import database_unavailable, no_statement_timeout_in_this_transaction, without_statement_timeout
from portal.extensions import db, login_manager
from portal.health.models import Appointment, Slot
from tests.conftest import TEST_DB
from tests.health.conftest import TUESDAY, karachi
from tests.health.test_views_citizen import book, book_page, form_fields
from tests.reliability.servers import SilentServer

BUSY = "The portal is busy right now"


@contextlib.contextmanager
def slot_held_by_another_transaction(database_url: str, slot_id: int, release_after: float):
    """Another transaction holds what a booking of ``slot_id`` must wait for (PostgreSQL: the slot's
    row; SQLite: the write lock), and lets go after ``release_after`` seconds at the latest, so that a
    portal that waits for ever books late instead of hanging the test."""
    engine = (
        create_engine(database_url, connect_args={"check_same_thread": False})
        if database_url.startswith("sqlite")
        else create_engine(database_url)
    )
    conn = engine.raw_connection()  # a plain DB-API connection, outside the portal's pool and limits
    cursor = conn.cursor()
    if engine.dialect.name == "sqlite":
        cursor.execute("BEGIN IMMEDIATE")
    else:
        cursor.execute(f"SELECT id FROM {Slot.__tablename__} WHERE id = %s FOR UPDATE", (slot_id,))
    lock, released = threading.Lock(), threading.Event()

    def release() -> None:
        with lock:
            if not released.is_set():
                released.set()
                conn.rollback()
                conn.close()
                engine.dispose()

    timer = threading.Timer(release_after, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        release()


def test_a_booking_kept_waiting_by_a_locked_slot_is_answered_busy_and_books_nothing(
    app, client, auth, make_user, make_service, database_url
):
    service = make_service(places_per_slot=3)
    at = karachi(TUESDAY, 9)
    first = make_user(full_name="Sadia Noor")
    auth.login(first)
    assert book(client, service, at)[0].status_code == 302
    auth.logout()
    slot_id = db.session.scalar(select(Slot.id).where(Slot.service_id == service.id))
    second_id = make_user(full_name="Imran Ali").id
    auth.login(db.session.get(User, second_id))
    page = book_page(service, at)
    form = {**form_fields(client.get(page).get_data(as_text=True)), "person": "0"}
    app.config.update(DATABASE_STATEMENT_TIMEOUT_SECONDS=0.3, DATABASE_BUSY_TIMEOUT_SECONDS=0.3)
    db.session.remove()
    db.engine.dispose()  # the next connections are made with the short limits

    with slot_held_by_another_transaction(database_url, slot_id, release_after=8):
        response = client.post(page, data=form)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert BUSY in html and "Please wait a minute, then try again." in html
    assert "پورٹل اس وقت مصروف ہے" in html  # the page is in both languages: it cannot ask whose it is
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
    assert db.session.get(Slot, slot_id).booked == 1
    # Once the other transaction has let go, the same form books.
    response = client.post(page, data=form)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).where(Appointment.user_id == second_id)) == 1


@pytest.fixture
def unreachable_portal():
    """A portal whose PostgreSQL accepts connections and never answers (hung, or packets dropped)."""
    with SilentServer() as server:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://portal@127.0.0.1:{server.port}/portal",
                "DATABASE_CONNECT_TIMEOUT_SECONDS": 2,
            }
        )
        yield app
        with app.app_context():
            db.engine.dispose()


def test_a_database_out_of_reach_is_answered_busy_in_html_and_json(unreachable_portal):
    client = unreachable_portal.test_client()
    response = client.get("/clinics")
    assert response.status_code == 503 and BUSY in response.get_data(as_text=True)
    response = client.get("/courses", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["message"] == BUSY
    # A signed-in person cannot be loaded either: the same answer, not an error page that failed too.
    with unreachable_portal.test_request_context(environ_base=client.environ_base):
        browser = login_manager._session_identifier_generator()  # the test client's, as at sign-in
    with client.session_transaction() as session:
        session.update({"_user_id": "1", "_fresh": True, "_id": browser})
    response = client.get("/appointments")
    assert response.status_code == 503 and BUSY in response.get_data(as_text=True)
    # The health check says so in its own words.
    assert client.get("/healthz").status_code == 503


def test_a_fault_of_the_portal_is_not_passed_off_as_a_busy_database(app):
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.rollback()
    assert not database_unavailable(caught.value)


@pytest.mark.skipif(TEST_DB != "postgres", reason="PostgreSQL only: SQLite has no statement timeout")
def test_statements_over_the_time_limit_are_cancelled_except_in_long_commands(app):
    app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] = 0.2
    db.session.remove()
    db.engine.dispose()
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT pg_sleep(1)"))
    db.session.rollback()
    assert database_unavailable(caught.value)
    # The demo reset lifts it for its own transaction only.
    no_statement_timeout_in_this_transaction()
    assert db.session.execute(text("SELECT pg_sleep(0.4), 1")).one()[1] == 1
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(text("SELECT pg_sleep(1)"))
    db.session.rollback()
    without_statement_timeout(app)  # what `flask seed-demo` does first
    db.session.remove()
    assert db.session.execute(text("SELECT pg_sleep(0.4), 1")).one()[1] == 1


@pytest.mark.skipif(TEST_DB != "postgres", reason="PostgreSQL only: a server that ends the connection")
def test_a_session_whose_connection_was_lost_mid_transaction_closes_without_an_error(app, database_url):
    """A command (the outbox's deliver, the dashboard refresher) that catches the loss of its connection
    and ends its session must not fail again in the portal's own end-of-transaction hook."""
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT 1"))
    assert database_unavailable(caught.value)
    db.session.remove()  # raised PendingRollbackError from the portal's rollback hook
    assert db.session.scalar(text("SELECT 1")) == 1


@pytest.mark.skipif(TEST_DB != "postgres", reason="PostgreSQL only: SQLite writers never wait for each other's rows")
def test_a_transaction_ended_by_a_deadlock_is_answered_busy(app, database_url, make_user):
    """Two transactions each holding a row the other waits for: the server ends one (40P01). That person
    is told "busy, try again" (503), not shown a 500: their transaction was rolled back whole."""
    first, second = make_user().id, make_user().id
    engine = create_engine(database_url)
    holding = threading.Barrier(2)
    errors = []

    def lock(ids):
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": ids[0]})
                holding.wait(timeout=10)
                conn.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": ids[1]})
        except DBAPIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=lock, args=(order,)) for order in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    engine.dispose()

    assert [getattr(error.orig, "sqlstate", None) for error in errors] == ["40P01"]
    assert database_unavailable(errors[0])


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_a_serialization_failure_is_not_a_fault_of_the_portal(sqlstate):
    from sqlalchemy.exc import OperationalError

    class ServerError(Exception):
        pass

    error = ServerError("deadlock detected" if sqlstate == "40P01" else "could not serialize access")
    error.sqlstate = sqlstate
    assert database_unavailable(OperationalError("SELECT …", {}, error))
