"""Sign-up, sign-in/out, passwords, profile, family members and staff roles."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urljoin, urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import audit_details, bp, lifetime, services
from portal.auth.decorators import role_required
from portal.auth.errors import (
    DomainError,
    FamilyMemberBusy,
    FamilyMemberRefused,
    InvalidCredentials,
    InvalidResetToken,
    NotFound,
    OwnSuperadminRole,
)
from portal.auth.forms import (
    AUDIT_KINDS,
    AuditFilterForm,
    DependantForm,
    FindUserForm,
    GrantRoleForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from portal.auth.models import ROLE_SUPERADMIN
from portal.database import read_only
from portal.demo.personas import PERSONAS, PERSONAS_BY_KEY, is_persona
from portal.extensions import db, limiter
from portal.links import public_url
from portal.navigation import past_the_last_page, requested_page
from portal.notifications.models import CHANNEL_EMAIL, CHANNEL_SMS
from portal.notifications.services import notify
from portal.validation import ascii_digits, format_mobile, normalise_cnic


def client_ip() -> str | None:
    return request.remote_addr


def safe_next(target: str | None) -> str | None:
    """``target`` if it stays on this site (a relative path), else None."""
    if not target:
        return None
    target = target.strip().replace("\\", "/")
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # browsers drop tabs and newlines, turning "/\t/evil" into "//evil"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    host = urlsplit(request.host_url)
    joined = urlsplit(urljoin(request.host_url, target))
    if (joined.scheme, joined.netloc) != (host.scheme, host.netloc):
        return None
    return target


def _login_account_key() -> str:
    """Rate-limit key for sign-in attempts (and reset requests) against one account, whatever the
    address and however it is named: the account the identifier signs in to (services.login_throttle_account),
    so that its CNIC (with spaces anywhere in it, "35202 1234567 1", "3 5202…") and its email share one
    count, instead of each being allowed the limit. Text that names no account is counted by itself,
    read as sign-in reads it, with the same limits: the answers to a sequence of attempts are the same
    whether or not an account exists. Both cost one lookup, so the time of the answer tells nothing
    either. The key of an account carries a fingerprint of its password, so that a new one (a reset)
    starts its counts afresh."""
    key = g.get("login_account_key")
    if key is None:
        identifier = (request.form.get("identifier") or "").strip()
        typed = identifier.lower() if "@" in identifier else normalise_cnic(identifier) or identifier.lower()
        # Text no form would accept (a NUL, which PostgreSQL refuses, or a page of it) is not looked up.
        found = (
            services.login_throttle_account(identifier) if identifier.isprintable() and len(identifier) <= 254 else None
        )
        g.login_account_id, g.login_account_fingerprint = found if found is not None else (None, None)
        key = g.login_account_key = (
            f"login-account:id:{found[0]}:{found[1]}" if found is not None else "login-account:typed:" + typed[:254]
        )
    return key


def _login_account_address_key() -> str:
    """Rate-limit key for failed sign-ins against one account (``_login_account_key``) from one address."""
    return f"{_login_account_key()}|address:{get_remote_address()}"


# A browser that has signed in to an account keeps this cookie: a tag for each of the (last few) accounts
# signed in to on it, which only the portal can make (an HMAC of the account's id and its password's
# fingerprint with SECRET_KEY: a new password voids the tags of every browser, a café's included). The
# limit on failed sign-ins to an account from every address together does not apply to such a browser,
# so that someone typing wrong passwords for a CNIC they know, from however many addresses, does not keep
# its owner out of their own phone (OWASP's "device cookies"). The limit per account and address still
# applies, as does the one per address.
KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_ACCOUNTS = 5
KNOWN_DEVICE_DAYS = 365


def _device_tag(account_id: int, fingerprint: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"known-device:{account_id}:{fingerprint}".encode(), hashlib.sha256).hexdigest()[:24]


def _device_tags() -> list[str]:
    return [tag for tag in (request.cookies.get(KNOWN_DEVICE_COOKIE) or "").split(".") if tag][-KNOWN_DEVICE_ACCOUNTS:]


def _signed_in_before_on_this_device() -> bool:
    _login_account_key()
    account_id = g.get("login_account_id")
    if account_id is None:
        return False
    tag = _device_tag(account_id, g.login_account_fingerprint)
    return any(hmac.compare_digest(tag, t) for t in _device_tags())


def _remember_this_device(response, user):
    """``response`` with the known-device cookie naming ``user``'s account too."""
    tag = _device_tag(user.id, services.password_fingerprint(user.password_hash))
    tags = [t for t in _device_tags() if t != tag][-(KNOWN_DEVICE_ACCOUNTS - 1) :] + [tag]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        ".".join(tags),
        max_age=KNOWN_DEVICE_DAYS * 24 * 3600,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response


