"""dashboard: covering indexes, so that the education figures read indexes only on the large dataset

EXPLAIN (ANALYZE) on 1 million appointments and 245,000 enrolments showed the health figures reading
ix_dash_appointments_date_status alone, but every education figure scanning edu_enrolments (and users
for the share of women): the old indexes lacked the section, the person and the reason.

Revision ID: 0005_dashboard_covering
Revises: 0004_dashboard
"""

from alembic import op

revision = "0005_dashboard_covering"
down_revision = "0004_dashboard"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_dash_enrolments_created", table_name="edu_enrolments")
    op.drop_index("ix_dash_enrolments_status_course", table_name="edu_enrolments")
    op.create_index(
        "ix_dash_enrolments_created",
        "edu_enrolments",
        ["created_at", "status", "course_id", "section_id"],
        postgresql_include=["user_id", "dependant_id"],
    )
    op.create_index(
        "ix_dash_enrolments_status_course",
        "edu_enrolments",
        ["status", "course_id", "section_id", "created_at"],
        postgresql_include=["reason"],
    )
    op.create_index("ix_dash_enrolments_id_course", "edu_enrolments", ["id", "course_id"])
    op.create_index(
        "ix_dash_enrolments_section_cover",
        "edu_enrolments",
        ["section_id", "status"],
        postgresql_include=["course_id", "decided_at"],
    )
    op.create_index("ix_dash_users_id_gender", "users", ["id", "gender"])
    op.create_index("ix_dash_dependants_id_gender", "dependants", ["id", "gender"])


def downgrade():
    op.drop_index("ix_dash_dependants_id_gender", table_name="dependants")
    op.drop_index("ix_dash_users_id_gender", table_name="users")
    op.drop_index("ix_dash_enrolments_section_cover", table_name="edu_enrolments")
    op.drop_index("ix_dash_enrolments_id_course", table_name="edu_enrolments")
    op.drop_index("ix_dash_enrolments_status_course", table_name="edu_enrolments")
    op.drop_index("ix_dash_enrolments_created", table_name="edu_enrolments")
    op.create_index("ix_dash_enrolments_status_course", "edu_enrolments", ["status", "course_id"])
    op.create_index("ix_dash_enrolments_created", "edu_enrolments", ["created_at", "status", "course_id"])


