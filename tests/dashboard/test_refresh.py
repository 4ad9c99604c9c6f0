"""The scheduled refresher (`flask dashboard refresh`): figures officials look at are recomputed before
they go stale, away from the web workers; figures nobody looks at are let go."""

from __future__ import annotations

import time
from datetime import date

import cachelib.file
import cachelib.simple
import pytest
from sqlalchemy import event

from portal.auth.services import official_scope
from portal.dashboard import services
from portal.extensions import cache, db
from portal.health.models import Clinic
from tests.dashboard.conftest import HEALTH_RANGE, _appointment


@pytest.fixture
def shared_cache(app, monkeypatch):
    """A real cache and a clock the test moves (the cache's expiry reads the same clock)."""
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    monkeypatch.setattr(cachelib.simple, "time", lambda: now[0])
    yield now
    cache.clear()


@pytest.fixture
def queries(app):
    seen = []

    def remember(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    yield seen
    event.remove(db.engine, "before_cursor_execute", remember)


def _add_seen_visit(dataset, make_user):
    clinic = db.session.get(Clinic, dataset["clinic_a"].id)
    db.session.add(_appointment(make_user(), clinic, clinic.services[0], date(2026, 2, 24), "seen"))
    db.session.commit()


def test_figures_an_official_looked_at_are_recomputed_by_the_refresher_not_by_the_next_request(
    app, dataset, provincial, make_user, shared_cache, queries
):
    filters = services.parse_filters(HEALTH_RANGE, official_scope(provincial))
    first = services.health_summary(filters)  # an official's page computes and marks them wanted
    assert first["seen"] == 5

    shared_cache[0] += services.FIGURES_REFRESH_AFTER - 1
    assert services.refresh_figures()["refreshed"] == 0  # not yet due: nothing recomputed

    _add_seen_visit(dataset, make_user)
    shared_cache[0] += 2  # now due for the refresher, still fresh for pages
    counts = services.refresh_figures()
    assert counts["refreshed"] == 2 and counts["failed"] == 0  # the summary and the places offered it reads

    # Twenty seconds after the old figures would have gone stale, a page still computes nothing: it is
    # served what the refresher computed, which includes the new visit.
    shared_cache[0] += services.FIGURES_FRESH_SECONDS - services.FIGURES_REFRESH_AFTER + 20
    queries.clear()
    assert services.health_summary(filters)["seen"] == 6
    assert queries == []


def test_figures_nobody_looked_at_for_ten_minutes_are_no_longer_refreshed(
    app, dataset, provincial, shared_cache, queries
):
    filters = services.parse_filters(HEALTH_RANGE, official_scope(provincial))
    services.health_summary(filters)
    shared_cache[0] += services.FIGURES_WANTED_SECONDS + 1
    queries.clear()
    counts = services.refresh_figures()
    assert counts == {"refreshed": 0, "current": 0, "dropped": 2, "failed": 0}
    assert queries == []  # the database is not asked for figures no one reads
    assert cache.get(services.WANTED_INDEX_KEY) == {}

    services.health_summary(filters)  # looked at again: wanted again
    shared_cache[0] += services.FIGURES_FRESH_SECONDS + 1
    assert services.refresh_figures()["refreshed"] == 2


def test_a_figure_another_process_is_computing_is_skipped(app, dataset, provincial, shared_cache, queries):
    filters = services.parse_filters(HEALTH_RANGE, official_scope(provincial))
    services.health_summary(filters)
    shared_cache[0] += services.FIGURES_FRESH_SECONDS + 1
    key = services.figures_key(services.health_summary.__wrapped__, (filters,), {})
    assert cache.add(key + ":computing", 1)  # a request (or another refresher) is computing it
    counts = services.refresh_figures()
    assert counts["current"] == 1 and counts["refreshed"] == 1  # only the places offered were recomputed


def test_one_failing_figure_does_not_stop_the_others(app, dataset, provincial, shared_cache, monkeypatch):
    filters = services.parse_filters(HEALTH_RANGE, official_scope(provincial))
    services.health_summary(filters)
    services.appointments_per_day(filters)
    shared_cache[0] += services.FIGURES_FRESH_SECONDS + 1

    def broken(f):
        raise RuntimeError("database went away")

    monkeypatch.setitem(services._FIGURE_FUNCTIONS, "portal.dashboard.services.health_summary", broken)
    counts = services.refresh_figures()
    assert counts["failed"] == 1 and counts["refreshed"] == 2
    key = services.figures_key(services.health_summary.__wrapped__, (filters,), {})
    assert cache.get(key + ":computing") is None  # its lock is released for the requests to take over


def test_the_refresh_command_runs_a_pass_on_a_cache_other_processes_share(
    app, dataset, provincial, shared_cache, monkeypatch, tmp_path
):
    cache.init_app(app, config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)})  # shared on disk
    monkeypatch.setattr(cachelib.file, "time", lambda: shared_cache[0])
    filters = services.parse_filters(HEALTH_RANGE, official_scope(provincial))
    services.health_summary(filters)
    shared_cache[0] += services.FIGURES_FRESH_SECONDS + 1
    result = app.test_cli_runner().invoke(args=["dashboard", "refresh"])
    assert result.exit_code == 0, result.output
    assert "refreshed 2" in result.output


def test_the_refresh_command_refuses_a_cache_other_processes_cannot_see(app, shared_cache):
    result = app.test_cli_runner().invoke(args=["dashboard", "refresh"])  # the fixture's SimpleCache
    assert result.exit_code != 0
    assert "SimpleCache" in result.output and "shared cache of production" in result.output
