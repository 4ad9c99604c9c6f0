"""Citizen and school-admin pages for education (issue 4)."""

from portal.education import bp  # noqa: F401
