"""Security headers and the Content Security Policy, in one place.

Everything the browser is told about what the pages may load comes from
``talisman_options``; a later feature that needs its own rules (the widget's
frame and CORS rules, say) extends this function rather than scattering
headers through views.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def tile_origin(tile_url: str) -> str | None:
    """Return the ``scheme://host`` that map tiles load from, if any.

    Tile URLs carry a ``{s}`` subdomain placeholder sometimes
    (``https://{s}.tile.example.org/...``): that becomes a wildcard.
    """
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy(config) -> dict:
    """Return the CSP: only this site's own scripts, styles and images.

    Leaflet and Swagger UI set ``style`` attributes on elements, which needs
    'unsafe-inline' in style-src; scripts stay strictly 'self' (the API docs'
    start-up script is a static file, not inline).
    """
    images = ["'self'", "data:"]
    tiles = tile_origin(config.get("MAP_TILE_URL", ""))
    if tiles:
        images.append(tiles)
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def serialise_policy(policy: dict) -> str:
    """Return ``policy`` as a Content-Security-Policy header value."""
    return "; ".join(
        f"{name} {value if isinstance(value, str) else ' '.join(value)}"
        for name, value in policy.items())


def embed_content_security_policy(config, frame_ancestors) -> str:
    """Return the CSP of the widget's iframe page: framed only by ``frame_ancestors``.

    Everything else is the site's own policy. With no allowed origins (an
    unknown key) nobody may frame it. Talisman is told to leave that page's
    CSP and X-Frame-Options alone (``WIDGET_EMBED_TALISMAN``), so this is the
    only frame rule it gets.
    """
    policy = content_security_policy(config)
    policy["frame-ancestors"] = list(frame_ancestors) or "'none'"
    return serialise_policy(policy)


# Per-view Talisman options for the iframe page: no X-Frame-Options (it would
# forbid every frame) and no Talisman CSP (the page sets its own, above).
WIDGET_EMBED_TALISMAN = {"frame_options": None, "content_security_policy": None}


def talisman_options(config) -> dict:
    """Return Flask-Talisman's settings for ``config``.

    HTTPS is forced, and cookies marked Secure, only in production, so local
    runs and tests work over plain http.
    """
    production = config.get("APP_ENV") == "production"
    return {
        "force_https": production,
        "strict_transport_security": production,
        "session_cookie_secure": production,
        "session_cookie_http_only": True,
        "frame_options": "DENY",
        "content_security_policy": content_security_policy(config),
        "referrer_policy": "strict-origin-when-cross-origin",
        "permissions_policy": {"geolocation": "(self)", "camera": "()", "microphone": "()",
                               "browsing-topics": "()"},
    }
