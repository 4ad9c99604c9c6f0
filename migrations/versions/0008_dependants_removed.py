"""auth: a family member taken off an account is kept, marked removed, so their history stays

Deleting the row took the family member's enrolments (and certificates) with it, leaving the seat
counted and the waitlist waiting, and turned their appointments into the account holder's.

Revision ID: 0008_dependants_removed
Revises: 0007_dashboard_unmet
"""

import sqlalchemy as sa
from alembic import op

from portal.database import UTCDateTime

revision = "0008_dependants_removed"
down_revision = "0007_dashboard_unmet"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dependants") as batch:
        batch.add_column(sa.Column("removed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("dependants") as batch:
        batch.drop_column("removed_at")
