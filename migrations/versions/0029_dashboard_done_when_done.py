"""dashboard: a removed seat keeps the day it was given; people checked in and seen counted when marked

- edu_enrolments.removed_at: when a school admin took a seat back (reject of an enrolled place). reject
  no longer overwrites decided_at there, so the seat stays an enrolment of the day it was given and the
  removal is counted on its own day. The two dashboard indexes that tell a seat held cover it on
  PostgreSQL (ix_dash_enrolments_decided, ix_dash_enrolments_section_cover), so those counts stay
  index-only.
- ix_dash_appointments_arrived and ix_dash_appointments_seen: appointments by when the person was checked
  in and seen (partial indexes: only those with a time), with the clinic and service the filters join
  on, so that "Today on the portal" counts them by the moment they were done without reading the
  appointments table.

Backfill:
- A place rejected while it held a seat had its decided_at overwritten with the removal's time. Where a
  record of the seat being given survives, decided_at is set back to it and removed_at to the removal
  (the old decided_at): the audit log's "education.enrolment.approved" (a request approved with a seat)
  and the person's messages about a seat ("edu:<id>:enrolled:...", "edu:<id>:approved:...",
  "edu:<id>:promoted:..." in the outbox), the latest before the removal. A removal with neither (a seat
  taken at once whose messages were not kept) cannot be told from a declined request: it stays as it
  was, counted as neither a seat nor a removal.
- Appointments checked in or seen with no time (none are made so by the portal since 0002) get the last
  change's time (updated_at), the closest record of when it was done.

Revision ID: 0029_dashboard_done_when_done
Revises: 0028_institution_names
"""

import sqlalchemy as sa
from alembic import op

import portal.database

revision = "0029_dashboard_done_when_done"
down_revision = "0028_institution_names"
branch_labels = None
depends_on = None

ARRIVED = sa.text("arrived_at IS NOT NULL")
SEEN = sa.text("seen_at IS NOT NULL")

# The latest record, before the removal (the decided_at it overwrote), of a seat given to enrolment e.
SEAT_GIVEN = """
    SELECT max(given) FROM (
        SELECT a.created_at AS given FROM audit_events a
        WHERE a.action = 'education.enrolment.approved' AND a.target_type = 'edu_enrolments'
          AND a.target_id = CAST(e.id AS VARCHAR(40)) AND a.created_at < e.decided_at
        UNION ALL
        SELECT m.created_at AS given FROM messages m
        WHERE (m.dedupe_key LIKE 'edu:' || CAST(e.id AS VARCHAR(40)) || ':enrolled:%'
            OR m.dedupe_key LIKE 'edu:' || CAST(e.id AS VARCHAR(40)) || ':approved:%'
            OR m.dedupe_key LIKE 'edu:' || CAST(e.id AS VARCHAR(40)) || ':promoted:%')
          AND m.created_at < e.decided_at
    ) AS seats
"""


def _section_cover(include):
    op.drop_index("ix_dash_enrolments_section_cover", table_name="edu_enrolments")
    op.create_index(
        "ix_dash_enrolments_section_cover", "edu_enrolments", ["section_id", "status"], postgresql_include=include
    )


def _decided(include):
    op.drop_index("ix_dash_enrolments_decided", table_name="edu_enrolments")
    op.create_index(
        "ix_dash_enrolments_decided", "edu_enrolments", ["decided_at", "status"], postgresql_include=include
    )


def upgrade():
    op.add_column("edu_enrolments", sa.Column("removed_at", portal.database.UTCDateTime(timezone=True), nullable=True))
    # Removals recorded before this revision: given back their seat's day where a record of it survives.
    op.execute(
        f"""
        UPDATE edu_enrolments AS e SET removed_at = e.decided_at, decided_at = ({SEAT_GIVEN})
        WHERE e.status = 'rejected' AND e.decided_at IS NOT NULL AND ({SEAT_GIVEN}) IS NOT NULL
        """
    )
    op.execute(
        "UPDATE health_appointments SET arrived_at = updated_at "
        "WHERE status IN ('arrived', 'seen') AND arrived_at IS NULL"
    )
    op.execute("UPDATE health_appointments SET seen_at = updated_at WHERE status = 'seen' AND seen_at IS NULL")
    _section_cover(["course_id", "decided_at", "waitlisted_at", "removed_at"])
    _decided(["waitlisted_at", "course_id", "section_id", "removed_at"])
    op.create_index(
        "ix_dash_appointments_arrived",
        "health_appointments",
        ["arrived_at", "clinic_id", "service_id"],
        postgresql_where=ARRIVED,
        sqlite_where=ARRIVED,
    )
    op.create_index(
        "ix_dash_appointments_seen",
        "health_appointments",
        ["seen_at", "clinic_id", "service_id"],
        postgresql_where=SEEN,
        sqlite_where=SEEN,
    )


def downgrade():
    op.drop_index("ix_dash_appointments_seen", table_name="health_appointments")
    op.drop_index("ix_dash_appointments_arrived", table_name="health_appointments")
    _decided(["waitlisted_at", "course_id", "section_id"])
    _section_cover(["course_id", "decided_at", "waitlisted_at"])
    # The removal's time was decided_at before this revision.
    op.execute("UPDATE edu_enrolments SET decided_at = removed_at WHERE removed_at IS NOT NULL")
    op.drop_column("edu_enrolments", "removed_at")
