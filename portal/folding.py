"""Texts as a search (and a name key) reads them: the spellings people cannot see apart, made one.

A name may reach the portal in several spellings that look the same on a screen: é as one letter or
as e and an accent, آ as one letter or as ا and a madda, an Arabic keyboard's ي ك ه for Urdu's ی ک ہ
(``portal.collation.VARIANTS``, which the Urdu order already reads as one), a zero-width joiner, a
direction mark or a soft hyphen nobody sees (``portal.collation.IGNORED`` and the other format
characters), a no-break space, capitals, and for a search Urdu digits ("بی ایچ یو ۱۲" is "BHU 12"'s
number). ``fold`` makes all of these one text, in Python, so that it
is the same on PostgreSQL and SQLite (whose lower() knows only ASCII letters).

A search compares the folded words typed with a folded copy of the texts it looks in, stored beside
them (``search_text``, kept in step by ``portal.name_keys.keep_folded``), so that the page stays one
query with no function of the column in it.
"""

from __future__ import annotations

import re
import unicodedata

from portal.collation import IGNORED, VARIANTS

_ANY_DIGIT = re.compile(r"\d")  # a decimal digit of any script

_VARIANTS = str.maketrans(VARIANTS)
_IGNORED = frozenset(IGNORED)

# Between the texts of one record in its search copy. A typed word holds no space, so it never
# matches across two of them.
SEPARATOR = "\n"


def _invisible(char: str) -> bool:
    """A character nobody sees in a name: the collation's ignored ones, format characters (category
    Cf: joiners, direction marks and isolates, the soft hyphen, the byte order mark) and controls
    other than spaces (a NUL)."""
    if char in _IGNORED:
        return True
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and not char.isspace())


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script written 0-9: Urdu (Extended Arabic-Indic)
    "۳۵۲۰۲", Arabic-Indic "٣٥٢٠٢", fullwidth "３５２０２", Devanagari… all read "35202". A number a
    person types is one number whatever their keyboard writes; stored and compared, it is always ASCII.
    Other characters (superscripts such as "²", which are not decimal digits) are left as they are."""
    if text.isascii():
        return text
    return _ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def fold(text: str, *, letters: bool = True) -> str:
    """``text`` compatibility-normalised (NFKC: é one letter, آ one letter, ﬁ as fi, a no-break
    space as a space), without invisible characters, its runs of spaces one space, casefolded.
    ``letters``: also read each letter an Arabic keyboard gives for an Urdu one as that letter
    (ي as ی, ك as ک, ه as ہ …, also inside a letter with a hamza: ئ as ی with one), as the Urdu
    order does, and each digit of any script as its ASCII digit (۱۲ as 12); a search wants that, a
    name key (``portal.validation.name_key``) does not."""
    if letters:
        # Before decomposing (إ is read as ا, its hamza dropped) and after (ئ is ي with a hamza).
        text = unicodedata.normalize("NFKD", ascii_digits(text).translate(_VARIANTS)).translate(_VARIANTS)
    else:
        text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if not _invisible(char))
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def search_text(*texts: str | None) -> str:
    """The folded copy of a record's ``texts`` (None and empty ones left out) that a search looks in."""
    return SEPARATOR.join(folded for folded in (fold(text) for text in texts if text) if folded)


def search_words(q: str | None, limit: int) -> list[str]:
    """The folded words of a search, each once, the first ``limit`` of them."""
    return list(dict.fromkeys(fold(q or "").split()))[:limit]
