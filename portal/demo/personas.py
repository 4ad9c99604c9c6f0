"""Demo personas: one per role, with documented passwords (README). Never created in production
unless someone runs `flask seed-demo` there on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Persona:
    key: str
    label: object
    full_name: str
    cnic: str
    email: str
    mobile: str
    gender: str
    date_of_birth: date
    district: str
    # Where one-click sign-in takes the persona: the page their part of a demo starts on.
    start: str = "main.home"
    # The saved language, which the persona's messages are written in (README's demo script: Ayesha
    # uses the portal in Urdu). In DEMO_MODE switching the language does not change it (shared account).
    language: str = "en"
    password: str = "Punjab-demo-2026"


PERSONAS = (
    Persona(
        "citizen",
        _l("Citizen with family"),
        "Ayesha Khan",
        "3520212345671",
        "ayesha@example.pk",
        "+923001234567",
        "female",
        date(1990, 4, 12),
        "Lahore",
        language="ur",
    ),
    Persona(
        "clinic_admin",
        _l("Clinic admin"),
        "Dr. Imran Qureshi",
        "3520298765431",
        "imran.clinic@example.pk",
        "+923011234567",
        "male",
        date(1980, 1, 5),
        "Lahore",
        start="health.admin_home",
    ),
    Persona(
        "school_admin",
        _l("School admin"),
        "Sadia Malik",
        "3740511223341",
        "sadia.school@example.pk",
        "+923021234567",
        "female",
        date(1985, 7, 21),
        "Rawalpindi",
        start="education.admin_home",
    ),
    Persona(
        "district_official",
        _l("District official (Lahore)"),
        "Bilal Ahmed",
        "3520255566671",
        "bilal.official@example.pk",
        "+923031234567",
        "male",
        date(1978, 11, 2),
        "Lahore",
        start="dashboard.index",
    ),
    Persona(
        "provincial_official",
        _l("Provincial official"),
        "Nadia Hussain",
        "3520277788891",
        "nadia.official@example.pk",
        "+923041234567",
        "female",
        date(1975, 3, 30),
        "Lahore",
        start="dashboard.index",
    ),
    Persona(
        "superadmin",
        _l("Superadmin"),
        "Usman Tariq",
        "3520299900011",
        "usman.admin@example.pk",
        "+923051234567",
        "male",
        date(1982, 9, 14),
        "Lahore",
        start="auth.staff",
    ),
)
PERSONAS_BY_KEY = {p.key: p for p in PERSONAS}
PERSONA_CNICS = frozenset(p.cnic for p in PERSONAS)


def is_persona(user) -> bool:
    """Whether ``user`` is one of the demo personas, which everyone in a demo session shares
    and whose passwords are published (README)."""
    return getattr(user, "cnic", None) in PERSONA_CNICS
