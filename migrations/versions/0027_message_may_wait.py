"""notifications: whether an SMS may wait for the morning, kept on the message

Quiet hours (21:00-08:00 Karachi) were applied only when a message was queued: a reminder queued at
20:59 and sent by a late run, a retry after a failed attempt, or a backlog sent when delivery started
again at night went out at night. The message now says whether it may wait (nobody is waiting for it:
not urgent, not the person's own action), and delivery holds such an SMS until 08:00 whenever it falls
due. Messages queued before this revision are treated as ones someone is waiting for: sent as before.

Revision ID: 0027_message_may_wait
Revises: 0026_section_schedule_revision
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_message_may_wait"
down_revision = "0026_section_schedule_revision"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("messages", sa.Column("may_wait", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column("messages", "may_wait")
