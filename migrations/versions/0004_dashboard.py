"""dashboard: indexes for the officials' dashboard queries on health and education tables

Revision ID: 0004_dashboard
Revises: 0003_education
"""

from alembic import op

revision = "0004_dashboard"
down_revision = "0003_education"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_dash_appointments_date_status", "health_appointments", ["visit_date", "status", "clinic_id", "service_id"]),
    ("ix_dash_appointments_service_date", "health_appointments", ["service_id", "visit_date", "status"]),
    ("ix_dash_enrolments_created", "edu_enrolments", ["created_at", "status", "course_id"]),
    ("ix_dash_enrolments_status_course", "edu_enrolments", ["status", "course_id"]),
    ("ix_dash_certificates_issued", "edu_certificates", ["issued_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
