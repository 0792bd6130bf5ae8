"""Flask extensions, created unbound and bound in ``register_extensions``."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import csrf as flask_wtf_csrf
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# Stable constraint names let Alembic alter and drop constraints on both
# SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)


class CSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's CSRF protection, refusing (400) rather than failing (500) on a form
    part whose name cannot be read: werkzeug gives it the name None, and Flask-WTF's
    search for a prefixed token field calls ``None.endswith``."""

    def _get_csrf_token(self):
        from flask import request

        if any(key is None for key in request.form):
            return None
        return super()._get_csrf_token()


csrf = CSRFProtect()
login_manager = LoginManager()
talisman = Talisman()


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    """Turn on foreign keys for SQLite, which leaves them off by default.

    Writers also wait up to 30 s for its one write lock (see below): long
    enough for a queue of them, not forever.
    """
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Session, "do_orm_execute")
def _sqlite_write_lock_before_reading_for_update(state):
    """Make SELECT ... FOR UPDATE hold on SQLite, which ignores it.

    PostgreSQL locks the rows read, so what a writer reads (places left, a
    request's state) stays true until it commits. SQLite has one lock for the
    whole database, taken at a transaction's first write: after the reads, so
    twenty simultaneous accepts could each see a place free. Taking that lock
    first (BEGIN IMMEDIATE) makes writers that read for update run one at a
    time, as on PostgreSQL. (There is no public accessor for FOR UPDATE.)
    """
    if not state.is_select or state.statement._for_update_arg is None:
        return
    connection = state.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def register_extensions(app):
    """Bind every extension to ``app``."""
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", "migrations"),
                     render_as_batch=True, compare_type=True)
    limiter.init_app(app)
    _warn_if_rate_limits_cannot_hold(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from app.security import talisman_options

    talisman.init_app(app, **talisman_options(app.config))


def _warn_if_rate_limits_cannot_hold(app) -> None:
    """Say loudly when each of several workers would count rate limits on its own.

    With memory:// storage every worker keeps its own counts, so four workers
    let four times the sign-in attempts through: production needs shared
    storage (RATELIMIT_STORAGE_URI=redis://...).
    """
    config = app.config
    if (config.get("APP_ENV") != "production" or not config.get("RATELIMIT_ENABLED", True)
            or not config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")):
        return
    workers = gunicorn_workers()
    if workers == 1:
        return
    app.logger.warning(
        "RATE LIMITS DO NOT HOLD: RATELIMIT_STORAGE_URI is memory:// while %s run this "
        "app, so each counts sign-in attempts and searches on its own and lets that many "
        "times more through. Set RATELIMIT_STORAGE_URI=redis://host:6379 (shared by every "
        "worker and host).",
        f"{workers} gunicorn workers" if workers else "an unknown number of workers")


def gunicorn_workers() -> int | None:
    """Return how many gunicorn workers serve this app, or None when not run by gunicorn."""
    import os
    import sys

    if not os.path.basename(sys.argv[0] or "").startswith("gunicorn"):
        return None
    from gunicorn.config import Config

    config = Config()
    try:
        options = config.parser().parse_args(sys.argv[1:])
    except SystemExit:
        return None
    if options.workers is not None:
        return int(options.workers)
    return int(os.environ.get("WEB_CONCURRENCY", 1))
