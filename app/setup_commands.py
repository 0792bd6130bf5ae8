"""Setting up: flask commands that seed the taxonomy and demo data and build the geodata index."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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


@click.command("import-licences")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_it", is_flag=True,
              help="Write the changes, all or nothing (without it: a dry run).")
@click.option("--as", "admin_email", default=None, metavar="ADMIN_EMAIL",
              help="The admin the import is recorded as, who verifies new supporters.")
@click.option("--failed-rows", "failed_path", default=None, metavar="CSV",
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the rows in error there, as they were, with an error column.")
@with_appcontext
def import_licences_command(file, apply_it, admin_email, failed_path):
    """Import supporters and coaches from the governing body's licence list (a CSV FILE).

    Prints how many rows create, update, stay unchanged or are in error, and each
    error; exits 1 when a row is in error (nothing is then written), 2 when the
    file cannot be read at all. Run nightly with --apply to follow the membership
    system.
    """
    from app.errors import DomainError
    from app.services import licence_import
    from app.services.accounts import find_by_email

    admin = None
    if admin_email:
        admin = find_by_email(db.session, admin_email)
        if admin is None or not admin.has_role("admin") or not admin.is_active:
            raise click.BadParameter(f"{admin_email} is not an admin's account.",
                                     param_hint="--as")
    try:
        licence_import.check_size(file.stat().st_size)
        plan, _ = licence_import.preview(db.session, admin, file.read_bytes(),
                                         filename=file.name, keep=False)
        applied = apply_it and licence_import.apply(db.session, admin, plan)
        db.session.commit()  # the audit record, and the import when applied
    except DomainError as err:
        db.session.rollback()
        click.echo(f"{file.name}: {err.message}", err=True)
        raise SystemExit(2) from err
    counts = plan.counts
    click.echo(f"{file.name}: {counts['total']:,} rows.")
    for outcome, label in (("create", "create"), ("update", "update"),
                           ("unchanged", "unchanged"), ("error", "error")):
        click.echo(f"  {label:<10}{counts[outcome]:>8,}")
    for row in plan.rows:
        if row.errors:
            click.echo(f"Row {row.number}: {licence_import.describe_errors(row.errors)}",
                       err=True)
    if counts["error"] and failed_path:
        failed_path.write_text(licence_import.failed_rows_csv(
            plan.file, {row.number: row.errors for row in plan.rows if row.errors}),
            encoding="utf-8")
        click.echo(f"The rows in error are in {failed_path}.", err=True)
    if counts["error"]:
        click.echo(f"Nothing was written: {counts['error']:,} "
                   f"{'row is' if counts['error'] == 1 else 'rows are'} in error.", err=True)
        raise SystemExit(1)
    click.echo("Applied: every row is written." if applied
               else "Dry run: nothing was written (add --apply to write it).")


def _configure_geodata() -> None:
    import geodata

    geodata.configure(cache_dir=current_app.config["GEODATA_CACHE_DIR"])


def register(app: Flask) -> None:
    """Add the project's commands to ``flask``."""
    app.cli.add_command(seed_taxonomy_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(geodata_group)
    app.cli.add_command(import_licences_command)
