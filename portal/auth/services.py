"""Accounts, sign-in rules, password reset, family members, staff roles and their scopes.

Services take plain arguments, enforce the rules, may flush, and raise DomainError subclasses.
The caller (a view or a CLI command) commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from portal import clock, submissions
from portal.auth.devices import describe
from portal.auth.errors import (
    CounterRecordNotProven,
    DomainError,
    DuplicateCNIC,
    DuplicateEmail,
    FamilyMemberBusy,
    FamilyMemberIsYou,
    FamilyMemberNumberTaken,
    FamilyMemberTwice,
    InvalidCredentials,
    InvalidResetToken,
    NotFound,
    OwnCNICForFamilyMember,
    OwnSuperadminRole,
    ParentTooYoung,
    PasswordNeeded,
    ProvinceOfficialAlready,
    RoleAlreadyHeld,
    SpouseTooYoung,
    WrongPassword,
)
from portal.auth.models import (
    ROLE_CLINIC_ADMIN,
    ROLE_OFFICIAL,
    ROLE_SCHOOL_ADMIN,
    ROLE_SUPERADMIN,
    STAFF_ROLES,
    AuditEvent,
    Dependant,
    PasswordResetToken,
    RoleAssignment,
    SignIn,
    User,
    hash_sign_in_token,
    new_sign_in_token,
)
from portal.database import LARGEST_ID, begin_write
from portal.extensions import db
from portal.folding import fold
from portal.validation import ascii_digits, normalise_cnic, normalise_mobile

# Hashes to check a password against when no account matches, one per hashing method (made on first use).
_dummy_hashes: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    """A hash made the way real passwords are hashed, to check a password against when no account
    matches: the check then takes as long as for a real account (scrypt, half a second), so the time
    of the answer does not tell which CNICs and emails have an account."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    dummy = _dummy_hashes.get(method)
    if dummy is None:
        dummy = _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return dummy


# --- audit -------------------------------------------------------------------------------------


def audit(action: str, actor: User | None = None, target=None, ip: str | None = None, **details):
    """Record an audit event. ``target`` is a model instance (its table and id are kept)."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        target_type=getattr(target, "__tablename__", None) if target is not None else None,
        target_id=str(target.id) if target is not None and getattr(target, "id", None) else None,
        ip=ip,
        details=details or None,
        created_at=clock.now(),
    )
    db.session.add(event)
    return event


def assign(record, values: dict) -> list[str]:
    """Set ``record``'s fields to ``values``; the names of those whose value changed (what an
    "updated" audit event says changed). Each old value is read first, so that a record expired by a
    rollback (``begin_write`` on SQLite) is compared with what is stored, not taken as all new."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            changed.append(name)
        setattr(record, name, value)  # always: a new record's None must not give way to a column default
    return changed


def audit_events(person: User | None = None, prefixes: tuple[str, ...] = (), page: int = 1, per_page: int = 50):
    """A page of the audit log, newest first: everything, or what ``person`` did or had done to their
    account, of the kinds whose actions start with one of ``prefixes``. Each event comes with the
    person who acted."""
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if person is not None:
        stmt = stmt.where(
            or_(
                AuditEvent.actor_id == person.id,
                and_(AuditEvent.target_type == User.__tablename__, AuditEvent.target_id == str(person.id)),
            )
        )
    if prefixes:
        stmt = stmt.where(or_(*(AuditEvent.action.startswith(prefix, autoescape=True) for prefix in prefixes)))
    stmt = stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class RecordName:
    """How the audit log names a record an event was done to: ``title``, then ``about`` (whom it is for,
    what it belongs to), each part shown apart. An appointment or an enrolment is named by the reference
    its person was given (``code``: kept left to right on an Urdu page) and whom it is for; a clinic, a
    service, a closure, a cohort by its name in the reader's language and where it belongs."""

    title: str
    about: tuple[str, ...] = ()
    code: bool = False


# How the records an audit event was done to are named for a reader: {table: fn(ids) -> {id: RecordName}},
# filled by the domains, each with one query for all the ids of its kind on a page of the log.
RECORD_NAMERS: dict = {}


