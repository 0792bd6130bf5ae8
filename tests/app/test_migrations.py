"""Migrations upgrade and downgrade cleanly, and match the models."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db

from ..conftest import TEST_DATABASE_URL, config_for, postgresql_database


def _sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    """An empty database of each backend, dropped afterwards."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migrations not tested")
    with postgresql_database(f"fmcs_migrations_{uuid.uuid4().hex[:10]}") as url:
        yield url


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade(scratch_url):
    app = create_app(config_for(scratch_url))
    with app.app_context():
        upgrade()
        tables = _tables(db.engine)
        assert {"users", "supporter_profiles", "support_requests", "engagements",
                "development_plans", "widget_keys", "audit_events", "data_version"} <= tables
        # One row, counting from 1; migrations that rewrite search tables bump it
        # (PostgreSQL's statement triggers fire even when no row changes).
        versions = db.session.execute(sa.text("SELECT version FROM data_version")).scalars()
        assert [v >= 1 for v in versions] == [True]
        db.session.remove()

        downgrade(revision="base")
        assert _tables(db.engine) <= {"alembic_version"}

        upgrade()
        assert _tables(db.engine) == tables
        db.session.remove()
        db.engine.dispose()


def test_models_and_migrations_agree(scratch_url):
    app = create_app(config_for(scratch_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models differ from migrations: {diff}"


def test_upgrading_keeps_every_row_and_places_supporters_at_their_sector(scratch_url):
    """A table rebuilt by a migration keeps the rows that refer to it (SQLite cascades)."""
    app = create_app(config_for(scratch_url))
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, display_name, active, session_version, "
                "is_demo, created_at) VALUES (1, 'a@example.com', 'A', true, 1, false, "
                "CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO supporter_profiles (id, user_id, years_coaching, bio, latitude, "
                "longitude, postcode, outward_code, country, travel_km, offers_online, "
                "capacity, visible, paused, missed_in_a_row, created_at, updated_at) VALUES "
                "(1, 1, 3, '', 53.8195, -1.5820, 'LS6 3QS', 'LS6', 'GB', 20, false, 2, true, "
                "false, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO support_roles (id, key, name, description, ladder_rule, "
                "sort_order) VALUES (1, 'mentor', 'Mentor', '', 'above', 0)"))
            conn.execute(sa.text(
                "INSERT INTO supporter_roles (supporter_id, role_id) VALUES (1, 1)"))
        upgrade()
        with db.engine.connect() as conn:
            roles = conn.execute(sa.text("SELECT count(*) FROM supporter_roles")).scalar()
            lat, lon, area, town = conn.execute(sa.text(
                "SELECT search_latitude, search_longitude, search_area, place_label "
                "FROM supporter_profiles")).one()
        db.session.remove()
        db.engine.dispose()
    assert roles == 1
    import geodata

    sector = geodata.geocode("LS6 3")
    assert area == "sector"
    assert town  # the town nearest the sector's centre
    assert (lat, lon) == pytest.approx((sector.lat, sector.lon), abs=1e-9)
    assert (lat, lon) != pytest.approx((53.8195, -1.5820), abs=1e-4)


def _migration(name: str):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_search_table_keeps_its_data_version_trigger_at_head(scratch_url):
    """A later migration that rebuilds a table (SQLite batch mode) must not drop them."""
    app = create_app(config_for(scratch_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = conn.execute(sa.text(
                    "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE '%data_version%'")).scalars().all()
            else:
                rows = conn.execute(sa.text(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname LIKE '%data_version%'")).scalars().all()
        db.engine.dispose()
    sqlite = scratch_url.startswith("sqlite")
    changes = _migration("0019_search_changes.py")
    # Insert, update and delete each (SQLite: per row; PostgreSQL: per statement with
    # the statement's rows); users: update and delete; the taxonomy: one per statement.
    expected = {**{table: 3 for table in changes.LOGGED}, "users": 2,
                **{table: 3 if sqlite else 1 for table in changes.WHOLE}}
    assert set(expected) == set(_migration("0007_data_version_triggers.py").WATCHED)
    missing = {table for table, count in expected.items() if rows.count(table) < count}
    assert not missing, f"no data_version trigger on {sorted(missing)}"
