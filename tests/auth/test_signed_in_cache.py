"""The signed-in person kept in the shared cache (portal/auth/signed_in.py): pages after the first
read the person from the cache, and any change to the person or their roles is seen on the very next
page. Each request here starts with a fresh database session, as in production (the test app's
session otherwise outlives requests and keeps the person in its identity map)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth import services, signed_in
from portal.auth.models import RoleAssignment, SignIn, User
from portal.extensions import cache, db
from tests.conftest import PASSWORD, Statements, csrf_token


@pytest.fixture
def cached_app(app):
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    yield app
    cache.clear()


def _get(client, path):
    db.session.remove()
    return client.get(path)


def _sign_in_of(user_id: int) -> SignIn:
    """The person's one live sign-in (the device the test signed in on)."""
    db.session.remove()
    return db.session.scalars(select(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None))).one()


def test_pages_after_the_first_read_the_person_from_the_cache(cached_app, client, auth, make_user):
    person = make_user(full_name="Ayesha Cached", roles=[("official", None)])
    auth.login(person)
    assert _get(client, "/").status_code == 200  # read from the database, then kept
    db.session.remove()
    with Statements() as statements:
        page = client.get("/")
    assert "Ayesha Cached" in page.text and "/dashboard/" in page.text  # their name and their role's link
    assert not [s for s in statements.sent if "users" in s or "role_assignments" in s]
    kept = cache.get(signed_in._keys(_sign_in_of(person.id).token_hash)[0])
    assert "password_hash" not in kept["user"]  # a credential is never kept in the cache


def test_a_role_taken_away_is_refused_on_the_next_page(cached_app, client, auth, make_user):
    admin = make_user(roles=["superadmin"]).id
    official = make_user(roles=[("official", None)])
    auth.login(official)
    assert _get(client, "/dashboard/").status_code == 200
    db.session.remove()
    assignment = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == official.id)).one()
    services.revoke_role(db.session.get(User, admin), assignment.id)
    db.session.commit()
    assert _get(client, "/dashboard/").status_code == 403


def test_a_role_given_is_there_on_the_next_page(cached_app, client, auth, make_user):
    admin = make_user(roles=["superadmin"]).id
    citizen = make_user()
    auth.login(citizen)
    assert _get(client, "/dashboard/").status_code == 403
    db.session.remove()
    services.grant_role(db.session.get(User, admin), db.session.get(User, citizen.id), "official")
    db.session.commit()
    assert _get(client, "/dashboard/").status_code == 200


def test_a_change_to_the_role_alone_changes_what_the_official_sees(cached_app, client, auth, make_user):
    official = make_user(roles=[("official", "Lahore")])
    auth.login(official)
    assert "Multan" not in _get(client, "/dashboard/").text
    db.session.remove()
    # Only the role's row is loaded and changed, not the person.
    assignment = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == official.id)).one()
    assignment.district = "Multan"
    db.session.commit()
    page = _get(client, "/dashboard/")
    assert page.status_code == 200 and "Multan" in page.text


def test_a_deactivated_account_is_signed_out_on_the_next_page(cached_app, client, auth, make_user):
    person = make_user()
    auth.login(person)
    assert _get(client, "/account").status_code == 200
    db.session.remove()
    db.session.get(User, person.id).active = False
    db.session.commit()
    page = _get(client, "/account")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_signing_out_everywhere_ends_other_sessions_kept_in_the_cache(cached_app, app, make_user):
    from tests.conftest import AuthActions

    person = make_user()
    phone, laptop = app.test_client(), app.test_client()
    AuthActions(phone).login(person)
    AuthActions(laptop).login(person)
    assert _get(phone, "/account").status_code == 200 and _get(laptop, "/account").status_code == 200
    db.session.remove()
    token = csrf_token(laptop, "/account")
    db.session.remove()
    assert laptop.post("/account/sign-out-everywhere", data={"csrf_token": token}).status_code == 302
    assert _get(laptop, "/account").status_code == 200  # the device that asked goes on
    assert _get(phone, "/account").status_code == 302  # the other one is signed out


