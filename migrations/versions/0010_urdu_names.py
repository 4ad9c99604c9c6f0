"""health, education: optional Urdu names beside the English ones

A service's and a clinic's name, a course's title and description and an institution's name came in
English only; admins may now give each in Urdu too, and pages and messages in Urdu show it (English
when it is empty). Nullable columns with no default: adding them rewrites no row.

Plain ALTER TABLE ADD / DROP COLUMN on both databases (SQLite has DROP COLUMN since 3.35), not a batch:
SQLite's batch mode copies the table and drops the old one, and with foreign keys on, dropping
health_clinics deletes every service and appointment of the clinics (ON DELETE CASCADE).

Revision ID: 0010_urdu_names
Revises: 0009_dashboard_slot_holders
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_urdu_names"
down_revision = "0009_dashboard_slot_holders"
branch_labels = None
depends_on = None

# table → the Urdu columns added to it, each as long as its English column
COLUMNS = {
    "health_services": [("name_ur", sa.String(120))],
    "health_clinics": [("name_ur", sa.String(160))],
    "edu_courses": [("title_ur", sa.String(160)), ("description_ur", sa.Text())],
    "edu_institutions": [("name_ur", sa.String(160))],
}


def upgrade():
    for table, columns in COLUMNS.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=True))


def downgrade():
    for table, columns in COLUMNS.items():
        for name, _type in reversed(columns):
            op.drop_column(table, name)