def records_named(events) -> dict[tuple[str, str], RecordName]:
    """The name of each record these audit events were done to that its domain names (``RECORD_NAMERS``),
    by (table, id as stored), one query per kind; a record deleted since is left out (the log shows its
    kind and number)."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        target_id = event.target_id or ""
        if event.target_type in RECORD_NAMERS and target_id.isascii() and target_id.isdigit():
            wanted.setdefault(event.target_type, set()).add(int(target_id))
    return {
        (table, str(record_id)): named
        for table, ids in wanted.items()
        for record_id, named in RECORD_NAMERS[table](ids).items()
    }


def people_named(ids) -> dict[int, User]:
    """The accounts with these ids (the people an audit page's events were done to), in one query."""
    ids = {int(i) for i in ids if i is not None and str(i).isascii() and str(i).isdigit()}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


# --- accounts ----------------------------------------------------------------------------------


@dataclass
class Registration:
    full_name: str
    cnic: str
    mobile: str
    email: str | None
    date_of_birth: date
    gender: str
    district: str
    password: str
    preferred_language: str = "en"


def same_mobile(recorded: str | None, given: str | None) -> bool:
    """True when both are valid Pakistani mobile numbers and the same one (compared in E.164)."""
    recorded, given = normalise_mobile(recorded), normalise_mobile(given)
    return recorded is not None and recorded == given


def find_by_cnic(cnic: str) -> User | None:
    digits = normalise_cnic(cnic)
    if digits is None:
        return None
    return db.session.scalar(select(User).where(User.cnic == digits))


def find_by_login(identifier: str) -> User | None:
    """A user by CNIC (with or without dashes) or by email (case-insensitive)."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return db.session.scalar(select(User).where(func.lower(User.email) == identifier.lower()))
    return find_by_cnic(identifier)


def login_throttle_account(identifier: str) -> tuple[int, str] | None:
    """The account a CNIC or an email typed to sign in names (as ``find_by_login`` reads it), as what the
    sign-in and reset limits count per account: its id and a fingerprint of its password, so that a new
    password (a reset, a change) starts every count of that account afresh. None when no account
    matches (one query either way)."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        condition = func.lower(User.email) == identifier.lower()
    else:
        digits = normalise_cnic(identifier)
        if digits is None:
            return None
        condition = User.cnic == digits
    row = db.session.execute(select(User.id, User.password_hash).where(condition)).first()
    if row is None:
        return None
    return row.id, password_fingerprint(row.password_hash)


def password_fingerprint(password_hash: str | None) -> str:
    """A short digest of an account's password hash: it changes with every new password (a reset, a
    change), which is what starts the sign-in limits' counts and the known-device tags afresh."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def register(data: Registration, ip: str | None = None) -> User:
    """Create a citizen account. Raises DuplicateCNIC, CounterRecordNotProven or DuplicateEmail.

    A minimal record created at a clinic counter (no password yet) is completed instead of
    refused, so a walk-in patient can later register with their own CNIC, but only with the
    mobile number the counter recorded (CounterRecordNotProven otherwise, which says only what
    DuplicateCNIC says: not that the CNIC's owner was seen at a clinic; a password reset sends its link
    to the counter's number).
    """
    begin_write()
    cnic = normalise_cnic(data.cnic)
    if cnic is None:
        raise DomainError("invalid CNIC")
    email = (data.email or "").strip().lower() or None
    user = db.session.scalar(select(User).where(User.cnic == cnic))
    if user is not None and user.password_hash is not None:
        raise DuplicateCNIC()
    if user is not None and not same_mobile(user.mobile, data.mobile):
        # CNICs are printed on many documents, so knowing one does not make the counter record (and
        # its visits) yours; the mobile number the person gave at the counter does.
        raise CounterRecordNotProven()
    if email and db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.cnic != cnic)):
        raise DuplicateEmail()
    password_hash = hash_password(data.password)
    try:
        # Two registrations racing with the same CNIC or email: the unique constraints decide,
        # inside a savepoint so that the caller's transaction stays usable.
        with db.session.begin_nested():
            if user is None:
                user = User(cnic=cnic)
                db.session.add(user)
            user.full_name = data.full_name.strip()
            user.mobile = data.mobile
            user.email = email
            user.date_of_birth = data.date_of_birth
            user.gender = data.gender
            user.district = data.district
            user.preferred_language = data.preferred_language
            user.password_hash = password_hash
            user.privacy_accepted_at = clock.now()
            db.session.flush()
    except IntegrityError:
        if email and db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.cnic != cnic)):
            raise DuplicateEmail() from None
        raise DuplicateCNIC() from None
    audit("account.registered", actor=user, target=user, ip=ip)
    return user


def authenticate(identifier: str, password: str, ip: str | None = None) -> User:
    """The user whose CNIC/email and password match.

    Raises InvalidCredentials for any mismatch (one message, whatever was wrong). A right password is
    never refused here because of wrong ones typed before: anyone who knows a CNIC could otherwise keep
    its owner out. Guessing is held back by the sign-in limits of the view instead (per address, per
    account and address, per account), which count an identifier with no account the same way.
    """
    begin_write()
    now = clock.now()
    user = find_by_login(identifier)
    if user is None or not user.password_hash or not user.is_active:
        check_password_hash(_dummy_hash(), password or "")
        audit("auth.login_failed", ip=ip, reason="unknown_account")
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password or ""):
        audit("auth.login_failed", actor=user, target=user, ip=ip, reason="wrong_password")
        raise InvalidCredentials()
    user.failed_logins = 0
    user.locked_until = None  # a lock set before sign-ins were no longer locked
    user.last_login_at = now
    audit("auth.login", actor=user, target=user, ip=ip)
    return user


def sign_in_demo_persona(cnic: str, ip: str | None = None) -> User | None:
    """The demo persona with this CNIC, signed in by one click (the caller checks DEMO_MODE).

    Everyone in the room shares the personas, so none of what guards a person's own account applies:
    no password is asked, and failed attempts or a lock on the account (someone mistyping the shown
    password on their phone) do not stop it. None when the persona is not seeded or switched off."""
    begin_write()
    user = find_by_cnic(cnic)
    if user is None or not user.is_active:
        return None
    user.last_login_at = clock.now()
    audit("auth.login", actor=user, target=user, ip=ip, demo_persona=True)
    return user


def change_password(user: User, current: str, new: str, ip: str | None = None) -> None:
    """Set a new password after checking the current one; every other device is signed out, and this one
    (``user.sign_in_id``) is given a new sign-in (``_renew_this_sign_in``): a copy of its cookies taken
    before stops working. The caller commits, then signs the person in again with the new token."""
    begin_write()
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        audit("auth.password_check_failed", actor=user, target=user, ip=ip)
        raise WrongPassword()
    user.password_hash = hash_password(new)
    _renew_this_sign_in(user)
    _void_reset_links(user)
    audit("auth.password_changed", actor=user, target=user, ip=ip)


# --- sign-ins, one per device ------------------------------------------------------------------


def start_sign_in(user: User, user_agent: str | None) -> str:
    """A new sign-in of this person on the device that sent ``user_agent``: its token (for the cookie;
    only its SHA-256 is kept) becomes ``user.get_id()``. The caller commits, then calls login_user."""
    return _new_sign_in(user, *describe(user_agent))


def _new_sign_in(user: User, browser: str | None, system: str | None) -> str:
    token = new_sign_in_token()
    now = clock.now()
    sign_in = SignIn(
        user_id=user.id,
        token_hash=hash_sign_in_token(token),
        browser=browser,
        system=system,
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(sign_in)
    db.session.flush()
    user.sign_in_token, user.sign_in_id = token, sign_in.id
    return token


def live_sign_ins(user: User) -> list[SignIn]:
    """The devices this person is signed in on, the newest sign-in first."""
    return list(
        db.session.scalars(
            select(SignIn)
            .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
            .order_by(SignIn.created_at.desc(), SignIn.id.desc())
        )
    )


def _end_sign_ins(user: User, keep: int | None = None) -> None:
    """End every live sign-in of this person but ``keep``. Through the ORM, so that each device's cached
    snapshot is marked stale when the transaction commits (signed_in.py)."""
    now = clock.now()
    for sign_in in db.session.scalars(
        select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None)).with_for_update()
    ):
        if sign_in.id != keep:
            sign_in.ended_at = now


def _renew_this_sign_in(user: User) -> None:
    """End every sign-in of the person, this device's (``user.sign_in_id``) too, and start a new one for
    this device, named as it was (its browser and system): the token its cookies carry changes, so a copy
    taken before (a remember-me cookie left on a café's computer) no longer signs anyone in. The caller
    commits, then logs the person in again with the new token (``user.get_id()``)."""
    _end_sign_ins(user)
    this = db.session.get(SignIn, user.sign_in_id) if user.sign_in_id is not None else None
    _new_sign_in(user, this.browser if this else None, this.system if this else None)


def sign_out_everywhere(user: User, ip: str | None = None) -> None:
    """End the person's sign-ins on every device; this one (``user.sign_in_id``) is given a new one
    (``_renew_this_sign_in``), so that a copy of its cookies taken before is signed out too."""
    begin_write()
    _renew_this_sign_in(user)
    audit("auth.signed_out_everywhere", actor=user, target=user, ip=ip)


def sign_out(user: User) -> None:
    """End this device's sign-in on the server too, not only in this browser: a copy of its cookie (a
    cyber café's computer) or its remember-me cookie stops working. The person's other devices stay
    signed in."""
    begin_write()
    sign_in = db.session.get(SignIn, user.sign_in_id) if user.sign_in_id is not None else None
    if sign_in is not None and sign_in.user_id == user.id and sign_in.ended_at is None:
        sign_in.ended_at = clock.now()


def sign_out_device(user: User, sign_in_id: int, ip: str | None = None) -> SignIn:
    """End one of the person's other sign-ins, chosen from their list. NotFound for a sign-in that is
    not theirs, has already ended or is the one this request is made with (the Sign out link ends that)."""
    if not 0 < sign_in_id <= LARGEST_ID:
        raise NotFound()  # PostgreSQL refuses to compare the column with a number it cannot hold
    begin_write()
    sign_in = db.session.scalar(
        select(SignIn)
        .where(SignIn.id == sign_in_id, SignIn.user_id == user.id, SignIn.ended_at.is_(None))
        .with_for_update()
    )
    if sign_in is None or sign_in.id == user.sign_in_id:
        raise NotFound()
    sign_in.ended_at = clock.now()
    audit(
        "auth.device_signed_out",
        actor=user,
        target=user,
        ip=ip,
        browser=sign_in.browser,
        system=sign_in.system,
        signed_in_on=sign_in.created_at.astimezone(clock.KARACHI).date().isoformat(),
    )
    return sign_in


def prune_sign_ins() -> int:
    """Delete the sign-ins that can no longer sign anyone in: ended ones, and those not seen for longer
    than the remember-me cookie lives (the session cookie lives less). How many were deleted."""
    begin_write()
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
    if not isinstance(lifetime, timedelta):
        lifetime = timedelta(seconds=lifetime)
    unseen_since = clock.now() - lifetime
    return db.session.execute(
        SignIn.__table__.delete().where(or_(SignIn.ended_at.is_not(None), SignIn.last_seen_at < unseen_since))
    ).rowcount


def update_profile(
    user: User,
    *,
    mobile: str,
    email: str | None,
    district: str,
    language: str,
    password: str | None = None,
    ip: str | None = None,
) -> None:
    """Save the person's contact details, district and language.

    A new mobile number or email is where password-reset links go: whoever held a borrowed session (a
    phone left unlocked, a café's computer) could put their own there and take the account with a reset.
    So changing either asks for the current password (PasswordNeeded, WrongPassword; an account without
    a password, a clinic counter's record, cannot change them here), tells the number and the address
    it had before (not the new ones) and is audited ("account.contact_changed": which of the two
    changed, no number or address)."""
    begin_write()
    email = (email or "").strip().lower() or None
    changed = [
        name
        for name, was, now in (
            ("mobile", normalise_mobile(user.mobile), normalise_mobile(mobile)),
            ("email", (user.email or "").lower() or None, email),
        )
        if was != now
    ]
    if changed:
        if not password:
            raise PasswordNeeded()
        if not user.password_hash or not check_password_hash(user.password_hash, password):
            audit("auth.password_check_failed", actor=user, target=user, ip=ip)
            raise WrongPassword()
    if email and db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.id != user.id)):
        raise DuplicateEmail()
    if changed:
        _tell_contact_changed(user)  # before the change: to the number and address it had
    try:
        with db.session.begin_nested():  # another account may take the email meanwhile
            user.mobile = mobile
            user.email = email
            user.district = district
            user.preferred_language = language
            db.session.flush()
    except IntegrityError:
        raise DuplicateEmail() from None
    if changed:
        audit("account.contact_changed", actor=user, target=user, ip=ip, changed=changed)


def _tell_contact_changed(user: User) -> None:
    """A notice by SMS and email to the mobile number and email address the account has now (the caller
    changes them next), in the person's language."""
    from portal.notifications.models import CHANNEL_EMAIL, CHANNEL_SMS
    from portal.notifications.services import notify

    notify(
        user,
        subject=_l("Your contact details were changed"),
        body=lambda: _(
            "The mobile number or email address of your Digital Punjab account was changed, so our messages "
            "no longer come here. If you did not do this, sign in now, put your own details back and change "
            "your password; if you cannot sign in, contact the Digital Punjab office with your CNIC."
        ),
        # Not in the portal's inbox, which whoever changed them reads.
        channels=(CHANNEL_SMS, CHANNEL_EMAIL),
        urgent=True,
    )


def set_language(user: User, language: str) -> None:
    begin_write()
    user.preferred_language = language


# --- password reset ----------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(identifier: str, ip: str | None = None) -> tuple[User, str] | None:
    """Create a single-use token for the account, or None if there is no such account.

    The caller sends the link through the outbox and shows the same message either way.
    """
    begin_write()
    user = find_by_login(identifier)
    if user is None or not user.is_active:
        return None
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordResetToken(
            user=user,
            token_hash=_hash_token(token),
            expires_at=clock.now() + timedelta(minutes=minutes),
            created_at=clock.now(),
        )
    )
    audit("auth.password_reset_requested", actor=user, target=user, ip=ip)
    return user, token


def reset_token_user(token: str) -> PasswordResetToken:
    record = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token or ""))
    )
    if record is None or record.used_at is not None or record.expires_at <= clock.now():
        raise InvalidResetToken()
    return record


def reset_password(token: str, new_password: str, ip: str | None = None) -> User:
    """Use a reset token once: sets the password, signs out everywhere. The sign-in limits' counts of the
    account start afresh with the new password (``login_throttle_account``)."""
    begin_write()
    record = reset_token_user(token)
    # Mark the token used with a conditional UPDATE so two concurrent uses cannot both succeed.
    claimed = db.session.execute(
        PasswordResetToken.__table__.update()
        .where(PasswordResetToken.id == record.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now())
    ).rowcount
    if claimed != 1:
        raise InvalidResetToken()
    user = record.user
    user.password_hash = hash_password(new_password)
    _end_sign_ins(user)
    user.failed_logins = 0
    user.locked_until = None
    _void_reset_links(user)
    audit("auth.password_reset", actor=user, target=user, ip=ip)
    return user


def _void_reset_links(user: User) -> None:
    """A new password ends every reset link still waiting to be used."""
    db.session.execute(
        PasswordResetToken.__table__.update()
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now())
    )


