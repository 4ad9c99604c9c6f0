"""health: a citizen's appointments by date, so My appointments reads only the rows it shows

With a history of a few hundred appointments (the benchmark's citizens book and cancel all day), the
index on the person alone made PostgreSQL fetch every one of them, hash-join each with a full scan of
dependants, clinics and services, then sort to keep twenty. Ordered by person and date, the twenty most
recent come straight off the index and the joins are twenty index lookups.

Revision ID: 0006_appointments_by_person
Revises: 0005_dashboard_covering
"""

from alembic import op

revision = "0006_appointments_by_person"
down_revision = "0005_dashboard_covering"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_health_appointments_user_date", "health_appointments", ["user_id", "visit_date", "starts_at", "id"]
    )
    op.drop_index("ix_health_appointments_user_id", table_name="health_appointments")


def downgrade():
    op.create_index("ix_health_appointments_user_id", "health_appointments", ["user_id"])
    op.drop_index("ix_health_appointments_user_date", table_name="health_appointments")
