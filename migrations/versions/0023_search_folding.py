"""health, education: searches find the spellings people cannot see apart; so do the name keys

A search by name compared the words typed with lower() of the names: SQLite's lower() knows only ASCII
letters ("café" did not find "CAFÉ Clinic"), and neither database read ي (an Arabic keyboard's) as
Urdu's ی, nor a name with a zero-width joiner or a direction mark in it as the same name without. Each
searched record now keeps a folded copy of the texts its search looks in (portal.folding.search_text:
NFKC, the Arabic keyboard's letters read as Urdu's, invisible characters dropped, runs of spaces one
space, casefolded; the texts one to a line): ``search_text`` of health_clinics (name, name_ur),
edu_institutions (name, name_ur) and edu_courses (title, title_ur, description, description_ur). The
application keeps it in step (portal.name_keys.keep_folded); this revision fills it for existing rows.

The name keys of 0019 (health_clinics.name_key, health_services.name_key, edu_courses.title_key) are
recomputed with portal.validation.name_key as it is now: NFKC and without invisible characters, so that
"Café" typed as e and an accent, or with a zero-width space, is the same name as "Café". Rows that thus
become alike are kept apart as 0019 kept them (the first, by id, keeps the plain key; each later one its
key, two spaces and its id); the unique indexes are dropped while the keys change and made again.

Frozen copies of the functions are below, so that this revision keeps meaning what it meant.

Revision ID: 0023_search_folding
Revises: 0022_ascii_digits
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0023_search_folding"
down_revision = "0022_ascii_digits"
branch_labels = None
depends_on = None

# portal.collation.VARIANTS and IGNORED as of this revision
VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ة": "ہ", "ۃ": "ہ", "إ": "ا"})
IGNORED = frozenset("\u0640\u00ad\u200b\u200c\u200d\u200e\u200f\u061c\ufeff")

# table, the columns its search looks in
SEARCHED = (
    ("health_clinics", ("name", "name_ur")),
    ("edu_institutions", ("name", "name_ur")),
    ("edu_courses", ("title", "title_ur", "description", "description_ur")),
)

# table, key column, the column it is the key of, the column its rows are told apart within, index (0019's)
NAMES = (
    ("health_clinics", "name_key", "name", "district", "uq_health_clinics_district_name_key"),
    ("health_services", "name_key", "name", "clinic_id", "uq_health_services_clinic_name_key"),
    ("edu_courses", "title_key", "title", "institution_id", "uq_edu_courses_institution_title_key"),
)

BATCH = 1000


def _invisible(char: str) -> bool:
    if char in IGNORED:
        return True
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and not char.isspace())


def fold(text: str, *, letters: bool = True) -> str:
    """portal.folding.fold as of this revision."""
    if letters:
        text = unicodedata.normalize("NFKD", text.translate(VARIANTS)).translate(VARIANTS)
    else:
        text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if not _invisible(char))
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def search_text(*texts) -> str:
    """portal.folding.search_text as of this revision."""
    return "\n".join(folded for folded in (fold(text) for text in texts if text) if folded)


def name_key(name: str) -> str:
    """portal.validation.name_key as of this revision."""
    return fold(name, letters=False)


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
            while (group, key) in taken:
                key += "#"
            taken.add((group, key))
        else:
            first.add((group, key))
        keys.append({"id": record_id, "key": key})
    return keys


def _update(bind, table: str, column: str, values: list[dict]) -> None:
    statement = sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id")
    for start in range(0, len(values), BATCH):
        bind.execute(statement, values[start : start + BATCH])


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for table, sources in SEARCHED:
        op.add_column(table, sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(sources)} FROM {table} ORDER BY id")).all()
        folded = [{"id": row[0], "value": search_text(*row[1:])} for row in rows]
        _update(bind, table, "search_text", [row for row in folded if row["value"]])
        if postgresql:
            op.alter_column(table, "search_text", server_default=None, existing_type=sa.Text())

    for table, key_column, source, group, index in NAMES:
        rows = bind.execute(sa.text(f"SELECT id, {group}, {source}, {key_column} FROM {table} ORDER BY id")).all()
        keys = unique_keys([(record_id, where, name_key(name)) for record_id, where, name, _key in rows])
        old = {record_id: key for record_id, _where, _name, key in rows}
        changed = [{"id": row["id"], "value": row["key"]} for row in keys if old[row["id"]] != row["key"]]
        if changed:
            # A key may move to one another row gives up in the same update: no index meanwhile.
            op.drop_index(index, table_name=table)
            _update(bind, table, key_column, changed)
            op.create_index(index, table, [group, key_column], unique=True)


def downgrade():
    # The keys stay as this revision made them: 0019's function gives the same key to every name that
    # has no invisible character and is already composed, and the kept-apart keys still hold the index.
    for table, _sources in reversed(SEARCHED):
        op.drop_column(table, "search_text")
