"""Find My Coaching Support: the Flask application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from flask import Flask

from app import observability
from app.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the application; no I/O beyond reading settings."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path))
    app.config["MIGRATIONS_DIR"] = str(PROJECT_ROOT / "migrations")
    if config:
        app.config.update(config)

    configure_logging(app)
    trust_proxies(app)
    observability.init_app(app)  # first: every request is timed and has an id
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_filters(app)
    return app


def register_template_filters(app: Flask) -> None:
    from app.services.profile_fields import public_town
    from app.web.formatting import plural

    app.add_template_filter(plural)
    app.add_template_global(public_town)  # one name per district on every page


def configure_logging(app: Flask) -> None:
    """Log to stderr, once, at the configured level, as plain text or JSON lines."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_coaching_support", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._coaching_support = True
        root.addHandler(handler)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(observability.JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(app.config["LOG_LEVEL"])
    # Alembic announces each of its plugins at INFO on every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-* from the configured number of proxies, and no more.

    Behind a TLS-terminating load balancer this is what lets the app know a
    request was HTTPS (no redirect loop) and who the client was (rate limits).
    """
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count,
                                x_port=count)


def register_converters(app: Flask) -> None:
    from app.routing import register_converters as register

    register(app)


def register_extensions(app: Flask) -> None:
    from app import extensions

    extensions.register_extensions(app)
    from app import i18n

    i18n.init_app(app)
    from app.services import geocoding

    geocoding.configure(app)


def register_blueprints(app: Flask) -> None:
    from app import widget
    from app.admin import bp as admin_bp
    from app.api import bodies, register_api
    from app.auth import bp as auth_bp
    from app.auth import sessions
    from app.caseload import bp as caseload_bp
    from app.routing import register_access_checks
    from app.services import mailer
    from app.support import bp as support_bp
    from app.web import bp as web_bp
    from app.widget import api_bp as widget_api_bp
    from app.widget import bp as widget_bp

    sessions.init_app(app)  # sign-in, timeouts, sign-out on the server
    app.after_request(mailer.send_queued_after_request)
    app.register_blueprint(web_bp)            # home, search, public profiles
    app.register_blueprint(auth_bp)           # accounts
    app.register_blueprint(support_bp)        # profiles and support requests
    app.register_blueprint(admin_bp)          # verification, roles, email, widgets
    app.register_blueprint(caseload_bp)       # plans, logs, the caseload
    register_api(app)                         # /api/v1 and its OpenAPI description
    widget.without_cookies_or_csrf(app)
    app.register_blueprint(widget_bp)         # /widget.js, /embed.js, /embed
    app.register_blueprint(widget_api_bp)     # /widget/api/v1
    register_access_checks(app)  # first: 404 before anything about the body
    bodies.register(app)


def register_error_handlers(app: Flask) -> None:
    from app import error_handlers

    error_handlers.register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from app import scheduled_jobs, setup_commands

    setup_commands.register(app)   # taxonomy, demo data, the geodata index
    scheduled_jobs.register(app)   # email, expiry, reminders: run by cron