# --- family members ----------------------------------------------------------------------------


def add_dependant(
    user: User, *, full_name, relationship, date_of_birth, gender, id_number=None, submission_token=None
) -> Dependant:
    """Add a family member to the account. The form posted again with the same ``submission_token`` (a
    double tap, a retry on a slow link) returns the family member the first post added, even when the
    two posts arrive together; and the same person again (the same name and date of birth, still on the
    account) is the one already there, returned unchanged (Back and Save on a slow link). The account
    holder's own name and date of birth are refused (FamilyMemberIsYou). Someone taken off the account
    and added again (the same number, or with none the same name and date of birth) is brought back,
    with these details: their appointments and courses (what they completed) are theirs again. Details
    that cannot be right raise a FamilyMemberRefused (check_family_member); the caller rolls back."""
    begin_write()
    values = {
        "full_name": full_name,
        "relationship": relationship,
        "date_of_birth": date_of_birth,
        "gender": gender,
        "id_number": id_number,
    }
    posted = submissions.claim(user, submission_token, Dependant, values)
    if posted.earlier is not None and posted.earlier.removed_at is None:
        return posted.earlier
    _check_not_the_holder(user, full_name, date_of_birth)
    for existing in user.dependants:
        if _same_name(existing.full_name) == _same_name(full_name) and existing.date_of_birth == date_of_birth:
            posted.created(existing)
            return existing
    check_family_member(user, relationship=relationship, date_of_birth=date_of_birth, id_number=id_number)
    removed = _removed_match(user, full_name=full_name, date_of_birth=date_of_birth, id_number=id_number)
    if removed is not None:
        for check in DETAIL_CHECKS:  # a seat they kept when taken off the account
            check(removed, full_name=full_name, date_of_birth=date_of_birth, gender=gender)
    dependant = _save_family_member(
        user,
        removed,
        full_name=full_name,
        relationship=relationship,
        date_of_birth=date_of_birth,
        gender=gender,
        id_number=id_number,
    )
    if removed is not None:
        db.session.expire(user, ["dependants"])  # the account's family read again, with them back in it
    posted.created(dependant)
    return dependant


