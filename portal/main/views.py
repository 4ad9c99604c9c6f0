"""Home page, language switch and the health check."""

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.auth import services as auth_services
from portal.auth.views import safe_next
from portal.demo.personas import is_persona
from portal.extensions import db, limiter
from portal.main import bp
from portal.pagecache import public_page


@bp.route("/")
@public_page
def home():
    return render_template("main/home.html")


def _remember_language(lang: str) -> None:
    """The session's language; a visitor's choice is also carried onto the profile at sign-in."""
    session["lang"] = lang
    if not current_user.is_authenticated:
        session["lang_chosen"] = True


@bp.route("/language/<lang>")
def switch_language(lang: str):
    """The language link of a visitor who is not signed in: remembered for the session, and carried
    onto the profile at sign-in. A link, not a form, so that public pages carry no per-visitor token
    and a visitor who only reads them gets no cookie at all (the pages can then be shared as they are).
    Signed-in people use the form below, which also updates their profile."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    _remember_language(lang)
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch between English and Urdu; remembered for the session and on the profile. A demo persona,
    which a whole room shares in DEMO_MODE, keeps its saved language (the one its messages are written
    in): one presenter's switch changes this device's language only."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    _remember_language(lang)
    shared = current_app.config.get("DEMO_MODE") and is_persona(current_user)
    if current_user.is_authenticated and current_user.preferred_language != lang and not shared:
        auth_services.set_language(current_user, lang)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/privacy")
@public_page
def privacy():
    return render_template("main/privacy.html")
