"""The dashboard owns no tables; it adds indexes to the health and education tables so that its
GROUP BY queries read an index instead of whole tables (migrations 0004, 0005, 0007 and 0009 create them)."""

from __future__ import annotations

from sqlalchemy import Index

from portal.auth.models import Dependant, User
from portal.education.models import Certificate, Enrolment
from portal.health.models import Appointment

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
ix_enrolments_section_cover = Index(
    "ix_dash_enrolments_section_cover",
    Enrolment.section_id,
    Enrolment.status,
    postgresql_include=["course_id", "decided_at"],
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
# The share of women: the person's gender without reading the people tables.
ix_users_id_gender = Index("ix_dash_users_id_gender", User.id, User.gender)
ix_dependants_id_gender = Index("ix_dash_dependants_id_gender", Dependant.id, Dependant.gender)

DASHBOARD_INDEXES = (
    ix_appointments_date_status,
    ix_appointments_service_date,
    ix_enrolments_created,
    ix_enrolments_status_course,
    ix_enrolments_id_course,
    ix_certificates_issued,
    ix_enrolments_section_cover,
    ix_enrolments_status_section,
    ix_enrolments_refused,
    ix_users_id_gender,
    ix_dependants_id_gender,
)
