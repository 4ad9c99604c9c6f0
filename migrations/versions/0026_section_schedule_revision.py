"""education: a schedule revision on each section, for its enrolments' calendar files' SEQUENCE

A calendar app that imported a course's .ics replaces its event with a later file of the same UID only
when that file's SEQUENCE is higher (RFC 5545). An active place's file always said 0 (a cancelled one
1), so after an admin moved the classes a file downloaded again changed nothing in the person's
calendar. Each section now counts the changes of its dates, class days or times and venue; a file says
twice that count, one more when cancelled. Existing sections start at 0: their files say what the
files issued before this revision said, never less.

Revision ID: 0026_section_schedule_revision
Revises: 0025_search_digits
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_section_schedule_revision"
down_revision = "0025_search_digits"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "edu_sections", sa.Column("schedule_revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )


def downgrade():
    op.drop_column("edu_sections", "schedule_revision")
