"""Every user-facing string is translated into Urdu, and no template hides text from translation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_FILES = sorted((ROOT / "portal" / "translations" / "ur" / "LC_MESSAGES").glob("*.po"))
TEMPLATES = sorted(p for p in (ROOT / "portal").rglob("templates/**/*.html"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

# Text that is the same in every language: language names in their own script, symbols, numbers.
ALLOWED_LITERALS = {"English", "اردو", "—", "·", "–", ":", "/", "×", "|", "→", "←", "•", "%", "PKR"}


def test_there_is_an_urdu_catalogue():
    assert any(p.stem == "messages" for p in PO_FILES)


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_urdu_catalogue_is_complete_and_not_fuzzy(po_path):
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    untranslated, fuzzy, broken = [], [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
        source = message.id if isinstance(message.id, str) else message.id[0]
        for translated in strings:
            if translated and set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(translated)):
                broken.append(message.id)
    assert not untranslated, f"{po_path.name}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{po_path.name}: fuzzy entries {fuzzy[:5]}"
    assert not broken, f"{po_path.name}: placeholders differ in {broken[:5]}"


class _TextCollector(HTMLParser):
    """Collects text nodes and human-readable attributes outside <script>/<style>."""

    HUMAN_ATTRS = ("alt", "title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.HUMAN_ATTRS and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.found.append(data)


def _strip_jinja(source: str) -> str:
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.S)
    return re.sub(r"{{.*?}}", " ", source, flags=re.S)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "portal")))
def test_template_text_goes_through_gettext(template):
    collector = _TextCollector()
    collector.feed(_strip_jinja(template.read_text(encoding="utf-8")))
    leftovers = []
    for chunk in collector.found:
        text = " ".join(chunk.split())
        if not text or text in ALLOWED_LITERALS:
            continue
        if re.search(r"[A-Za-z\u0600-\u06FF]{2,}", text) and text not in ALLOWED_LITERALS:
            leftovers.append(text)
    assert not leftovers, f"text outside _() in {template.name}: {leftovers[:5]}"


def _method_map():
    """The extraction settings scripts/i18n.py uses (babel.cfg), so this test sees what the script sees."""
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as handle:
        return parse_mapping_cfg(handle)


def _extracted_ids(domain: str) -> set[str]:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from babel.messages.extract import extract_from_dir
    from i18n import DOMAINS, OWN_PACKAGES  # scripts/i18n.py: one gettext domain per package

    source = ROOT / DOMAINS[domain]
    method_map, options_map = _method_map()
    keywords = {
        "_": None,
        "_l": None,
        "lazy_gettext": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_ngettext": (1, 2),
    }
    ids = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(source), method_map, options_map, keywords=keywords, strip_comment_tags=True
    ):
        if domain == "messages" and filename.split("/")[0] in OWN_PACKAGES:
            continue
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "portal")))
def test_extraction_reads_every_template_whole(template):
    """Babel's Jinja extractor parses each template with the app's extensions: a template it could not
    parse (a tag it does not know, such as {% cache %}) would lose every string after the tag, and the
    script that updates the catalogues would then drop their Urdu translations."""
    from babel.messages.extract import extract

    method_map, options_map = _method_map()
    pattern = next(pattern for pattern, method in method_map if method == "jinja2" and pattern.endswith(".html"))
    source = template.read_text(encoding="utf-8")
    with template.open("rb") as handle:
        found = {
            message if isinstance(message, str) else message[0]
            for _lineno, message, _comments, _context in extract(
                "jinja2", handle, keywords={"_": None, "ngettext": (1, 2)}, options=options_map[pattern]
            )
        }
    literal = set(re.findall(r"""\b_\(\s*"([^"\\]+)"\s*[,)]""", source))
    missing = sorted(literal - found)
    assert not missing, f"Babel does not see {len(missing)} strings of {template.name}, e.g. {missing[:3]}"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_catalogue_holds_every_string_in_the_code(po_path):
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = sorted(_extracted_ids(po_path.stem) - known)
    assert not missing, f"run scripts/i18n.py {po_path.stem}: {len(missing)} strings missing, e.g. {missing[:5]}"


