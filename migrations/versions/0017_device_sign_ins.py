"""auth: one sign-in per device, instead of one session token per person

Each sign-in (a phone, a cyber café's computer) gets its own row: the SHA-256 of the token its cookie
carries, the browser and system read from its User-Agent, when it signed in, when it was last seen and
when it ended. Signing out on one device ends that row alone. The person's single session token, which
signed every device out at once, goes: everyone signed in before this migration signs in again.

Revision ID: 0017_device_sign_ins
Revises: 0016_urdu_practitioners
"""

import secrets

import sqlalchemy as sa
from alembic import op

from portal.database import UTCDateTime

revision = "0017_device_sign_ins"
down_revision = "0016_urdu_practitioners"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "auth_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("browser", sa.String(length=30), nullable=True),
        sa.Column("system", sa.String(length=30), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sign_ins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_sign_ins_token_hash")),
    )
    with op.batch_alter_table("auth_sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sign_ins_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_session_token"), type_="unique")
        batch_op.drop_column("session_token")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_session_token"), ["session_token"])
    with op.batch_alter_table("auth_sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sign_ins_user_id"))
    op.drop_table("auth_sign_ins")
