"""Database helpers shared by every package: UTC timestamps, SQLite tuning, write transactions."""

from __future__ import annotations

import contextvars
import functools
from datetime import UTC, datetime

from sqlalchemy import DateTime, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from portal.collation import compare as urdu_compare
from portal.collation import compare_english, find_collations
from portal.extensions import READ_ONLY, PortalSession, db

# The largest id an id column holds: INTEGER, 32 bits on PostgreSQL (SQLite's would take 64). A route's
# <int:…> takes no larger number (portal.DatabaseId), nor does a service handed one.
LARGEST_ID = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# SQLite: WAL, foreign keys, busy timeout, and BEGIN IMMEDIATE for write transactions.
_immediate = contextvars.ContextVar("sqlite_begin_immediate", default=False)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy's "begin" event decide how each transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # The app's DATABASE_BUSY_TIMEOUT_SECONDS (set by _connect_with_limits); 15 s for engines made outside it.
    cursor.execute(f"PRAGMA busy_timeout={int(connection_record.info.get('busy_timeout_ms', 15000))}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Urdu alphabetical order (portal.collation), for the ``COLLATE urdu`` of Urdu readers' lists.
    dbapi_connection.create_collation("urdu", urdu_compare)
    # English alphabetical order (portal.collation.english_order), for English readers' lists.
    dbapi_connection.create_collation("english", compare_english)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    if _immediate.get():
        _immediate.set(False)
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.info["sqlite_wrote"] = True
    else:
        conn.exec_driver_sql("BEGIN")


def begin_write() -> None:
    """Start the transaction a service will write in, so concurrent writers queue instead of failing.

    PostgreSQL needs nothing: row locks and conditional UPDATEs serialise writers. SQLite in WAL
    mode cannot upgrade a read transaction that another writer has overtaken, so a read-only
    transaction is ended and the next one starts with BEGIN IMMEDIATE, which waits for the write
    lock up to the busy timeout. Call it before the first read of a service that writes.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.in_transaction() and session.connection().info.get("sqlite_wrote"):
        return  # this transaction already holds the write lock
    if session.in_transaction():
        session.rollback()
    _immediate.set(True)
    session.connection()  # begin now, under the write lock


@event.listens_for(Engine, "after_cursor_execute")
def _remember_sqlite_writes(conn, cursor, statement, parameters, context, executemany):
    if conn.dialect.name == "sqlite" and statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
        conn.info["sqlite_wrote"] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_sqlite_writes(conn):
    # Only SQLite's connections carry the mark; a connection lost mid-transaction (invalidated) must
    # not be touched: reading its ``info`` would raise instead of letting the session end.
    if conn.dialect.name == "sqlite" and not conn.invalidated:
        conn.info.pop("sqlite_wrote", None)


# How long the portal waits on its database (Config.DATABASE_*_TIMEOUT_SECONDS). The limits are read
# from the app's config whenever a connection is made, so that a command whose statements may run long
# can lift them (``without_statement_timeout``).
def init_database_limits(app) -> None:
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        event.listen(engine, "do_connect", functools.partial(_connect_with_limits, app.config))
        if engine.dialect.name == "postgresql":
            event.listen(engine, "first_connect", functools.partial(_find_collations, engine.dialect))


def _find_collations(dialect, dbapi_connection, connection_record) -> None:
    # Once per engine, before its first statement: which ICU collations sort Urdu and English readers'
    # lists (portal.collation.urdu_order, english_order), or none on a server built without ICU.
    dialect.urdu_collation, dialect.english_collation = find_collations(dbapi_connection)


def _connect_with_limits(config, dialect, connection_record, cargs, cparams) -> None:
    if dialect.name == "postgresql":
        # Sent with the connection request: no round trip of its own. Added to any options the URL
        # carries (a search_path, say).
        cparams["connect_timeout"] = int(config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
        statement_ms = int(float(config["DATABASE_STATEMENT_TIMEOUT_SECONDS"]) * 1000)
        if statement_ms > 0:
            cparams["options"] = f"{cparams.get('options', '')} -c statement_timeout={statement_ms}".strip()
        cparams.update(network_limits(float(config["DATABASE_NETWORK_TIMEOUT_SECONDS"])))
    elif dialect.name == "sqlite":
        connection_record.info["busy_timeout_ms"] = float(config["DATABASE_BUSY_TIMEOUT_SECONDS"]) * 1000


def network_limits(seconds: float) -> dict[str, int]:
    """libpq settings that give up a connection whose server has gone silent within about ``seconds``.

    The statement limit cannot do it: it is kept by the server, and a server out of reach (a network
    partition, a failed-over host gone silent) sends nothing, so a worker would wait minutes for the
    operating system's own TCP timeouts. ``tcp_user_timeout`` ends a connection whose sent bytes stay
    unacknowledged that long (a request written into the partition); keepalive probes, sent after
    half that time of silence, find one waiting for the answer to a statement already sent. A long
    statement is not cut short: the server's system acknowledges the probes while it runs."""
    if seconds <= 0:
        return {}
    return {
        "keepalives": 1,
        "keepalives_idle": max(1, round(seconds / 2)),
        "keepalives_interval": max(1, round(seconds / 10)),
        "keepalives_count": 3,
        "tcp_user_timeout": int(seconds * 1000),
    }


def without_statement_timeout(app) -> None:
    """For a command whose statements may legitimately run long (seeding a large dataset): connections
    made from now on have no statement timeout, and those already open are closed."""
    app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] = 0
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def no_statement_timeout_in_this_transaction() -> None:
    """For a request whose statements may legitimately run long (the demo reset deletes and seeds a
    whole dataset in one transaction): the statement limit is lifted until this transaction ends."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL statement_timeout = 0"))


# PostgreSQL errors that mean "busy or out of reach", not a mistake of the portal: a statement cancelled
# by its timeout, a lock not granted, too many connections, the server shutting down or starting up,
# and a transaction the server ended to let others on (a deadlock it broke, 40P01, or a serialization
# failure, 40001): the writers take their locks in one order (portal.health.services), so these are
# rare, and the person's transaction was rolled back whole: trying again is safe.
_UNAVAILABLE_SQLSTATES = {"57014", "55P03", "53300", "57P01", "57P02", "57P03", "40P01", "40001"}


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database is busy or out of reach (answered 503 "try again"), rather
    than a fault of the portal (500)."""
    if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool in time
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    if error.connection_invalidated:  # the connection was lost
        return True
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return sqlstate in _UNAVAILABLE_SQLSTATES or sqlstate.startswith("08")  # 08: connection exception
    module = type(orig).__module__
    if module.startswith("sqlite3"):
        return any(word in str(orig).lower() for word in ("database is locked", "database is busy"))
    # psycopg gives no SQLSTATE when the server could not be reached or did not answer in time.
    return module.startswith("psycopg")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReadOnlyViolation(RuntimeError):
    """A page marked read-only tried to write."""