def _sign_in_failed(response) -> bool:
    """Whether this request was a sign-in refused for its identifier and password (what the limits on
    failed sign-ins count; a successful one, or a form sent back for an empty field, is not counted)."""
    return bool(g.get("login_failed"))


def _password_check_failed(response) -> bool:
    """Whether a signed-in person's current password was just refused (what PASSWORD_CHECK_RATE_LIMIT
    counts)."""
    return bool(g.get("password_check_failed"))


def _signed_in_account_key() -> str:
    return f"password-check:{current_user.id}" if current_user.is_authenticated else "password-check:none"


def _password_check_limit() -> str:
    return current_app.config["PASSWORD_CHECK_RATE_LIMIT"]


def _login_limit_ip() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_IP"]


def _login_limit_account() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"]


def _login_limit_account_address() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS"]


def _reset_limit_account() -> str:
    return current_app.config["RESET_RATE_LIMIT_ACCOUNT"]


def _register_cnic_key() -> str:
    """Rate-limit key for registrations with one CNIC, whatever the address."""
    digits = ascii_digits(request.form.get("cnic", ""))  # one CNIC whatever script its digits are typed in
    return "register-cnic:" + "".join(ch for ch in digits if ch in "0123456789")[:13]


def _signed_in_here(user, remember: bool = False) -> None:
    """The person whose sign-in on this device has just been committed is signed in in this session, from
    now: it ends PERMANENT_SESSION_LIFETIME later (portal/auth/lifetime.py, checked on the server whatever
    the cookie), or goes on from the remember cookie with "Keep me signed in".

    Nothing the session held before is carried over (a form token, a flash, a next page): only the
    language this device shows. Without "Keep me signed in" the session cookie has no expiry, so closing
    the browser ends the sign-in; with it the cookie lasts PERMANENT_SESSION_LIFETIME."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user, remember=remember)
    session.permanent = remember
    lifetime.started()


def _still_signed_in_here(user) -> None:
    """After this device's sign-in was replaced by a new one (services.change_password,
    services.sign_out_everywhere): the session, and the remember cookie if this device has one, carry
    the new token; the session still ends when the first one would have."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)  # signed_in_at is left as it is


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT_CNIC"], key_func=_register_cnic_key, methods=["POST"])
def register():
    # Where the person was going when asked to sign in (a time they chose, a course): they go on there.
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = services.Registration(
            full_name=form.full_name.data,
            cnic=form.cnic.cnic,
            mobile=form.mobile.e164,
            email=form.email.data or None,
            date_of_birth=form.date_of_birth.data,
            gender=form.gender.data,
            district=form.district.data,
            password=form.password.data,
            preferred_language=session.get("lang", "en"),
        )
        try:
            user = services.register(data, ip=client_ip())
        except (services.DuplicateCNIC, services.CounterRecordNotProven) as exc:
            form.cnic.errors.append(str(exc))
        except services.DuplicateEmail as exc:
            form.email.errors.append(str(exc))
        else:
            services.start_sign_in(user, request.user_agent.string)
            db.session.commit()
            _signed_in_here(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
            return _remember_this_device(redirect(next_url or url_for("main.home")), user)
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit_ip, methods=["POST"], error_message="login")
# Failed sign-ins only: from one address to one account (even the right password waits then, from that
# address alone), and to one account from every address, except on a browser that has signed in to it.
@limiter.limit(
    _login_limit_account_address,
    key_func=_login_account_address_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    error_message="login",
)
@limiter.limit(
    _login_limit_account,
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    exempt_when=_signed_in_before_on_this_device,
    error_message="login",
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.identifier.data, form.password.data, ip=client_ip())
        except InvalidCredentials as exc:
            db.session.commit()  # keep the audit event
            g.login_failed = True  # counted by the limits on failed sign-ins
            error = str(exc)
        else:
            # A language picked on this device just before signing in wins, and is remembered (not on a
            # demo persona that a room shares in DEMO_MODE, whose saved language its messages are written
            # in: as the header's switch, it changes this device only); otherwise the saved preference applies.
            languages = current_app.config["LANGUAGES"]
            if session.pop("lang_chosen", False) and session.get("lang") in languages:
                if not (current_app.config.get("DEMO_MODE") and is_persona(user)):
                    services.set_language(user, session["lang"])
            elif user.preferred_language in languages:
                session["lang"] = user.preferred_language
            services.start_sign_in(user, request.user_agent.string)
            db.session.commit()
            _signed_in_here(user, remember=form.remember.data)
            return _remember_this_device(redirect(safe_next(request.args.get("next")) or url_for("main.home")), user)
    personas = PERSONAS if current_app.config.get("DEMO_MODE") else None
    next_url = safe_next(request.args.get("next"))
    return render_template("auth/login.html", form=form, error=error, personas=personas, next_url=next_url)


