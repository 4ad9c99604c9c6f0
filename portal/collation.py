"""Alphabetical order, Urdu and English, the same on PostgreSQL and SQLite.

PostgreSQL sorts with ICU's Urdu collation (``ur-PK-x-icu``, or ``ur-x-icu``), found once per engine
when its first connection is made (``find_urdu_collation``); a server built without ICU has neither,
and its lists keep the database's own order of the shown names instead of failing. SQLite sorts with
the ``urdu`` collation that ``portal.database`` registers on each connection, which compares
``urdu_key``: a small model of the same ICU order, checked against PostgreSQL's in
tests/test_collation.py.

Both first read the letters a keyboard may give for an Urdu one as that letter (Arabic ي ى as ی, ك as
ک, ه ة ۃ as ہ, إ as ا: ``VARIANTS``), which ICU alone would sort after ے; أ ؤ ئ ۂ ۓ are already read
as their letter by ICU, as are the diacritics (زبر، زیر، پیش، شد), which only break ties.

English readers' lists are ordered the same way, by ICU's English collation on PostgreSQL (``en-x-icu``)
and the ``english`` collation on SQLite (``english_key``): case and accents only break ties, so that
"apollo" comes before "Zainab" and "Éden" beside "Eden", whatever the database's own locale (a
``C`` database, and SQLite, would order by character code: every capital before every small letter,
accented letters after "z")."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

log = logging.getLogger(__name__)

# The Urdu alphabet in its order (ICU's, CLDR's and the dictionaries'). آ is a letter of its own.
URDU_ALPHABET = tuple("اآبپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے")

# Letters typed for an Urdu one (an Arabic keyboard's, or older text), each read as that letter.
VARIANTS = {"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ة": "ہ", "ۃ": "ہ", "إ": "ا"}
_FOLD = str.maketrans(VARIANTS)

# Spaces and the punctuation and symbols names hold, in ICU's order; all of them before the digits,
# which come before every letter. U+00A0 (no-break space) is a space.
PUNCTUATION = " _-\u2010\u2013\u2014,،;؛:!?؟.۔'\u2019\"\u201c\u201d«»()[]{}@*/\\&#%٪`^©+<=>|~$₨"

# Not letters at all for the order: the kashida (ـ) that stretches a word, and the invisible joiners
# and direction marks that Urdu keyboards type (ZWNJ between the parts of a word, RLM, LRM).
IGNORED = "\u0640\u00ad\u200b\u200c\u200d\u200e\u200f\u061c\ufeff"

_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")

# Aspirated consonants: one of these letters followed by ھ (بھ، پھ، تھ، کھ …) is a letter of its own,
# after every word that goes on with the plain one (بے) and before the next letter (پ).
ASPIRATED = "بپتٹجچدڈرڑکگلمنںوی"

# Diacritics and other marks in ICU's order, for breaking ties between names with the same letters.
MARKS = (
    "\u06d6\u06d7\u06d8\u06d9\u06da\u06db\u06dc\u06df\u06e0\u06e1\u06e2\u06e3\u06e4\u06e7\u06e8\u06ea"
    "\u06eb\u06ec\u06ed\u0652\u064e\u0650\u064f\u0670\u0656\u0657\u064b\u064d\u064c\u0654\u0651\u0658"
    "\u0653\u0655\u065f\u0659\u065a\u065b\u065c\u065d\u065e"
)

# Primary weights: the groups ICU's Urdu order puts one after the other.
_GROUP = 1 << 21  # above every code point
_SPACE_OR_PUNCTUATION, _OTHER_SYMBOL, _DIGIT, _URDU, _OTHER_ARABIC, _LATIN, _OTHER = (g * _GROUP for g in range(7))
_RANK = {letter: _URDU + 2 * n for n, letter in enumerate(URDU_ALPHABET)}
_RANK.update({letter + "ھ": _RANK[letter] + 1 for letter in ASPIRATED})
_RANK.update({mark: _SPACE_OR_PUNCTUATION + n for n, mark in enumerate(PUNCTUATION)})
_MARK_RANK = {mark: n + 1 for n, mark in enumerate(MARKS)}
_DIGIT_SCRIPTS = {0x30: 0, 0x660: 1, 0x6F0: 2}  # ASCII, Arabic-Indic, Urdu's own: tertiary differences


def _arabic_script(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" or "\u08a0" <= char <= "\u08ff"


def _is_mark(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Me")


def _mark_weight(mark: str) -> int:
    return _MARK_RANK.get(mark) or len(MARKS) + 1 + ord(mark)


def _weights(char: str) -> tuple[int, int]:
    """The primary and tertiary weight of a letter (or digraph), digit, space or symbol."""
    rank = _RANK.get(char)
    if rank is not None:
        return rank, 0
    if char.isspace():
        return _RANK[" "], 1
    if unicodedata.category(char) == "Nd":
        zero = ord(char) - unicodedata.digit(char)
        return _DIGIT + unicodedata.digit(char), _DIGIT_SCRIPTS.get(zero, 3)
    if "a" <= char.lower() <= "z" and char.isascii():
        return _LATIN + ord(char.lower()), 0 if char.islower() else 1
    if _arabic_script(char):
        return _OTHER_ARABIC + ord(char), 0
    if unicodedata.category(char)[0] in "PS":
        return _OTHER_SYMBOL + ord(char), 0
    return _OTHER + ord(char.lower()), 0 if char == char.lower() else 1


@functools.lru_cache(maxsize=8192)
def urdu_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A sort key that puts names in Urdu alphabetical order as ICU's Urdu collation does: letters by
    the Urdu alphabet (after ``VARIANTS``; بھ، کھ … after every other word with ب، ک …), diacritics
    and hamza marks breaking ties only; spaces and punctuation first, then digits (1, ١ and ۱ alike),
    Urdu letters, Latin letters (case breaking ties, lower first) and anything else. Three levels, as
    in ICU: letters, then marks, then case."""
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text.translate(_FOLD))
    # Each letter with the marks on it: [letter, marks, whether a ھ right after makes one letter of it].
    letters: list[list] = []
    leading_marks: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in IGNORED:
            if letters:
                letters[-1][2] = False  # ICU joins بھ over marks, not over a kashida or a joiner
            continue
        # ئ is ی with a hamza above, ؤ is و with one, é is e with an accent: the letter, then the mark.
        base, *marks = unicodedata.normalize("NFD", char) if char not in _RANK else char
        if _is_mark(base):
            (letters[-1][1] if letters else leading_marks).append(base)
            continue
        if base == "ھ" and not marks and letters and letters[-1][2]:
            letters[-1][0] += base
            letters[-1][2] = False
            continue
        letters.append([base.translate(_FOLD), marks, char in ASPIRATED])
    primary: list[int] = []
    secondary: list[int] = [_mark_weight(mark) for mark in leading_marks]
    tertiary: list[int] = []
    for letter, marks, _joins in letters:
        weight, case = _weights(letter)
        primary.append(weight)
        secondary.append(0)
        secondary.extend(_mark_weight(mark) for mark in marks)
        tertiary.append(case)
    return tuple(primary), tuple(secondary), tuple(tertiary)


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` comes before, with or after ``b`` in Urdu order: SQLite's ``urdu`` collation."""
    key_a, key_b = urdu_key(a), urdu_key(b)
    return (key_a > key_b) - (key_a < key_b)


# ICU's root order, which English keeps, puts Latin letters before the Arabic script's: the Urdu
# key's groups of letters, Urdu (3), other Arabic (4) and Latin (5), become Latin, Urdu, other Arabic.
_ENGLISH_GROUPS = {_URDU: _URDU + _GROUP, _OTHER_ARABIC: _OTHER_ARABIC + _GROUP, _LATIN: _URDU}
# Letters ICU reads as two (æ as ae, ß as ss …), which NFD leaves as one.
_EXPANSIONS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
    }
)


@functools.lru_cache(maxsize=8192)
def english_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A sort key that puts names in English alphabetical order as ICU's English collation does:
    spaces and punctuation first, then digits, then letters from a to z, accents and then case
    (small first) breaking ties only; letters of the Arabic script after the Latin ones."""
    primary, secondary, tertiary = urdu_key(text.translate(_EXPANSIONS))
    regrouped = []
    for weight in primary:
        group, within = divmod(weight, _GROUP)
        regrouped.append(_ENGLISH_GROUPS.get(group * _GROUP, group * _GROUP) + within)
    return tuple(regrouped), secondary, tertiary


def compare_english(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` comes before, with or after ``b`` in English order: SQLite's ``english``
    collation."""
    key_a, key_b = english_key(a), english_key(b)
    return (key_a > key_b) - (key_a < key_b)


# --- in SQL ------------------------------------------------------------------------------------------

# ICU collations a PostgreSQL server may have for Urdu, and for English; the first one found is used.
ICU_COLLATIONS = ("ur-PK-x-icu", "ur-x-icu")
ENGLISH_ICU_COLLATIONS = ("en-x-icu", "und-x-icu")


def find_collations(dbapi_connection) -> tuple[str | None, str | None]:
    """The Urdu and the English ICU collations of the PostgreSQL server behind ``dbapi_connection`` (a
    new connection, with no transaction open), each None when it has none (PostgreSQL built without
    ICU). Asked once per engine, when its first connection is made: every ORDER BY it compiles
    afterwards knows the answer."""
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(
                "SELECT collname FROM pg_catalog.pg_collation WHERE collname = ANY(%s)",
                (list(ICU_COLLATIONS + ENGLISH_ICU_COLLATIONS),),
            )
            found = {row[0] for row in cursor.fetchall()}
        finally:
            cursor.close()
            dbapi_connection.rollback()  # leave the new connection as it was given, outside a transaction
    except Exception:  # noqa: BLE001 - whatever the driver raises: lists keep an order, the page works
        log.warning("Could not look for PostgreSQL's ICU collations; lists use the server's order", exc_info=True)
        return None, None
    return (
        next((name for name in ICU_COLLATIONS if name in found), None),
        next((name for name in ENGLISH_ICU_COLLATIONS if name in found), None),
    )


class urdu_order(FunctionElement):  # noqa: N801 - named like SQLAlchemy's own SQL functions
    """A text expression in Urdu alphabetical order, for an ORDER BY: ``urdu_order(column)``."""

    type = String()
    inherit_cache = True


@compiles(urdu_order)
def _plain_order(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(urdu_order, "sqlite")
def _sqlite_order(element, compiler, **kw):
    return f"{compiler.process(element.clauses, **kw)} COLLATE urdu"


_TRANSLATE_FROM, _TRANSLATE_TO = "".join(VARIANTS), "".join(VARIANTS.values())


@compiles(urdu_order, "postgresql")
def _postgresql_order(element, compiler, **kw):
    collation = getattr(compiler.dialect, "urdu_collation", None)
    inner = compiler.process(element.clauses, **kw)
    if collation is None:
        return inner  # no ICU: the server's own order of the same names
    # translate() only where there is a letter to read otherwise: it costs about three times ICU's
    # comparisons (1,000 names: 2.6 ms against 0.8 ms), the test for one of its letters a third of that.
    folded = (
        f"CASE WHEN {inner} ~ '[{_TRANSLATE_FROM}]' "
        f"THEN translate({inner}, '{_TRANSLATE_FROM}', '{_TRANSLATE_TO}') ELSE {inner} END"
    )
    return f'({folded}) COLLATE "{collation}"'


class english_order(FunctionElement):  # noqa: N801 - named like SQLAlchemy's own SQL functions
    """A text expression in English alphabetical order, for an ORDER BY: ``english_order(column)``."""

    type = String()
    inherit_cache = True


@compiles(english_order)
def _plain_english_order(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(english_order, "sqlite")
def _sqlite_english_order(element, compiler, **kw):
    return f"{compiler.process(element.clauses, **kw)} COLLATE english"


@compiles(english_order, "postgresql")
def _postgresql_english_order(element, compiler, **kw):
    collation = getattr(compiler.dialect, "english_collation", None)
    inner = compiler.process(element.clauses, **kw)
    if collation is None:
        return inner  # no ICU: the server's own order
    return f'({inner}) COLLATE "{collation}"'