def read_only(view):
    """Marks a view whose GET only reads (place it above the access decorators, so that the person
    is loaded the same way). On PostgreSQL such a request runs without a transaction
    (``PortalSession``); anything it tries to write is refused (``ReadOnlyViolation``), so a page that
    starts writing cannot keep the mark by mistake."""
    view.read_only = True
    return view


@event.listens_for(PortalSession, "before_flush")
def _refuse_writes_when_reading(session, flush_context, instances):
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a page marked read-only tried to write")


@event.listens_for(PortalSession, "do_orm_execute")
def _refuse_statements_that_write_when_reading(state):
    if state.session.info.get(READ_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlyViolation("a page marked read-only tried to write")


def init_read_only(app) -> None:
    """Marks each request's session read-only or not, before anything reads (register first)."""
    from flask import request

    @app.before_request
    def mark_read_only():
        view = app.view_functions.get(request.endpoint)
        db.session.info[READ_ONLY] = request.method in ("GET", "HEAD") and getattr(view, "read_only", False)

    @app.teardown_request
    def end_read_only(_error=None):
        if db.session.info.pop(READ_ONLY, False):
            # Give the reading connection back now (no round trip: it has no transaction), not when
            # the session ends: a session that outlives the request (a test's) would otherwise keep
            # it in its next transaction.
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001 - a lost connection: the session is closed at the end anyway
                app.logger.warning("read-only page: its connection could not be given back", exc_info=True)
