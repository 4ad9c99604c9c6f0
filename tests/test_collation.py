"""Urdu alphabetical order (portal.collation): the key SQLite sorts with, checked against the ICU
collation PostgreSQL sorts with, and the ORDER BY both engines are given."""

from __future__ import annotations

import random

import pytest
from flask_babel import force_locale
from sqlalchemy import column, literal, select, table, text, union_all
from sqlalchemy.dialects import postgresql

from portal.bilingual import shown_order
from portal.collation import URDU_ALPHABET, urdu_key, urdu_order
from portal.demo import data
from portal.extensions import db


def urdu_sorted(names):
    return sorted(names, key=urdu_key)


def names_in_sql(names):
    """``names`` as rows of one column, ``name``, on either database."""
    return union_all(*(select(literal(name).label("name")) for name in names)).subquery("names")


def test_the_letters_sort_in_the_order_of_the_urdu_alphabet():
    alphabet = list("اآبپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے")
    assert list(URDU_ALPHABET) == alphabet
    shuffled = alphabet[:]
    random.Random(7).shuffle(shuffled)
    assert urdu_sorted(shuffled) == alphabet


def test_letters_typed_on_an_arabic_keyboard_sort_as_the_urdu_letter():
    # ي ى → ی, ك → ک, ه ة ۃ → ہ, إ → ا: the same place as the Urdu letter, not after ے.
    assert urdu_key("كوٹ") == urdu_key("کوٹ")
    assert urdu_key("يونيورسٹی") == urdu_key("یونیورسٹی")
    assert urdu_key("مدرسة")[0] == urdu_key("مدرسہ")[0]
    assert urdu_key("إدارہ") == urdu_key("ادارہ")
    assert urdu_sorted(["كوٹ", "گاؤں", "کہوٹہ"]) == ["كوٹ", "کہوٹہ", "گاؤں"]
    # أ ؤ ئ ۂ ۓ are their letter with a hamza: the same letter first, the hamza only breaks a tie.
    for hamza, plain in (("أحمد", "احمد"), ("ٹاؤن", "ٹاون"), ("رائے", "رایے"), ("شعبۂ", "شعبہ"), ("راۓ", "راے")):
        assert urdu_key(hamza)[0] == urdu_key(plain)[0] and urdu_key(hamza) > urdu_key(plain)


def test_diacritics_only_break_ties():
    assert urdu_sorted(["مرکزِ صحت", "مرکز تربیت"]) == ["مرکز تربیت", "مرکزِ صحت"]
    assert urdu_sorted(["مرکزِ", "مرکز"]) == ["مرکز", "مرکزِ"]


def test_aspirated_letters_come_after_every_word_with_the_plain_one():
    # بھ is a letter of its own between ب and پ (ICU's Urdu order): بھکر after بے نظیر, before پاکپتن.
    names = ["پاکپتن", "بھکر", "بے نظیر", "بہاول پور", "بی ایچ یو", "بنیادی"]
    assert urdu_sorted(names) == ["بنیادی", "بہاول پور", "بی ایچ یو", "بے نظیر", "بھکر", "پاکپتن"]
    assert urdu_sorted(["کھاریاں", "کوٹ", "گجرات"]) == ["کوٹ", "کھاریاں", "گجرات"]


def test_digits_come_before_urdu_and_latin_after():
    names = ["DHA کلینک", "ٹی ایچ کیو", "1122 ریسکیو", "Mayo Hospital", "۱۵ بلاک", "dha clinic", "dha کلینک"]
    assert urdu_sorted(names) == [
        "1122 ریسکیو",
        "۱۵ بلاک",
        "ٹی ایچ کیو",
        "dha کلینک",  # lower case first, among names that are otherwise the same
        "DHA کلینک",
        "dha clinic",  # a Urdu letter comes before a Latin one, in the second word as in the first
        "Mayo Hospital",
    ]


