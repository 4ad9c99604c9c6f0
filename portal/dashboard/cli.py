"""`flask dashboard refresh`: the officials' figures recomputed on a schedule, away from the web workers."""

from __future__ import annotations

import time

import click
from cachelib import NullCache, SimpleCache
from flask import current_app
from flask.cli import AppGroup

from portal.dashboard import services
from portal.extensions import cache

dashboard_cli = AppGroup("dashboard", help="The officials' dashboard figures.")

# Backends a separate process cannot share with the web workers: refreshing them would fill this
# process's own memory (SimpleCache) or nothing at all (NullCache).
_NOT_SHARED = (SimpleCache, NullCache)


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


@dashboard_cli.command("refresh")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=None,
    help="Keep running, one pass every SECONDS (10 is a good value). Without it: one pass, then exit.",
)
def refresh_command(every: float | None) -> None:
    """Recompute the figures officials looked at in the last ten minutes before they go stale.

    Run it beside the app servers (a systemd service or a container next to gunicorn; `make serve` starts
    one). Running it on several hosts is safe: a figure is computed by one process at a time."""
    backend = cache.cache  # the backend the app was given, whatever name it was configured by
    if isinstance(backend, _NOT_SHARED):
        raise click.ClickException(
            f"the dashboard figures are kept in {type(backend).__name__}, which other processes cannot see: "
            "the refresher needs the shared cache of production (PORTAL_ENV=production with CACHE_REDIS_URL "
            "or RATELIMIT_STORAGE_URI set to a Redis address); without it, requests recompute stale figures "
            "themselves"
        )
    if every is None:
        click.echo(_summary(services.refresh_figures()))
        return
    click.echo(f"refreshing the dashboard figures every {every:g} s")
    while True:
        started = time.monotonic()
        try:
            counts = services.refresh_figures()
            if counts["refreshed"] or counts["dropped"] or counts["failed"]:
                click.echo(f"{time.strftime('%H:%M:%S')} {_summary(counts)} ({time.monotonic() - started:.1f} s)")
        except Exception:  # noqa: BLE001 - Redis or the database away for a moment: try again next pass
            current_app.logger.exception("dashboard figures: refresh pass failed")
        time.sleep(max(0.0, every - (time.monotonic() - started)))
