"""The demo: personas (one per role), the domain seeders' small fixtures, and the Punjab dataset.

``seed()`` is idempotent: the bulk dataset is created once, marked by a ``demo.seeded`` audit event,
and running it again changes nothing. ``reset_demo_data()`` removes everything but the personas,
so that the next ``seed()`` starts afresh.
"""

from __future__ import annotations

import random
import time
from datetime import date

from sqlalchemy import delete, func, select

from portal import clock
from portal.auth import services as auth_services
from portal.auth import signed_in
from portal.auth.models import (
    ROLE_CLINIC_ADMIN,
    ROLE_OFFICIAL,
    ROLE_SCHOOL_ADMIN,
    ROLE_SUPERADMIN,
    AuditEvent,
    Dependant,
    RoleAssignment,
    SignIn,
    User,
)
from portal.demo.personas import PERSONAS, PERSONAS_BY_KEY
from portal.extensions import db

# Seeders added by health and education: fn(users, size=..., seed_value=...) -> dict[str, int] of counts.
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
                preferred_language=persona.language,
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


SEEDED_ACTION = "demo.seeded"
# Where the clinic admin and school admin personas work in the bulk dataset.
PERSONA_CLINIC = "Mayo Hospital OPD"
PERSONA_INSTITUTION = "PMAS Arid Agriculture University"


def seeded_marker() -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == SEEDED_ACTION).limit(1))


def seed(size: str = "small", seed_value: int = 2026) -> dict[str, int]:
    """Personas and the domain seeders' small fixtures (idempotent): counts from each seeder."""
    users = ensure_personas()
    counts: dict[str, int] = {"personas": len(users)}
    for seeder in DOMAIN_SEEDERS:
        counts.update(seeder(users, size=size, seed_value=seed_value))
    return counts


def seed_punjab(size: str = "small", seed_value: int = 2026, progress=None) -> dict[str, int]:
    """The Punjab dataset of the given size, once (after ``seed()``): what ``flask seed-demo`` runs.

    ``progress(label, fraction)`` is told how far it has got. Returns counts of what was created;
    ``{"already_seeded": 1}`` when the dataset was there already (then nothing changes).
    """
    from portal.demo import generate

    progress = progress or generate._no_progress
    users = ensure_personas()
    counts: dict[str, int] = {}
    if seeded_marker() is not None:
        counts["already_seeded"] = 1
        progress("done", 1.0)
        return counts
    started = time.monotonic()
    rng = random.Random(seed_value)
    plan = generate.SIZES[size]
    codes = generate.Codes(rng)
    password_hash = auth_services.hash_password(PERSONAS[0].password)
    people = generate.make_people(rng, plan, exclude_cnics={p.cnic for p in PERSONAS}, password_hash=password_hash)
    counts["citizens"] = len(people.ids)
    counts["family_members"] = sum(len(v) for v in people.dependants.values())
    progress("citizens", 0.03)
    health = generate.seed_health(rng, plan, people, codes, progress)
    counts.update({k: v for k, v in health.items() if not k.startswith("_")})
    if education_available():
        education = generate.seed_education(rng, plan, people, codes, progress)
        counts.update({k: v for k, v in education.items() if not k.startswith("_")})
    _scope_personas(users)
    db.session.add(
        AuditEvent(
            action=SEEDED_ACTION,
            created_at=clock.now(),
            details={"size": size, "seed": seed_value, "seconds": round(time.monotonic() - started, 1)},
        )
    )
    db.session.flush()
    progress("done", 1.0)
    return counts


def education_available() -> bool:
    from portal.education import models

    return hasattr(models, "Enrolment")


def _scope_personas(users: dict[str, User]) -> None:
    """Give the clinic and school admin personas a seeded place, unless a domain seeder did."""
    from portal.health.models import Clinic

    if users["clinic_admin"].has_role(ROLE_CLINIC_ADMIN) and users["school_admin"].has_role(ROLE_SCHOOL_ADMIN):
        return
    clinic_id = db.session.scalar(select(Clinic.id).where(Clinic.name == PERSONA_CLINIC).order_by(Clinic.id))
    if clinic_id is not None and not users["clinic_admin"].has_role(ROLE_CLINIC_ADMIN):
        _ensure_role(users["clinic_admin"], ROLE_CLINIC_ADMIN, scope_id=clinic_id)
    if education_available():
        from portal.education.models import Institution

        institution_id = db.session.scalar(
            select(Institution.id).where(Institution.name == PERSONA_INSTITUTION).order_by(Institution.id)
        )
        if institution_id is not None and not users["school_admin"].has_role(ROLE_SCHOOL_ADMIN):
            _ensure_role(users["school_admin"], ROLE_SCHOOL_ADMIN, scope_id=institution_id)


def reset_demo_data(keep_user_ids: tuple[int, ...] = ()) -> None:
    """Delete every record except the personas (and ``keep_user_ids``, e.g. the superadmin asking);
    their family members and official roles stay too.

    Clinic and school admin scopes are removed with the clinics and institutions they point to;
    ``seed()`` gives them again.
    """
    persona_ids = select(User.id).where(User.cnic.in_([p.cnic for p in PERSONAS]) | User.id.in_(keep_user_ids))
    keep = {"users", "dependants", "role_assignments", "auth_sign_ins", "alembic_version"}
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in keep:
            db.session.execute(delete(table))
    db.session.execute(
        delete(RoleAssignment).where(
            (RoleAssignment.user_id.not_in(persona_ids))
            | RoleAssignment.role.in_((ROLE_CLINIC_ADMIN, ROLE_SCHOOL_ADMIN))
        )
    )
    db.session.execute(delete(Dependant).where(Dependant.user_id.not_in(persona_ids)))
    db.session.execute(delete(SignIn).where(SignIn.user_id.not_in(persona_ids)))
    db.session.execute(delete(User).where(User.id.not_in(persona_ids)))
    # The people kept lost roles above without the ORM seeing it: the snapshots of every device they are
    # signed in on go too (those still signed in stay signed in).
    signed_in.stale_on_commit(db.session(), db.session.scalars(select(SignIn.token_hash)))
    db.session.flush()
    db.session.expire_all()


def demo_counts() -> dict[str, int]:
    """How many people there are, for the reset page."""
    return {"users": db.session.scalar(select(func.count(User.id))) or 0}
