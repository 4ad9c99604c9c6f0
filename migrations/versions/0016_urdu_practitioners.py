"""health: an optional Urdu name for a service's doctor or practitioner

Clinics, services, addresses and cohorts have had an Urdu name beside the English one; the doctor who
runs a service came in Latin letters only, so an Urdu confirmation read "جنرل او پی ڈی · Dr. Sana Javed".
An admin may now give it in Urdu letters too ("ڈاکٹر ثنا جاوید"), and Urdu readers see it (English when
it is empty).

A nullable column with no default: adding it rewrites no row. Plain ALTER TABLE ADD / DROP COLUMN on
both databases, not a batch (see 0010).

Revision ID: 0016_urdu_practitioners
Revises: 0015_live_activity
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_urdu_practitioners"
down_revision = "0015_live_activity"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("health_services", sa.Column("practitioner_ur", sa.String(120), nullable=True))


def downgrade():
    op.drop_column("health_services", "practitioner_ur")
