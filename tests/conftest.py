"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL with TEST_DB=postgres),
the app, a client, a CLI runner, an ``auth`` helper and small factories."""

from __future__ import annotations

import itertools
import os
import re
from datetime import date, time

import pytest
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, select, text

from portal import create_app
from portal.extensions import db
from portal.health.models import Clinic, Service, WeeklyHours
from portal.health.offered import record_offers

TEST_DB = os.environ.get("TEST_DB", "sqlite")
IN_CI = os.environ.get("CI", "").lower() == "true"

# CI replays a fixed sequence of generated inputs, so that a red run can be reproduced; local runs
# keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")
PASSWORD = "Green-valley-2026"


def require(condition: bool, reason: str) -> None:
    """Skip locally when something outside the project is missing; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def redis_test_url() -> str:
    """The Redis that tests may use (TEST_REDIS_URL; CI sets it to the local one). Tests share it: each
    keeps its keys under a prefix of its own and never empties it."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "")
    require(bool(url), "TEST_REDIS_URL is not set (CI sets it to the local Redis)")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        require(False, f"Redis at TEST_REDIS_URL does not answer ({exc})")
    return url


def _postgres_url(worker: str) -> tuple[str, str, str]:
    base = os.environ.get("TEST_DATABASE_URL", "")
    require(bool(base), "TEST_DATABASE_URL is not set, so the PostgreSQL run cannot happen")
    base = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", base)
    # One schema per pytest process, so that parallel runs never share tables.
    schema = f"test_{worker}_{os.getpid()}"
    engine = create_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - report any connection problem the same way
        require(False, f"PostgreSQL at TEST_DATABASE_URL does not answer ({exc.__class__.__name__})")
    finally:
        engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", base, schema


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """One database per xdist worker with every table created once; tests empty it afterwards."""
    schema = None
    if TEST_DB == "postgres":
        url, base, schema = _postgres_url(worker_id)
    else:
        url = f"sqlite:///{tmp_path_factory.getbasetemp() / f'portal-{worker_id}.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    if schema:
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _empty_all_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f'DELETE FROM "{name}"'))
        # Ids start again from 1 in the next test, as RESTART IDENTITY makes them on PostgreSQL (the
        # tables are AUTOINCREMENT: SQLite remembers the largest id each has given).
        db.session.execute(text("DELETE FROM sqlite_sequence"))
    db.session.commit()


@pytest.fixture
def app(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = IsolatedClient  # every client a test makes starts its requests with an empty g
    with app.app_context():
        yield app
        db.session.remove()
        # A test may have shortened the database limits: emptying the tables must not run into them.
        app.config.update(DATABASE_STATEMENT_TIMEOUT_SECONDS=0, DATABASE_BUSY_TIMEOUT_SECONDS=15)
        db.engine.dispose()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests start with an empty ``g``, as they do in production.

    The ``app`` fixture keeps an app context pushed, and Flask reuses it for requests, so without
    this, values cached in ``g`` (the signed-in user, rate-limit state) would leak between requests.
    """

    def open(self, *args, **kwargs):
        from flask import g

        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def ltr_cells(html: str) -> list[str]:
    """Table cells set left-to-right as a whole. In a phone's card layout a cell shows its column's name
    before the value, and in Urdu that name must stay on the right: a reference or CNIC goes in an inner
    ``<bdi dir="ltr">`` instead."""
    return re.findall(r'<td[^>]*\sdir="ltr"[^>]*>', html)


# HTML's valid date string, or valid global date and time string (seconds optional, fractions of at
# most three digits, an offset or Z): the W3C validator refuses Python's microseconds.
HTML_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?")


def time_datetimes(html: str) -> list[str]:
    """The datetime attributes of the page's <time> elements."""
    return re.findall(r'<time\b[^>]*\sdatetime="([^"]*)"', html)


def csrf_token(client, path: str) -> str:
    """The CSRF token from the form on ``path`` (tests post real forms, tokens included)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    if match is None and not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""  # a test that turned CSRF off: forms carry no token
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, token_from: str | None = None, **kwargs):
    """POST ``data`` to ``path`` with the CSRF token of the form on ``token_from`` (default ``path``)."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def input_tag(html: str, name: str) -> str:
    """The ``<input>`` tag of the field called ``name`` in ``html`` (to read its attributes)."""
    return re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)


def radio_choices(html: str) -> dict[str, tuple[bool, bool, str]]:
    """A form's radio choices (who a booking or an enrolment is for): value -> (disabled, checked, label)."""
    found = {}
    for tag, label in re.findall(r'<label class="choice">(<input[^>]*type="radio"[^>]*>) ([^<]+)</label>', html):
        found[re.search(r'value="([^"]*)"', tag).group(1)] = (" disabled" in tag, " checked" in tag, label.strip())
    return found


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_identifier, password: str = PASSWORD, **extra):
        identifier = getattr(user_or_identifier, "cnic", user_or_identifier)
        self.signed_in_as = (identifier, password)
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login", data={"identifier": identifier, "password": password, "csrf_token": token, **extra}
        )

    def login_again(self):
        """Sign the same person in again, as they must when they come back after the clock was moved on
        by more than a session's 12 hours (portal/auth/lifetime.py)."""
        return self.login(*self.signed_in_as)

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


