"""Fixtures shared by the whole suite.

Database tests run on SQLite, and again on PostgreSQL when TEST_DATABASE_URL
is set (CI sets it). The schema comes from the Alembic migrations, exactly as
in production; between tests every table is emptied.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# One geodata index for the whole run (and for every run on this machine).


os.environ.setdefault("GEODATA_CACHE_DIR", str(ROOT / "instance" / "geodata"))


def pytest_configure(config):
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError(
            "CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must not be "
            "skipped in CI. Run the suite through .ci/run, which starts PostgreSQL.")


def sqlalchemy_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named, as the app does."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


#: No test's query takes more than a second or two; a plan gone wrong takes hours.
STATEMENT_TIMEOUT_MS = 60_000

BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@contextmanager
def postgresql_database(name: str):
    """Create a PostgreSQL database ``name`` beside TEST_DATABASE_URL's; yield its URL; drop it."""
    base = sa.make_url(sqlalchemy_url(TEST_DATABASE_URL))
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    drop = sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the session, on each backend in turn.

    PostgreSQL gets a database of its own per pytest-xdist worker (or for a
    serial run), named after TEST_DATABASE_URL's and dropped at the end.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate_to_head(url)
        yield url
        return
    base_name = sa.make_url(TEST_DATABASE_URL).database
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with postgresql_database(f"{base_name}_{worker}") as url:
        migrate_to_head(url)
        yield url


