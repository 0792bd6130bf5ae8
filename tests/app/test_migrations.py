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
        version = db.session.execute(sa.text("SELECT version FROM data_version")).scalar()
        assert version == 1
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