@bp.route("/demo/sign-in/<key>", methods=["POST"])
def demo_sign_in(key: str):
    """One click on a persona of the sign-in page signs in as that persona, in DEMO_MODE only (404
    otherwise), and opens the page their part of the demo starts on (or ``next``).

    A room of people shares each persona: no sign-in limit counts these clicks, and the language is the
    one this device shows; the persona's saved language is neither used nor changed."""
    persona = PERSONAS_BY_KEY.get(key)
    if not current_app.config.get("DEMO_MODE") or persona is None:
        abort(404)
    language = str(get_locale())  # this device's: chosen here, or its browser's (nobody is signed in yet)
    user = services.sign_in_demo_persona(persona.cnic, ip=client_ip())
    if user is None:
        db.session.rollback()
        flash(_("The demo personas have not been created yet: run “flask seed-demo”, then try again."), "error")
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated:
        services.sign_out(current_user)  # the persona this device was signed in as before
    services.start_sign_in(user, request.user_agent.string)
    db.session.commit()
    session.clear()  # nothing of a persona signed in before on this device is carried over
    session["lang"] = language
    _signed_in_here(user)
    return redirect(safe_next(request.args.get("next")) or url_for(persona.start))


@bp.route("/logout", methods=["POST"])
def logout():
    # Ends this device's sign-in only. In a demo, where the room shares each persona, the others
    # signed in as the same persona go on.
    if current_user.is_authenticated:
        services.sign_out(current_user)
        db.session.commit()
    lang = session.get("lang")
    session.clear()
    logout_user()  # after clear(): it leaves the mark that deletes the remember-me cookie
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


