"""The taxonomy, for clients that build their own search forms."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.extensions import db
from app.schemas.taxonomy import TaxonomyArgs, TaxonomySchema
from app.services.taxonomy import load_taxonomy

blp = Blueprint("taxonomy", __name__, description="Support roles, event groups, needs, ladders")


@blp.route("/taxonomy")
class Taxonomy(MethodView):
    @blp.arguments(TaxonomyArgs, location="query")
    @blp.response(200, TaxonomySchema)
    def get(self, args):
        """List support roles, event groups, development needs and qualification ladders.

        Only what is offered as a new choice, unless `include_retired=true`.
        """
        return load_taxonomy(db.session, include_retired=args["include_retired"])
