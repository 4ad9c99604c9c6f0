"""education, health: optional Urdu cohort names and closure reasons beside the English ones

A section's (cohort's) name and a clinic closure's reason came in English only, so an Urdu page or
message read "Evening cohort" or "Eid holiday" in the middle of Urdu text; admins may now give each
in Urdu too, and Urdu readers see it (English when it is empty).

An appointment a closure cancels keeps the reason it was cancelled for, as it was told to the person
(a closure removed later, or a reason given another wording, does not change what the appointment
says): it now keeps the Urdu one beside the English one, ``cancelled_reason_ur``, as long as
``cancelled_reason``, and its page shows the one of the reader's language.

Nullable columns with no default: adding them rewrites no row (health_appointments is the largest
table). Plain ALTER TABLE ADD / DROP COLUMN on both databases, not a batch (see 0010).

Revision ID: 0013_urdu_cohorts_and_closures
Revises: 0012_urdu_places
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_urdu_cohorts_and_closures"
down_revision = "0012_urdu_places"
branch_labels = None
depends_on = None

# table → the Urdu columns added to it, each as long as its English column
COLUMNS = {
    "edu_sections": [("name_ur", sa.String(80))],
    "health_closures": [("reason_ur", sa.String(200))],
    "health_appointments": [("cancelled_reason_ur", sa.String(300))],
}


def upgrade():
    for table, columns in COLUMNS.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=True))


def downgrade():
    for table, columns in COLUMNS.items():
        for name, _type in reversed(columns):
            op.drop_column(table, name)