_cnics = itertools.count(1)


def next_cnic() -> str:
    return f"35202{next(_cnics):07d}{next(_cnics) % 10}"


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(full_name=..., roles=[("clinic_admin", 3)])`` → a committed User."""
    from portal.auth import services as auth_services
    from portal.auth.models import RoleAssignment, User

    def factory(roles=(), password: str = PASSWORD, **fields):
        values = {
            "full_name": "Test Citizen",
            "cnic": next_cnic(),
            "mobile": "+923001112233",
            "email": None,
            "date_of_birth": date(1992, 5, 17),
            "gender": "female",
            "district": "Lahore",
            "preferred_language": "en",
        }
        values.update(fields)
        user = User(password_hash=auth_services.hash_password(password), **values)
        db.session.add(user)
        for role in roles:
            role, scope = (role, None) if isinstance(role, str) else role
            if role == "official":
                db.session.add(RoleAssignment(user=user, role=role, district=scope))
            else:
                db.session.add(RoleAssignment(user=user, role=role, scope_id=scope))
        db.session.commit()
        return user

    return factory


class Statements:
    """The SQL statements a block sends, and which of them came after a COMMIT."""

    def __init__(self):
        self.sent: list[str] = []
        self.after_commit: list[str] = []
        self._committed = False

    def __enter__(self):
        from sqlalchemy import event

        event.listen(db.engine, "before_cursor_execute", self._statement)
        event.listen(db.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(db.engine, "before_cursor_execute", self._statement)
        event.remove(db.engine, "commit", self._commit)

    def _statement(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            return  # SQLite's explicit BEGIN [IMMEDIATE]: PostgreSQL's is implicit, not a statement here
        (self.after_commit if self._committed else self.sent).append(statement)

    def _commit(self, conn):
        self._committed = True


def _free_name(taken, name: str) -> str:
    """``name``, or "name (2)", "name (3)"… when ``taken`` (a query of names) has it: the database
    refuses two clinics of a district, or two services of a clinic, alike (portal.name_keys), and a
    test that makes a second one without naming it means another."""
    names = {" ".join(n.split()).casefold() for n in db.session.scalars(taken)}
    free, number = name, 2
    while free.casefold() in names:
        free, number = f"{name} ({number})", number + 1
    return free


@pytest.fixture
def make_clinic(app):
    def factory(**fields):
        if "name" not in fields:
            district = fields.get("district", "Lahore")
            fields["name"] = _free_name(select(Clinic.name).where(Clinic.district == district), "Mayo Hospital OPD")
        values = {
            "name": "Mayo Hospital OPD",
            "type": "teaching_opd",
            "district": "Lahore",
            "address": "Hospital Road, Lahore",
            "phone": "042 99211100",
            "active": True,
        }
        values.update(fields)
        clinic = Clinic(**values)
        db.session.add(clinic)
        db.session.commit()
        return clinic

    return factory


@pytest.fixture
def make_service(app, make_clinic):
    """A service open every day 09:00–13:00 (break 11:00–11:30) unless ``hours`` says otherwise.

    Its places have been offered since ``offered_from`` (portal.health.offered; by default since the first
    day the dashboard shows, as the backfill of a service whose creation day is unknown)."""

    def factory(clinic=None, hours=None, offered_from=date(2000, 1, 1), **fields):
        clinic = clinic or make_clinic()
        if "name" not in fields:
            fields["name"] = _free_name(select(Service.name).where(Service.clinic_id == clinic.id), "General OPD")
        values = {
            "name": "General OPD",
            "slot_minutes": 30,
            "places_per_slot": 2,
            "min_notice_hours": 2,
            "horizon_days": 14,
            "cancel_cutoff_hours": 2,
            "practitioner": "Dr. Sana Javed",
            "active": True,
        }
        values.update(fields)
        service = Service(clinic=clinic, **values)
        if hours is None:
            hours = [(d, time(9), time(13), time(11), time(11, 30)) for d in range(7)]
        for row in hours:
            weekday, start, end = row[:3]
            bs, be = (row[3], row[4]) if len(row) > 3 else (None, None)
            service.hours.append(WeeklyHours(weekday=weekday, start=start, end=end, break_start=bs, break_end=be))
        db.session.add(service)
        db.session.flush()
        record_offers([service.id], day=offered_from)
        db.session.commit()
        return service

    return factory
