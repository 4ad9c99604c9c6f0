"""education: a certificate keeps the Urdu course title and institution name too

A certificate copies the names it prints when it is issued, so that renaming the course later does
not change it; it copied only the English ones, and Urdu pages printed English. Nullable columns with
no default, so adding them rewrites no row. Certificates issued before keep NULL (shown in English,
as they were printed): today's Urdu names may not be the ones of the day they were issued.

Plain ALTER TABLE ADD / DROP COLUMN on both databases, not a batch (see 0010).

Revision ID: 0011_certificate_urdu_names
Revises: 0010_urdu_names
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_certificate_urdu_names"
down_revision = "0010_urdu_names"
branch_labels = None
depends_on = None

# each as long as its English column
COLUMNS = [("course_title_ur", sa.String(160)), ("institution_name_ur", sa.String(160))]


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("edu_certificates", sa.Column(name, type_, nullable=True))


def downgrade():
    for name, _type in reversed(COLUMNS):
        op.drop_column("edu_certificates", name)
