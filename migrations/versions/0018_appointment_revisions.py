"""health: a revision counter on each appointment, for its calendar file's SEQUENCE

A calendar app that imported an appointment's .ics replaces the event with a later file of the same UID
only when that file's SEQUENCE is higher (RFC 5545). The SEQUENCE was worked out from the seconds between
booking and the last change, which stays 0 under a fixed clock (the demo) and follows every worker's
clock. The appointment now counts its own changes: a reschedule and a cancellation each add one.

Existing rows start where their files already were, so that a file offered after the upgrade is never
lower than one issued before it: the seconds between ``created_at`` and ``updated_at`` (one more for a
cancelled appointment), the figure the old files carried.

Revision ID: 0018_appointment_revisions
Revises: 0017_device_sign_ins
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_appointment_revisions"
down_revision = "0017_device_sign_ins"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "health_appointments", sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )
    if op.get_bind().dialect.name == "postgresql":
        seconds = "CAST(EXTRACT(EPOCH FROM (updated_at - created_at)) AS INTEGER)"
    else:
        seconds = "CAST((julianday(updated_at) - julianday(created_at)) * 86400 AS INTEGER)"
    op.execute(
        f"UPDATE health_appointments SET revision = "
        f"(CASE WHEN {seconds} < 1 THEN 1 ELSE {seconds} END) "
        f"+ (CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) "
        f"WHERE updated_at > created_at"
    )


def downgrade():
    op.drop_column("health_appointments", "revision")
