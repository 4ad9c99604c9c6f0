"""form_submissions: a form that creates a record, posted twice, creates it once

A double tap on a slow phone, or a browser sending a form again after a timeout, created two clinics,
services, closures, institutions, courses, sections, eligibility rules, family members or staff roles.
Each accepted post of those forms is now kept here (portal/submissions.py), in the transaction that
creates the record: the person, the form's one-time token and the values sent (together, as one
SHA-256 ``key`` under a unique constraint), and which record it created. A second post finds the
first one's record instead of creating another.

A new, empty table: nothing existing is rewritten.

Revision ID: 0014_form_submissions
Revises: 0013_urdu_cohorts_and_closures
"""

import sqlalchemy as sa
from alembic import op

from portal.database import UTCDateTime

revision = "0014_form_submissions"
down_revision = "0013_urdu_cohorts_and_closures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_submissions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
        sa.UniqueConstraint("key", name=op.f("uq_form_submissions_key")),
    )


def downgrade():
    op.drop_table("form_submissions")