def _check_not_the_holder(user: User, full_name: str, date_of_birth: date) -> None:
    """Refuse the account holder's own name and date of birth for a family member (FamilyMemberIsYou)."""
    if user.date_of_birth == date_of_birth and _same_name(user.full_name) == _same_name(full_name):
        raise FamilyMemberIsYou()


def check_same_person(user: User, *, full_name: str, date_of_birth: date, dependant_id: int | None = None) -> None:
    """Refuse details that make a family member someone already on the account: the holder
    (FamilyMemberIsYou), or another family member (not ``dependant_id``, the one being edited) with the
    same name and date of birth (FamilyMemberTwice)."""
    _check_not_the_holder(user, full_name, date_of_birth)
    for other in user.dependants:
        if (
            other.id != dependant_id
            and other.date_of_birth == date_of_birth
            and _same_name(other.full_name) == _same_name(full_name)
        ):
            raise FamilyMemberTwice(name=other.full_name)


def _removed_match(user: User, *, full_name: str, date_of_birth: date, id_number: str | None) -> Dependant | None:
    """The family member once taken off the account that these details are (the latest removed): the
    one with this number; else, with this name and date of birth, one who had no number or, when none
    is given now, any; or None. Someone else's number is someone else."""
    removed = db.session.scalars(
        select(Dependant)
        .where(Dependant.user_id == user.id, Dependant.removed_at.is_not(None))
        .order_by(Dependant.removed_at.desc(), Dependant.id.desc())
    ).all()
    number = normalise_cnic(id_number) if id_number else None
    if number is not None:
        for candidate in removed:
            if candidate.id_number == number:
                return candidate
    for candidate in removed:
        if (
            (number is None or candidate.id_number is None)
            and candidate.date_of_birth == date_of_birth
            and _same_name(candidate.full_name) == _same_name(full_name)
        ):
            return candidate
    return None


