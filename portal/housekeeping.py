"""``flask housekeeping``: delete what the portal no longer needs. Safe to run at any time and as often
as wanted; run it daily from cron on one host (README, "Running in production")."""

from __future__ import annotations

import click


@click.command("housekeeping")
def housekeeping_command() -> None:
    """Delete form claims older than a day (a post sent again after that creates anew), and sign-ins
    that can no longer sign anyone in (ended, or unseen for longer than the remember-me cookie lives)."""
    from portal import submissions
    from portal.auth import services as auth_services
    from portal.extensions import db

    claims = submissions.prune()
    sign_ins = auth_services.prune_sign_ins()
    db.session.commit()
    click.echo(f"form claims deleted: {claims}")
    click.echo(f"sign-ins deleted: {sign_ins}")
