"""education: institutions, courses, sections, enrolments, certificates

Revision ID: 0003_education
Revises: 0002_health
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.database  # noqa: F401

revision = "0003_education"
down_revision = "0002_health"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
