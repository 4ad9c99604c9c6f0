"""Clinics, services, schedules, slots and appointments (issue 3)."""