def test_sqlite_connections_compare_with_the_urdu_collation(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's collation")
    names = ["گلبرگ", "DHA", "بھکر", "آب پارہ", "ٹیکسلا", "بے نظیر", "الائیڈ"]
    rows = names_in_sql(names)
    got = db.session.scalars(select(rows.c.name).order_by(text("name COLLATE urdu"))).all()
    assert got == urdu_sorted(names) == ["الائیڈ", "آب پارہ", "بے نظیر", "بھکر", "ٹیکسلا", "گلبرگ", "DHA"]


def demo_urdu_names() -> list[str]:
    """Sixty Urdu names of the demo data: clinics, services, institutions and courses."""
    towns = list(data.TOWNS_UR.values())
    clinics = [
        pattern.format(name=hospital, town=town, district="اٹک")
        for pattern, hospital, town in zip(
            data.CLINIC_TYPE_NAMES_UR.values(), data.TEACHING_HOSPITALS_UR.values(), towns, strict=False
        )
    ]
    names = (
        clinics
        + list(data.TEACHING_HOSPITALS_UR.values())
        + list(data.SERVICE_NAMES_UR.values())
        + list(data.FIXED_INSTITUTIONS_UR.values())
        + list(data.COURSE_TITLES_UR.values())
        + towns
    )
    names = list(dict.fromkeys(names))[:60]
    assert len(names) == 60
    return names


def test_the_key_sorts_as_postgresql_icu_urdu_collation(app):
    """SQLite's order (urdu_key) is ICU's (PostgreSQL's), on the demo data's names and on realistic
    names with digits, Latin words, Arabic-keyboard letters, diacritics and aspirated letters."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's ICU collation")
    extra = ["DHA کلینک", "Mayo Hospital OPD", "1122 ریسکیو", "۱۵ بلاک", "كوٹ لکھپت", "يونيورسٹی", "بھکر", "بے نظیر"]
    names = demo_urdu_names() + extra + ["مرکزِ صحت", "مرکز تربیت", "ٹاؤن", "ٹاون", "کھاریاں", "کوٹ", "(آئی ٹی یو)"]
    random.Random(3).shuffle(names)
    rows = names_in_sql(names)
    in_icu_order = db.session.scalars(select(rows.c.name).order_by(urdu_order(rows.c.name))).all()
    assert "COLLATE" in str(select(rows.c.name).order_by(urdu_order(rows.c.name)).compile(db.engine))
    assert in_icu_order == urdu_sorted(names)


def test_postgresql_finds_its_icu_urdu_collation_once_per_engine(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    db.session.execute(text("SELECT 1"))  # the engine's first connection
    assert db.engine.dialect.urdu_collation == "ur-PK-x-icu"


def test_postgresql_without_icu_orders_by_the_shown_name_without_a_collation(app, make_clinic):
    """A server built without ICU has no Urdu collation: Urdu lists keep the server's own order of the
    names shown, and no page fails on an unknown collation."""
    clinics = [table("health_clinics", column("name"), column("name_ur"), column("id"))][0]
    order = urdu_order(clinics.c.name_ur)
    no_icu = postgresql.dialect()
    no_icu.urdu_collation = None
    assert str(select(clinics.c.id).order_by(order).compile(dialect=no_icu)).endswith("ORDER BY health_clinics.name_ur")
    icu = postgresql.dialect()
    icu.urdu_collation = "ur-x-icu"
    assert 'COLLATE "ur-x-icu"' in str(select(clinics.c.id).order_by(order).compile(dialect=icu))
    if db.engine.dialect.name != "postgresql":
        return
    make_clinic(name="B", name_ur="ب")
    make_clinic(name="A", name_ur="ا")
    connection = db.session.connection().execution_options(compiled_cache=None)
    found = db.engine.dialect.urdu_collation
    try:
        db.engine.dialect.urdu_collation = None
        with force_locale("ur"):
            stmt = select(clinics.c.name).order_by(*shown_order(clinics.c.name, clinics.c.name_ur, clinics.c.id))
            assert connection.scalars(stmt).all() == ["A", "B"]
    finally:
        db.engine.dialect.urdu_collation = found
