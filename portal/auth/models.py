"""People, their family members, their sign-ins (one per device), staff role assignments, audit events
and reset tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.name_keys import keep_key, key_column

ROLE_CLINIC_ADMIN = "clinic_admin"
ROLE_SCHOOL_ADMIN = "school_admin"
ROLE_OFFICIAL = "official"
ROLE_SUPERADMIN = "superadmin"
STAFF_ROLES = (ROLE_CLINIC_ADMIN, ROLE_SCHOOL_ADMIN, ROLE_OFFICIAL, ROLE_SUPERADMIN)

GENDERS = ("female", "male", "other")
RELATIONSHIPS = ("spouse", "child", "parent", "sibling", "other")


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def hash_sign_in_token(token: str) -> str:
    """What is kept of a device's sign-in token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    cnic: Mapped[str] = mapped_column(String(13), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(40))
    # None for a minimal record created at a counter (walk-in): such a person cannot sign in
    # until they register or reset a password.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    preferred_language: Mapped[str] = mapped_column(String(5), default="en")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The family members on the account now; one taken off keeps its row (marked removed) so that
    # its appointments and courses still name it.
    dependants: Mapped[list[Dependant]] = relationship(
        back_populates="user",
        primaryjoin="and_(User.id == Dependant.user_id, Dependant.removed_at.is_(None))",
        order_by="Dependant.id",
        cascade="all, delete-orphan",
    )
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id", cascade="all, delete-orphan"
    )

    # Not columns: the device sign-in this request is made with (its token is what the cookie carries,
    # Flask-Login's id), set by the user loader or when the person signs in on a device.
    sign_in_token = None
    sign_in_id = None

    def get_id(self) -> str | None:
        return self.sign_in_token

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def cnic_display(self) -> str:
        return format_cnic(self.cnic)

    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class SignIn(db.Model):
    """The person signed in on one device (a phone, a cyber café's computer). The device's cookie carries
    a token; only its SHA-256 is kept. Signing out there ends this row alone; an ended row no longer
    signs anyone in, and ended or long unseen rows are pruned (``flask housekeeping``).

    The device is named by the browser and system read from its User-Agent ("Chrome" on "Android"),
    never the User-Agent itself or the address."""

    __tablename__ = "auth_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser: Mapped[str | None] = mapped_column(String(30))
    system: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on at most every LAST_SEEN_EVERY (portal/auth/signed_in.py), never on each page.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Dependant(db.Model):
    """A family member a citizen books and enrols for; has no account of their own."""

    __tablename__ = "dependants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    relationship_: Mapped[str] = mapped_column("relationship", String(20))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(10))
    id_number: Mapped[str | None] = mapped_column(String(13))  # B-form or CNIC, digits only
    # The number itself (portal.name_keys), one per account among its family members now: a unique
    # index holds it (many without a number; one taken off the account no longer holds theirs).
    number_key: Mapped[str | None] = key_column("id_number", str, length=30, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # taken off the account

    user: Mapped[User] = relationship(back_populates="dependants")

    __table_args__ = (
        Index(
            "uq_dependants_user_number_key",
            "user_id",
            "number_key",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )


keep_key(Dependant.id_number, "number_key", str)


class RoleAssignment(db.Model):
    """A staff role with its scope: clinic_admin → a clinic, school_admin → an institution,
    official → a district (None = the whole province), superadmin → no scope."""

    __tablename__ = "role_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[int | None] = mapped_column(Integer)  # clinic id or institution id
    district: Mapped[str | None] = mapped_column(String(40))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])

    __table_args__ = (Index("ix_role_assignments_role_scope", "role", "scope_id"),)


class AuditEvent(db.Model):
    """Who did what, when, to which record, from which address."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict | None] = mapped_column(JSON)
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)


class PasswordResetToken(db.Model):
    """A single-use reset token; only its SHA-256 is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


def format_cnic(cnic: str | None) -> str:
    if not cnic or len(cnic) != 13:
        return cnic or ""
    return f"{cnic[:5]}-{cnic[5:12]}-{cnic[12]}"


def mask_cnic(cnic: str | None) -> str:
    """35202-*******-1 style: enough for staff to match a card, not enough to copy it."""
    if not cnic or len(cnic) != 13:
        return "—"
    return f"{cnic[:5]}-•••••{cnic[10:12]}-{cnic[12]}"
