"""Control characters in what a request sends are refused, in one place, before any view reads it.

PostgreSQL cannot store NUL in text (psycopg refuses the parameter: "text fields cannot contain NUL"),
so ``/clinics?q=Mayo%00``, a CNIC or email with a NUL at the end, or a name with one inside failed with
a 500 on PostgreSQL, wherever the value reached a query; SQLite stores it without a word. No person
types a control character: they come from text pasted out of another program, or from a script.

Refused are the C0 control characters other than tab, line feed and carriage return (U+0000-U+0008,
U+000B, U+000C, U+000E-U+001F): NUL for PostgreSQL's sake, and the others because they are invisible on a
page, would be stored in names and addresses that later appear in CSV exports, and cannot appear in
XML 1.0 at all (a certificate is an SVG with the holder's name in it). Tab, line feed and carriage return
are what a text area sends for a line break or an indent, so they stay. DEL and the C1 controls are
allowed in text by both databases and by XML, and are left alone.

Looked at: the query string, the form (names and values), the file names of uploads, a JSON body
(keys and string values, at any depth), and the address's own parts (``/verify/<code>``). The answer is
400 with the portal's error page in the visitor's language (JSON for an API client, as every error).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import request
from werkzeug.exceptions import BadRequest

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ControlCharacter(BadRequest):
    """The request carried a control character (see the module's docstring)."""


def _json_texts(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(item)


def request_texts() -> Iterator[str]:
    """Every piece of text this request sends that a view may read."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            yield key
            yield value
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            yield value
    if request.is_json:
        yield from _json_texts(request.get_json(silent=True))


def refuse_control_characters() -> None:
    """A ``before_request`` hook: raise ControlCharacter (400) when any text sent holds one."""
    if any(CONTROL_CHARACTERS.search(text) for text in request_texts()):
        raise ControlCharacter()
