"""dashboard: what people did today, read from indexes on when it was done

The overview's "Today on the portal" counts appointments by when they were made and when they were
cancelled, and enrolments by when they last changed, not by the day of the visit or the course: a
booking made in the room during a demo counts at once, whatever its visit day. None of these times
was indexed, so each count would read the whole table (a million appointments on `large`). With these
three, each reads only the day's rows: appointments made (with the clinic and service the district and
service filters join on), appointments cancelled (a partial index: only a cancelled appointment has a
cancellation time), and enrolments changed (every change to one sets its updated_at).

Revision ID: 0015_live_activity
Revises: 0014_form_submissions
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_live_activity"
down_revision = "0014_form_submissions"
branch_labels = None
depends_on = None

CANCELLED = sa.text("cancelled_at IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_dash_appointments_created", "health_appointments", ["created_at", "clinic_id", "service_id"]
    )
    op.create_index(
        "ix_dash_appointments_cancelled",
        "health_appointments",
        ["cancelled_at", "clinic_id", "service_id"],
        postgresql_where=CANCELLED,
        sqlite_where=CANCELLED,
    )
    op.create_index("ix_dash_enrolments_updated", "edu_enrolments", ["updated_at"])


def downgrade():
    op.drop_index("ix_dash_enrolments_updated", table_name="edu_enrolments")
    op.drop_index("ix_dash_appointments_cancelled", table_name="health_appointments")
    op.drop_index("ix_dash_appointments_created", table_name="health_appointments")
