"""health, education: a search reads every script's digits as one number

A name written in Urdu may hold its number in Urdu digits ("بی ایچ یو ۱۲"), and a person may type the
number of "BHU 12" on an Urdu keyboard ("BHU ۱۲"): the same number, which the folded search copy of
0023 kept apart. portal.folding.fold now reads each decimal digit of any script as its ASCII digit
(for a search only: name keys are unchanged), and this revision recomputes ``search_text`` of
health_clinics, edu_institutions and edu_courses with it. A row whose copy holds no other digit keeps it.

Frozen copies of the functions are below, so that this revision keeps meaning what it meant.

Revision ID: 0025_search_digits
Revises: 0024_dashboard_seats_slots
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0025_search_digits"
down_revision = "0024_dashboard_seats_slots"
branch_labels = None
depends_on = None

# portal.collation.VARIANTS and IGNORED as of this revision
VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ة": "ہ", "ۃ": "ہ", "إ": "ا"})
IGNORED = frozenset("\u0640\u00ad\u200b\u200c\u200d\u200e\u200f\u061c\ufeff")
ANY_DIGIT = re.compile(r"\d")

# table, the columns its search looks in (as in 0023)
SEARCHED = (
    ("health_clinics", ("name", "name_ur")),
    ("edu_institutions", ("name", "name_ur")),
    ("edu_courses", ("title", "title_ur", "description", "description_ur")),
)

BATCH = 1000


def ascii_digits(text: str) -> str:
    """portal.folding.ascii_digits as of this revision."""
    if text.isascii():
        return text
    return ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def _invisible(char: str) -> bool:
    if char in IGNORED:
        return True
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and not char.isspace())


def fold(text: str) -> str:
    """portal.folding.fold (for a search) as of this revision."""
    text = unicodedata.normalize("NFKD", ascii_digits(text).translate(VARIANTS)).translate(VARIANTS)
    text = "".join(char for char in text if not _invisible(char))
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def search_text(*texts) -> str:
    """portal.folding.search_text as of this revision."""
    return "\n".join(folded for folded in (fold(text) for text in texts if text) if folded)


def upgrade():
    bind = op.get_bind()
    for table, sources in SEARCHED:
        rows = bind.execute(sa.text(f"SELECT id, search_text, {', '.join(sources)} FROM {table} ORDER BY id")).all()
        changed = [{"id": row[0], "value": value} for row in rows if (value := search_text(*row[2:])) != row[1]]
        statement = sa.text(f"UPDATE {table} SET search_text = :value WHERE id = :id")
        for start in range(0, len(changed), BATCH):
            bind.execute(statement, changed[start : start + BATCH])


def downgrade():
    # The copies keep their ASCII digits: 0023's search then finds them by an ASCII number typed, as
    # before this revision, and no longer by the same number in Urdu digits.
    pass