def test_a_snapshot_read_before_a_change_and_stored_after_it_is_not_used(cached_app, client, auth, make_user):
    """A slow page that read the person before their role was taken away and stores them after it."""
    admin = make_user(roles=["superadmin"]).id
    official = make_user(roles=[("official", None)])
    auth.login(official)
    assert _get(client, "/dashboard/").status_code == 200
    sign_in = _sign_in_of(official.id)
    snapshot_key, stamp_key = signed_in._keys(sign_in.token_hash)
    stamp_before = cache.get(stamp_key)
    before = signed_in._snapshot(db.session.get(User, official.id), stamp_before, sign_in.id)
    db.session.remove()
    assignment = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == official.id)).one()
    services.revoke_role(db.session.get(User, admin), assignment.id)
    db.session.commit()
    cache.set(snapshot_key, before)  # the slow page's write lands after the change
    assert _get(client, "/dashboard/").status_code == 403


def test_a_change_that_is_rolled_back_leaves_the_snapshot_in_use(cached_app, client, auth, make_user):
    person = make_user(full_name="Kept Person")
    auth.login(person)
    assert _get(client, "/account").status_code == 200
    db.session.remove()
    db.session.get(User, person.id).full_name = "Never Saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # the same session commits later: the change it gave up is not counted
    db.session.remove()
    with Statements() as statements:
        page = client.get("/account")
    assert "Kept Person" in page.text
    assert not [s for s in statements.sent if "FROM users" in s and "auth_sign_ins" in s]


def test_the_password_change_reads_the_hash_that_the_cache_does_not_keep(cached_app, client, auth, make_user):
    person = make_user()
    auth.login(person)
    assert _get(client, "/account/password").status_code == 200  # the person is now in the cache
    db.session.remove()
    token = csrf_token(client, "/account/password")
    db.session.remove()
    new = "Another-long-pass-2026"
    wrong = client.post(
        "/account/password", data={"current": "not it", "password": new, "confirm": new, "csrf_token": token}
    )
    assert wrong.status_code == 200 and "password" in wrong.text.lower()
    db.session.remove()
    right = client.post(
        "/account/password", data={"current": PASSWORD, "password": new, "confirm": new, "csrf_token": token}
    )
    assert right.status_code == 302
    db.session.remove()
    assert services.check_password_hash(db.session.get(User, person.id).password_hash, new)


def test_without_the_shared_cache_the_person_comes_from_the_database(cached_app, client, auth, make_user, monkeypatch):
    person = make_user(full_name="Still Here")
    auth.login(person)

    def down(*keys):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get_many", down)
    page = _get(client, "/account")
    assert page.status_code == 200 and "Still Here" in page.text


def test_the_demo_reset_marks_the_people_it_keeps_stale(cached_app, client, auth, make_user):
    """The reset takes roles away with bulk statements the ORM does not see."""
    from portal.demo.seed import reset_demo_data

    admin = make_user(roles=[("clinic_admin", 7)])
    auth.login(admin)
    assert _get(client, "/").status_code == 200
    stamp_key = signed_in._keys(_sign_in_of(admin.id).token_hash)[1]
    before = cache.get(stamp_key)
    reset_demo_data(keep_user_ids=(admin.id,))
    db.session.commit()
    assert cache.get(stamp_key) != before
    db.session.remove()
    assert db.session.get(User, admin.id).roles == []  # what the next page will read


FIRST_PAGE_OF_A_NEW_WORKER = """
import sys
from portal import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": sys.argv[2]})
client = app.test_client()
client.set_cookie("session", sys.argv[3])
page = client.get("/")
print(page.status_code, "Bilal Fresh-Worker" in page.text)
"""


def test_a_new_workers_first_page_builds_the_person_from_the_cache(
    app, client, auth, make_user, database_url, tmp_path
):
    """gunicorn replaces a worker after GUNICORN_MAX_REQUESTS; the new process had built no query yet, so
    the ORM's classes were not configured and building the person from the cache failed: every page of
    that worker was an error until some other page ran a query (seen under load as thousands of 5xx)."""
    import subprocess
    import sys

    from tests.reliability.servers import ROOT

    cache.init_app(app, config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)})
    try:
        auth.login(make_user(full_name="Bilal Fresh-Worker"))
        assert _get(client, "/").status_code == 200  # the person is now kept in the shared cache
        session_cookie = client.get_cookie("session").value
        result = subprocess.run(
            [sys.executable, "-c", FIRST_PAGE_OF_A_NEW_WORKER, database_url, str(tmp_path), session_cookie],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        cache.clear()
    assert result.stdout.split()[-2:] == ["200", "True"], result.stderr[-3000:]


# --- a revocation the shared cache does not take at once ---------------------------------------


def _other_worker(database_url: str, cache_config: dict):
    """Another worker process of the portal: an app of its own, with its own process-local state, on the
    same database and the same shared cache."""
    from portal import create_app
    from tests.conftest import IsolatedClient

    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **cache_config})
    other.test_client_class = IsolatedClient
    return other