def _shared_demo_persona() -> bool:
    """In DEMO_MODE, the signed-in person is a persona the whole room shares: what would sign the others
    out (a new password, "sign out of all devices", signing out another device) is refused, with a
    message saying why."""
    if current_app.config.get("DEMO_MODE") and is_persona(current_user):
        flash(
            _(
                "This demo account is shared by everyone in the session: its password cannot be changed "
                "and it cannot sign out the other devices."
            ),
            "info",
        )
        return True
    return False


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if _shared_demo_persona():
        return redirect(url_for("auth.profile"))
    services.sign_out_everywhere(current_user, ip=client_ip())
    db.session.commit()
    _still_signed_in_here(current_user._get_current_object())
    flash(_("You have been signed out on every other device."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/account/devices/<int:sign_in_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(sign_in_id: int):
    """Sign out one other device from the list on the account page. Only the person's own: any other
    sign-in (someone else's, one already ended) is 404."""
    if _shared_demo_persona():
        return redirect(url_for("auth.profile"))
    try:
        services.sign_out_device(current_user, sign_in_id, ip=client_ip())
    except NotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("That device has been signed out."), "success")
    return redirect(url_for("auth.profile", _anchor="devices"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _password_check_limit, key_func=_signed_in_account_key, methods=["POST"], deduct_when=_password_check_failed
)
def change_password():
    if _shared_demo_persona():
        return redirect(url_for("auth.profile"))
    form = PasswordChangeForm()
    form.known_cnic, form.known_mobile = current_user.cnic, current_user.mobile
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data, ip=client_ip())
        except services.WrongPassword as exc:
            db.session.commit()  # keep the audit event
            g.password_check_failed = True
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            _still_signed_in_here(current_user._get_current_object())
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            # The new password voided this browser's known-device tag too (``_device_tag``): a new one.
            return _remember_this_device(redirect(url_for("auth.profile")), current_user)
    return render_template("auth/password_change.html", form=form)


@bp.route("/password-reset", methods=["GET", "POST"])
# Each request sends an SMS: the sign-in limits (counted separately) stop a burst, and a limit per
# account and hour (RESET_RATE_LIMIT_ACCOUNT) stops anyone, from however many addresses, flooding a
# person's phone with reset messages (the minute limit alone let through 600 an hour).
@limiter.limit(_login_limit_ip, methods=["POST"])
@limiter.limit(_login_limit_account, key_func=_login_account_key, methods=["POST"])
@limiter.limit(_reset_limit_account, key_func=_login_account_key, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    demo_link = None
    if form.validate_on_submit():
        found = services.request_password_reset(form.identifier.data, ip=client_ip())
        if found is not None:
            user, token = found
            # From PUBLIC_BASE_URL, never from the request's Host header (which the asker writes).
            link = public_url("auth.reset_password", token=token)
            minutes = current_app.config["PASSWORD_RESET_MINUTES"]
            notify(
                user,
                subject=_l("Reset your password"),
                body=lambda: _(
                    "To choose a new password for the Digital Punjab portal, open this link within "
                    "%(minutes)s minutes: %(link)s - if you did not ask for this, ignore this message.",
                    minutes=minutes,
                    link=link,
                ),
                # Not in the portal's inbox: whoever holds a signed-in cookie could read it there.
                channels=(CHANNEL_SMS, CHANNEL_EMAIL),
                urgent=True,  # asked for just now, at whatever hour
            )
            # Only a persona's, whose password is published anyway: a portal left in DEMO_MODE with real
            # people's accounts must not hand anyone who types a CNIC the link to that person's account.
            if current_app.config.get("DEMO_MODE") and is_persona(user):
                demo_link = link
        db.session.commit()
        flash(
            ngettext(
                "If an account matches, we have sent a link to its mobile number and email. "
                "It works for %(num)d minute.",
                "If an account matches, we have sent a link to its mobile number and email. "
                "It works for %(num)d minutes.",
                current_app.config["PASSWORD_RESET_MINUTES"],
            ),
            "info",
        )
        if demo_link is None:
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form, demo_link=demo_link)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        record = services.reset_token_user(token)
    except InvalidResetToken as exc:
        return render_template("auth/reset_invalid.html", message=str(exc)), 400
    form = ResetPasswordForm()
    form.known_cnic, form.known_mobile = record.user.cnic, record.user.mobile
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, ip=client_ip())
        except InvalidResetToken as exc:
            db.session.rollback()
            return render_template("auth/reset_invalid.html", message=str(exc)), 400
        db.session.commit()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _password_check_limit, key_func=_signed_in_account_key, methods=["POST"], deduct_when=_password_check_failed
)
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.mobile.data = current_user.mobile and format_mobile(current_user.mobile)
        # The language this page is in, which is what the person sees and expects to keep. It is their
        # saved one after a CNIC or email sign-in; a demo persona's one-click sign-in keeps the device's
        # language and leaves the persona's saved one alone, and showing that one here turned the site
        # into it when anything else (a mobile number) was saved.
        form.preferred_language.data = str(get_locale())
    shared = current_app.config.get("DEMO_MODE") and is_persona(current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                mobile=form.mobile.e164,
                email=form.email.data or None,
                district=form.district.data,
                # A demo persona a room shares keeps its saved language (its messages'), as the header's
                # switch does: the page's language, shown here, is this device's.
                language=current_user.preferred_language if shared else form.preferred_language.data,
                password=form.current_password.data,
                ip=client_ip(),
            )
        except services.WrongPassword as exc:
            db.session.commit()  # keep the audit event (nothing else was changed)
            g.password_check_failed = True
            form.current_password.errors.append(str(exc))
        except services.PasswordNeeded as exc:
            form.current_password.errors.append(str(exc))
        except services.DuplicateEmail as exc:  # nothing is committed: the notice queued goes with it
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            session["lang"] = form.preferred_language.data
            refresh()  # the message in the language just chosen
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, sign_ins=services.live_sign_ins(current_user))


