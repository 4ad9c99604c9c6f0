"""health: the history of the places each service offers per weekday (health_offered_places)

The officials' figures counted the places offered in a period from the weekly hours as they are today,
so a clinic changing its hours changed last month's utilisation. Each row of health_offered_places says
how many places a service offered on each day of one weekday from ``valid_from`` (a Karachi date,
included) to ``valid_to`` (excluded; NULL while in force); the application writes a new version when
anything that changes it changes (portal.health.offered).

Backfill: one version per service and weekday from the hours as they are now, the slots that fit in each
opening range (the grid restarting after a break) times the places per slot, valid from the day the
service was created (its Karachi date), or from 2000-01-01 (the first day the dashboard shows) when that
is unknown, and still in force. An inactive service, or any service of an inactive clinic, is given
none: nobody knows since when it has been closed, and the figures left it out entirely before this
revision, so they stay as they were. Weekdays that offer no place get no row. The slot count is a frozen
copy of portal.health.offered.starts_per_day, so that this revision keeps meaning what it meant.

Revision ID: 0020_offered_places
Revises: 0019_unique_names
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0020_offered_places"
down_revision = "0019_unique_names"
branch_labels = None
depends_on = None

UNKNOWN_START = date(2000, 1, 1)  # portal.dashboard.services.EARLIEST
KARACHI_OFFSET = timedelta(hours=5)  # Pakistan keeps no summer time


def _minutes(t) -> int:
    return t.hour * 60 + t.minute


def starts_per_day(start, end, b_start, b_end, slot_minutes: int) -> int:
    """portal.health.offered.starts_per_day as of this revision."""
    if b_start and b_end and _minutes(b_start) < _minutes(b_end):
        before = max(0, (_minutes(b_start) - _minutes(start)) // slot_minutes)
        after = max(0, (_minutes(end) - max(_minutes(b_end), _minutes(start))) // slot_minutes)
        return before + after
    return max(0, (_minutes(end) - _minutes(start)) // slot_minutes)


def _time(value):
    """A TIME column's value (SQLite hands back its text)."""
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(str(value))


def _karachi_date(value) -> date:
    """The Karachi date of a stored UTC timestamp (SQLite hands back text, without a zone)."""
    if value is None:
        return UNKNOWN_START
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is not None:
        value = (value - value.utcoffset()).replace(tzinfo=None)
    return max(UNKNOWN_START, (value + KARACHI_OFFSET).date())


def upgrade():
    op.create_table(
        "health_offered_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_health_offered_places_weekday_range")),
        sa.CheckConstraint("places > 0", name=op.f("ck_health_offered_places_places_positive")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from", name=op.f("ck_health_offered_places_valid_to_after_from")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["health_services.id"],
            name=op.f("fk_health_offered_places_service_id_health_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_offered_places")),
    )
    op.create_index(
        "ix_health_offered_places_service", "health_offered_places", ["service_id", "weekday", "valid_from"]
    )
    op.create_index("ix_health_offered_places_period", "health_offered_places", ["valid_from", "valid_to"])

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.created_at, s.slot_minutes, s.places_per_slot, h.weekday, h.start, h.\"end\", "
            "h.break_start, h.break_end FROM health_weekly_hours h "
            "JOIN health_services s ON s.id = h.service_id JOIN health_clinics c ON c.id = s.clinic_id "
            "WHERE s.active = :yes AND c.active = :yes ORDER BY s.id, h.weekday"
        ),
        {"yes": True},
    ).all()
    places: dict[tuple[int, int], int] = defaultdict(int)
    since: dict[int, date] = {}
    for service_id, created_at, minutes, per_slot, weekday, start, end, b_start, b_end in rows:
        since[service_id] = _karachi_date(created_at)
        places[(service_id, weekday)] += (
            starts_per_day(_time(start), _time(end), _time(b_start), _time(b_end), minutes) * per_slot
        )
    versions = [
        {"service_id": service_id, "weekday": weekday, "valid_from": since[service_id], "places": count}
        for (service_id, weekday), count in sorted(places.items())
        if count > 0
    ]
    if versions:
        table = sa.table(
            "health_offered_places",
            sa.column("service_id", sa.Integer()),
            sa.column("weekday", sa.Integer()),
            sa.column("valid_from", sa.Date()),
            sa.column("places", sa.Integer()),
        )
        op.bulk_insert(table, versions)


def downgrade():
    op.drop_index("ix_health_offered_places_period", table_name="health_offered_places")
    op.drop_index("ix_health_offered_places_service", table_name="health_offered_places")
    op.drop_table("health_offered_places")
