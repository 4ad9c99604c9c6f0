"""``flask housekeeping``: delete what the portal no longer needs. Safe to run at any time and as often
as wanted; run it daily from cron on one host (README, "Running in production")."""

from __future__ import annotations

import click


@click.command("housekeeping")
def housekeeping_command() -> None:
    """Delete form claims older than a day (a post sent again after that creates anew)."""
    from portal import submissions

    click.echo(f"form claims deleted: {submissions.prune()}")