def test_a_string_in_several_catalogues_reads_the_same_in_each():
    """The app loads the four catalogues into one (BABEL_DOMAIN "messages;health;education;dashboard"),
    and a later catalogue overrides an earlier one for the same English: the clinic search button read
    education's "تلاش" instead of health's "تلاش کریں", the header "میرے کورس" beside "کورسز", the
    audit log's "Who" education's "کون". A string shared by several catalogues must have one Urdu
    wording, or every catalogue but the last is dead text."""
    seen: dict[str, dict[str, object]] = {}
    for po_path in PO_FILES:
        with po_path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    seen.setdefault(key, {})[po_path.stem] = message.string
    # (The audit log's address column, once "From" like the date filters', is "IP address".)
    differing = {key: found for key, found in seen.items() if len({str(s) for s in found.values()}) > 1}
    assert not differing, f"{len(differing)} strings differ between catalogues, e.g. {list(differing.items())[:3]}"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_urdu_uses_one_word_for_each_thing(po_path):
    """Terms chosen once for the whole portal (see the catalogues' history): a cohort or section is a
    گروپ, a waiting list انتظار کی فہرست, a reference a حوالہ نمبر, an admin an ایڈمن; and quotation marks
    are the Urdu ”…“ the catalogues use, not the English “…”, «…» or straight quotes."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    wrong = {"سیکشن": "گروپ", "ویٹ لسٹ": "انتظار کی فہرست", "منتظم": "ایڈمن", "«": "”", "»": "“", '"': "”…“"}
    # The profile's home district is the رہائشی ضلع its field says (آبائی: ancestral); an eligibility rule
    # the اہلیت کی شرط of the school admin's pages; devices the account page's ڈیوائسز.
    wrong |= {"آبائی ضلع": "رہائشی ضلع", "اہلیت کا اصول": "اہلیت کی شرط", "آلات": "ڈیوائسز"}
    found = []
    for message in catalog:
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            found += [(word, text) for word in wrong if word in text]
            found += [("حوالہ", text) for _ in re.finditer(r"حوالہ(?! نمبر)", text)]
            # A formatted time ("8:15 AM") says its hour already: "%(time)s بجے" would say it twice.
            found += [("بجے", text) for _ in re.finditer(r"%\((?:time|when|start|end)\)s بجے", text)]
            marks = re.findall("[“”]", text)  # in Urdu order a quotation opens with ” and closes with “
            if any(mark != "”" for mark in marks[0::2]) or any(mark != "“" for mark in marks[1::2]):
                found.append(("“…”", text))
    assert not found, f"{po_path.name}: {found[:5]}"


def test_compiled_catalogues_choose_urdu_plural_forms_by_cldr():
    """The catalogues are kept without a header, so their compiled form takes its Plural-Forms from the
    language `make translations` gives it (``-l ur``); without it gettext falls back to a rule of its
    own. Urdu has two forms, "one" for exactly 1 and "other" for everything else, 0 included."""
    import gettext

    from babel.messages.plurals import get_plural

    rule = get_plural("ur")
    assert (rule.num_plurals, rule.plural_expr) == (2, "(n != 1)")
    for po_path in PO_FILES:
        with po_path.with_suffix(".mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        info = compiled.info()
        assert info.get("language") == "ur", f"{po_path.name}: compiled without its language; run make translations"
        assert info.get("plural-forms") == rule.plural_forms, po_path.name
        assert [compiled.plural(n) for n in (0, 1, 2, 11, 21)] == [1, 0, 1, 1, 1], po_path.name


# A count next to a plural noun ("%(num)s seats") reads wrong for one ("1 seats") unless the string is a
# plural entry (ngettext). These are not, because their number is never one; each says why.
NEVER_ONE = {
    "(the first %(n)s of %(total)s rows; the CSV file has them all)": "a fixed table length, shown when longer",
    "The period can be at most %(days)s days.": "the dashboard's longest period, a constant",
    "This date is in the future and the “From” date could not be used, so the last %(days)s days up to today "
    "are shown.": "the dashboard's default period, a constant (30)",
    "The file has more than %(rows)s rows. Please split it.": "the bulk upload's row limit, a constant",
    "The file is too large: at most %(size)s, about %(rows)s rows.": "from the bulk upload's size limit",
    "%(minutes)s minutes": "an appointment's length, at least 5 minutes (ServiceForm)",
    "A closure can last at most %(days)s days (one year). To stop taking appointments for longer, untick "
    "“Taking appointments” on the service, or “Open for bookings” on the clinic.": "a constant (366)",
    "These are your %(count)s most recent past appointments.": "health.services.PAST_SHOWN, a constant",
    "Field must be between %(min)d and %(max)d characters long.": "WTForms' own message, which it formats",
    "To choose a new password for the Digital Punjab portal, open this link within %(minutes)s minutes: "
    "%(link)s - if you did not ask for this, ignore this message.": "PASSWORD_RESET_MINUTES (30)",
    "Use at least %(n)s characters.": "the password's minimum length, a constant",
    "Use at most %(max)s characters.": "the password's maximum length, a constant (PASSWORD_MAX_LENGTH)",
    "A husband or wife must be at least %(years)s years old. Check the date of birth, or choose another "
    "relationship.": "auth.services.SPOUSE_MIN_YEARS, a constant (16)",
    "A mother or father must be at least %(years)s years older than you. Check the date of birth, or choose "
    "another relationship.": "auth.services.PARENT_MIN_YEARS_OLDER, a constant (12)",
}
PLURAL_NOUNS = (
    "seats|places|days|hours|minutes|weeks|months|years|people|persons|rows|appointments|messages|courses|"
    "clinics|characters|sections|cohorts|bookings|enrolments|services|members|children|times|slots|tokens|"
    "certificates|applications|results|files|digits|letters|institutions|districts|women|men|no-shows"
)
# A placeholder, up to three words that describe the noun, then a plural noun: "%(num)s seats", "%(count)s
# reserved seats", "%(count)s most recent past appointments"; not "remove %(name)s from your family members".
LINKING_WORDS = r"(?!(?:from|your|their|the|of|in|on|at|to|for|and|or|with|is|are|has|have|a|an)\b)"
COUNT_BEFORE_PLURAL = re.compile(r"%\(\w+\)[sd](?: " + LINKING_WORDS + r"[\w-]+){0,3}? (?:" + PLURAL_NOUNS + r")\b")


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_a_count_before_a_plural_noun_is_a_plural_entry(po_path):
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    single = [
        message.id
        for message in catalog
        if isinstance(message.id, str) and COUNT_BEFORE_PLURAL.search(message.id) and message.id not in NEVER_ONE
    ]
    assert not single, f"{po_path.name}: use ngettext (or say in NEVER_ONE why the number is never one): {single}"


def test_every_string_said_never_to_count_one_is_still_in_a_catalogue():
    known = set()
    for po_path in PO_FILES:
        with po_path.open("rb") as handle:
            known |= {m.id for m in read_po(handle) if isinstance(m.id, str)}
    assert not set(NEVER_ONE) - known
