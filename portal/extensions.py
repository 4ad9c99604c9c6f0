"""Flask extensions, created unbound here and bound in create_app()."""

import hashlib

from flask import current_app, request, session
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Table, "after_parent_attach")
def _ids_never_reused(table: Table, parent) -> None:
    """Every table of the portal is made AUTOINCREMENT on SQLite: without it SQLite gives a new row the
    id of the newest row deleted, so an audit line, a bookmarked address or a cached snapshot naming
    the deleted record would name the new one. PostgreSQL never reuses an id (the keyword is SQLite's
    only). Migration 0021 makes the tables of an existing database the same."""
    if parent is Base.metadata:
        table.dialect_kwargs["sqlite_autoincrement"] = True


def _browser_identifier() -> str:
    """What Flask-Login's "strong" session protection binds a signed-in session to: the browser (its
    User-Agent), not its address as Flask-Login's own identifier does. A phone moves between Wi-Fi and
    mobile data, and a mobile network changes its address, many times a day: a session without "Keep me
    signed in" (not permanent), which "strong" protection wipes when the identifier changes, signed the
    person out at each move. (Flask-Login also read the address from an X-Forwarded-For header that
    anyone can write, behind no proxy.)"""
    user_agent = request.headers.get("User-Agent") or ""
    return hashlib.sha512(f"browser|{user_agent}".encode()).hexdigest()


class PortalLoginManager(LoginManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._session_identifier_generator = _browser_identifier

    def _session_protection_failed(self) -> bool:
        # "strong" protection guards a signed-in session against use from another browser. Flask-Login
        # also applies it to a visitor who is not signed in but whose session holds a language choice:
        # it then rewrote that session, and sent two cookies, on every page. Such a session has no one
        # to protect (a remember cookie alone is checked the same way with or without it).
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()

    def _load_user_from_remember_cookie(self, cookie):
        # Flask-Login signs the person in from the remember cookie without recording which browser the
        # new session belongs to, so "strong" protection ended that session on the next page and
        # deleted the cookie: "keep me signed in" lasted one page after the browser was reopened. The
        # new session is bound to this browser and lasts like one made by signing in with "Keep me
        # signed in" (permanent: the person asked to stay signed in on this device).
        user = super()._load_user_from_remember_cookie(cookie)
        if user is not None:
            session["_id"] = self._session_identifier_generator()
            session.permanent = True
        return user


# Set in a session's info while it serves a page that only reads (portal.database.read_only).
READ_ONLY = "portal.read_only"


class PortalSession(FlaskSQLAlchemySession):
    """On PostgreSQL, a session serving a read-only page reads without a transaction (each statement
    in its own, which is what READ COMMITTED gives each statement anyway): no BEGIN before the first
    query and no ROLLBACK after the last, two of the four round trips of a page that only loads the
    signed-in person. The reading engine shares the pool; a connection returns to it reset."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and self.info.get(READ_ONLY) and engine.dialect.name == "postgresql":
            # Kept with the app (whose engines these are), one per engine.
            reading_engines = current_app.extensions.setdefault("portal.reading_engines", {})
            reading = reading_engines.get(engine)
            if reading is None:
                reading = reading_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
            return reading
        return engine


db = SQLAlchemy(model_class=Base, session_options={"class_": PortalSession})
migrate = Migrate()
login_manager = PortalLoginManager()
csrf = CSRFProtect()
babel = Babel()
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
