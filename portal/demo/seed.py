"""Create the demo personas (idempotent). Issue 5 grows this into the full Punjab dataset."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import clock
from portal.auth import services as auth_services
from portal.auth.models import ROLE_OFFICIAL, ROLE_SUPERADMIN, Dependant, RoleAssignment, User
from portal.demo.personas import PERSONAS, PERSONAS_BY_KEY
from portal.extensions import db

# Seeders added by health and education: fn(personas: dict[str, User]) -> dict[str, int] of counts.
DOMAIN_SEEDERS: list = []


def ensure_personas() -> dict[str, User]:
    users = {}
    for persona in PERSONAS:
        user = db.session.scalar(select(User).where(User.cnic == persona.cnic))
        if user is None:
            user = User(
                full_name=persona.full_name,
                cnic=persona.cnic,
                email=persona.email,
                mobile=persona.mobile,
                gender=persona.gender,
                date_of_birth=persona.date_of_birth,
                district=persona.district,
                password_hash=auth_services.hash_password(persona.password),
                privacy_accepted_at=clock.now(),
            )
            db.session.add(user)
            db.session.flush()
        users[persona.key] = user
    citizen = users["citizen"]
    if not citizen.dependants:
        citizen.dependants.append(
            Dependant(full_name="Hamza Khan", relationship_="child", date_of_birth=date(2016, 2, 3), gender="male")
        )
        citizen.dependants.append(
            Dependant(full_name="Zainab Khan", relationship_="child", date_of_birth=date(2019, 8, 19), gender="female")
        )
        citizen.dependants.append(
            Dependant(full_name="Rashid Khan", relationship_="parent", date_of_birth=date(1958, 6, 1), gender="male")
        )
    _ensure_role(users["superadmin"], ROLE_SUPERADMIN)
    _ensure_role(users["provincial_official"], ROLE_OFFICIAL)
    _ensure_role(users["district_official"], ROLE_OFFICIAL, district=PERSONAS_BY_KEY["district_official"].district)
    db.session.flush()
    return users


def _ensure_role(user: User, role: str, scope_id: int | None = None, district: str | None = None) -> None:
    exists = db.session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role == role,
            RoleAssignment.scope_id.is_(None) if scope_id is None else RoleAssignment.scope_id == scope_id,
            RoleAssignment.district.is_(None) if district is None else RoleAssignment.district == district,
        )
    )
    if not exists:
        db.session.add(RoleAssignment(user=user, role=role, scope_id=scope_id, district=district))


def seed(size: str = "small", seed_value: int = 2026) -> dict[str, int]:
    users = ensure_personas()
    counts = {"personas": len(users)}
    for seeder in DOMAIN_SEEDERS:
        counts.update(seeder(users, size=size, seed_value=seed_value))
    return counts
