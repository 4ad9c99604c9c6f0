"""Officials' read-only dashboard (issue 5)."""

from portal.dashboard import bp  # noqa: F401
