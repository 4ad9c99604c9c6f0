"""Short references a person can read over the phone: no 0/O, 1/I/L, 5/S or 8/B to confuse."""

from __future__ import annotations

import re
import secrets
import unicodedata

from markupsafe import Markup, escape

from portal.validation import typed_number

ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"
# A reference as new_reference writes it, inside any text ("H-7KQ2-9FXD", "E-NVFQ-DE6X").
REFERENCE_IN_TEXT = re.compile(rf"\b[A-Z]-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b")


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference(prefix: str) -> str:
    """A reference like ``H-7KQ2-9FXD``; callers keep it unique with a unique constraint."""
    return f"{prefix}-{random_code(4)}-{random_code(4)}"


def normalise_reference(text: str | None) -> str:
    """A reference or arrival code as typed ("h-7kq2 9fxd", in Urdu digits "H-۷KQ۲-۹FXD", with an en
    dash, in fullwidth letters) as the portal writes it: upper case, ASCII digits and hyphens, no spaces."""
    return typed_number(unicodedata.normalize("NFKC", text or "")).upper()


# A time of day as the messages write it in either language ("8:00 AM", English with a narrow space).
TIME_IN_TEXT = re.compile(r"\b\d{1,2}:\d{2}[\s\u202f]?[AP]M\b")
_ISLANDS = re.compile(f"{REFERENCE_IN_TEXT.pattern}|{TIME_IN_TEXT.pattern}")
# Unicode's left-to-right isolate (LRI) and its end (PDI): an island in plain text, as <bdi> on a page.
LRI, PDI = "\u2066", "\u2069"
# A reference or a time, already isolated (group 1) or not (group 2).
_ISLAND_IN_TEXT = re.compile(f"{LRI}((?:{_ISLANDS.pattern})){PDI}|((?:{_ISLANDS.pattern}))")


def isolate_in_text(text: str | None) -> str:
    """Plain text (an SMS, an email, an error message) with each reference and each time of day in it a
    left-to-right isolate (LRI … PDI), for a right-to-left language: inside Urdu text "8:00 AM" then
    does not read "AM 8:00" in any SMS app or mail reader, and a reference keeps its place in the
    sentence. Those already isolated are left as they are, so text may pass through twice."""
    return _ISLAND_IN_TEXT.sub(lambda m: m.group(0) if m.group(1) else f"{LRI}{m.group(2)}{PDI}", text or "")


def isolate_references(text: str | None) -> Markup:
    """Plain text (a message's body) for a page, each reference and each time of day in it a
    left-to-right island (``<bdi dir="ltr">``): inside Urdu text a reference then keeps its place in
    the sentence and, with the stylesheet's rule for such islands, is never split at a hyphen over two
    lines, and "8:00 AM" does not read "AM 8:00". One isolated in the text already (``isolate_in_text``:
    a stored Urdu message) becomes the island in place of its LRI … PDI, not an island inside them."""
    text = text or ""
    parts, done = [], 0
    for match in _ISLAND_IN_TEXT.finditer(text):
        island = match.group(1) or match.group(2)
        parts += [escape(text[done : match.start()]), Markup('<bdi dir="ltr">{}</bdi>').format(island)]
        done = match.end()
    parts.append(escape(text[done:]))
    return Markup("").join(parts)
