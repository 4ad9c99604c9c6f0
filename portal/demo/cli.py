"""Deterministic demo data and the personas shown on the sign-in page in DEMO_MODE."""

import time

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("seed-demo")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True)
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True, help="Random seed.")
@click.option("--reset", is_flag=True, help="Delete the demo data (all but the personas) and seed again.")
@with_appcontext
def seed_demo_command(size: str, seed_value: int, reset: bool) -> None:
    """Create demo personas and data (safe to run again: nothing is duplicated)."""
    from flask import current_app

    from portal.database import without_statement_timeout
    from portal.demo.seed import reset_demo_data, seed, seed_punjab

    without_statement_timeout(current_app)  # the large dataset's bulk statements may run long
    started = time.monotonic()
    if reset:
        reset_demo_data()
        db.session.commit()
        click.echo("Demo data deleted (personas kept).")
    with click.progressbar(length=1000, label=f"Seeding the {size} Punjab dataset") as bar:
        position = {"at": 0}

        def progress(label: str, fraction: float) -> None:
            target = min(1000, int(fraction * 1000))
            if target > position["at"]:
                bar.update(target - position["at"])
                position["at"] = target

        fixtures = seed(size=size, seed_value=seed_value)
        counts = seed_punjab(size=size, seed_value=seed_value, progress=progress)
    db.session.commit()
    click.echo("Demo personas and fixtures: " + ", ".join(f"{k} {v}" for k, v in fixtures.items()))
    if counts.pop("already_seeded", 0):
        click.echo("The demo dataset is already there; nothing was added (use --reset to start again).")
    click.echo(f"Punjab dataset ready in {time.monotonic() - started:.1f} s (size {size}, seed {seed_value}):")
    for key, value in counts.items():
        click.echo(f"  {key.replace('_', ' '):<16} {value:>10,}")
