"""The portal's notion of "now": real time in production, a fixed instant in tests and demos."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

KARACHI = ZoneInfo("Asia/Karachi")


def now() -> datetime:
    """The current instant, timezone-aware UTC. Honours FIXED_NOW (ISO 8601) when configured.

    A FIXED_NOW without an offset (``2026-03-02T10:00``) is a Karachi wall-clock time, as a presenter
    in Lahore means it; give an offset (``+00:00``, ``Z``) for any other zone."""
    if has_app_context():
        fixed = current_app.config.get("FIXED_NOW")
        if fixed:
            if isinstance(fixed, str):
                fixed = datetime.fromisoformat(fixed)
            if fixed.tzinfo is None:
                fixed = fixed.replace(tzinfo=KARACHI)
            return fixed.astimezone(UTC)
    return datetime.now(UTC)


def now_karachi() -> datetime:
    return now().astimezone(KARACHI)


def today() -> date:
    """Today's date in Karachi: the date a person in Punjab would say it is."""
    return now_karachi().date()


def karachi_to_utc(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KARACHI).astimezone(UTC)