def _save_family_member(
    user: User, dependant: Dependant | None, *, full_name, relationship, date_of_birth, gender, id_number
) -> Dependant:
    """Give ``dependant`` (None: a new family member of ``user``) these details, checked already
    (check_family_member), and flush. The same number saved meanwhile by another post of the account
    (two devices at once) passed that check too: the unique index refuses this one, which is then
    told at the field as the check tells it (FamilyMemberNumberTaken)."""
    try:
        with db.session.begin_nested():
            record = dependant or Dependant(user=user)
            db.session.add(record)
            record.removed_at = None  # one taken off the account and added again is back
            record.full_name = full_name.strip()
            record.relationship_ = relationship
            record.date_of_birth = date_of_birth
            record.gender = gender
            record.id_number = normalise_cnic(id_number) if id_number else None
            db.session.flush()
    except IntegrityError:
        db.session.expire(user, ["dependants"])  # the account's family read again, the one saved meanwhile too
        check_family_member(
            user,
            relationship=relationship,
            date_of_birth=date_of_birth,
            id_number=id_number,
            dependant_id=dependant.id if dependant is not None else None,
        )
        raise
    return record


# Ages that leave no doubt: a husband or wife is at least 16 (the youngest a girl may marry in Punjab),
# and a mother or father at least 12 years older than the account holder. Children, brothers and
# sisters and other relatives are any age: step-families and adoptions make any bound a guess.
SPOUSE_MIN_YEARS = 16
PARENT_MIN_YEARS_OLDER = 12