@bp.route("/account/family")
@login_required
def family():
    return render_template("auth/family.html", dependants=current_user.dependants)


@bp.route("/account/family/new", methods=["GET", "POST"])
@bp.route("/account/family/<int:dependant_id>", methods=["GET", "POST"])
@login_required
def dependant_form(dependant_id: int | None = None):
    dependant = None
    if dependant_id is not None:
        try:
            dependant = services.get_dependant(current_user, dependant_id)
        except NotFound:
            abort(404)
    form = DependantForm(obj=dependant)
    if dependant is not None and request.method == "GET":
        form.relationship.data = dependant.relationship_
    if form.validate_on_submit():
        fields = {
            "full_name": form.full_name.data,
            "relationship": form.relationship.data,
            "date_of_birth": form.date_of_birth.data,
            "gender": form.gender.data,
            "id_number": form.id_number.data or None,
        }
        try:
            if dependant is None:
                services.add_dependant(current_user, **fields, submission_token=form.submission_token.data)
                message = _("%(name)s has been added to your family members.", name=fields["full_name"])
            else:
                services.update_dependant(current_user, dependant.id, **fields)
                message = _("The details of %(name)s have been saved.", name=fields["full_name"])
        except FamilyMemberRefused as exc:
            db.session.rollback()
            for field, error in exc.field_errors():
                form[field].errors.append(error)
        else:
            db.session.commit()
            flash(message, "success")
            # Added from a booking or enrolment page: back there, where the new person can now be chosen.
            return redirect(safe_next(request.args.get("next")) or url_for("auth.family"))
    # Opened from a booking or enrolment page: its way back leads there too, not to the family list.
    back = safe_next(request.args.get("next"))
    form.ensure_token()
    return render_template("auth/dependant_form.html", form=form, dependant=dependant, back=back)


@bp.route("/account/family/<int:dependant_id>/remove", methods=["GET", "POST"])
@login_required
def remove_dependant(dependant_id: int):
    """Removing someone asks first (one tap must not take a person off the account); the page says
    at once when they cannot be removed yet."""
    if request.method == "GET":
        try:
            dependant = services.get_dependant(current_user, dependant_id)
        except NotFound:
            abort(404)
        ahead = services.commitments(dependant)  # each to cancel first, with a link to where
        busy = FamilyMemberBusy(name=dependant.full_name) if ahead or services.has_commitments(dependant) else None
        return render_template("auth/remove_dependant.html", dependant=dependant, busy=busy, ahead=ahead)
    try:
        dependant = services.remove_dependant(current_user, dependant_id)
    except NotFound:
        abort(404)
    except FamilyMemberBusy as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("auth.family"))
    message = _("%(name)s has been removed from your family members.", name=dependant.full_name)
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("auth.family"))


# --- superadmin: staff roles --------------------------------------------------------------------


@bp.route("/admin/staff", methods=["GET", "POST"])
@role_required(ROLE_SUPERADMIN)
def staff():
    form = FindUserForm(request.args, meta={"csrf": False})
    found = None
    searched = bool(request.args.get("cnic"))
    if searched and form.validate():
        found = services.find_by_cnic(form.cnic.cnic)
    grant_form = GrantRoleForm()
    grant_form.ensure_token()
    return render_template("auth/staff.html", form=form, found=found, searched=searched, grant_form=grant_form)


