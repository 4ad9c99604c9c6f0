"""health, education, auth: the database refuses two clinics, services, courses or family numbers alike

A clinic's name within its district, a service's within its clinic and a course's title within its
institution must be ones people can tell apart ("case and runs of spaces aside"), and a family member's
B-form or CNIC number is theirs alone among an account's family members. The services checked this in
Python only, so two staff saving at the same moment could both pass. Each table now keeps a key beside
the name (``name_key``, ``title_key``; ``number_key`` for a family member's number) under a unique index:
(district, name_key) of health_clinics, (clinic_id, name_key) of health_services, (institution_id,
title_key) of edu_courses, and (user_id, number_key) of dependants for those on the account now
(removed_at IS NULL: one taken off no longer holds their number, as the Python check says). A family
member without a number has a NULL key, allowed any number of times on both databases.

The keys are computed here, in Python, as the models compute them (portal.validation.name_key: SQLite's
lower() knows only ASCII letters); a frozen copy of that function is below, so that this revision keeps
meaning what it meant.

Rows saved before the checks may already be alike. Nothing people see is changed, no row is deleted
and no number cleared: of the rows alike, the first (the lowest id) keeps the plain key, and each later
one is given its key followed by two spaces and its own id (``"eye opd  #42"``, ``"3520212345671  #7"``;
portal.name_keys.kept_apart). A name's key never holds two spaces together and a number's no space, so
no record saved later can take such a key. Such a record keeps its name and its number, is shown and
booked as before, and saving it again asks for a name (or number) people can tell apart, as the Python
check already did.

Each key column is added NOT NULL with an empty default (the number's nullable, without one), filled,
and, on PostgreSQL, the default dropped. SQLite cannot drop a default without copying the table (a batch
operation), which is avoided here as in 0010; the empty default stays there and no row keeps it.

Revision ID: 0019_unique_names
Revises: 0018_appointment_revisions
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_unique_names"
down_revision = "0018_appointment_revisions"
branch_labels = None
depends_on = None

KEY_LENGTH = 500  # portal.name_keys.KEY_LENGTH
NUMBER_KEY_LENGTH = 30

# table, key column, the column it is the key of, the column its rows are told apart within, index
NAMES = (
    ("health_clinics", "name_key", "name", "district", "uq_health_clinics_district_name_key"),
    ("health_services", "name_key", "name", "clinic_id", "uq_health_services_clinic_name_key"),
    ("edu_courses", "title_key", "title", "institution_id", "uq_edu_courses_institution_title_key"),
)
NUMBER_INDEX = "uq_dependants_user_number_key"
ON_THE_ACCOUNT = "removed_at IS NULL"


def name_key(name: str) -> str:
    """portal.validation.name_key as of this revision: case and runs of spaces aside."""
    return " ".join(name.split()).casefold()


def kept_apart(key: str, record_id: int) -> str:
    """portal.name_keys.kept_apart as of this revision."""
    return f"{key}  #{record_id}"


def unique_keys(rows) -> list[dict]:
    """``rows`` of (id, group, key), in id order, as parameters {"id", "key"}: the first row of each
    (group, key) keeps its key, each later one its key kept apart by its id."""
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
    postgresql = bind.dialect.name == "postgresql"
    for table, key_column, source, group, index in NAMES:
        op.add_column(table, sa.Column(key_column, sa.String(KEY_LENGTH), nullable=False, server_default=""))
        rows = bind.execute(sa.text(f"SELECT id, {group}, {source} FROM {table} ORDER BY id")).all()
        keys = unique_keys([(record_id, where, name_key(name)) for record_id, where, name in rows])
        if keys:
            bind.execute(sa.text(f"UPDATE {table} SET {key_column} = :key WHERE id = :id"), keys)
        if postgresql:
            op.alter_column(table, key_column, server_default=None, existing_type=sa.String(KEY_LENGTH))
        op.create_index(index, table, [group, key_column], unique=True)

    op.add_column("dependants", sa.Column("number_key", sa.String(NUMBER_KEY_LENGTH), nullable=True))
    rows = bind.execute(
        sa.text(
            "SELECT id, user_id, id_number, removed_at IS NULL FROM dependants "
            "WHERE id_number IS NOT NULL ORDER BY id"
        )
    ).all()
    # Only those on the account now must differ; one taken off keeps its number as its key.
    on_account = unique_keys([(record_id, user_id, number) for record_id, user_id, number, now in rows if now])
    taken_off = [{"id": record_id, "key": number} for record_id, _user_id, number, now in rows if not now]
    if on_account or taken_off:
        bind.execute(sa.text("UPDATE dependants SET number_key = :key WHERE id = :id"), on_account + taken_off)
    op.create_index(
        NUMBER_INDEX,
        "dependants",
        ["user_id", "number_key"],
        unique=True,
        sqlite_where=sa.text(ON_THE_ACCOUNT),
        postgresql_where=sa.text(ON_THE_ACCOUNT),
    )


def downgrade():
    op.drop_index(
        NUMBER_INDEX,
        table_name="dependants",
        sqlite_where=sa.text(ON_THE_ACCOUNT),
        postgresql_where=sa.text(ON_THE_ACCOUNT),
    )
    op.drop_column("dependants", "number_key")
    for table, key_column, _source, _group, index in reversed(NAMES):
        op.drop_index(index, table_name=table)
        op.drop_column(table, key_column)
