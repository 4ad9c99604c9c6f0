"""PostgreSQL drops the portal's connections (a restart, a failover, an administrator ending sessions):
the next requests are served as usual — no error page, nothing lost — because the pool checks a
connection before handing it out and replaces a dead one."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text

from portal.extensions import db
from tests.conftest import PASSWORD
from tests.reliability.httpclient import Browser
from tests.reliability.servers import Gunicorn
from tests.reliability.test_race_http import SERVER_ENV

pytestmark = pytest.mark.slow

WORKERS = 3


def _sessions(url: str, name: str, end: bool = False) -> int:
    """How many server sessions the portal under test holds (and, with ``end``, end them all)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            what = "pg_terminate_backend(pid)" if end else "pid"
            sql = f"SELECT count({what}) FROM pg_stat_activity WHERE application_name = :name"
            return conn.scalar(text(sql), {"name": name})
    finally:
        engine.dispose()


def test_pages_and_bookings_survive_the_database_ending_every_connection(
    app, database_url, make_user, make_clinic, make_service
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite is a file the portal opens, with no server to drop it")
    from portal.health.models import Appointment

    service_id = make_service(clinic=make_clinic(name="Reconnect Clinic")).id
    cnic = make_user(full_name="Reconnect Citizen").cnic
    at = int(datetime(2026, 3, 3, 5, 0, tzinfo=UTC).timestamp())  # Tuesday 3 March 2026, 10:00 Karachi
    pages = ["/", f"/clinics/services/{service_id}", "/appointments", f"/appointments/book/{service_id}/{at}"]

    # Only the sessions of this test's server are ended: other tests share the PostgreSQL server.
    name = f"portal-reconnect-{os.getpid()}"
    server_url = database_url + ("&" if "?" in database_url else "?") + f"application_name={name}"
    with Gunicorn(server_url, workers=WORKERS, env=SERVER_ENV) as server:
        browser = Browser(server.url)
        browser.sign_in(cnic, PASSWORD)
        before = [browser.get(path)[0] for path in pages * WORKERS * 2]
        assert set(before) == {200}, before
        held = _sessions(database_url, name)
        assert held >= 1, "the workers keep no pooled connection: this test would prove nothing"

        ended = _sessions(database_url, name, end=True)
        assert ended == held

        after = [(path, browser.get(path)[0]) for path in pages * WORKERS * 2]
        assert [pair for pair in after if pair[1] != 200] == [], after
        fields = browser.open_form(pages[-1])
        status, headers, _ = browser.post(pages[-1], {**fields, "person": "0"})
        assert status == 302, status
        reference = re.search(r"H-[2-9A-Z]{4}-[2-9A-Z]{4}", headers["Location"]).group(0)
        assert browser.get(f"/appointments/{reference}")[0] == 200
        assert "Traceback" not in server.errors()

    db.session.rollback()
    stored = db.session.scalars(select(Appointment.reference).where(Appointment.service_id == service_id)).all()
    assert stored == [reference]