def _years_between(earlier: date, later: date) -> int:
    """Whole years from ``earlier`` to ``later`` (an age on a day); a 29 February birthday turns a
    year older on 1 March in other years."""
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def check_family_member(
    user: User, *, relationship: str, date_of_birth: date, id_number: str | None, dependant_id: int | None = None
) -> None:
    """Refuse family member details that cannot be right, each with the form field it is about
    (``FamilyMemberRefused.field``): the account holder's own CNIC (OwnCNICForFamilyMember), another
    family member's number on this account (FamilyMemberNumberTaken; ``dependant_id``, the one being
    edited, is not another), a husband or wife younger than SPOUSE_MIN_YEARS (SpouseTooYoung), a mother
    or father fewer than PARENT_MIN_YEARS_OLDER years older than the account holder, or than today
    when the account has no date of birth (ParentTooYoung)."""
    number = normalise_cnic(id_number) if id_number else None
    if number is not None:
        if number == user.cnic:
            raise OwnCNICForFamilyMember()
        for other in user.dependants:
            if other.id != dependant_id and other.id_number == number:
                raise FamilyMemberNumberTaken(name=other.full_name)
    if relationship == "spouse" and _years_between(date_of_birth, clock.today()) < SPOUSE_MIN_YEARS:
        raise SpouseTooYoung(years=SPOUSE_MIN_YEARS)
    if relationship == "parent":
        child_born = user.date_of_birth or clock.today()
        if _years_between(date_of_birth, child_born) < PARENT_MIN_YEARS_OLDER:
            raise ParentTooYoung(years=PARENT_MIN_YEARS_OLDER)


def _same_name(name: str) -> str:
    """A name as two people's names are compared (portal.folding.fold: case, spaces, the spellings that
    look alike on a screen)."""
    return fold(name)


def people_labels(user: User, kin: bool = False) -> dict[int | None, str]:
    """How each person a booking or enrolment can be for is named in a choice: the account holder
    (key None) as "Name (you)", each family member (key: their id) by name, with their date of birth
    when someone else on the account has the same name (a son named after his father, two cousins
    called Fatima), so that no two choices read alike. With ``kin``, each family member's name also says
    who they are to the account holder ("Zainab Khan (your daughter)"), for the choice itself."""
    names = [_same_name(user.full_name)] + [_same_name(d.full_name) for d in user.dependants]
    labels: dict[int | None, str] = {None: _("%(name)s (you)", name=user.full_name)}
    for dependant in user.dependants:
        if names.count(_same_name(dependant.full_name)) > 1:
            born = format_date(dependant.date_of_birth, "medium")
            named = _("%(name)s, born %(date)s", name=dependant.full_name, date=born)
        else:
            named = dependant.full_name
        said = kin and (
            _KIN.get((dependant.relationship_, dependant.gender)) or _KIN.get((dependant.relationship_, None))
        )
        labels[dependant.id] = said(named) if said else named
    return labels


# Who a family member is to the account holder, said with their name in a choice ("Zainab Khan (your
# daughter)"): which of three names is the child is otherwise knowledge only the account holder has.
# A whole phrase each, as Urdu's possessive agrees with the noun (آپ کا بیٹا, آپ کی بیٹی).
_KIN = {
    ("child", "male"): lambda name: _("%(name)s (your son)", name=name),
    ("child", "female"): lambda name: _("%(name)s (your daughter)", name=name),
    ("child", None): lambda name: _("%(name)s (your child)", name=name),
    ("spouse", "male"): lambda name: _("%(name)s (your husband)", name=name),
    ("spouse", "female"): lambda name: _("%(name)s (your wife)", name=name),
    ("spouse", None): lambda name: _("%(name)s (your husband or wife)", name=name),
    ("parent", "male"): lambda name: _("%(name)s (your father)", name=name),
    ("parent", "female"): lambda name: _("%(name)s (your mother)", name=name),
    ("parent", None): lambda name: _("%(name)s (your mother or father)", name=name),
    ("sibling", "male"): lambda name: _("%(name)s (your brother)", name=name),
    ("sibling", "female"): lambda name: _("%(name)s (your sister)", name=name),
    ("sibling", None): lambda name: _("%(name)s (your brother or sister)", name=name),
    ("other", None): lambda name: _("%(name)s (a relative)", name=name),
}


def get_dependant(user: User, dependant_id: int, *, for_booking: bool = False) -> Dependant:
    """A family member of this user; NotFound for anyone else's.

    ``for_booking``: an appointment or a course place is being made for them. Their row is read afresh
    and locked until the transaction ends (FOR KEY SHARE on PostgreSQL, which other bookings for them
    and edits of their details do not wait for; SQLite's write lock serialises everything), in the
    same one statement: a removal (``remove_dependant``, FOR UPDATE) under way makes the booking wait
    and then find them removed, and a removal that comes second waits for the booking and sees it."""
    return _dependant(user, dependant_id, {"read": True, "key_share": True} if for_booking else None)


def _dependant(user: User, dependant_id: int, lock: bool | dict | None) -> Dependant:
    """The family member, read as ``get_dependant`` says; ``lock``: None (a plain read, the session's
    copy if it has one), or how to lock their row (``with_for_update``: True for FOR UPDATE)."""
    if lock is None:
        dependant = db.session.get(Dependant, dependant_id)
    else:
        # A locking read always goes to the database (the copy the page loaded may be stale).
        dependant = db.session.get(Dependant, dependant_id, with_for_update=lock, populate_existing=True)
    if dependant is None or dependant.user_id != user.id or dependant.removed_at is not None:
        raise NotFound()
    return dependant


