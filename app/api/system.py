"""System endpoints: the API's own health and version."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.schemas.system import HealthSchema, LivenessSchema
from app.services import health

blp = Blueprint("system", __name__, description="Service health")


@blp.route("/livez")
class Liveness(MethodView):
    @blp.response(200, LivenessSchema)
    def get(self):
        """Say the process is up, without touching the database (a liveness probe)."""
        return {"status": "ok"}


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    def get(self):
        """Report the database, this worker's search index and the email outbox."""
        report = health.check()
        return report, (200 if report["database"] == "ok" else 503)
