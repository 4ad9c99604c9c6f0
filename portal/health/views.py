"""Citizen and clinic-admin pages for health (issue 3)."""

from portal.health import bp  # noqa: F401
