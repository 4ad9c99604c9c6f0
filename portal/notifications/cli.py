import click
from flask.cli import AppGroup

from portal.notifications import services

notifications_cli = AppGroup("notifications", help="Send the outbox and queue reminders.")


@notifications_cli.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def deliver_command(limit: int) -> None:
    """Queue due reminders, then send pending messages (safe to run every few minutes)."""
    queued = services.run_reminder_hooks()
    counts = services.deliver(limit=limit)
    click.echo(
        f"reminders queued: {queued}; sent: {counts['sent']}, to retry: {counts['retry']}, failed: {counts['failed']}"
    )


@notifications_cli.command("reminders")
def reminders_command() -> None:
    """Queue due reminders only (each is queued once, however often this runs)."""
    click.echo(f"reminders queued: {services.run_reminder_hooks()}")
