"""The JSON API under /api/v1, described by OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from app.api.base import Api

api = Api()


def register_api(app: Flask) -> None:
    """Bind the flask-smorest Api to ``app`` and register every API blueprint on it."""
    from app.api.accounts import blp as accounts_blp
    from app.api.admin_coverage import blp as admin_coverage_blp
    from app.api.admin_import import blp as admin_import_blp
    from app.api.admin_overview import blp as admin_overview_blp
    from app.api.admin_taxonomy import blp as admin_taxonomy_blp
    from app.api.admin_weights import blp as admin_weights_blp
    from app.api.allocation import blp as allocation_blp
    from app.api.caseload import blp as caseload_blp
    from app.api.impact import blp as impact_blp
    from app.api.plans import blp as plans_blp
    from app.api.profiles import blp as profiles_blp
    from app.api.requests import blp as requests_blp
    from app.api.saved_searches import blp as saved_searches_blp
    from app.api.search import blp as search_blp
    from app.api.system import blp as system_blp
    from app.api.taxonomy import blp as taxonomy_blp
    from app.api.unanswered_reports import blp as unanswered_reports_blp
    from app.api.waitlists import blp as waitlists_blp
    from app.routing import IdConverter, id_parameter_schema

    api.init_app(app)
    api.register_converter(IdConverter, id_parameter_schema)
    api.register_blueprint(system_blp, url_prefix="/")
    api.register_blueprint(taxonomy_blp, url_prefix="/api/v1")
    api.register_blueprint(search_blp, url_prefix="/api/v1")
    api.register_blueprint(saved_searches_blp, url_prefix="/api/v1")
    api.register_blueprint(accounts_blp, url_prefix="/api/v1")
    api.register_blueprint(profiles_blp, url_prefix="/api/v1")
    api.register_blueprint(requests_blp, url_prefix="/api/v1")
    api.register_blueprint(waitlists_blp, url_prefix="/api/v1")
    api.register_blueprint(plans_blp, url_prefix="/api/v1")
    api.register_blueprint(caseload_blp, url_prefix="/api/v1")
    api.register_blueprint(allocation_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_import_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_overview_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_taxonomy_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_weights_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_coverage_blp, url_prefix="/api/v1")
    api.register_blueprint(unanswered_reports_blp, url_prefix="/api/v1")
    api.register_blueprint(impact_blp, url_prefix="/api/v1")