# Checks of a family member's new details against what they hold (the rules of a course place): each
# is given the member and their new full_name, date_of_birth and gender, and raises a FamilyMemberRefused
# for details it cannot accept. Education adds its own, so that the shared account layer needs none.
DETAIL_CHECKS: list[Callable[..., None]] = []


def update_dependant(user: User, dependant_id: int, **fields) -> Dependant:
    """Save a family member's details: NotFound for anyone else's, a FamilyMemberRefused
    (check_family_member) for details that cannot be right or that a place they hold would refuse
    (DETAIL_CHECKS)."""
    begin_write()
    dependant = get_dependant(user, dependant_id)
    check_same_person(
        user, full_name=fields["full_name"], date_of_birth=fields["date_of_birth"], dependant_id=dependant.id
    )
    check_family_member(
        user,
        relationship=fields["relationship"],
        date_of_birth=fields["date_of_birth"],
        id_number=fields.get("id_number"),
        dependant_id=dependant.id,
    )
    for check in DETAIL_CHECKS:
        check(
            dependant,
            full_name=fields["full_name"],
            date_of_birth=fields["date_of_birth"],
            gender=fields["gender"],
        )
    return _save_family_member(
        user,
        dependant,
        full_name=fields["full_name"],
        relationship=fields["relationship"],
        date_of_birth=fields["date_of_birth"],
        gender=fields["gender"],
        id_number=fields.get("id_number"),
    )


# Whether a family member still has something ahead of them (an appointment, a place on a course):
# health and education each add their check, so that the shared account layer needs neither.
COMMITMENT_CHECKS: list[Callable[[Dependant], bool]] = []


@dataclass(frozen=True)
class Commitment:
    """Something ahead of a family member that keeps them on the account, as the page refusing their
    removal lists it: what it is (in the reader's language), its first day, its reference, and the
    page that cancels it (``endpoint``, given the reference) with that link's words."""

    what: str
    day: date
    reference: str
    endpoint: str
    action: str


# The same, listed: health and education each add theirs (their appointments, their course places).
COMMITMENT_LISTS: list[Callable[[Dependant], list[Commitment]]] = []


def commitments(dependant: Dependant) -> list[Commitment]:
    """What the family member has ahead, soonest first, for the person to cancel before removing them."""
    found = [item for lister in COMMITMENT_LISTS for item in lister(dependant)]
    return sorted(found, key=lambda item: item.day)


def remove_dependant(user: User, dependant_id: int) -> Dependant:
    """Take a family member off the account. Their row is kept, marked removed, so that their past
    appointments and courses (and certificates) still name them; nobody can book or enrol for them
    any more. Raises NotFound, or FamilyMemberBusy while they have an appointment or a course place
    ahead (cancelled first by the person, so that places are freed and waitlists move on as usual)."""
    begin_write()
    # Locked before looking for what they have ahead: a booking or an enrolment for them under way
    # (get_dependant for_booking holds their row) is waited for and then seen, and one that starts
    # meanwhile waits for this removal and then finds them gone.
    dependant = _dependant(user, dependant_id, True)
    if has_commitments(dependant):
        raise FamilyMemberBusy(name=dependant.full_name)
    dependant.removed_at = clock.now()
    return dependant


def has_commitments(dependant: Dependant) -> bool:
    """Whether the family member has an appointment or a course place ahead (then they cannot be
    removed yet)."""
    return any(check(dependant) for check in COMMITMENT_CHECKS)


# --- roles and scopes --------------------------------------------------------------------------


def role_assignments(user, role: str) -> list[RoleAssignment]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [r for r in user.roles if r.role == role]


def has_role(user, role: str) -> bool:
    return bool(role_assignments(user, role))


def clinic_ids_for(user) -> set[int]:
    """Clinics this user administers."""
    return {r.scope_id for r in role_assignments(user, ROLE_CLINIC_ADMIN) if r.scope_id is not None}


def institution_ids_for(user) -> set[int]:
    """Institutions this user administers."""
    return {r.scope_id for r in role_assignments(user, ROLE_SCHOOL_ADMIN) if r.scope_id is not None}


@dataclass(frozen=True)
class OfficialScope:
    province: bool
    districts: frozenset[str]

    def allows(self, district: str | None) -> bool:
        return self.province or (district is not None and district in self.districts)


def official_scope(user) -> OfficialScope | None:
    """What an official may see: the whole province, or some districts; None if not an official."""
    rows = role_assignments(user, ROLE_OFFICIAL)
    if not rows:
        return None
    return OfficialScope(
        province=any(r.district is None for r in rows),
        districts=frozenset(r.district for r in rows if r.district),
    )


