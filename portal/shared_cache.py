"""The shared cache in production: Redis, with short timeouts and a pause after it fails.

Every worker reads Redis on most requests (the stored public pages, the signed-in person, the officials'
figures), and each use already serves the page without it when Redis fails. What it could not survive
was a Redis that stops answering without refusing the connection (a hung server, a network that drops
packets): redis-py waits for ever by default, so every worker hung on its next read until gunicorn
killed it, and the whole portal answered 500s. Here:

- each connection and each command gives up after ``CACHE_REDIS_TIMEOUT_SECONDS`` (0.5 s: Redis on
  the local network answers in well under a millisecond), with one immediate retry on a fresh
  connection (a Redis that restarted leaves dead connections in the pool);
- after such a failure the process leaves Redis alone for ``CACHE_RETRY_SECONDS`` (10 s): calls raise
  ``SharedCacheDown`` at once, which every use treats like any cache failure, so a page pays the
  timeout once per pause and process, not on every read. The first call after the pause tries Redis
  again. One warning is logged when the cache goes down and one line when it is back.
- a use that must not wait for the pause (``despite_pause``: marking a revoked person's cached copy
  stale, portal/auth/signed_in.py) tries Redis all the same, and pays the timeout if it is still down.

Errors that are not about reaching Redis (a wrong type, a full memory) are raised as they are and do
not pause anything. A plain timestamp, not a lock: two threads seeing Redis fail at once both pause it,
which is the same outcome, and no call ever waits for another.
"""

from __future__ import annotations

import functools
import logging
import sys
import time

import redis
from flask_caching.backends.rediscache import RedisCache
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class SharedCacheDown(RuntimeError):
    """Redis failed a moment ago: not tried again until the pause is over."""


def redis_options(timeout: float) -> dict:
    """Connection options for every Redis client of the portal (the cache and the rate limiter)."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 1),
        "retry_on_error": list(UNREACHABLE),
    }


class SharedRedisCache(RedisCache):
    """Flask-Caching's Redis backend whose calls give up quickly and pause after a failure."""

    def __init__(self, *args, retry_after: float = 10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after
        self._paused_until = 0.0
        self._failed = False

    @classmethod
    def factory(cls, app, config, args, kwargs):
        timeout = float(config.get("CACHE_REDIS_TIMEOUT_SECONDS", 0.5))
        kwargs["host"] = redis.from_url(config["CACHE_REDIS_URL"], **redis_options(timeout))
        kwargs["key_prefix"] = config.get("CACHE_KEY_PREFIX") or ""
        kwargs["retry_after"] = float(config.get("CACHE_RETRY_SECONDS", 10))
        return cls(*args, **kwargs)

    def _guard(self, method, *args, despite_pause: bool = False, **kwargs):
        if self._paused_until and not despite_pause and time.monotonic() < self._paused_until:
            raise SharedCacheDown(f"the shared cache failed less than {self.retry_after:g} s ago")
        try:
            result = method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            if not self._failed:
                log.warning(
                    "shared cache unreachable (%s); working without it, trying again every %g s", exc, self.retry_after
                )
            self._failed = True
            self._paused_until = time.monotonic() + self.retry_after
            raise SharedCacheDown(str(exc)) from exc
        if self._failed:
            self._failed = False
            self._paused_until = 0.0
            log.warning("shared cache reachable again")
        return result

    def set_many_despite_pause(self, mapping: dict, timeout: int | None = None) -> list:
        """``set_many`` tried on Redis even during the pause after a failure (one round trip): for writes
        that must not wait for it. Raises SharedCacheDown if Redis still cannot be reached."""
        return self._guard(RedisCache.set_many, mapping, timeout=timeout, despite_pause=True)


def set_many_despite_pause(backend, mapping: dict, timeout: int | None = None):
    """Store ``mapping`` in this cache backend now: a SharedRedisCache tries Redis even during its pause;
    any other backend (SimpleCache, NullCache in tests and development) stores as usual."""
    urgent = getattr(backend, "set_many_despite_pause", None)
    return urgent(mapping, timeout=timeout) if urgent is not None else backend.set_many(mapping, timeout=timeout)


def _guarded(name: str):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        return self._guard(method, *args, **kwargs)

    return call


for _name in (
    "get",
    "get_many",
    "get_dict",
    "set",
    "add",
    "set_many",
    "delete",
    "delete_many",
    "has",
    "inc",
    "dec",
    "clear",
    "unlink",
):
    setattr(SharedRedisCache, _name, _guarded(_name))


def cache_failure(logger: logging.Logger, message: str, *args) -> None:
    """Log, inside an ``except`` block, that a use of the shared cache went without it: with the
    traceback the first time, one line while the cache is known to be down (said once already)."""
    error, paused = sys.exc_info()[1], False
    while error is not None and not paused:  # the cause too: a use may wrap the error in its own
        paused, error = isinstance(error, SharedCacheDown), error.__cause__
    logger.warning(message, *args, exc_info=not paused)
