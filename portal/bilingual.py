"""Names kept in English and, when an admin gave one, in Urdu (a service, a clinic, a course, an
institution): the one to show in the current language.

The current language is the page's, or, while a message is written for someone (notifications'
``force_locale``), the recipient's. Urdu is shown only when there is Urdu text; English otherwise, so
a record nobody has translated yet reads as it always did."""

from __future__ import annotations

import re

from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import func, or_

from portal.collation import english_key, english_order, urdu_key, urdu_order
from portal.folding import search_words as folded_words

# Letters of the Arabic script (Urdu's): the Arabic block, its supplement and presentation forms.
_URDU_LETTERS = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTERS = re.compile("[A-Za-z\u00c0-\u024f]")


def language_of(text: str | None) -> str:
    """The language a stored text is written in, "ur" or "en": whichever script has more letters in
    it. A message is in the language its reader had when it was written, and an Urdu one often starts
    with an English name or reference ("Rashid Khan کے لیے …"), which the first-letter guess of
    ``dir="auto"`` would lay out left to right; an English one may hold an Urdu name. A message that
    starts with a right-to-left mark (notify marks every one written in Urdu) is Urdu, however many
    English names and addresses it holds."""
    text = text or ""
    if text.startswith("\u200f"):
        return "ur"
    return "ur" if len(_URDU_LETTERS.findall(text)) > len(_LATIN_LETTERS.findall(text)) else "en"


def in_language(english: str | None, urdu: str | None) -> str:
    """``urdu`` when the current language is Urdu and ``urdu`` holds text, else ``english`` ("" for None)."""
    if urdu and not urdu.isspace():
        locale = get_locale()  # asked only when there is Urdu to show: English-only rows cost nothing
        if locale is not None and locale.language == "ur":
            return urdu
    return english if english is not None else ""


def in_urdu() -> bool:
    """Whether the current language is Urdu."""
    locale = get_locale()
    return locale is not None and locale.language == "ur"


def shown_order(english, urdu, *ties) -> tuple:
    """The ORDER BY of a list of records by the name its reader sees, in that language's alphabetical
    order (``portal.collation``, the same on PostgreSQL and SQLite): in Urdu, the Urdu name (the
    English one where there is none); in English, the English name, case and accents breaking ties
    only. ``ties`` (the id) come last, so that a page of a paginated list always continues the one
    before."""
    if in_urdu():
        return (urdu_order(func.coalesce(func.nullif(func.trim(urdu), ""), english)), *ties)
    return (english_order(english), *ties)


def shown_sorted(records, shown) -> list:
    """``records`` in the order of the name the reader sees, as ``shown_order`` sorts in SQL: by
    ``shown`` (``Clinic.shown_name``, or a function giving the text shown for a record) in Urdu or in
    English alphabetical order. For short lists that come whole with their record, or from a figure
    shared by both languages. The sort is stable: records shown alike keep the order they came in."""
    text = shown.__get__ if isinstance(shown, Shown) else shown
    key = urdu_key if in_urdu() else english_key
    return sorted(records, key=lambda record: key(text(record).strip()))


def left_to_right(text: str) -> str:
    """``text`` (a file format, a size, a menu path) as a left-to-right isolate (LRI … PDI) when the
    page is right to left, so that inside Urdu '200 KB' does not read 'KB 200' nor '.csv' 'csv.'; as
    it is in English. Plain text: it works in a message as well as on a page."""
    return f"\u2066{text}\u2069" if in_urdu() else text


def script_language(text: str | None) -> str | None:
    """The language a short text (a name, a title, an address) is written in, judged by its script:
    "ur" when it has any Urdu letter (an Urdu address often starts with a Latin word, "DHA فیز 5"),
    "en" when it has Latin letters and no Urdu one, None when it has neither (a number, a code)."""
    if not text:
        return None
    if _URDU_LETTERS.search(text):
        return "ur"
    return "en" if _LATIN_LETTERS.search(text) else None


