"""education: the database refuses two institutions of one district with names people cannot tell apart

Two institutions of one district could be given one name ("Govt College of Technology" and " govt
college of TECHNOLOGY "): a citizen searching, or choosing a course by where it is taught, could not
tell them apart. The catalogue now refuses such a name in Python, as it does a clinic's in its district
(portal.validation.same_name_among); two superadmins saving at the same moment could both pass that
check, so edu_institutions keeps a key beside the name (``name_key``, portal.name_keys) under a unique
index over (district, name_key), as 0019 made for clinics.

The keys are computed here, in Python, as the model computes them (portal.validation.name_key as of
this revision, the one 0023 froze: NFKC, invisible characters dropped, runs of spaces one space,
casefolded); a frozen copy is below, so that this revision keeps meaning what it meant.

Rows saved before the check may already be alike. The upgrade neither fails (a deployment would stop
on data only an admin can put right, and the site with it) nor renames (a name people see, search for
and have on their certificates would change without anyone deciding it): as 0019 did for clinics, of
the institutions alike in a district the first (the lowest id) keeps the plain key, and each later one
is given its key followed by two spaces and its own id (``"govt college of technology  #42"``;
portal.name_keys.kept_apart). A name's key never holds two spaces together, so no institution saved
later can take such a key. Such an institution keeps its name and is shown as before; saving it again
asks for a name people can tell apart, as the Python check does. The upgrade says in the log how many
were kept apart, and which, so that a superadmin can rename them.

The key column is added NOT NULL with an empty default, filled, and, on PostgreSQL, the default
dropped (SQLite keeps it, as in 0019; no row keeps it).

Revision ID: 0028_institution_names
Revises: 0027_message_may_wait
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0028_institution_names"
down_revision = "0027_message_may_wait"
branch_labels = None
depends_on = None

KEY_LENGTH = 500  # portal.name_keys.KEY_LENGTH
INDEX = "uq_edu_institutions_district_name_key"
BATCH = 1000

# portal.collation.IGNORED as of this revision
IGNORED = frozenset("\u0640\u00ad\u200b\u200c\u200d\u200e\u200f\u061c\ufeff")

log = logging.getLogger("alembic.runtime.migration")


def _invisible(char: str) -> bool:
    if char in IGNORED:
        return True
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and not char.isspace())


def name_key(name: str) -> str:
    """portal.validation.name_key as of this revision (portal.folding.fold without the letters)."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(char for char in text if not _invisible(char))
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def kept_apart(key: str, record_id: int) -> str:
    """portal.name_keys.kept_apart (as in 0019)."""
    return f"{key}  #{record_id}"


def unique_keys(rows) -> list[dict]:
    """``rows`` of (id, group, key), in id order, as parameters {"id", "key"}: the first row of each
    (group, key) keeps its key, each later one its key kept apart by its id (as in 0019)."""
    taken = {(group, key) for _id, group, key in rows}
    first: set = set()
    keys = []
    for record_id, group, key in rows:
        if (group, key) in first:
            key = kept_apart(key, record_id)
            while (group, key) in taken:  # never, in practice: keys holding two spaces are this migration's
                key += "#"
            taken.add((group, key))
        else:
            first.add((group, key))
        keys.append({"id": record_id, "key": key})
    return keys


def upgrade():
    bind = op.get_bind()
    op.add_column("edu_institutions", sa.Column("name_key", sa.String(KEY_LENGTH), nullable=False, server_default=""))
    rows = bind.execute(sa.text("SELECT id, district, name FROM edu_institutions ORDER BY id")).all()
    keys = unique_keys([(record_id, district, name_key(name)) for record_id, district, name in rows])
    statement = sa.text("UPDATE edu_institutions SET name_key = :key WHERE id = :id")
    for start in range(0, len(keys), BATCH):
        bind.execute(statement, keys[start : start + BATCH])
    apart = [row["id"] for row in keys if "  #" in row["key"]]
    if apart:
        log.warning(
            "%d institution(s) share a name with another of their district and were kept apart "
            "(ids %s): give each a name people can tell apart.",
            len(apart),
            ", ".join(str(record_id) for record_id in apart),
        )
    if bind.dialect.name == "postgresql":
        op.alter_column("edu_institutions", "name_key", server_default=None, existing_type=sa.String(KEY_LENGTH))
    op.create_index(INDEX, "edu_institutions", ["district", "name_key"], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name="edu_institutions")
    op.drop_column("edu_institutions", "name_key")