def migrate_to_head(url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()


def config_for(url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "GEODATA_CACHE_DIR": os.environ["GEODATA_CACHE_DIR"],
        "LOG_LEVEL": "WARNING",
        # Tests see every change at once; production checks every couple of seconds,
        # and rebuilds in the background once a build is slow (as on a busy CI machine).
        "SEARCH_INDEX_CHECK_SECONDS": 0,
        "SEARCH_INDEX_INLINE_REBUILD_SECONDS": float("inf"),
        "MAP_TILE_URL": "",
        # Links in emails: the test client's own host.
        "PUBLIC_BASE_URL": "http://localhost",
    }
    if url.startswith("postgresql"):
        # A pathological plan fails its test within a minute instead of hanging the run.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"}}
    config.update(overrides)
    return config


@pytest.fixture
def app_config() -> dict:
    """Per-test overrides for the app's config (tests may update it first)."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    from app import create_app
    from app.extensions import db
    from app.services.taxonomy import seed_taxonomy

    app = create_app(config_for(database_url, **app_config))
    with app.app_context():
        seed_taxonomy(db.session)
        db.session.commit()
    yield app
    rebuilding = app.extensions.get("search_index")
    if rebuilding is not None:  # its thread would open connections after the dispose
        rebuilding.wait_for_rebuild(timeout=120)
    with app.app_context():
        db.session.remove()
        empty_all_tables(db.engine)
        db.engine.dispose()


def empty_all_tables(engine) -> None:
    from app.extensions import db

    tables = [t.name for t in db.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            # Deleting the taxonomy logged changes (migration 0019's triggers).
            conn.execute(sa.text("DELETE FROM search_changes"))
        conn.execute(sa.text(
            "INSERT INTO data_version (id, version, updated_at) VALUES (1, 1, :now)"),
            {"now": datetime.now(UTC)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The app's database session, inside an app context."""
    from app.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def make_user(session):
    """Return a function creating a committed user: ``make_user(roles=["coach"])``."""
    from app.models import User, UserRole

    counter = iter(range(1, 10**6))

    def make(*, roles=("coach",), email=None, name=None, **fields):
        n = next(counter)
        user = User(email=email or f"person{n}@example.com", display_name=name or f"Person {n}",
                    **fields)
        user.roles = [UserRole(role=r) for r in roles]
        session.add(user)
        session.commit()
        return user

    return make


@pytest.fixture
def make_supporter(session, make_user):
    """Return a function creating a committed, searchable supporter.

    Every default makes the supporter eligible for search; override a field to
    make them otherwise (``make_supporter(verified_at=None)``).
    """
    from sqlalchemy import select

    from app.models import EventGroup, Need, Qualification, SupporterProfile, SupportRole

    def make(*, roles=("mentor",), event_groups=("jumps",), expertise=("technical_model",),
             qualification="uk_coach", user=None, **fields):
        user = user or make_user(roles=["supporter"])
        today = date.today()
        values = dict(
            latitude=53.8195, longitude=-1.5820, postcode="LS6 3QS", outward_code="LS6",
            place_label="Leeds", travel_km=20.0, capacity=2, offers_online=False,
            safeguarding_expires_on=today + timedelta(days=365),
            licence_expires_on=today + timedelta(days=365),
            verified_at=datetime.now(UTC), bio="Jumps coach.",
        )
        values.update(fields)
        if "search_latitude" not in values and values.get("latitude") is not None:
            # Search places them where the app would: their sector's centre (the
            # default postcode's, unless the test moved them without one).
            from app.services import geocoding

            moved = {"latitude", "longitude"} & fields.keys() and "postcode" not in fields
            location = geocoding.stored_location(
                values["latitude"], values["longitude"], None if moved else values["postcode"],
                values.get("country", None if moved else "GB"))
            point = geocoding.search_position(location, values.get("search_area", "sector"))
            values["search_latitude"], values["search_longitude"] = point.lat, point.lon
        profile = SupporterProfile(user_id=user.id, **values)
        profile.roles = list(session.scalars(
            select(SupportRole).where(SupportRole.key.in_(roles))))
        profile.event_groups = list(session.scalars(
            select(EventGroup).where(EventGroup.key.in_(event_groups))))
        profile.expertise = list(session.scalars(select(Need).where(Need.key.in_(expertise))))
        if qualification:
            profile.qualification = session.scalar(
                select(Qualification).where(Qualification.key == qualification))
        session.add(profile)
        session.commit()
        return profile

    return make


# --- Accounts, email and signed-in clients ---------------------------------------------

PASSWORD = "correct horse battery staple"
_HASHES: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """Return an argon2 hash of ``password``, computed once per run (hashing is slow)."""
    if password not in _HASHES:
        from app.services.passwords import hash_password

        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def make_account(make_user):
    """Return a function creating a user who can sign in with ``PASSWORD``, email confirmed."""

    def make(*, roles=("coach",), verified=True, **fields):
        fields.setdefault("password_hash", password_hash())
        if verified:
            fields.setdefault("email_verified_at", datetime.now(UTC))
        return make_user(roles=roles, **fields)

    return make


class Visitor:
    """A test client as a browser would use it: CSRF token included in changes.

    Tests that hold the ``session`` fixture keep an app context open, and Flask
    then runs every request inside it, sharing one ``g`` (where Flask-Login
    keeps the current user and Flask-WTF the CSRF token). In production each
    request has its own; so each request here starts with an empty ``g``.
    """

    def __init__(self, client):
        self.client = client

    @staticmethod
    def _fresh_g():
        from flask import g, has_app_context

        if has_app_context():
            for name in list(vars(g)):
                delattr(g, name)

    def open(self, *args, **kwargs):
        self._fresh_g()
        return self.client.open(*args, **kwargs)

    @property
    def csrf(self) -> str:
        return self.get("/api/v1/session").get_json()["csrf_token"]

    def get(self, url, **kwargs):
        return self.open(url, method="GET", **kwargs)

    def post(self, url, data=None, **kwargs):
        """Post a form, with the CSRF token a page would carry."""
        return self.open(url, method="POST", data={**(data or {}), "csrf_token": self.csrf},
                         **kwargs)

    def api(self, method: str, url: str, json=None, **kwargs):
        """Call the JSON API with the X-CSRFToken header."""
        headers = {"X-CSRFToken": self.csrf, **kwargs.pop("headers", {})}
        return self.open(url, method=method.upper(), json=json, headers=headers, **kwargs)


@pytest.fixture
def visitor(app):
    """Return a function giving a Visitor: signed in as ``user``, or anonymous."""

    def make(user=None) -> Visitor:
        client = app.test_client()
        if user is not None:
            from app.auth.sessions import TOKEN
            from app.extensions import db
            from app.services import sign_ins

            with app.app_context():
                token = sign_ins.start(db.session, user)
                db.session.commit()
            with client.session_transaction() as sess:
                sess["_user_id"] = user.get_id()
                sess["_fresh"] = True
                sess[TOKEN] = token
        return Visitor(client)

    return make


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free local port, collecting messages."""
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(app, smtp_sink):
    """Point the app's email at the sink; ``mailbox.deliver()`` runs the send command."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME="", MAIL_PASSWORD="", MAIL_SEND_IMMEDIATELY=False)

    def deliver(now=None):
        args = ["send-email"] + (["--now", now] if now else [])
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output

    smtp_sink.deliver = deliver
    return smtp_sink


# --- The embeddable widget ------------------------------------------------------------

CLUB_SITE = "https://www.leedscityac.example"


@pytest.fixture
def make_widget_key(session):
    """Return a function creating a committed widget key: ``make_widget_key(presets={...})``."""
    from app.models import WidgetKey
    from app.services.widget_keys import new_key

    def make(*, club_name="Leeds City AC", allowed_origins=(CLUB_SITE,), presets=None,
             rate_limit_per_minute=60, **fields):
        widget_key = WidgetKey(key=new_key(), club_name=club_name,
                               allowed_origins=list(allowed_origins), presets=dict(presets or {}),
                               rate_limit_per_minute=rate_limit_per_minute, **fields)
        session.add(widget_key)
        session.commit()
        return widget_key

    return make


# --- Development plans and engagements (caseloads) --------------------------------------


@pytest.fixture
def make_plan(session):
    """Return a function creating a committed plan: ``make_plan(coach, goals=["..."])``.

    ``needs`` maps need keys to priorities; ``goals`` are titles or dicts of goal fields.
    """
    from sqlalchemy import select

    from app.models import DevelopmentPlan, Need, PlanGoal, PlanNeed, PlanReview

    def make(coach, *, title="Advanced Coach plan", starts_on=None, ends_on=None, needs=None,
             goals=(), review_dates=(), status="active", programme=None):
        plan = DevelopmentPlan(coach_id=coach.id, title=title, starts_on=starts_on,
                               ends_on=ends_on, status=status, programme=programme)
        for key, priority in (needs or {}).items():
            need = session.scalar(select(Need).where(Need.key == key))
            plan.needs.append(PlanNeed(need=need, priority=priority))
        for goal in goals:
            fields = {"title": goal} if isinstance(goal, str) else dict(goal)
            plan.goals.append(PlanGoal(**fields))
        plan.reviews = [PlanReview(due_on=d) for d in review_dates]
        session.add(plan)
        session.commit()
        return plan

    return make


@pytest.fixture
def make_engagement(session):
    """Return a function creating a committed engagement between a coach and a supporter."""
    from sqlalchemy import select

    from app.models import Engagement, SupportRole

    def make(coach, supporter_profile, *, role="mentor", plan=None, started_on=None,
             status="active", ended_on=None, outcome=None):
        engagement = Engagement(
            coach_id=coach.id, supporter_id=supporter_profile.id,
            role_id=session.scalar(select(SupportRole.id).where(SupportRole.key == role)),
            plan_id=plan.id if plan else None, status=status,
            started_on=started_on or date.today() - timedelta(days=30),
            ended_on=ended_on, outcome=outcome)
        session.add(engagement)
        session.commit()
        return engagement

    return make
