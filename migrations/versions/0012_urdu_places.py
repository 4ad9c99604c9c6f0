"""health, education: optional Urdu addresses and venues beside the English ones

A clinic's and an institution's address and a section's venue came in English only, so an Urdu page,
an Urdu calendar file or message read "12 Mall Road, Lahore" in the middle of Urdu text; admins may
now give each in Urdu too, and Urdu readers see it (English when it is empty). Nullable columns with
no default: adding them rewrites no row.

Plain ALTER TABLE ADD / DROP COLUMN on both databases, not a batch (see 0010: SQLite's batch copies
the table and drops the old one, whose ON DELETE CASCADE would take the clinics' services with it).

Revision ID: 0012_urdu_places
Revises: 0011_certificate_urdu_names
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_urdu_places"
down_revision = "0011_certificate_urdu_names"
branch_labels = None
depends_on = None

# table → the Urdu columns added to it, each as long as its English column
COLUMNS = {
    "health_clinics": [("address_ur", sa.String(300))],
    "edu_institutions": [("address_ur", sa.String(300))],
    "edu_sections": [("venue_ur", sa.String(200))],
}


def upgrade():
    for table, columns in COLUMNS.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=True))


def downgrade():
    for table, columns in COLUMNS.items():
        for name, _type in reversed(columns):
            op.drop_column(table, name)
