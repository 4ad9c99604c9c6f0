"""A key stored beside a name, so that the database itself refuses two records people could not tell apart.

A clinic's name within its district, a service's within its clinic and a course's title within its
institution are told apart "case and runs of spaces aside" (portal.validation.name_key), and a family
member's B-form or CNIC number within one account is theirs alone. The services check this in Python
first, to say so at the field; two staff saving at the same moment could both pass that check, so a
unique index over the stored key decides between them. The key is computed in Python (SQLite's lower()
knows only ASCII letters) and kept in step with its source on every path that writes one:

- an object whose source is set (a form's save, the demo's domain seeders, a test's factory): the
  attribute event of ``keep_key`` sets the key at once, on the object;
- a row inserted without the key (the demo generator's bulk ``insert(table)``): the column's default
  (``key_column``) computes it from the row's own source value.

An UPDATE written as a statement that changes a name must set its key too (none does).

Rows that were already alike before the index (saved before the Python checks) keep their names; their
later ones have a key no name gives (``KEPT_APART``, see migration 0019), so the index holds, and saving
such a record again asks for a name people can tell apart, as the Python check always did.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import String, event
from sqlalchemy.orm import MappedColumn, mapped_column

from portal.validation import name_key

# Enough for a name of 160 characters: casefolding makes a text at most three times longer ("ﬃ" is
# "ffi"), and a record kept apart by migration 0019 has "  #<its id>" after its key.
KEY_LENGTH = 500


def kept_apart(key: str, record_id: int) -> str:
    """The key of a record that was already alike another when the index came (migration 0019): its
    own key, two spaces and its id. No name's key has two spaces together (name_key joins words with
    one), and no number's any space, so no record saved later can take it."""
    return f"{key}  #{record_id}"


def key_column(
    source: str, key: Callable[[str], str] = name_key, *, length: int = KEY_LENGTH, nullable: bool = False
) -> MappedColumn:
    """A column holding ``key(<source>)``; a row inserted without it gets the key of its own ``source``
    (None for None)."""

    def from_the_row(context) -> str | None:
        value = context.get_current_parameters().get(source)
        return None if value is None else key(value)

    return mapped_column(String(length), default=from_the_row, nullable=nullable)


def keep_key(attribute, key_attribute: str, key: Callable[[str], str] = name_key) -> None:
    """Whenever ``attribute`` (e.g. ``Clinic.name``) is set on an object, set ``key_attribute`` to its
    key (None for None)."""

    def set_key(target, value, _old, _initiator) -> None:
        setattr(target, key_attribute, None if value is None else key(value))

    event.listen(attribute, "set", set_key)
