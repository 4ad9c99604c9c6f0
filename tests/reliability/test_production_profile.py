"""The production profile: gunicorn with several workers, Redis-backed rate limits shared by all
workers (nothing shared lives in process memory), secure cookies and the JSON request log."""

from __future__ import annotations

import contextlib
import functools
import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import redis_test_url
from tests.reliability.httpclient import Browser
from tests.reliability.servers import ROOT, Gunicorn, SilentServer

pytestmark = pytest.mark.slow


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(PORTAL_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY is missing or too short" in result.stderr


@pytest.mark.parametrize("base", ["", "portal.punjab.gov.pk", "ftp://portal.punjab.gov.pk"])
def test_production_refuses_to_start_without_its_public_address(tmp_path, base):
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    env.update(PORTAL_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", SECRET_KEY="p" * 64)
    env.update(PUBLIC_BASE_URL=base, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL is missing" in result.stderr
    env["PUBLIC_BASE_URL"] = "https://portal.punjab.gov.pk"
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("storage", ["", "memory://", "memcached://127.0.0.1:11211"])
def test_production_refuses_rate_limits_counted_in_each_workers_memory(tmp_path, storage):
    """Counters kept per process let an attacker try (workers x servers) times the sign-in limit."""
    env = {k: v for k, v in os.environ.items() if k != "RATELIMIT_STORAGE_URI"}
    env.update(
        PORTAL_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
        SECRET_KEY="p" * 64,
        PUBLIC_BASE_URL="https://portal.punjab.gov.pk",
    )
    if storage:
        env["RATELIMIT_STORAGE_URI"] = storage
    run = functools.partial(
        subprocess.run, [sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    result = run(env=env)
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI must point at Redis in production" in result.stderr
    assert run(env={**env, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}).returncode == 0
    assert run(env={**env, "RATELIMIT_ENABLED": "0"}).returncode == 0


def _login_attempt(opener, base: str) -> int:
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"identifier": "3520200000001", "password": "wrong-password-1", "csrf_token": token})
    try:
        return opener.open(base + "/login", data=data.encode()).status
    except urllib.error.HTTPError as error:
        return error.code


def test_rate_limits_are_shared_by_all_workers_through_redis(app, database_url):
    redis_url = redis_test_url()
    env = {
        "SECRET_KEY": "p" * 64,
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_RATE_LIMIT_ACCOUNT": "6 per minute",
        # The limit per account and address would stop one address first: this counts the account's.
        "LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS": "100 per 15 minutes",
        "SESSION_COOKIE_SECURE": "0",
    }
    with Gunicorn(database_url, workers=3, env=env, config="production") as server:
        assert len(server.worker_pids()) == 3
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        statuses = [_login_attempt(opener, server.url) for _ in range(9)]
    # Requests were spread over three processes; a per-process counter would allow 18.
    assert statuses[:6] == [200] * 6
    assert statuses[6:] == [429] * 3


def test_a_redis_that_stops_answering_slows_the_portal_for_a_moment_and_never_stops_it(app, database_url, make_user):
    """Rate limits, stored pages, the signed-in person and the officials' figures all live in Redis. One
    that hangs (or a network that drops its packets) once made every worker wait on it until gunicorn
    killed the worker: every page a 500. Each Redis call now gives up after REDIS_TIMEOUT_SECONDS and
    the worker then leaves Redis alone for a while: the pages are served, rendered without the cache."""
    from tests.conftest import PASSWORD

    cnic = make_user(full_name="Patient Visitor", district="Lahore").cnic
    official = make_user(full_name="District Official", roles=[("official", "Lahore")]).cnic
    with SilentServer() as redis_server:
        env = {
            "SECRET_KEY": "p" * 64,
            "RATELIMIT_STORAGE_URI": redis_server.url,
            "SESSION_COOKIE_SECURE": "0",
            # Without the timeouts a request waits until gunicorn kills its worker: a 500 after this long.
            "GUNICORN_TIMEOUT": "10",
        }
        with Gunicorn(database_url, workers=2, env=env, config="production") as server:
            visitor, citizen, officer = Browser(server.url), Browser(server.url), Browser(server.url)
            pages = [(visitor, path) for path in ("/", "/courses", "/clinics", "/", "/courses")]
            citizen.sign_in(cnic, PASSWORD)  # rate limited: counted in the worker's memory meanwhile
            officer.sign_in(official, PASSWORD)
            pages += [(citizen, "/appointments"), (citizen, "/my-courses"), (officer, "/dashboard/")]
            statuses = [(path, who.get(path)[0]) for who, path in pages]
            log = server.errors()
        assert redis_server.accepted, "the portal never tried this Redis: the test would prove nothing"
    assert [pair for pair in statuses if pair[1] != 200] == [], statuses
    assert "WORKER TIMEOUT" not in log
    assert "shared cache unreachable" in log


def test_a_booking_kept_waiting_by_the_database_is_told_to_try_again_before_its_worker_is_ended(
    app, database_url, make_user, make_service
):
    """A booking that waits on what another transaction holds (an admin's long edit, a stuck job; on
    SQLite the write lock) once waited until gunicorn killed its worker: the visitor got a cut
    connection, the worker restarted. It is now answered "busy, try again" (503) after the configured
    limit, and the same form books once the other transaction has let go."""
    from portal.extensions import db
    from portal.health.models import Appointment, Slot
    from tests.conftest import PASSWORD
    from tests.health.conftest import TUESDAY, karachi
    from tests.health.test_views_citizen import book_page
    from tests.test_database_busy import BUSY, slot_held_by_another_transaction

    service = make_service(places_per_slot=3)
    at = karachi(TUESDAY, 9)
    page = book_page(service, at)
    first, second = (make_user(full_name=name).cnic for name in ("Sadia Noor", "Imran Ali"))
    env = {
        "GUNICORN_TIMEOUT": "10",  # the other transaction holds on longer than this
        "DATABASE_STATEMENT_TIMEOUT_SECONDS": "1",
        "DATABASE_BUSY_TIMEOUT_SECONDS": "1",
    }
    # The testing profile for its fixed clock (the booking is for Tuesday 3 March 2026); the workers and
    # their timeout are gunicorn's, from gunicorn.conf.py as in production.
    with Gunicorn(database_url, workers=2, env=env) as server:
        early, late = Browser(server.url), Browser(server.url)
        early.sign_in(first, PASSWORD)
        booked = early.post(page, {**early.open_form(page), "person": "0"})
        assert booked[0] == 302
        db.session.rollback()  # a read begun before the booking would not see it (SQLite)
        slot_id = db.session.scalar(db.select(Slot.id).where(Slot.service_id == service.id))
        late.sign_in(second, PASSWORD)
        form = {**late.open_form(page), "person": "0"}
        with slot_held_by_another_transaction(database_url, slot_id, release_after=25):
            status, headers, html = late.post(page, form)
        retried = late.post(page, form)[0]
        log = server.errors()
    assert status == 503 and headers.get("Retry-After") == "30" and BUSY in html
    assert "WORKER TIMEOUT" not in log
    assert retried == 302
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 2
    assert db.session.get(Slot, slot_id).booked == 2


def test_production_sends_secure_cookies_and_security_headers(app, database_url):
    env = {"SECRET_KEY": "p" * 64}
    with Gunicorn(database_url, workers=2, env=env, config="production") as server:
        response = urllib.request.urlopen(server.url + "/login")
        cookie = response.headers.get("Set-Cookie", "")
        headers = response.headers
        response.close()
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"]
    assert headers["X-Request-ID"]


def test_public_pages_are_cached_in_redis_and_shared_by_all_workers(app, database_url):
    redis_url = redis_test_url()
    env = {"SECRET_KEY": "p" * 64, "RATELIMIT_STORAGE_URI": redis_url, "SESSION_COOKIE_SECURE": "0"}
    with Gunicorn(database_url, workers=3, env=env, config="production") as server:
        outcomes = []
        for _ in range(8):  # eight different visitors, spread over three worker processes
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            with opener.open(server.url + "/") as response:
                outcomes.append(response.headers.get("X-Page-Cache"))
                assert response.headers.get("Set-Cookie") is None  # reading sets no cookie
                html = response.read().decode()
            # The language switch on a shared page is a link that works for whoever follows it.
            link = re.search(r'href="(/language/ur\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
            with opener.open(server.url + link) as response:
                assert 'dir="rtl"' in response.read().decode()
        import redis

        keys = redis.Redis.from_url(redis_url).keys(server.env["CACHE_KEY_PREFIX"] + "page:*")
    assert outcomes[0] == "miss" and outcomes[1:] == ["hit"] * 7
    assert any(b":page:en:/" in key for key in keys) and any(b":page:ur:/" in key for key in keys)


def test_the_dashboard_refresher_recomputes_in_its_own_process_what_the_workers_served(app, database_url, make_user):
    """The refresher is a separate process: it must find, in the shared Redis, the figures an official
    was served by a gunicorn worker, and put them back there for every worker when they are due."""
    import redis

    from tests.conftest import PASSWORD
    from tests.reliability.httpclient import Browser

    redis_url = redis_test_url()
    official = make_user(full_name="Provincial Official", roles=["official"]).cnic
    env = {"SECRET_KEY": "p" * 64, "RATELIMIT_STORAGE_URI": redis_url, "SESSION_COOKIE_SECURE": "0"}
    with Gunicorn(database_url, workers=2, env=env, config="production") as server:
        browser = Browser(server.url)
        browser.sign_in(official, PASSWORD)
        status, _, html = browser.get("/dashboard/health")
        assert status == 200 and "Appointments" in html

        def refresh() -> str:
            result = subprocess.run(
                [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "dashboard", "refresh"],
                cwd=ROOT,
                env=server.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr[-2000:]
            return result.stdout

        seen = re.search(r"refreshed (\d+), current (\d+), dropped (\d+)", refresh())
        assert seen and int(seen[1]) == 0 and int(seen[2]) > 0  # just computed by the worker: not due yet

        # The stored figures go (as if they had aged): the next pass computes them, for every worker.
        store = redis.Redis.from_url(redis_url)
        prefix = server.env["CACHE_KEY_PREFIX"] + "dash:portal."
        figures = [k for k in store.keys(prefix + "*") if not k.endswith((b":wanted", b":computing"))]
        assert figures
        store.delete(*figures)
        seen = re.search(r"refreshed (\d+), current (\d+), dropped (\d+)", refresh())
        assert seen and int(seen[1]) == len(figures)
        assert all(store.exists(k) for k in figures)


def test_the_access_log_keeps_no_reset_token_and_no_query_string(app, database_url, tmp_path):
    """gunicorn writes the request line itself: a password-reset link's token and a staff search for
    a CNIC must not reach it (the app's own JSON log names only the route)."""
    access_log = tmp_path / "access.log"
    env = {"SECRET_KEY": "p" * 64, "SESSION_COOKIE_SECURE": "0", "GUNICORN_ACCESS_LOG": str(access_log)}
    token, cnic = "Zq8secretResetToken0123456789", "3520212345671"
    with Gunicorn(database_url, workers=1, env=env, config="production") as server:
        for path in (f"/password-reset/{token}", f"/admin/staff?cnic={cnic}", "/clinics?district=Lahore"):
            with contextlib.suppress(urllib.error.HTTPError):  # the log line is what counts
                urllib.request.urlopen(server.url + path, timeout=10).read()
    lines = access_log.read_text()
    assert token not in lines and cnic not in lines and "Lahore" not in lines
    assert '"GET /password-reset/[token] HTTP/1.1"' in lines
    assert '"GET /admin/staff?[query] HTTP/1.1" 302' in lines  # then sign-in, with its next=
    assert re.search(r'"GET /clinics\?\[query\] HTTP/1.1" 200 \d+ \d+ms rid=[0-9a-f]{8,}', lines), lines
