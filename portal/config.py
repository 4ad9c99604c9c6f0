"""Configuration classes. Every setting comes from an environment variable (see README)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from portal.shared_cache import redis_options

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"

# Values that must never be accepted as a production secret.
_WEAK_SECRETS = {"", "dev", "change-me", "secret", "development"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(default: str) -> str:
    """DATABASE_URL with plain postgres:// URLs mapped onto the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL") or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret() -> str:
    """A random key kept in instance/ so development sessions survive a restart."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{INSTANCE_DIR / 'portal.database'}")
    # hide_parameters: a database error (logged with its statement when a request fails) never carries
    # the values bound to it, such as CNICs, mobile numbers or password hashes.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    # How long a request waits on the database before the portal answers "busy, please try again" (503)
    # instead of holding a worker until gunicorn ends it (portal/database.py). PostgreSQL: to connect
    # (whole seconds, at least 2), and for any one statement, a wait for a locked row included (0: no
    # limit; migrations and seeding run without it). SQLite: for the write lock.
    DATABASE_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
    DATABASE_STATEMENT_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT_SECONDS", "10"))
    DATABASE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_BUSY_TIMEOUT_SECONDS", "15"))
    # PostgreSQL out of reach on an open connection (a network partition, a failed-over server gone
    # silent): how long the portal waits on a connection that neither answers nor acknowledges before it
    # gives it up (TCP keepalives and TCP_USER_TIMEOUT; 0: the operating system's defaults, minutes).
    DATABASE_NETWORK_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_NETWORK_TIMEOUT_SECONDS", "10"))
    DEMO_MODE = env_bool("DEMO_MODE", False)
    # How many reverse proxies stand in front of the portal and set X-Forwarded-For/-Proto/-Host. With 0
    # those headers are ignored (anyone could send them); behind one proxy, set 1 so that sign-in limits
    # and audit entries name the visitor's address, not the proxy's.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0") or 0)

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # A signed-in session ends 12 hours after sign-in (an absolute limit, as OWASP's session guidance
    # advises), however busy the person is: the time of the sign-in is kept in the session and checked on
    # the server (portal/auth/lifetime.py), since the cookie is signed again with a fresh expiry whenever
    # the session changes (a flash message, a language, a new form token). It is not re-sent with every
    # page otherwise: a signature and a 300-byte header less per page on a slow connection.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    # The largest request body the portal reads (MAX_REQUEST_BYTES, 1 MiB: nginx's own default): a
    # larger one is answered with the "file too large" page (413; JSON for an API client) before any
    # form is read, instead of being parsed into memory or temporary files. The largest thing anyone
    # sends is a bulk enrolment CSV (portal.education.bulk.MAX_BYTES, 200 KB, which says so itself on
    # its page), sent again as a form field after its dry run: the limit leaves it room.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_BYTES", str(1024 * 1024)))

    # Passwords: scrypt N=2^17 (DESIGN.md, security defaults)
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"
    PASSWORD_RESET_MINUTES = 30

    # Rate limiting (Flask-Limiter): in-memory by default, Redis in production
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Portals sharing one Redis (staging beside production, or tests) keep their counters apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    # If Redis cannot be reached, each worker keeps counting in its own memory until it can (limits
    # then hold per worker rather than across them) instead of failing every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # A Redis that stops answering (hung, or a network dropping packets) must not hang the workers:
    # every Redis client gives up after this long (portal/shared_cache.py).
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5"))
    RATELIMIT_STORAGE_OPTIONS = (
        redis_options(REDIS_TIMEOUT_SECONDS) if RATELIMIT_STORAGE_URI.startswith("redis") else {}
    )
    # Sign-in attempts from one address (any account), counted all.
    LOGIN_RATE_LIMIT_IP = os.environ.get("LOGIN_RATE_LIMIT_IP", "20 per minute; 200 per hour")
    # Failed sign-ins to one account (or one CNIC or email without one, counted alike) from every address
    # together; a browser that has signed in to the account before is not held back by it, so that wrong
    # passwords typed by someone else never keep the owner out of their own phone, and a password reset
    # starts the counts afresh. The hour and the day hold back guessing spread over many addresses (an
    # IPv6 network has plenty) as the old lock did (5 in 15 minutes). Also the limit on password-reset
    # requests per account (counted all).
    LOGIN_RATE_LIMIT_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "10 per minute; 30 per hour; 100 per day")
    # Failed sign-ins to one account from one address: then that address waits, even with the right password.
    LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS", "5 per 15 minutes")
    # Wrong current passwords typed by a signed-in person (to change the password, the mobile number or the
    # email): whoever holds a borrowed session must not be able to guess it.
    PASSWORD_CHECK_RATE_LIMIT = os.environ.get("PASSWORD_CHECK_RATE_LIMIT", "5 per 15 minutes")
    # Password-reset requests for one account (each sends an SMS and an email), from any address.
    RESET_RATE_LIMIT_ACCOUNT = os.environ.get("RESET_RATE_LIMIT_ACCOUNT", "5 per hour")
    # Each registration hashes a password (about half a second of CPU and 128 MiB), and tells whether
    # a CNIC has an account: limited per address (generous: many people share one mobile network
    # address) and per CNIC.
    REGISTER_RATE_LIMIT_IP = os.environ.get("REGISTER_RATE_LIMIT_IP", "10 per minute; 100 per hour")
    REGISTER_RATE_LIMIT_CNIC = os.environ.get("REGISTER_RATE_LIMIT_CNIC", "5 per hour")

    # Anonymous public pages are shared for a few seconds (portal/pagecache.py). Production keeps them
    # in Redis so that every worker and every app server shares them; without Redis it caches nothing.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "5"))
    # How long a rendered dashboard page body is shared by officials with the same view (at least 1 s;
    # the figures in it are recomputed every minute in any case).
    DASHBOARD_PAGE_SECONDS = max(1, int(os.environ.get("DASHBOARD_PAGE_SECONDS", "15")))
    CACHE_TYPE = "SimpleCache"
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "portal:")
    CACHE_DEFAULT_TIMEOUT = 60

    # Internationalisation
    LANGUAGES = ("en", "ur")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Asia/Karachi"
    # One catalogue per package, so that each part of the portal owns its strings.
    BABEL_DOMAIN = "messages;health;education;dashboard"
    BABEL_TRANSLATION_DIRECTORIES = ";".join([str(BASE_DIR / "portal" / "translations")] * 4)

    # Notifications: transports for the outbox
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "log")  # log | smtp
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Digital Punjab <no-reply@punjab.gov.pk>")
    SMS_TRANSPORT = os.environ.get("SMS_TRANSPORT", "log")  # log | dotted.path:ClassName
    NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5"))

    # The address people reach the portal at, for links that leave it (certificates and their QR codes,
    # SMS, email). Unset: the address of the request (portal/links.py); production should set it.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip() or None

    # A fixed "now" (ISO 8601) for tests and demos; never set in production.
    FIXED_NOW = os.environ.get("PORTAL_FIXED_NOW") or None

    @classmethod
    def init_app(cls, app) -> None:  # noqa: D401 - hook for subclasses
        """Check settings once the app exists."""


class DevelopmentConfig(Config):
    NAME = "development"
    DEBUG = False
    DEMO_MODE = env_bool("DEMO_MODE", True)

    @classmethod
    def init_app(cls, app) -> None:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _development_secret()


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL_ACTIVE", "sqlite://")
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # cheap on purpose: tests only
    DEMO_MODE = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # Pages are rendered afresh for every request in tests (tests/test_pagecache.py turns the cache on).
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0"))
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "NullCache")
    # Tests never depend on today's date: Monday 2 March 2026, 09:00 in Karachi.
    FIXED_NOW = os.environ.get("PORTAL_FIXED_NOW", "2026-03-02T04:00:00+00:00")


class ProductionConfig(Config):
    NAME = "production"
    DEMO_MODE = env_bool("DEMO_MODE", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"
    FIXED_NOW = None
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or (
        Config.RATELIMIT_STORAGE_URI if Config.RATELIMIT_STORAGE_URI.startswith("redis") else None
    )
    # Flask-Caching's Redis backend with short timeouts and a pause after a failure (portal/shared_cache.py).
    CACHE_TYPE = "portal.shared_cache.SharedRedisCache" if CACHE_REDIS_URL else "NullCache"
    CACHE_REDIS_TIMEOUT_SECONDS = Config.REDIS_TIMEOUT_SECONDS
    CACHE_RETRY_SECONDS = float(os.environ.get("CACHE_RETRY_SECONDS", "10"))

    @classmethod
    def init_app(cls, app) -> None:
        key = app.config.get("SECRET_KEY") or ""
        if key.strip().lower() in _WEAK_SECRETS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY is missing or too short: production needs a random secret of at least "
                "32 characters, e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        # Links that leave the portal (a password-reset link, a certificate's QR code) must not take their
        # host from a request, whose Host header anyone can write: a reset link sent to a victim could
        # otherwise point at the sender's site, with the victim's token in it.
        base = urlsplit(app.config.get("PUBLIC_BASE_URL") or "")
        if base.scheme not in ("http", "https") or not base.netloc:
            raise RuntimeError(
                "PUBLIC_BASE_URL is missing: production needs the address people reach the portal at, "
                "e.g. PUBLIC_BASE_URL=https://portal.punjab.gov.pk"
            )
        # Several workers (and several servers) must share one count of sign-in attempts: counters kept in
        # each process's memory would let an attacker try workers × servers times the limit.
        storage = (app.config.get("RATELIMIT_STORAGE_URI") or "").strip().lower()
        if app.config.get("RATELIMIT_ENABLED") and not storage.startswith(("redis://", "rediss://", "redis+")):
            raise RuntimeError(
                "RATELIMIT_STORAGE_URI must point at Redis in production, e.g. "
                "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0: limits counted in each worker's memory "
                "are not shared between workers and servers"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("PORTAL_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