@bp.route("/admin/staff/<int:user_id>/roles", methods=["POST"])
@role_required(ROLE_SUPERADMIN)
def grant_role(user_id: int):
    user = db.get_or_404(services.User, user_id)
    grant_form = GrantRoleForm()
    if grant_form.validate_on_submit():
        role, scope_id = grant_form.role.data, None
        if role in services.SCOPE_RESOLVERS:
            typed = grant_form.scope_id.data.strip()
            scope_id, candidates = services.find_scope(role, typed)
            if scope_id is None:
                grant_form.scope_id.errors.append(_scope_not_found(typed, candidates))
        if not grant_form.scope_id.errors:
            try:
                services.grant_role(
                    current_user,
                    user,
                    role,
                    scope_id=scope_id,
                    district=grant_form.district.data or None,
                    ip=client_ip(),
                    submission_token=grant_form.submission_token.data,
                )
            except DomainError as exc:
                db.session.rollback()
                grant_form.role.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("The role has been granted."), "success")
                return redirect(url_for("auth.staff", cnic=user.cnic))
    form = FindUserForm(data={"cnic": user.cnic}, meta={"csrf": False})
    grant_form.ensure_token()
    return render_template("auth/staff.html", form=form, found=user, searched=True, grant_form=grant_form), 400


