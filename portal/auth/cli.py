import click
from flask.cli import AppGroup

from portal.auth import services
from portal.extensions import db

sign_ins_cli = AppGroup("sign-ins", help="The devices people are signed in on.")


@sign_ins_cli.command("prune")
def prune_command() -> None:
    """Delete ended sign-ins and those unseen for longer than the remember-me cookie lives (safe to run
    daily from cron)."""
    deleted = services.prune_sign_ins()
    db.session.commit()
    click.echo(f"sign-ins deleted: {deleted}")
