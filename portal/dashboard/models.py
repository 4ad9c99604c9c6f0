"""The dashboard owns no tables; it adds indexes to the health and education tables so that its
GROUP BY queries read an index instead of whole tables (migration 0004_dashboard creates them)."""

from __future__ import annotations

from sqlalchemy import Index

from portal.education.models import Certificate, Enrolment
from portal.health.models import Appointment

# Appointments per day and status over a date range (covering: the joins need clinic and service).
ix_appointments_date_status = Index(
    "ix_dash_appointments_date_status",
    Appointment.visit_date,
    Appointment.status,
    Appointment.clinic_id,
    Appointment.service_id,
)
# Places taken per service and day from today on (days to the next free place).
ix_appointments_service_date = Index(
    "ix_dash_appointments_service_date", Appointment.service_id, Appointment.visit_date, Appointment.status
)
# Applications per day, and the waitlist / refusals counts.
ix_enrolments_created = Index("ix_dash_enrolments_created", Enrolment.created_at, Enrolment.status, Enrolment.course_id)
ix_enrolments_status_course = Index("ix_dash_enrolments_status_course", Enrolment.status, Enrolment.course_id)
ix_certificates_issued = Index("ix_dash_certificates_issued", Certificate.issued_at)

DASHBOARD_INDEXES = (
    ix_appointments_date_status,
    ix_appointments_service_date,
    ix_enrolments_created,
    ix_enrolments_status_course,
    ix_certificates_issued,
)
