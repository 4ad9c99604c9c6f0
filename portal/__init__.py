"""The Digital Punjab citizen services portal: create_app() is the only way in."""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.numbers import format_currency as babel_format_currency
from flask import (
    Flask,
    before_render_template,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import (
    Domain,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import configure_mappers
from werkzeug.routing import IntegerConverter

from portal.config import BASE_DIR, Config, config_from_env
from portal.database import LARGEST_ID, database_unavailable, init_database_limits, init_read_only
from portal.extensions import babel, cache, csrf, db, limiter, login_manager, migrate
from portal.observability import init_request_logging, logged_path
from portal.pagecache import init_page_cache
from portal.resend import resend_page

STATIC_DIR = BASE_DIR / "static"


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the portal. ``config`` is a Config class, or a dict of overrides on TestingConfig."""
    app = Flask(__name__, static_folder=str(STATIC_DIR), instance_path=str(BASE_DIR / "instance"))
    if config is None:
        config = config_from_env()
    if isinstance(config, dict):
        from portal.config import TestingConfig

        app.config.from_object(TestingConfig)
        app.config.update(config)
        TestingConfig.init_app(app)
    else:
        app.config.from_object(config)
        config.init_app(app)

    register_extensions(app)
    init_database_limits(app)
    init_read_only(app)  # first of the request hooks: it decides how the request's session reads
    register_blueprints(app)
    # Every model is imported by now. Configured here, not by the first query a worker happens to run:
    # the signed-in person is built from the shared cache without a query (portal/auth/signed_in.py),
    # and on unconfigured classes that failed for every page of a new worker.
    configure_mappers()
    register_errorhandlers(app)
    register_request_hooks(app)
    init_request_logging(app)
    init_page_cache(app)  # after the hooks above: a cached page is still timed, logged and given headers
    # After the page cache: serving a shared public page costs less than checking a limit (and no
    # limit applies to those pages); every other request is checked as before.
    limiter.init_app(app)
    register_template_helpers(app)
    register_commands(app)
    if app.config.get("PROXY_COUNT"):
        # Outermost, so that everything inside sees the visitor's address and scheme.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def select_locale() -> str:
    if not has_request_context():  # a CLI command or a service called outside a request
        return "en"
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.preferred_language in languages:
        return current_user.preferred_language
    return request.accept_languages.best_match(languages) or "en"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel makes a new Domain (with an empty cache) for every request, which re-reads the
    # catalogues each time; one Domain per app keeps them parsed in memory.
    shared_domain = Domain(domain=app.config["BABEL_DOMAIN"])

    @app.before_request
    def use_shared_translations():
        shared_domain.as_default()

    # Flask-Babel finds the translations through several context lookups on every call, and a page
    # makes 20 to 100 of them; the locale does not change within a request, so templates keep them
    # for the request.
    def request_translations():
        if not has_request_context():
            return get_translations()
        environ = request.environ
        translations = environ.get("portal.translations")
        if translations is None:
            translations = environ["portal.translations"] = get_translations()
        return translations

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    with warnings.catch_warnings():
        # NullCache (tests; production without Redis) is a deliberate choice, not a mistake to warn of.
        warnings.filterwarnings("ignore", message="Flask-Caching: CACHE_TYPE is set to NullCache")
        cache.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from flask_login import user_accessed, user_loaded_from_cookie

    from portal.auth import lifetime, signed_in

    # The person and their roles, from the shared cache when nothing has changed (portal/auth/signed_in.py).
    # A remember cookie only while its sign-in is younger than REMEMBER_COOKIE_DURATION (lifetime.checked).
    login_manager.user_loader(lifetime.checked(signed_in.load))
    # A session ends PERMANENT_SESSION_LIFETIME after sign-in, checked on the server (portal/auth/lifetime.py).
    user_accessed.connect(lifetime.end_if_over, app)
    user_loaded_from_cookie.connect(lifetime.restored_from_cookie, app)

    # Import every package's models so that metadata (and Alembic) sees all tables.
    import portal.models  # noqa: F401


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: only numbers a database id can hold (LARGEST_ID). A larger one is a
    page that does not exist (404), not a number PostgreSQL refuses to compare with an INTEGER column, or
    SQLite to bind (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId  # before the routes are added
    from portal.auth import bp as auth_bp
    from portal.dashboard import bp as dashboard_bp
    from portal.education import bp as education_bp
    from portal.health import bp as health_bp
    from portal.main import bp as main_bp
    from portal.notifications import bp as notifications_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(education_bp)
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")


def register_errorhandlers(app: Flask) -> None:
    from portal.auth.decorators import wants_json
    from portal.control_characters import ControlCharacter

    messages = {
        400: (_l("Something in the request was not right"), _l("Please go back and try again.")),
        403: (_l("You do not have access to this page"), _l("If you think you should, please contact your office.")),
        404: (_l("Page not found"), _l("The address may be mistyped, or the page may have moved.")),
        405: (_l("That action is not possible here"), _l("Please go back and use the buttons on the page.")),
        413: (_l("That file is too large"), _l("Please upload a smaller file.")),
        429: (_l("Too many attempts"), _l("Please wait a few minutes, then try again.")),
        500: (_l("Sorry, something went wrong on our side"), _l("Nothing was changed. Please try again in a moment.")),
    }

    def render_error(code: int, title=None, detail=None, bare: bool = False, headers=None, back=None):
        """The error page (``bare``: the page that needs neither the database nor the session), or JSON."""
        if code >= 500:
            with contextlib.suppress(SQLAlchemyError):  # a lost connection: the session is closed at the end
                db.session.rollback()
        default_title, default_detail = messages.get(code, messages[500])
        # ``is None``, not ``or``: the truth of a lazy text asks for the locale, which asks who is signed in.
        title = default_title if title is None else title
        detail, headers = default_detail if detail is None else detail, headers or {}
        if wants_json():
            return jsonify(error=code, message=str(title), detail=str(detail)), code, headers
        if not bare:
            try:
                page = render_template("errors/error.html", code=code, title=title, detail=detail, back=back)
                return page, code, headers
            except Exception as exc:  # noqa: BLE001 - e.g. the signed-in person, whom every page's header shows
                if database_unavailable(exc):
                    return busy_page(exc)  # the person could not be loaded: the database is busy
                app.logger.exception("the error page could not be rendered for %s", logged_path())
                code, (title, detail) = 500, messages[500]
        return bare_error_page((title, detail)), code, {**headers, "Content-Type": "text/html; charset=utf-8"}

    for code in messages:
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(413)
    def too_large(error):
        """Says how large a file the form takes (its view's ``upload_limit``, else the portal's limit on
        any request), and leads back to the form."""
        from portal.bilingual import left_to_right

        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "upload_limit", None)
        size = limit() if limit else left_to_right(f"{round(app.config['MAX_CONTENT_LENGTH'] / 1_000_000, 1):g} MB")
        detail = _l("Files of up to %(size)s can be sent here. Please choose a smaller file.", size=size)
        return render_error(413, detail=detail, back=page_came_from())

    @app.errorhandler(ControlCharacter)
    def control_character(error):
        return render_error(
            400,
            _l("Something you sent has a hidden character that the portal cannot use"),
            _l(
                "It may have come with text copied from another program. Please go back, type what you "
                "entered again instead of pasting it, and send it again."
            ),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        resend = None if wants_json() else resend_page()  # a token that only expired: keep what was typed
        if resend is not None:
            return resend
        return render_error(
            400,
            _l("This form expired"),
            _l("For your security, forms expire after a while. Please go back, reload the page and try again."),
        )

    @app.errorhandler(Exception)
    def unexpected(error):
        from werkzeug.exceptions import HTTPException

        if isinstance(error, HTTPException):
            if error.response is not None:
                return error.response
            return render_error(error.code or 500)
        app.logger.exception("unhandled error on %s", logged_path())
        return render_error(500)

    busy = (
        _l("The portal is busy right now"),
        _l("Your request could not be finished. Please wait a minute, then try again."),
    )

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_busy(error):
        """The database is busy (a statement or lock wait over its time limit, no free connection) or
        out of reach: "try again" (503) within the configured timeouts, instead of a worker held until
        gunicorn ends it. The page touches neither the database nor the session, so that showing it
        cannot wait on the database again."""
        if not database_unavailable(error):
            return unexpected(error)
        return busy_page(error)

    def busy_page(error):
        text = str(getattr(error, "orig", None) or error).strip()
        cause = text.splitlines()[0][:200] if text else type(error).__name__
        app.logger.warning("database busy or out of reach on %s: %s", logged_path(), cause)
        return render_error(503, *busy, bare=True, headers={"Retry-After": "30"})


def page_came_from() -> str | None:
    """The page of this site the request came from (its Referer, as a path), or, without one, the
    address posted to when it is also a page to open: where "Back" leads from an error page."""
    from urllib.parse import urlsplit

    from portal.auth.views import safe_next

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc == request.host and referrer.scheme == request.scheme:
        return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return safe_next(request.full_path.rstrip("?"))
    return None


def bare_error_page(words) -> str:
    """The page shown when the portal's own error page cannot be rendered (the header needs the
    signed-in person, the language their profile): no layout, nobody's data, the error page's own
    ``words`` (title, detail) in both languages, whatever this visitor's language would have been."""
    from flask_babel import force_locale
    from markupsafe import escape

    sections = []
    for lang, direction in (("en", "ltr"), ("ur", "rtl")):
        with force_locale(lang):
            title, detail, home = (escape(str(text)) for text in (*words, _l("Go to the home page")))
        sections.append(
            f'<section lang="{lang}" dir="{direction}"><h1>{title}</h1><p>{detail}</p>'
            f'<p><a href="{escape(request.script_root)}/">{home}</a></p></section>'
        )
    stylesheet = escape(url_for("static", filename="css/portal.css"))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Digital Punjab</title>'
        f'<link rel="stylesheet" href="{stylesheet}">'
        f'</head><body><main id="main" class="container">{"".join(sections)}</main></body></html>'
    )


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(app: Flask) -> list[tuple[str, str]]:
    """The headers every response carries (unless a view set its own)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def register_request_hooks(app: Flask) -> None:
    from portal.auth import signed_in
    from portal.control_characters import refuse_control_characters

    # Before any view (or the page cache) reads the request: a NUL in text is a 500 on PostgreSQL.
    app.before_request(refuse_control_characters)

    # A device's "last seen", moved on at most every few minutes, after the page.
    app.after_request(signed_in.note_seen)

    @app.after_request
    def add_security_headers(response):
        for name, value in security_headers(app):
            response.headers.setdefault(name, value)
        if request.endpoint == "static" and request.args.get("v"):
            # Flask marks static files "no-cache" (ask again every time): a versioned address never
            # changes, so a phone on a slow connection keeps it without asking again.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        elif "Cache-Control" not in response.headers:
            # Every page, CSV, JSON answer or redirect may carry someone's data (a roster, a daily
            # list): neither the browser nor a proxy keeps it. Static files come with their own
            # (Flask's "no-cache", or the long lifetime above), so they are never here.
            response.cache_control.no_store = True
        return response


_static_versions: dict[str, str] = {}


def static_version(filename: str) -> str:
    """A short content hash for a static file, so its URL changes when the file does."""
    version = _static_versions.get(filename)
    if version is None:
        path = Path(STATIC_DIR, filename)
        try:
            version = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        except OSError:
            version = "0"
        _static_versions[filename] = version
    return version


def remembered(formatter, limit: int = 8192):
    """``formatter`` (Flask-Babel's format_date, format_time or format_datetime) remembering what it
    wrote, per language and time zone. Pages show the same few dates and times to everyone (the
    fortnight on a clinic's page, its opening hours, a course's dates), and Babel builds each from its
    pattern every time: a tenth of the time of a page of dates."""
    written: dict = {}

    def write(value=None, format=None, rebase=True):
        if value is None:  # "now": never the same twice
            return formatter(value, format, rebase)
        # The value's own zone is part of the key: equal aware values in two zones are not always
        # written alike (an aware time is not moved to the reader's zone).
        key = (value, getattr(value, "tzinfo", None), format, rebase, str(get_locale()), str(get_timezone()))
        text = written.get(key)
        if text is None:
            text = formatter(value, format, rebase)
            if len(written) >= limit:
                written.clear()
            written[key] = text
        return text

    return write


def format_date_and_time(value=None, format=None, rebase=True) -> str:
    """A date with its time to the minute, joined the way the reader's language joins them
    ("Mar 2, 2026, 8:15 AM"; Urdu "2 مارچ، 2026 8:15 AM", the time isolated left to right). Babel's
    "medium" date-time adds seconds, which a person booking or running a clinic never needs. ``format``
    is the date's length."""
    format = format or "medium"
    locale = get_locale()
    glue = locale.datetime_formats[format].replace("'", "")
    time = format_time(value, "short", rebase)
    if locale.character_order == "right-to-left":
        # "8:15 AM" inside Urdu text would read "AM 8:15": the time is a left-to-right isolate (LRI … PDI).
        time = f"\u2066{time}\u2069"
    return glue.replace("{1}", format_date(value, format, rebase)).replace("{0}", time)


def format_money(paisa: int | None) -> str:
    """A fee in rupees as Pakistan writes it in the reader's language: "Rs 5,000", with paisa only when
    there are some ("Rs 5,000.50"), and "Free" for nothing. Babel's Pakistani locales (en_PK, ur_PK)
    give the symbol "Rs" (plain English gives "PKR") and the digits' grouping; a no-break space keeps
    the symbol with the number."""
    if not paisa:
        return str(_l("Free"))
    locale = Locale(get_locale().language, "PK")
    pattern = locale.currency_formats["standard"].pattern  # "¤#,##0.00"
    if "¤\u00a0" not in pattern and "\u00a0¤" not in pattern:
        pattern = pattern.replace("¤", "¤\u00a0") if pattern.startswith("¤") else pattern.replace("¤", "\u00a0¤")
    if paisa % 100 == 0:
        pattern = pattern.replace(".00", "")
    return babel_format_currency(Decimal(paisa) / 100, "PKR", pattern, locale, currency_digits=False)


def register_template_helpers(app: Flask) -> None:
    from portal.auth.models import format_cnic, mask_cnic
    from portal.bilingual import in_language, in_urdu, isolate, lang_attributes, lang_marked, language_of
    from portal.districts import district_label, districts_in_order
    from portal.refs import isolate_references
    from portal.validation import format_mobile

    @app.url_defaults
    def version_static_urls(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = static_version(values["filename"])

    def format_list(items, style: str = "standard") -> str:
        """The items joined the way the page's language writes a list: "Monday, Wednesday, and
        Friday"; in Urdu with the Arabic comma and اور."""
        from babel.lists import format_list as babel_format_list

        return babel_format_list([str(item) for item in items], style=style, locale=get_locale() or "en")

    def flash_text(message):
        """A flashed message for the page: one made as markup as it is (its values set apart already);
        plain text (a service's error, a sentence with a reference in it) on an Urdu page with each
        reference and time of day a left-to-right island, as a message body is."""
        if hasattr(message, "__html__") or not in_urdu():
            return message
        return isolate_references(message)

    from portal.navigation import remembered_url_for

    app.jinja_env.globals.update(
        url_for=remembered_url_for,
        format_date=remembered(format_date),
        format_datetime=remembered(format_datetime),
        format_time=remembered(format_time),
        format_date_and_time=remembered(format_date_and_time),
        format_decimal=format_decimal,
        format_money=format_money,
        format_list=format_list,
        isolate_references=isolate_references,  # a message body with its references as LTR islands
        flash_text=flash_text,  # a flashed message, its references and times LTR islands on an Urdu page
        in_language=in_language,  # two texts, the one of the page's language (records have .shown_name)
        isolate=isolate,  # an address or venue as a <bdi>, right to left when it is Urdu
        # A name or title as it is, or as <bdi lang="en"> when it is not in the page's language (a record
        # without Urdu text on an Urdu page, a name typed in Latin letters); lang_attributes for an <option>.
        lang_marked=lang_marked,
        lang_attributes=lang_attributes,
        language_of=language_of,  # "ur" or "en": the language a stored text (a message) is written in
        format_cnic=format_cnic,
        mask_cnic=mask_cnic,
        format_mobile=format_mobile,
        district_label=district_label,
        districts_in_order=districts_in_order,  # (name, label) in the reader's alphabetical order
    )

    @before_render_template.connect_via(app)
    def mark_pages_with_errors(sender, template, context, **extra):
        """``page_has_errors`` for the layout, which starts the page's title with "Error:" then: the title
        is the first thing a screen reader says of a page, before the summary of the problems."""
        context["page_has_errors"] = page_has_errors(context)

    @app.context_processor
    def layout_context():
        from flask_babel import get_locale

        locale = str(get_locale() or "en")
        from portal.navigation import home_links, nav_links

        return {
            "nav_links": nav_links(),
            "home_links": home_links(),
            "current_lang": locale,
            "text_dir": "rtl" if locale == "ur" else "ltr",
            "demo_mode": app.config.get("DEMO_MODE", False),
        }


def page_has_errors(context: dict) -> bool:
    """Whether a page shows a problem with what was sent: a form with errors, a form-level ``error``,
    a refused row of the daily list (``row_error``) or a dashboard date that could not be used."""
    from wtforms import Form

    if context.get("error") or context.get("row_error"):
        return True
    if any(isinstance(value, Form) and value.errors for value in context.values()):
        return True
    dates = context.get("date_fields")
    return isinstance(dates, dict) and any(isinstance(f, dict) and f.get("error") for f in dates.values())


def register_commands(app: Flask) -> None:
    from portal.dashboard.cli import dashboard_cli
    from portal.demo.cli import seed_demo_command
    from portal.housekeeping import housekeeping_command
    from portal.notifications.cli import notifications_cli

    app.cli.add_command(dashboard_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(housekeeping_command)
