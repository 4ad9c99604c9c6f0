"""all tables: on SQLite, an id once used is never given again (AUTOINCREMENT)

Without AUTOINCREMENT, SQLite gives a new row the largest id in its table plus one, so the id of the
newest row deleted came back: a clinic closure added after the newest one was removed took its id, and
the audit log's older lines naming that id then seemed to be about the new closure (so would a
bookmarked address, a claim of a form posted twice, or the cached snapshot of a person). PostgreSQL
never reuses an id, and nothing changes there: this revision does nothing on PostgreSQL.

On SQLite each table is copied into one declared ``INTEGER PRIMARY KEY AUTOINCREMENT`` (a batch
operation: the new table made with the same columns, defaults, constraints and foreign keys, the rows
copied with their ids, the old table dropped, the new one renamed, its indexes, partial ones included,
made again; env.py turns foreign keys off meanwhile). Copying the rows records each table's largest id
in sqlite_sequence, so the next id is above every id there is now. The ids of rows deleted before this
revision, above the largest left, cannot be known: they may still be given once. On a large database
(the demo's ``large`` size) the copy takes a while and the database file needs room for a second copy
of the largest table.

The downgrade copies the tables back without AUTOINCREMENT and forgets their sqlite_sequence rows.

Revision ID: 0021_ids_never_reused
Revises: 0020_offered_places
"""

from alembic import op

revision = "0021_ids_never_reused"
down_revision = "0020_offered_places"
branch_labels = None
depends_on = None

# Every table of the portal as of this revision, each with an integer id as its primary key.
TABLES = (
    "users",
    "dependants",
    "role_assignments",
    "audit_events",
    "password_reset_tokens",
    "auth_sign_ins",
    "messages",
    "form_submissions",
    "health_clinics",
    "health_services",
    "health_weekly_hours",
    "health_offered_places",
    "health_closures",
    "health_slots",
    "health_appointments",
    "edu_institutions",
    "edu_courses",
    "edu_sections",
    "edu_eligibility_rules",
    "edu_enrolments",
    "edu_certificates",
)


def _recreate(autoincrement: bool) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _recreate(autoincrement=True)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _recreate(autoincrement=False)
    # The table of sequences stays (SQLite never drops it); it no longer has anything to count.
    names = ", ".join(f"'{table}'" for table in TABLES)
    op.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")
