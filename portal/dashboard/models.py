"""The dashboard owns no tables; it adds indexes to the health and education tables so that its
GROUP BY queries read an index instead of whole tables (migrations 0004, 0005, 0007, 0009, 0015, 0024 and
0029 create them)."""

from __future__ import annotations

from sqlalchemy import Index, text

from portal.auth.models import Dependant, User
from portal.education.models import Certificate, Enrolment
from portal.health.models import Appointment, Slot

# Appointments per day and status over a date range (covering: the joins need clinic and service, and
# the places taken need the slot, 0009: a queue token holds none). The slot is a trailing key column rather
# than an INCLUDE so that SQLite's copy of the index covers the same queries.
ix_appointments_date_status = Index(
    "ix_dash_appointments_date_status",
    Appointment.visit_date,
    Appointment.status,
    Appointment.clinic_id,
    Appointment.service_id,
    Appointment.slot_id,
)
# Places taken per service and day from today on (days to the next free place).
ix_appointments_service_date = Index(
    "ix_dash_appointments_service_date", Appointment.service_id, Appointment.visit_date, Appointment.status
)
# Today on the portal (0015): appointments by when they were made, and by when they were cancelled
# (only the cancelled ones have a time there: a partial index), each with the clinic and the service
# that the district and service filters join on.
ix_appointments_created = Index(
    "ix_dash_appointments_created", Appointment.created_at, Appointment.clinic_id, Appointment.service_id
)
ix_appointments_cancelled = Index(
    "ix_dash_appointments_cancelled",
    Appointment.cancelled_at,
    Appointment.clinic_id,
    Appointment.service_id,
    postgresql_where=text("cancelled_at IS NOT NULL"),
    sqlite_where=text("cancelled_at IS NOT NULL"),
)
# Today on the portal (0029): people checked in and seen, by when it was done (only those with a time
# there: partial indexes), with the clinic and the service that the filters join on.
ARRIVED = text("arrived_at IS NOT NULL")
ix_appointments_arrived = Index(
    "ix_dash_appointments_arrived",
    Appointment.arrived_at,
    Appointment.clinic_id,
    Appointment.service_id,
    postgresql_where=ARRIVED,
    sqlite_where=ARRIVED,
)
SEEN = text("seen_at IS NOT NULL")
ix_appointments_seen = Index(
    "ix_dash_appointments_seen",
    Appointment.seen_at,
    Appointment.clinic_id,
    Appointment.service_id,
    postgresql_where=SEEN,
    sqlite_where=SEEN,
)
# Applications per day and the share of women (covering, 0005: section and person included), and the
# waitlist / refusals counts (reason included).
ix_enrolments_created = Index(
    "ix_dash_enrolments_created",
    Enrolment.created_at,
    Enrolment.status,
    Enrolment.course_id,
    Enrolment.section_id,
    postgresql_include=["user_id", "dependant_id"],
)
ix_enrolments_status_course = Index(
    "ix_dash_enrolments_status_course",
    Enrolment.status,
    Enrolment.course_id,
    Enrolment.section_id,
    Enrolment.created_at,
    postgresql_include=["reason"],
)
# Certificates issued: the join from a certificate to its enrolment's course.
ix_enrolments_id_course = Index("ix_dash_enrolments_id_course", Enrolment.id, Enrolment.course_id)
ix_certificates_issued = Index("ix_dash_certificates_issued", Certificate.issued_at)
# Completions and seats of the sections running in the period, from the sections side.
# (0024: with waitlisted_at, which tells a seat held from a waitlist place approved and then left;
# 0029: with removed_at, a seat the school took back.)
ix_enrolments_section_cover = Index(
    "ix_dash_enrolments_section_cover",
    Enrolment.section_id,
    Enrolment.status,
    postgresql_include=["course_id", "decided_at", "waitlisted_at", "removed_at"],
)
# Seats given in a period (0024): by when the seat was given, covering what tells a seat held (0029:
# removed_at too).
ix_enrolments_decided = Index(
    "ix_dash_enrolments_decided",
    Enrolment.decided_at,
    Enrolment.status,
    postgresql_include=["waitlisted_at", "course_id", "section_id", "removed_at"],
)
# The waitlist now and the share of women, by status then section (covering: the person), and the
# refusals for capacity in a range, by status then date (0007).
ix_enrolments_status_section = Index(
    "ix_dash_enrolments_status_section",
    Enrolment.status,
    Enrolment.section_id,
    postgresql_include=["user_id", "dependant_id"],
)
ix_enrolments_refused = Index(
    "ix_dash_enrolments_refused",
    Enrolment.status,
    Enrolment.created_at,
    postgresql_include=["reason", "course_id"],
)
# Today on the portal (0015): the enrolments changed since a moment (every change sets updated_at).
ix_enrolments_updated = Index("ix_dash_enrolments_updated", Enrolment.updated_at)
# Days to the next free place (0024): the full slots of the coming days (a partial index: only a full
# slot is read), by time then service.
FULL = text("booked >= capacity")
ix_slots_full = Index("ix_dash_slots_full", Slot.starts_at, Slot.service_id, postgresql_where=FULL, sqlite_where=FULL)
# The share of women: the person's gender without reading the people tables.
ix_users_id_gender = Index("ix_dash_users_id_gender", User.id, User.gender)
ix_dependants_id_gender = Index("ix_dash_dependants_id_gender", Dependant.id, Dependant.gender)

DASHBOARD_INDEXES = (
    ix_appointments_date_status,
    ix_appointments_service_date,
    ix_appointments_created,
    ix_appointments_cancelled,
    ix_appointments_arrived,
    ix_appointments_seen,
    ix_enrolments_created,
    ix_enrolments_status_course,
    ix_enrolments_id_course,
    ix_certificates_issued,
    ix_enrolments_section_cover,
    ix_enrolments_status_section,
    ix_enrolments_refused,
    ix_enrolments_updated,
    ix_enrolments_decided,
    ix_slots_full,
    ix_users_id_gender,
    ix_dependants_id_gender,
)
