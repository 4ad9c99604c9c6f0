"""The shared cache of production (portal/shared_cache.py): a Redis that does not answer fails a call within
the timeout instead of hanging the worker, and after a failure the process leaves Redis alone for a
while, then tries again."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest
import redis

from portal import shared_cache as shared
from tests.conftest import redis_test_url
from tests.reliability.servers import SilentServer


@pytest.fixture
def hung_redis():
    with SilentServer() as server:
        yield server.url, server.accepted


def _cache(url: str) -> shared.SharedRedisCache:
    config = {
        "CACHE_REDIS_URL": url,
        "CACHE_REDIS_TIMEOUT_SECONDS": 0.2,
        "CACHE_RETRY_SECONDS": 10,
        "CACHE_KEY_PREFIX": f"test-cache-{os.getpid()}:",
    }
    return shared.SharedRedisCache.factory(None, config, [], {})


def _connections(accepted: list, at_least: int) -> int:
    deadline = time.monotonic() + 5
    while len(accepted) < at_least and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(accepted)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(shared.time, "monotonic", fake)
    return fake


def test_a_redis_that_never_answers_fails_the_call_instead_of_hanging_the_worker(hung_redis):
    url, accepted = hung_redis
    cache = _cache(url)
    outcome = {}

    def read():
        try:
            outcome["value"] = cache.get("page:en:/")
        except Exception as exc:  # noqa: BLE001 - the test looks at what was raised
            outcome["error"] = exc

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)  # without socket timeouts redis-py waits for ever
    assert not reader.is_alive(), "the read is still waiting for Redis"
    assert isinstance(outcome.get("error"), shared.SharedCacheDown)
    assert isinstance(outcome["error"].__cause__, redis.exceptions.TimeoutError)
    # One retry on a fresh connection (a restarted Redis leaves dead ones in the pool), no more.
    assert _connections(accepted, 2) == 2


def test_after_a_failure_redis_is_left_alone_until_the_pause_is_over(hung_redis, clock):
    url, accepted = hung_redis
    cache = _cache(url)
    with pytest.raises(shared.SharedCacheDown):
        cache.get("a")
    tried = _connections(accepted, 2)

    clock.now += 9.9
    for call in (lambda: cache.get("a"), lambda: cache.set("a", 1), lambda: cache.get_many("a", "b")):
        with pytest.raises(shared.SharedCacheDown, match="failed less than 10 s ago"):
            call()
    time.sleep(0.1)
    assert len(accepted) == tried, "Redis was asked again during the pause"

    clock.now += 0.2
    with pytest.raises(shared.SharedCacheDown):
        cache.add("lock", 1)
    assert _connections(accepted, tried + 1) > tried, "Redis was not tried again after the pause"


class Flaky:
    """A Redis client that fails as told, else passes every command on to the real one."""

    def __init__(self, client, failure: type[Exception] | None):
        self.client = client
        self.failure = failure

    def __getattr__(self, name):
        command = getattr(self.client, name)

        def call(*args, **kwargs):
            if self.failure is not None:
                raise self.failure("as told")
            return command(*args, **kwargs)

        return call


@pytest.fixture
def redis_url() -> str:
    return redis_test_url()


def _flaky_cache(url: str, failure) -> tuple[shared.SharedRedisCache, Flaky]:
    cache = _cache(url)
    flaky = Flaky(cache._write_client, failure)
    cache._read_client = cache._write_client = flaky
    return cache, flaky


def test_the_cache_is_used_again_once_redis_answers_and_says_so_once(redis_url, clock, caplog):
    cache, flaky = _flaky_cache(redis_url, redis.exceptions.ConnectionError)
    caplog.set_level(logging.WARNING, logger="portal.shared_cache")
    for _ in range(3):
        with pytest.raises(shared.SharedCacheDown):
            cache.set("figures", {"booked": 12})
        clock.now += 11  # each attempt after a pause fails again: still one warning
    assert [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()] == [
        "shared cache unreachable (as told); working without it, trying again every 10 s"
    ]

    flaky.failure = None
    assert cache.set("figures", {"booked": 12})
    assert cache.get("figures") == {"booked": 12}
    assert [r.getMessage() for r in caplog.records][-1] == "shared cache reachable again"
    cache.delete("figures")


def test_errors_other_than_reaching_redis_are_raised_as_they_are_and_pause_nothing(redis_url, clock):
    cache, flaky = _flaky_cache(redis_url, redis.exceptions.ResponseError)
    with pytest.raises(redis.exceptions.ResponseError):
        cache.get("x")
    flaky.failure = None
    assert cache.get("x") is None  # asked at once: no pause


def test_a_use_that_goes_without_the_cache_logs_the_cause_once_not_on_every_request(caplog):
    log = logging.getLogger("portal.test")
    caplog.set_level(logging.WARNING, logger="portal.test")
    wrapped = RuntimeError("the dashboard's own wrapper")
    wrapped.__cause__ = shared.SharedCacheDown("paused")
    for error in (redis.exceptions.TimeoutError("slow"), shared.SharedCacheDown("paused"), wrapped):
        try:
            raise error
        except Exception:  # noqa: BLE001 - as the uses of the cache catch it
            shared.cache_failure(log, "page cache unavailable; serving %s without it", "/")
    first, second, third = caplog.records
    assert first.exc_info is not None  # an unexpected failure: its traceback
    assert not second.exc_info and not third.exc_info  # the pause: already said by the cache, one line
    assert second.getMessage() == "page cache unavailable; serving / without it"


def test_a_write_that_must_not_wait_tries_redis_during_the_pause(redis_url, clock):
    """Marking a revoked person's cached copy stale (portal/auth/signed_in.py) cannot wait out the pause:
    the other workers, which reach Redis, would go on using the copy."""
    cache, flaky = _flaky_cache(redis_url, redis.exceptions.ConnectionError)
    with pytest.raises(shared.SharedCacheDown):
        cache.set("stamp", "a")
    flaky.failure = None  # Redis answers again, within the pause
    with pytest.raises(shared.SharedCacheDown, match="failed less than"):
        cache.set("stamp", "b")
    assert shared.set_many_despite_pause(cache, {"stamp": "c"}, timeout=60) == ["stamp"]
    assert cache.get("stamp") == "c"  # and the pause is over for everything
    cache.delete("stamp")
