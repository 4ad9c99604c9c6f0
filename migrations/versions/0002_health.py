"""health: clinics, services, schedules, slots, appointments

Revision ID: 0002_health
Revises: 0001_initial
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.database  # noqa: F401

revision = "0002_health"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
