"""English alphabetical order (portal.collation.english_key / english_order): English readers' lists
put "apollo" before "Zainab" and "Éden" beside "Eden", as ICU's English collation does, the same on
SQLite (the ``english`` collation) and on PostgreSQL (``en-x-icu``), whatever the database's locale."""

from __future__ import annotations

import random
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import literal, select, text, union_all

from portal.bilingual import shown_sorted
from portal.collation import english_key, english_order
from portal.demo import data
from portal.extensions import db
from portal.health import services

# Names as an English reader must see them listed.
IN_ENGLISH_ORDER = [
    "(Main) Clinic",  # punctuation, then digits, then letters
    "1122 Rescue",
    "A b",
    "A-b",
    "Ab",
    "Aether",
    "Æther",
    "apollo clinic",  # a small first letter among the capitals, not after every one of them
    "Basic Health Unit",
    "bhu",  # case breaks ties only, small first
    "Bhu",
    "BHU 12",
    "BHU 2",  # digit by digit, as ICU compares them
    "BHU-12",
    "BHU12",
    "D.H.Q. Hospital",
    "DHQ  Hospital",
    "DHQ Hospital",
    "eden",
    "Eden",
    "Éden",  # an accent breaks ties only: beside "Eden", not after "Zainab"
    "mayo",
    "Mayo",
    "MAYO",
    "O'Neil",
    "Ökonomie",
    "Oneil",
    "Zainab Clinic",
    "Zurich",
    "Zürich",
    "میو ہسپتال",  # the Arabic script after the Latin
]


def names_in_sql(names):
    return union_all(*(select(literal(name).label("name")) for name in names)).subquery("names")


def shuffled(names, seed=11):
    names = list(names)
    random.Random(seed).shuffle(names)
    return names


def test_the_english_key_sorts_letters_alphabetically_with_case_and_accents_breaking_ties():
    assert sorted(shuffled(IN_ENGLISH_ORDER), key=english_key) == IN_ENGLISH_ORDER


def test_both_databases_order_english_names_as_the_key_does(app):
    """SQLite through its ``english`` collation, PostgreSQL through ICU's English one: the same order."""
    db.session.execute(text("SELECT 1"))  # the engine's first connection finds PostgreSQL's collations
    rows = names_in_sql(shuffled(IN_ENGLISH_ORDER))
    stmt = select(rows.c.name).order_by(english_order(rows.c.name))
    assert "COLLATE" in str(stmt.compile(db.engine))
    assert db.session.scalars(stmt).all() == IN_ENGLISH_ORDER


def test_the_key_sorts_the_demo_names_as_postgresql_icu_english_collation(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's ICU collation")
    db.session.execute(text("SELECT 1"))  # the engine's first connection
    assert db.engine.dialect.english_collation == "en-x-icu"
    hospitals = [hospital for hospital, _district, _address in data.TEACHING_HOSPITALS]
    institutions = [institution[0] for institution in data.FIXED_INSTITUTIONS]
    extra = ["DHQ Hospital Attock", "dhq hospital attock", "Dhq Hospital", "Civil Hospital, Bahawalpur"]
    names = list(
        dict.fromkeys(hospitals + [h.lower() for h in hospitals] + list(data.SERVICE_NAMES_UR) + institutions + extra)
    )
    rows = names_in_sql(shuffled(names))
    in_icu_order = db.session.scalars(select(rows.c.name).order_by(english_order(rows.c.name))).all()
    assert in_icu_order == sorted(names, key=english_key)


def clinic_names_on(html: str) -> list[str]:
    names = re.findall(r'<h2[^>]*>\s*<a href="/clinics/\d+"[^>]*>(.*?)</a>', html)
    return [re.sub(r"</?bdi[^>]*>", "", name) for name in names]


CLINICS = ["apollo Clinic", "Zainab Clinic", "Éden Clinic", "Eden Clinic", "basic Health Unit", "BHU Shalimar",
           "Mayo Hospital OPD", "mayo Dispensary", "Allied Hospital OPD", "Ökonomie Centre", "Omega Clinic",
           "Jinnah Hospital OPD"]  # fmt: skip


def test_clinic_search_in_english_lists_clinics_alphabetically_page_after_page(client, make_clinic):
    for name in shuffled(CLINICS):
        make_clinic(name=name)
    pages = client.get("/clinics").get_data(as_text=True), client.get("/clinics?page=2").get_data(as_text=True)
    assert clinic_names_on(pages[0]) + clinic_names_on(pages[1]) == [
        "Allied Hospital OPD",
        "apollo Clinic",
        "basic Health Unit",
        "BHU Shalimar",
        "Eden Clinic",
        "Éden Clinic",
        "Jinnah Hospital OPD",
        "mayo Dispensary",  # D before H: case does not decide before the letters do
        "Mayo Hospital OPD",
        "Ökonomie Centre",
        "Omega Clinic",
        "Zainab Clinic",
    ]


def test_a_clinics_services_in_english_are_in_alphabetical_order(app, make_clinic, make_service):
    clinic = make_clinic(name="Mayo Hospital OPD")
    for name in ("eye OPD", "Dental OPD", "antenatal check-up", "TB screening", "Child immunisation (EPI)"):
        make_service(clinic=clinic, name=name)
    with app.test_request_context(), force_locale("en"):
        assert [s.name for s in services.active_services(clinic)] == [
            "antenatal check-up",
            "Child immunisation (EPI)",
            "Dental OPD",
            "eye OPD",
            "TB screening",
        ]


def test_short_lists_sorted_in_python_keep_the_order_of_records_shown_alike(app):
    class Record:
        def __init__(self, name):
            self.name = name

    records = [Record("b"), Record("A"), Record("a"), Record("a")]
    with app.test_request_context(), force_locale("en"):
        ordered = shown_sorted(records, lambda r: r.name)
    assert [r.name for r in ordered] == ["a", "a", "A", "b"]
    assert ordered[0] is records[2]  # stable: the first "a" stays first
