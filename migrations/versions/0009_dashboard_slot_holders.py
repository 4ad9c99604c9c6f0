"""dashboard: the places taken count only appointments holding a slot, still from the index alone

The officials' places taken, utilisation and days to the next free place counted a walk-in's queue
token (no slot, a queue number instead) as a place taken, where the clinic admin's figure counts only
appointments holding a slot. The figures now ask for ``slot_id IS NOT NULL``; with the slot added to
ix_dash_appointments_date_status they stay index-only scans on PostgreSQL (no heap fetches over the
million appointments of `large`) and covered on SQLite, which is why the slot is a trailing key column
and not a PostgreSQL-only INCLUDE.

Revision ID: 0009_dashboard_slot_holders
Revises: 0008_dependants_removed
"""

from alembic import op

revision = "0009_dashboard_slot_holders"
down_revision = "0008_dependants_removed"
branch_labels = None
depends_on = None

COLUMNS = ["visit_date", "status", "clinic_id", "service_id"]


def upgrade():
    op.drop_index("ix_dash_appointments_date_status", table_name="health_appointments")
    op.create_index("ix_dash_appointments_date_status", "health_appointments", [*COLUMNS, "slot_id"])


def downgrade():
    op.drop_index("ix_dash_appointments_date_status", table_name="health_appointments")
    op.create_index("ix_dash_appointments_date_status", "health_appointments", COLUMNS)
