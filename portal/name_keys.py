"""A key stored beside a name, so that the database itself refuses two records people could not tell apart.

A clinic's name within its district, a service's within its clinic and a course's title within its
institution are told apart "case, runs of spaces and invisible characters aside, é as one letter or
two" (portal.validation.name_key), and a family member's B-form or CNIC number within one account is
theirs alone. The services check this in Python first, to say so at the field; two staff saving at
the same moment could both pass that check, so a unique index over the stored key decides between them.
The key is computed in Python (SQLite's lower() knows only ASCII letters) and kept in step with its
source on every path that writes one:

- an object whose source is set (a form's save, the demo's domain seeders, a test's factory): the
  attribute event of ``keep_key`` sets the key at once, on the object;
- a row inserted without the key (the demo generator's bulk ``insert(table)``): the column's default
  (``key_column``) computes it from the row's own source value.

An UPDATE written as a statement that changes a name must set its key too (none does).

The folded copy a search looks in (``portal.folding.search_text`` of a record's name, its Urdu name, a
course's description …) is kept the same way, from several sources: ``folded_column`` and
``keep_folded``.

Rows that were already alike before the index (saved before the Python checks) keep their names; their
later ones have a key no name gives (``KEPT_APART``, see migration 0019), so the index holds, and saving
such a record again asks for a name people can tell apart, as the Python check always did.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import String, Text, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from portal.folding import search_text
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


def plain_key(key: str) -> str:
    """The key a name gives, of a key that may be kept apart (``kept_apart``): "eye opd" of "eye opd  #42"."""
    return key.partition("  ")[0]


def folded_column(*sources: str) -> MappedColumn:
    """A column holding ``search_text`` of the ``sources`` columns; a row inserted without it gets that
    of its own values."""

    def from_the_row(context) -> str:
        values = context.get_current_parameters()
        return search_text(*(values.get(source) for source in sources))

    return mapped_column(Text, default=from_the_row, nullable=False)


def keep_folded(model, sources: tuple[str, ...], folded_attribute: str) -> None:
    """Whenever one of the ``sources`` attributes of a ``model`` object is set, set ``folded_attribute``
    to ``search_text`` of them all (the one set with its new value)."""

    def listener(changed: str):
        def set_folded(target, value, _old, _initiator) -> None:
            texts = (value if source == changed else getattr(target, source) for source in sources)
            setattr(target, folded_attribute, search_text(*texts))

        return set_folded

    for source in sources:
        event.listen(getattr(model, source), "set", listener(source))


class plain_key_of(FunctionElement):  # noqa: N801 - named like SQLAlchemy's own SQL functions
    """``plain_key`` in SQL: a key column with any kept-apart ending taken off, so that a record kept
    apart by migration 0019 is grouped and found with the others of its name (a filter by service
    finds "General  OPD" saved twice in one clinic under "general opd")."""

    type = String()
    inherit_cache = True


@compiles(plain_key_of)
def _plain_key_sql(element, compiler, **kw):
    key = compiler.process(element.clauses, **kw)
    return f"CASE WHEN instr({key}, '  ') > 0 THEN substr({key}, 1, instr({key}, '  ') - 1) ELSE {key} END"


@compiles(plain_key_of, "postgresql")
def _plain_key_postgresql(element, compiler, **kw):
    return f"split_part({compiler.process(element.clauses, **kw)}, '  ', 1)"


def named_alike(key_column, name: str):
    """The condition that a record's ``key_column`` is the key of ``name``, kept apart or not: the
    records people would call by that name ("General opd" and "General  OPD" for "General OPD")."""
    return plain_key_of(key_column) == name_key(name)


def listed_name(name: str) -> str:
    """One name of records alike, as a list shows it: its runs of spaces one space ("General  OPD" is
    listed as "General OPD"); its case as stored."""
    return " ".join(name.split())