def grant_role(
    actor: User,
    user: User,
    role: str,
    *,
    scope_id: int | None = None,
    district: str | None = None,
    ip: str | None = None,
    submission_token: str | None = None,
) -> RoleAssignment:
    """Give a staff role with its scope. Raises RoleAlreadyHeld for an assignment the person has. An
    official for the whole province already sees every district: a district role is refused
    (ProvinceOfficialAlready), and granting the whole province replaces the person's district roles.

    The form posted again with the same ``submission_token`` (a double tap, a retry on a slow link)
    returns the assignment the first post made, instead of refusing it as held already."""
    begin_write()
    if role not in STAFF_ROLES:
        raise DomainError("unknown role")
    if role in (ROLE_CLINIC_ADMIN, ROLE_SCHOOL_ADMIN) and scope_id is None:
        raise DomainError("scope required")
    if role in (ROLE_OFFICIAL, ROLE_SUPERADMIN):
        scope_id = None
    if role != ROLE_OFFICIAL:
        district = None
    values = {"user": user.id, "role": role, "scope": scope_id, "district": district}
    posted = submissions.claim(actor, submission_token, RoleAssignment, values)
    if posted.earlier is not None:
        return posted.earlier
    for existing in user.roles:
        if (existing.role, existing.scope_id, existing.district) == (role, scope_id, district):
            raise RoleAlreadyHeld()
    if role == ROLE_OFFICIAL:
        officials = [r for r in user.roles if r.role == ROLE_OFFICIAL]
        if district is not None and any(r.district is None for r in officials):
            raise ProvinceOfficialAlready()
        if district is None:
            for replaced in officials:
                _remove_role(actor, replaced, ip, replaced_by="whole province")
    assignment = RoleAssignment(
        user=user,
        role=role,
        scope_id=scope_id,
        district=district,
        granted_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(assignment)
    db.session.flush()
    posted.created(assignment)
    audit("role.granted", actor=actor, target=user, ip=ip, role=role, scope_id=scope_id, district=district)
    return assignment


def is_own_superadmin_role(actor: User, assignment: RoleAssignment) -> bool:
    """Whether ``assignment`` is ``actor``'s own superadmin role, which they cannot remove (the staff
    page offers no Remove for it)."""
    return assignment.role == ROLE_SUPERADMIN and assignment.user_id == actor.id


def revoke_role(actor: User, assignment_id: int, ip: str | None = None) -> None:
    """Remove a staff role. Raises NotFound, or OwnSuperadminRole for the actor's own superadmin role."""
    begin_write()
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None:
        raise NotFound()
    if is_own_superadmin_role(actor, assignment):
        raise OwnSuperadminRole()
    _remove_role(actor, assignment, ip)


def _remove_role(actor: User, assignment: RoleAssignment, ip: str | None, **why) -> None:
    audit(
        "role.revoked",
        actor=actor,
        target=assignment.user,
        ip=ip,
        role=assignment.role,
        scope_id=assignment.scope_id,
        district=assignment.district,
        **why,
    )
    assignment.user.roles.remove(assignment)
    db.session.delete(assignment)


ROLE_NAMES = (ROLE_CLINIC_ADMIN, ROLE_SCHOOL_ADMIN, ROLE_OFFICIAL, ROLE_SUPERADMIN)

# Health and education register how to name a scope id (a clinic, an institution), so that the
# superadmin page can refuse ids that do not exist and show names: {role: fn(id) -> name | None}.
SCOPE_RESOLVERS: dict = {}


# And how to find them by name: {role: fn(text) -> [(id, name), ...]} (a few, best first).
SCOPE_FINDERS: dict = {}

# A scope number is a database id: digits only (typed in any script, read as 0-9; not "²", which
# str.isdigit accepts), at most nine of them (an id past 2**31 would overflow the column, and none exists).
MAX_SCOPE_DIGITS = 9


def find_scope(role: str, text: str) -> tuple[int | None, list[tuple[int, str]]]:
    """The clinic or institution a superadmin means by ``text`` for ``role``: its number, or a part of
    its name. Returns (id, []) when exactly one is meant, else (None, the candidates found, at most a
    few: none when nothing matches)."""
    text = ascii_digits(text.strip())  # "۱۲" in Urdu digits is clinic 12
    if text.isascii() and text.isdigit():
        scope_id = int(text) if len(text) <= MAX_SCOPE_DIGITS else None
        resolver = SCOPE_RESOLVERS.get(role)
        return (scope_id, []) if scope_id is not None and resolver and resolver(scope_id) else (None, [])
    finder = SCOPE_FINDERS.get(role)
    matches = finder(text) if finder else []
    return (matches[0][0], []) if len(matches) == 1 else (None, matches)


def scope_names(scopes) -> dict[tuple[str, int], str]:
    """The names of the clinics and institutions that (role, scope id) pairs name, in the reader's
    language; one a role's resolver does not find (deleted since) is left out."""
    found = {}
    for role, scope_id in scopes:
        resolver = SCOPE_RESOLVERS.get(role)
        name = resolver(scope_id) if resolver and isinstance(scope_id, int) else None
        if name:
            found[(role, scope_id)] = name
    return found


def scope_label(assignment: RoleAssignment) -> str | None:
    resolver = SCOPE_RESOLVERS.get(assignment.role)
    if resolver is None or assignment.scope_id is None:
        return None
    return resolver(assignment.scope_id)
