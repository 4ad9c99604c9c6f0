"""Institutions, courses, sections, enrolments, waitlists and certificates (issue 4)."""