# What each audited action means, in words (an action without one is shown by its code).
AUDIT_ACTIONS = {
    "account.registered": _l("Account created"),
    "account.contact_changed": _l("Mobile number or email changed"),
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.password_check_failed": _l("Wrong current password typed while signed in"),
    # Sign-ins are no longer locked (limits hold guessing back); these name the events of before.
    "auth.login_refused_locked": _l("Sign-in refused: the account is locked"),
    "auth.account_locked": _l("Account locked after failed sign-ins"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_reset_requested": _l("Password reset asked for"),
    "auth.password_reset": _l("Password reset"),
    "auth.signed_out_everywhere": _l("Signed out on every other device"),
    "auth.device_signed_out": _l("Signed out on one other device"),
    "role.granted": _l("Staff role granted"),
    "role.revoked": _l("Staff role removed"),
    "demo.reset": _l("Demo data reset"),
    "demo.seeded": _l("Demo data created"),
    "health.clinic.created": _l("Clinic created"),
    "health.clinic.updated": _l("Clinic changed"),
    "health.service.created": _l("Service created"),
    "health.service.updated": _l("Service changed"),
    "health.hours.saved": _l("Opening hours saved"),
    "health.hours.deleted": _l("Opening hours removed"),
    "health.closure.added": _l("Closure added"),
    "health.closure.deleted": _l("Closure removed"),
    "health.closure.ended": _l("Closure ended early"),
    "health.appointment.cancelled": _l("Appointment cancelled by the clinic"),
    # health.admin.set_status audits f"health.appointment.{status}", one for each status it moves to.
    "health.appointment.arrived": _l("Patient checked in as arrived"),
    "health.appointment.seen": _l("Patient marked as seen"),
    "health.appointment.no_show": _l("Patient marked as did not come"),
    # health.admin.undo_status: a status pressed on the wrong row of the daily list, taken back that day.
    "health.appointment.undone": _l("Status change undone on the daily list"),
    "health.walk_in.registered": _l("Walk-in registered"),
    "health.walk_in.person_created": _l("Walk-in: person recorded"),
    "health.walk_in.mobile_recorded": _l("Walk-in: mobile number recorded"),
    "education.institution.created": _l("Institution created"),
    "education.institution.updated": _l("Institution changed"),
    "education.course.created": _l("Course created"),
    "education.course.updated": _l("Course changed"),
    "education.section.created": _l("Section created"),
    "education.section.updated": _l("Section changed"),
    "education.rule.added": _l("Eligibility rule added"),
    "education.rule.removed": _l("Eligibility rule removed"),
    "education.enrolment.approved": _l("Enrolment approved"),
    "education.enrolment.approved_to_waitlist": _l("Enrolment approved onto the waitlist"),
    "education.enrolment.rejected": _l("Enrolment request declined"),
    "education.enrolment.removed": _l("Removed from a course"),
    "education.bulk_enrolment": _l("Enrolment from a file applied"),
    "education.enrolment.bulk_enrolled": _l("Enrolled from a file"),
    "education.enrolment.completed": _l("Course completed"),
}
# What kind of record an event was about, by table.
AUDIT_RECORDS = {
    "users": _l("Account"),
    "health_clinics": _l("Clinic"),
    "health_services": _l("Service"),
    "health_closures": _l("Closure"),
    "health_appointments": _l("Appointment"),
    "edu_institutions": _l("Institution"),
    "edu_courses": _l("Course"),
    "edu_sections": _l("Section"),
    "edu_eligibility_rules": _l("Eligibility rule"),
    "edu_enrolments": _l("Enrolment"),
}


@bp.route("/admin/audit")
@read_only
@role_required(ROLE_SUPERADMIN)
def audit_log():
    """Who did what, when, from where: newest first, for one person or every one, by kind."""
    form = AuditFilterForm(request.args, meta={"csrf": False})
    person, events, unknown = None, None, False
    if form.validate():
        if form.cnic.data:
            person = services.find_by_cnic(form.cnic.cnic)
            unknown = person is None
        if not unknown:
            prefixes = next((p for value, _label, p in AUDIT_KINDS if value == form.kind.data), ())
            events = services.audit_events(person, prefixes, page=requested_page())
            if (last := past_the_last_page(events, "auth.audit_log")) is not None:
                return last
    people = services.people_named(e.target_id for e in events.items if e.target_type == "users") if events else {}
    details, named_records = {}, {}
    if events:
        named_records = services.records_named(events.items)
        named = services.scope_names(audit_details.scopes_named(events.items))
        details = {e.id: audit_details.describe(e.action, e.details, named) for e in events.items}
    return render_template(
        "auth/audit_log.html",
        form=form,
        person=person,
        unknown=unknown,
        events=events,
        people=people,
        details=details,
        actions=AUDIT_ACTIONS,
        records=AUDIT_RECORDS,
        named_records=named_records,
    )


def _scope_not_found(typed: str, candidates: list[tuple[int, str]]) -> str:
    if candidates:
        listed = ", ".join(f"{name} ({number})" for number, name in candidates)
        return _("Several match: %(listed)s. Enter the number of the one you mean.", listed=listed)
    typed = ascii_digits(typed.strip())
    if typed.isascii() and typed.isdigit():
        return _("There is no clinic or institution with this number.")
    return _("No clinic or institution has this in its name. Enter its number, or another part of its name.")


@bp.route("/admin/staff/roles/<int:assignment_id>/revoke", methods=["GET", "POST"])
@role_required(ROLE_SUPERADMIN)
def revoke_role(assignment_id: int):
    """Removing a role asks first, naming the person, the role and its scope."""
    assignment = db.get_or_404(services.RoleAssignment, assignment_id)
    if services.is_own_superadmin_role(current_user, assignment):
        # Refused at once, not after a confirmation page that asks "remove this role?" for nothing.
        flash(str(OwnSuperadminRole()), "error")
        return redirect(url_for("auth.staff", cnic=assignment.user.cnic))
    if request.method == "GET":
        return render_template("auth/revoke_role.html", assignment=assignment)
    cnic = assignment.user.cnic
    try:
        services.revoke_role(current_user, assignment_id, ip=client_ip())
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The role has been removed."), "success")
    return redirect(url_for("auth.staff", cnic=cnic))


@bp.app_context_processor
def auth_labels():
    from portal.auth.forms import ROLE_CHOICES, relationship_label

    return {
        "relationship_label": relationship_label,
        "is_own_superadmin_role": services.is_own_superadmin_role,  # the staff page offers no Remove for it
        "role_labels": dict(ROLE_CHOICES),
        "scope_label": services.scope_label,
    }
