"""The widget's scripts and its iframe page."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, g, render_template, request
from marshmallow import ValidationError

from app.errors import flatten_errors
from app.extensions import db, talisman
from app.schemas.widget import EmbedPresetsArgs
from app.security import WIDGET_EMBED_TALISMAN, embed_content_security_policy
from app.services import widget_keys
from app.widget import bp

SCRIPTS = Path(__file__).resolve().parent.parent / "static" / "widget"


@bp.get("/widget.js")
def widget_script():
    """Serve the script embed: one file, cached for long and revalidated by its ETag."""
    return _script("widget.js")


@bp.get("/embed.js")
def embed_script():
    """Serve the host-side helper that sizes iframe embeds to their content."""
    return _script("embed.js")


def _script(name: str):
    body = (SCRIPTS / name).read_bytes()
    response = current_app.response_class(body, mimetype="text/javascript")
    # A hash of the content, so every worker and host gives the same ETag.
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["WIDGET_SCRIPT_MAX_AGE"]
    # Sites that isolate themselves (Cross-Origin-Embedder-Policy) may still load it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.get("/embed")
@talisman(**WIDGET_EMBED_TALISMAN)
def embed():
    """The search as a page of its own, for sites that embed it in an iframe."""
    try:
        page = widget_keys.embed_page(
            db.session, request.args.get("key"), parent_origin=request.args.get("parent_origin"),
            referrer=request.referrer)
    except widget_keys.WidgetRefused as err:
        g.frame_ancestors = err.frame_origins
        return render_template("widget/refused.html", message=err.message), 403
    g.frame_ancestors = tuple(page.widget_key.allowed_origins or ())
    try:
        presets = EmbedPresetsArgs().load(request.args)
    except ValidationError as err:
        return render_template(
            "widget/refused.html", message="Some of the presets in this address are not valid.",
            errors=flatten_errors(err.messages)), 422
    return render_template("widget/embed.html", widget_key=page.widget_key,
                           parent_origin=page.parent_origin, presets=presets)


@bp.after_request
def frame_rules(response):
    """Let only the key's sites frame the iframe page."""
    if request.endpoint == "widget.embed":
        response.headers["Content-Security-Policy"] = embed_content_security_policy(
            current_app.config, g.get("frame_ancestors", ()))
    return response