def _same_device(worker, client):
    """A client of ``worker`` that sends the cookies of ``client`` (the same browser, whichever worker
    the load balancer hands its request to)."""
    device = worker.test_client()
    device.set_cookie("session", client.get_cookie("session").value)
    return device


def _revoke_only_role(admin_id: int, person_id: int) -> None:
    db.session.remove()
    assignment = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == person_id)).one()
    services.revoke_role(db.session.get(User, admin_id), assignment.id)
    db.session.commit()


def test_a_role_taken_away_during_this_workers_pause_is_refused_on_every_worker(
    app, client, auth, make_user, database_url
):
    """After a failure a worker leaves Redis alone for CACHE_RETRY_SECONDS: a role taken away by that
    worker meanwhile must still reach Redis, or the other workers go on serving the revoked person's
    copy for five minutes."""
    import os
    import time

    from tests.conftest import redis_test_url

    config = {
        "CACHE_TYPE": "portal.shared_cache.SharedRedisCache",
        "CACHE_REDIS_URL": redis_test_url(),
        "CACHE_KEY_PREFIX": f"test-revoke-{os.getpid()}-{time.monotonic_ns()}:",
        "CACHE_RETRY_SECONDS": 10,
    }
    app.config.update(config)
    cache.init_app(app, config=config)
    other = _other_worker(database_url, config)
    try:
        admin = make_user(roles=["superadmin"]).id
        official = make_user(roles=[("official", None)])
        auth.login(official)
        assert _get(client, "/dashboard/").status_code == 200  # kept in Redis
        there = _same_device(other, client)
        assert there.get("/dashboard/").status_code == 200
        cache.cache._paused_until = time.monotonic() + 10  # this worker saw Redis fail a moment ago
        _revoke_only_role(admin, official.id)
        assert there.get("/dashboard/").status_code == 403
    finally:
        cache.cache._paused_until = 0.0
        cache.clear()
        with other.app_context():
            db.engine.dispose()


def test_a_role_taken_away_by_a_worker_cut_off_from_the_cache_is_refused_once_it_reaches_it(
    app, client, auth, make_user, database_url, tmp_path, monkeypatch
):
    """The worker that takes the role away cannot write to the shared cache at all: it serves the person
    from the database meanwhile, and marks their copy stale within OWED_RETRY_SECONDS of the cache
    answering it again, without waiting for a request."""
    import time

    from portal.shared_cache import SharedCacheDown

    monkeypatch.setattr(signed_in, "OWED_RETRY_SECONDS", 0.05, raising=False)
    config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)}
    cache.init_app(app, config=config)
    other = _other_worker(database_url, config)
    try:
        admin = make_user(roles=["superadmin"]).id
        official = make_user(roles=[("official", None)])
        auth.login(official)
        assert _get(client, "/dashboard/").status_code == 200  # kept in the shared cache
        there = _same_device(other, client)
        assert there.get("/dashboard/").status_code == 200

        backend = cache.cache

        def unreachable(*args, **kwargs):
            raise SharedCacheDown("cut off")

        for name in ("set", "set_many", "get_many"):
            monkeypatch.setattr(backend, name, unreachable)
        _revoke_only_role(admin, official.id)
        assert _get(client, "/dashboard/").status_code == 403  # this worker: from the database

        for name in ("set", "set_many", "get_many"):
            monkeypatch.delattr(backend, name)  # the cache answers this worker again
        answered = time.monotonic()
        while there.get("/dashboard/").status_code != 403:
            assert time.monotonic() - answered < signed_in.OWED_RETRY_SECONDS + 2, "the revoked copy is still used"
            time.sleep(0.01)
        assert not app.extensions[signed_in._OWED]  # nothing owed any more
    finally:
        cache.clear()
        with other.app_context():
            db.engine.dispose()