def lang_attributes(text: str | None) -> Markup:
    """``lang`` (and ``dir`` for Urdu) for a text in another language than the page's: an English name
    on an Urdu page (a course nobody has given an Urdu title, a person's name typed in Latin letters)
    is read by a screen reader's English voice, which an Urdu voice would spell out or skip; an Urdu one
    on an English page by its Urdu voice. Nothing for text in the page's language, or with no letters,
    or outside a request (no page). For an element that holds only text (an ``<option>``)."""
    attributes = foreign_language(text)
    return Markup("").join(Markup(' {}="{}"').format(name, value) for name, value in attributes.items())


def foreign_language(text: str | None) -> dict[str, str]:
    """The attributes of ``lang_attributes`` as a dict, for a widget's ``render_kw`` (a WTForms option)."""
    language = script_language(text)
    locale = get_locale() if language else None
    if locale is None or locale.language == language:
        return {}
    return {"lang": "ur", "dir": "rtl"} if language == "ur" else {"lang": "en"}


def lang_marked(text: str | None) -> Markup:
    """``text`` for a page, marked with its language when that is not the page's: as it is (escaped)
    on a page of its own language, else as ``<bdi lang="en">`` on an Urdu page (``<bdi lang="ur"
    dir="rtl">`` on an English one). For a text that stands alone (a heading, a table cell, a
    description list's value), where nothing around it needs isolating from it; inside a sentence, use
    ``isolate``. This is where the fallback of a record without Urdu text (``Shown``) is told apart."""
    if not text:
        return Markup("")
    attributes = lang_attributes(text)
    return Markup("<bdi{}>{}</bdi>").format(attributes, text) if attributes else escape(text)


def isolate(text: str | None, class_: str | None = None) -> Markup:
    """``text`` as a bidirectional island (``<bdi>``) for a page of either direction: Urdu text (any
    Urdu letter in it) is right to left even when it starts with a Latin word or a number, as many
    addresses do ("DHA فیز 5", "G-9 مرکز"), which ``<bdi>``'s own guess, from the first letter, would
    lay out left to right; other text takes the direction of its first letter. Text in another
    language than the page's also says which (``lang_marked``). ``class_``: the island's class
    ("name" for a person's name)."""
    if not text:
        return Markup("")
    attributes = lang_attributes(text)
    if class_:
        attributes = Markup(' class="{}"').format(class_) + attributes
    if script_language(text) == "ur" and "dir=" not in attributes:
        attributes = Markup(' dir="rtl"') + attributes
    return Markup("<bdi{}>{}</bdi>").format(attributes, text)


class InLanguage:
    """``in_language`` decided when the text is written out, not when it is made: for lazy messages
    (``portal.education.eligibility.Message``) that are shown later, perhaps in another language."""

    __slots__ = ("english", "urdu")

    def __init__(self, english: str | None, urdu: str | None):
        self.english, self.urdu = english, urdu

    def __str__(self) -> str:
        return in_language(self.english, self.urdu)

    def __repr__(self) -> str:
        return f"InLanguage({self.english!r}, {self.urdu!r})"


class Shown:
    """A model's text in the current language, as an attribute: ``shown_name = Shown("name", "name_ur")``
    reads ``in_language(self.name, self.name_ur)``, so that pages and messages write
    ``service.shown_name`` and never pair one record's English with another's Urdu."""

    __slots__ = ("english", "urdu")

    def __init__(self, english: str, urdu: str):
        self.english, self.urdu = english, urdu

    def __get__(self, record, owner=None):
        if record is None:
            return self
        return in_language(getattr(record, self.english), getattr(record, self.urdu))


SEARCH_WORDS = 8


def search_words(q: str | None) -> list[str]:
    """The words of a search, folded (portal.folding.fold: case, the Urdu letters an Arabic keyboard
    types, invisible characters aside), each once, the first ``SEARCH_WORDS`` of them."""
    return folded_words(q, SEARCH_WORDS)


def holds_words(q: str | None, *searched) -> list:
    """Conditions for a search on a record's folded copies (``search_text`` columns, see
    portal.folding): every word of ``q`` is part of one of them, in any order, so that "DHQ Attock"
    finds "DHQ Hospital Attock" and "ميو" (Arabic ي) "میو ہسپتال". Each word is one more condition on
    the same rows, not a join, so a long query costs no more than a short one; the column is compared
    as it is stored, with no function of it in the SQL."""
    return [or_(*(column.contains(word, autoescape=True) for column in searched)) for word in search_words(q)]
