import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("seed-demo")
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True)
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True, help="Random seed.")
@with_appcontext
def seed_demo_command(size: str, seed_value: int) -> None:
    """Create demo personas and data (safe to run again: nothing is duplicated)."""
    from portal.demo.seed import seed

    counts = seed(size=size, seed_value=seed_value)
    db.session.commit()
    click.echo("Demo data ready: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
