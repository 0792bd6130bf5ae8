"""Settings read from the environment, with safe local defaults."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

# flask run-scheduler's jobs and how often each runs, as the cron lines in the README.
SCHEDULE_DEFAULTS = {
    "import-licences": "1d@01:00",  # first: the invitations it queues go out in the same pass
    "send-email": "1m",
    "expire-requests": "1h",
    "offer-waitlist-places": "1h",
    "remind-expiring-checks": "1d@06:00",
    "send-caseload-reminders": "1d@06:30",
    "send-search-alerts": "1d@07:00",
    "roll-up-search-demand": "1d@02:00",
    "prune-search-changes": "1h",
}


class ConfigError(RuntimeError):
    """The environment cannot produce a working configuration."""


def _public_base_url(env, production: bool) -> str:
    """Return the site's address, which every link in an email is built on.

    Never the address a request came in on: a forged Host or X-Forwarded-Host
    header would otherwise choose where a password-reset link points.
    """
    base = env.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    if not base:
        if production:
            raise ConfigError(
                "PUBLIC_BASE_URL is not set. In production every link in an email is built "
                "on it, never on a request's Host header: set it to the site's address, "
                "e.g. PUBLIC_BASE_URL=https://support.example.org")
        # The local server's own address (as `make run` serves it).
        base = f"http://{env.get('HOST', '127.0.0.1')}:{env.get('PORT', '5000')}"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ConfigError(f"PUBLIC_BASE_URL must be an http(s) address such as "
                          f"https://support.example.org, not {base!r}.")
    return base


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret_key(instance_path: Path) -> str:
    """Return a secret key kept under instance/, creating it on first use.

    Local runs survive restarts without logging everyone out, and nobody has
    to invent a key to try the service.
    """
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: str | os.PathLike, environ=None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    instance = Path(instance_path)
    app_env = env.get("APP_ENV", "development").strip().lower()
    if app_env not in {"development", "production", "testing"}:
        raise ConfigError(
            f"APP_ENV must be development, production or testing, not {app_env!r}."
        )
    production = app_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production it must be a long random value "
                "shared by every worker, e.g. SECRET_KEY=$(python -c "
                "'import secrets; print(secrets.token_hex(32))')."
            )
        secret_key = _local_secret_key(instance)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'coaching.db'}"
    if database_url.startswith("postgres://"):
        # Heroku-style URLs; SQLAlchemy only knows the long scheme.
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # "json": one JSON object per log line, with the request's id; else plain text.
        "LOG_FORMAT": env.get("LOG_FORMAT", "text").strip().lower(),
        # /metrics answers only a scraper sending "Authorization: Bearer <this>"; 404 unset.
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # How many proxies (load balancer, nginx) sit in front of the app and set
        # X-Forwarded-For/-Proto/-Host; 0 trusts none of those headers.
        "TRUSTED_PROXY_COUNT": int(env.get("TRUSTED_PROXY_COUNT", 0)),
        "GEODATA_CACHE_DIR": env.get("GEODATA_CACHE_DIR") or str(instance / "geodata"),
        "GEOCODER_ONLINE": _flag(env.get("GEOCODER_ONLINE")),
        "GEOCODER_USER_AGENT": env.get("GEOCODER_USER_AGENT", "find-my-coaching-support"),
        "GEOCODER_DOMAIN": env.get("GEOCODER_DOMAIN", "nominatim.openstreetmap.org"),
        "GEOCODER_SCHEME": env.get("GEOCODER_SCHEME", "https"),
        # Map tiles are a setting; with none, the map still shows its markers.
        "MAP_TILE_URL": env.get("MAP_TILE_URL",
                                "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "MAP_TILE_ATTRIBUTION": env.get(
            "MAP_TILE_ATTRIBUTION",
            "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"),
        # A rebuild that took longer than this happens in the background next time.
        "SEARCH_INDEX_INLINE_REBUILD_SECONDS": float(
            env.get("SEARCH_INDEX_INLINE_REBUILD_SECONDS", 0.5)),
        "SEARCH_INDEX_CHECK_SECONDS": float(env.get("SEARCH_INDEX_CHECK_SECONDS", 2)),
        # Changes are applied as they come; the whole index is read afresh this
        # often too (answering speed changes without any edit).
        "SEARCH_INDEX_REBUILD_SECONDS": float(env.get("SEARCH_INDEX_REBUILD_SECONDS", 3600)),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SEARCH_RATE_LIMIT": env.get("SEARCH_RATE_LIMIT", "120 per minute"),
        "PLACES_RATE_LIMIT": env.get("PLACES_RATE_LIMIT", "300 per minute"),
        "DEMO_SEED": int(env.get("DEMO_SEED", 2026)),
        # The widget's script URL never changes, so browsers keep it this long and then
        # revalidate it by its ETag.
        "WIDGET_SCRIPT_MAX_AGE": int(env.get("WIDGET_SCRIPT_MAX_AGE", 86400)),
        # Accounts and sessions
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", 30)),
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", 12)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(env.get("SESSION_MAX_HOURS", 12))),
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A CSRF token lives as long as the session it belongs to.
        "WTF_CSRF_TIME_LIMIT": None,
        "SIGN_IN_RATE_LIMIT": env.get("SIGN_IN_RATE_LIMIT", "10 per minute"),
        # Sign-up, verification and reset emails: nobody gets mail-bombed.
        "ACCOUNT_EMAIL_RATE_LIMIT": env.get("ACCOUNT_EMAIL_RATE_LIMIT", "10 per hour"),
        "EMAIL_VERIFICATION_MAX_AGE_HOURS": int(env.get("EMAIL_VERIFICATION_MAX_AGE_HOURS", 72)),
        "PASSWORD_RESET_MAX_AGE_MINUTES": int(env.get("PASSWORD_RESET_MAX_AGE_MINUTES", 60)),
        # A licence-list import invites new members to choose a password.
        "INVITATION_MAX_AGE_DAYS": int(env.get("INVITATION_MAX_AGE_DAYS", 14)),
        # Support requests
        "REQUEST_EXPIRY_DAYS": int(env.get("REQUEST_EXPIRY_DAYS", 7)),
        "STALE_EXPIRED_LIMIT": int(env.get("STALE_EXPIRED_LIMIT", 3)),
        "PENDING_REQUESTS_LIMIT": int(env.get("PENDING_REQUESTS_LIMIT", 10)),
        # A place that opens is held this long for the first coach on the waitlist.
        "WAITLIST_HOLD_DAYS": int(env.get("WAITLIST_HOLD_DAYS", 7)),
        # The admin home lists requests waiting longer than this for an answer.
        "UNANSWERED_REQUEST_DAYS": int(env.get("UNANSWERED_REQUEST_DAYS", 3)),
        # Search demand (the coverage map): counts are written every this many seconds;
        # days are kept this long, then merged into months, kept this many months.
        "SEARCH_LOG_FLUSH_SECONDS": float(env.get("SEARCH_LOG_FLUSH_SECONDS", 30)),
        "DEMAND_DAILY_DAYS": int(env.get("DEMAND_DAILY_DAYS", 90)),
        "DEMAND_KEEP_MONTHS": int(env.get("DEMAND_KEEP_MONTHS", 24)),
        # The coverage map shows no count smaller than this (1 to 4 are "fewer than 5").
        "COVERAGE_MIN_COUNT": int(env.get("COVERAGE_MIN_COUNT", 5)),
        "EXPIRY_WARNING_DAYS": tuple(sorted(
            (int(d) for d in env.get("EXPIRY_WARNING_DAYS", "30,7").split(",") if d.strip()),
            reverse=True)),
        # Caseloads: a reflective log is overdue after this many weeks without an entry;
        # an overdue log or review is reminded at most once in this many days.
        "LOG_OVERDUE_WEEKS": int(env.get("LOG_OVERDUE_WEEKS", 3)),
        "CASELOAD_REMINDER_EVERY_DAYS": int(env.get("CASELOAD_REMINDER_EVERY_DAYS", 7)),
        # Saved searches ("tell me when"): at most this many per coach or address; a
        # signed-out visitor's confirmation link (and their unconfirmed search) lasts this long.
        "SAVED_SEARCHES_PER_PERSON": int(env.get("SAVED_SEARCHES_PER_PERSON", 10)),
        "SAVED_SEARCH_CONFIRM_HOURS": int(env.get("SAVED_SEARCH_CONFIRM_HOURS", 72)),
        "SAVED_SEARCH_RATE_LIMIT": env.get("SAVED_SEARCH_RATE_LIMIT", "5 per hour"),
        # Email, through an outbox table; an empty MAIL_SERVER keeps messages queued.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", 587)),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS"), default=True),
        "MAIL_FROM": env.get("MAIL_FROM", "Find My Coaching Support <no-reply@localhost>"),
        # How long a message is retried before it becomes a dead letter (3 days).
        "MAIL_RETRY_HOURS": float(env.get("MAIL_RETRY_HOURS", 72)),
        "MAIL_SEND_IMMEDIATELY": _flag(env.get("MAIL_SEND_IMMEDIATELY"),
                                       default=app_env == "development"),
        # flask run-scheduler: how often each job runs ("30s", "1m", "1h", "1d", a daily time
        # in UTC such as "1d@07:00", or "off"); SCHEDULE_SEND_EMAIL=30s overrides one. The
        # licence list is imported from LICENCE_IMPORT_FILE, as LICENCE_IMPORT_AS, when set.
        "SCHEDULE": {job: env.get("SCHEDULE_" + job.upper().replace("-", "_"), every)
                     for job, every in SCHEDULE_DEFAULTS.items()},
        "LICENCE_IMPORT_FILE": env.get("LICENCE_IMPORT_FILE", ""),
        "LICENCE_IMPORT_AS": env.get("LICENCE_IMPORT_AS", ""),
        # Absolute links in emails; the request's own host when empty.
        "PUBLIC_BASE_URL": _public_base_url(env, production),
        # flask-smorest / OpenAPI
        "API_TITLE": "Find My Coaching Support API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Interactive docs at /api/v1/docs, served from the app's own static files.
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "API_SPEC_OPTIONS": {
            "info": {"description": "Search for athletics coaching support near a place, "
                                    "read public supporter profiles and the taxonomy. "
                                    "Errors share one shape: code, status, message and "
                                    "errors by field."},
        },
    }
