"""Setting up: flask commands that seed the taxonomy and demo data and build the geodata index."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.extensions import db


@click.command("seed-taxonomy")
@with_appcontext
def seed_taxonomy_command():
    """Create the taxonomy items (roles, event groups, needs, ladders) the database lacks.

    Items already there are left as admins edited them: names, order, ladder
    rules and retirement are never undone.
    """
    from app.services.taxonomy import seed_taxonomy

    counts = seed_taxonomy(db.session)
    db.session.commit()
    click.echo("Taxonomy up to date: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@click.command("seed-demo")
@click.option("--seed", type=int, default=None, help="Random seed (default: DEMO_SEED).")
@click.option("--supporters", type=click.IntRange(0, 200_000), default=2000, show_default=True)
@click.option("--coaches", type=click.IntRange(0, 200_000), default=500, show_default=True)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date the demo's expiry dates are relative to (default: today).")
@with_appcontext
def seed_demo_command(seed, supporters, coaches, today):
    """Fill an empty database with the demo population (skipped if already there)."""
    from app.demo import DEMO_PASSWORD, seed_demo

    _configure_geodata()
    counts = seed_demo(
        db.session,
        seed=current_app.config["DEMO_SEED"] if seed is None else seed,
        supporters=supporters, coaches=coaches,
        today=today.date() if today else date.today(),
    )
    db.session.commit()
    if counts.created:
        click.echo(f"Demo data created: {counts.supporters} supporters, {counts.coaches} "
                   f"coaches, {counts.engagements} engagements. Every demo account's "
                   f"password is {DEMO_PASSWORD!r} (e.g. coach@example.org).")
    else:
        click.echo(f"Demo data already present ({counts.supporters} supporters, "
                   f"{counts.coaches} coaches): nothing changed.")


@click.group("geodata")
def geodata_group():
    """Offline geodata index."""


@geodata_group.command("build")
@click.option("--force", is_flag=True, help="Rebuild even if the cached index is current.")
@with_appcontext
def geodata_build_command(force):
    """Build the offline postcode and place index under the cache folder."""
    import geodata

    path = geodata.build_index(cache_dir=current_app.config["GEODATA_CACHE_DIR"], force=force)
    click.echo(f"Geodata index ready in {path}")


def _configure_geodata() -> None:
    import geodata

    geodata.configure(cache_dir=current_app.config["GEODATA_CACHE_DIR"])


def register(app: Flask) -> None:
    """Add the project's commands to ``flask``."""
    app.cli.add_command(seed_taxonomy_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(geodata_group)
