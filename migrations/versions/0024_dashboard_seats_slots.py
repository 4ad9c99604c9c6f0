"""dashboard: the seats given in a period and the full slots of the coming days, read from indexes

Two figures changed in revision 0020's session read whole tables on the `large` dataset (EXPLAIN in
bench/README.md, twentieth run): the seats given in a period count enrolments by decided_at, which had no
index (four statements, 30-49 ms each), and the days to the next free place read the full slots of every
service for the coming two weeks (42 ms). They run in the dashboard's refresher, not in page requests,
but the issue asks every dashboard query to use an index. Now:
- ix_dash_enrolments_decided: enrolments by decided_at, covering what tells a seat held (status, and on
  PostgreSQL the waitlist time, course and section);
- ix_dash_enrolments_section_cover also covers waitlisted_at (the completion rate's seat holders);
- ix_dash_slots_full: the full slots (a partial index) by time then service.

Revision ID: 0024_dashboard_seats_slots
Revises: 0023_search_folding
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_dashboard_seats_slots"
down_revision = "0023_search_folding"
branch_labels = None
depends_on = None

FULL = sa.text("booked >= capacity")


def upgrade():
    op.create_index(
        "ix_dash_enrolments_decided",
        "edu_enrolments",
        ["decided_at", "status"],
        postgresql_include=["waitlisted_at", "course_id", "section_id"],
    )
    op.drop_index("ix_dash_enrolments_section_cover", table_name="edu_enrolments")
    op.create_index(
        "ix_dash_enrolments_section_cover",
        "edu_enrolments",
        ["section_id", "status"],
        postgresql_include=["course_id", "decided_at", "waitlisted_at"],
    )
    op.create_index(
        "ix_dash_slots_full", "health_slots", ["starts_at", "service_id"], postgresql_where=FULL, sqlite_where=FULL
    )


def downgrade():
    op.drop_index("ix_dash_slots_full", table_name="health_slots")
    op.drop_index("ix_dash_enrolments_section_cover", table_name="edu_enrolments")
    op.create_index(
        "ix_dash_enrolments_section_cover",
        "edu_enrolments",
        ["section_id", "status"],
        postgresql_include=["course_id", "decided_at"],
    )
    op.drop_index("ix_dash_enrolments_decided", table_name="edu_enrolments")
