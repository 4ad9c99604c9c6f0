"""portal.folding: the spellings people cannot see apart read as one text, for a search (Urdu letters
typed on an Arabic keyboard too) and for a name key (portal.validation.name_key, letters as typed)."""

from __future__ import annotations

import unicodedata

import pytest

from portal.folding import fold, search_text, search_words
from portal.validation import name_key, same_name_among

MAYO_UR = "میو ہسپتال او پی ڈی"


@pytest.mark.parametrize(
    "typed",
    [
        "میو ہسپتال او پی ڈی",
        "ميو ہسپتال او پی ڈی",  # Arabic yeh
        "میو هسپتال او پی ڈی",  # Arabic heh
        "می\u200cو ہسپتال او پی ڈی",  # a zero-width non-joiner inside a word
        "\u200fمیو ہسپتال\u200e او  پی\u00a0ڈی",  # direction marks, a run of spaces, a no-break space
        "میـو ہسپتال او پی ڈی",  # a kashida
    ],
)
def test_a_search_reads_the_spellings_of_an_urdu_name_as_one(typed):
    assert fold(typed) == fold(MAYO_UR)


def test_a_search_reads_composed_and_decomposed_letters_as_one():
    assert fold("آئی") == fold("ا\u0653ئی") == fold("آیٔی") == fold("آئی")  # آ as ا and a madda; ئ as ی and a hamza
    assert fold("كمپيوٹر") == fold("کمپیوٹر")
    assert fold("CAFÉ") == fold("café") == fold(unicodedata.normalize("NFD", "Café")) == "café"
    assert fold("Straße") == "strasse"
    assert fold("ﬁle\ufeff") == "file"


def test_a_search_reads_every_scripts_digits_as_ascii_but_a_name_key_keeps_them():
    assert fold("بی ایچ یو ۱۲") == "بی ایچ یو 12"  # Urdu digits
    assert fold("BHU ١٢") == fold("BHU １２") == fold("BHU 12") == "bhu 12"  # Arabic-Indic, fullwidth
    assert fold("H²O") == "h2o"  # NFKC's superscript: not a decimal digit, but compatible with one
    assert name_key("BHU ۱۲") == "bhu ۱۲"  # the name as typed, digits and all


def test_a_search_copy_holds_each_text_on_a_line_of_its_own():
    assert search_text("Mayo  Hospital", None, "", "ميو") == "mayo hospital\nمیو"
    assert search_words("Mayo mayo  MAYO ميو \u200b", 8) == ["mayo", "میو"]


@pytest.mark.parametrize(
    "alike",
    [
        unicodedata.normalize("NFD", "Café Clinic"),
        "Café\u200b Clinic",  # a zero-width space
        "Café\u00ad Clinic",  # a soft hyphen
        "\u200fCafé Clinic",  # a direction mark
        "CAFÉ  clinic",
        "Ｃａｆé Clinic",  # full-width letters
    ],
)
def test_a_name_key_leaves_out_what_people_cannot_see(alike):
    assert name_key(alike) == name_key("Café Clinic") == "café clinic"
    assert same_name_among(["Eye Clinic", "Café Clinic"], alike) == "Café Clinic"


def test_a_name_key_keeps_the_letters_as_typed():
    """A search finds ميو for میو, but whether two names written with different letters are one name
    is not decided here: their keys differ."""
    assert name_key("ميو ہسپتال") != name_key("میو ہسپتال")
    assert name_key("CaféClinic") != name_key("Café Clinic")  # a soft hyphen is not a space
