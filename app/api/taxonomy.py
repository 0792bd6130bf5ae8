"""The taxonomy, for clients that build their own search forms."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.extensions import db
from app.schemas.taxonomy import TaxonomySchema
from app.services.taxonomy import load_taxonomy

blp = Blueprint("taxonomy", __name__, description="Support roles, event groups, needs, ladders")


@blp.route("/taxonomy")
class Taxonomy(MethodView):
    @blp.response(200, TaxonomySchema)
    def get(self):
        """List support roles, event groups, development needs and qualification ladders."""
        return load_taxonomy(db.session)
