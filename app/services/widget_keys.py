"""Widget keys: issued by admins to clubs, checked on every widget request.

A key names a club, the sites (origins) allowed to show the widget, the
presets its form starts with and a rate limit. The key itself is public (it
sits in the club's page source); what protects it is the origin check, which
browsers enforce through CORS for the script embed and through the
``frame-ancestors`` policy for the iframe embed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.models import EventGroup, SupportRole, User, WidgetKey
from app.schemas.widget import KEY_PATTERN, RADIUS_OPTIONS, normalise_origin
from app.services import audit, geocoding
from app.services.permissions import require_admin
from app.services.taxonomy import load_taxonomy

UNKNOWN_KEY = ("This widget key is not known: copy the embed code again from the "
               "club's widget key page on Find My Coaching Support.")
NOT_ALLOWED = "This site is not allowed to use this widget key."
REVOKED = ("This search is switched off: {club}'s widget key was revoked. You can still "
           "search on Find My Coaching Support itself.")


class WidgetRefused(DomainError, PermissionError):
    """The widget may not run: unknown or revoked key, or a site not on the key's list.

    ``cors_origin`` is the requesting origin when that origin is on the key's
    list (so the widget there may read the message); ``frame_origins`` are
    the sites that may frame the refusal page.
    """

    status_code = 403

    def __init__(self, message: str, *, errors=None, cors_origin: str | None = None,
                 frame_origins: tuple[str, ...] = ()):
        super().__init__(message, errors=errors)
        self.cors_origin = cors_origin
        self.frame_origins = frame_origins


@dataclass(frozen=True)
class Grant:
    """A widget request allowed to go ahead; echo ``cors_origin`` when it is set."""

    widget_key: WidgetKey
    cors_origin: str | None


@dataclass(frozen=True)
class EmbedPage:
    """The iframe page for a key, and the parent origin it may post its height to."""

    widget_key: WidgetKey
    parent_origin: str | None


# --- Checking widget requests -------------------------------------------------------------

def find_key(session: Session, key: str | None) -> WidgetKey:
    """Return the widget key row for ``key`` (revoked or not), or raise WidgetRefused."""
    if not key or not re.fullmatch(KEY_PATTERN, key):
        raise WidgetRefused(UNKNOWN_KEY, errors={"key": [UNKNOWN_KEY]})
    widget_key = session.scalar(select(WidgetKey).where(WidgetKey.key == key))
    if widget_key is None:
        raise WidgetRefused(UNKNOWN_KEY, errors={"key": [UNKNOWN_KEY]})
    return widget_key


def origin_allowed(widget_key: WidgetKey, origin: str | None) -> bool:
    """Return True when ``origin`` is exactly one of the key's sites ("null" never is)."""
    return bool(origin) and origin != "null" and origin in (widget_key.allowed_origins or [])


def authorise(session: Session, key: str | None, origin: str | None, *,
              own_origin: str) -> Grant:
    """Allow a widget API request for ``key`` from ``origin``, or raise WidgetRefused.

    ``origin`` is the request's Origin header. Browsers send it on every
    cross-origin request; without one the request comes from this service's
    own pages (the iframe embed) or from a program, which no origin check
    could stop anyway. Only a cross-origin request on the key's list gets
    CORS headers.
    """
    widget_key = find_key(session, key)
    same_site = origin is None or origin == own_origin
    if not same_site and not origin_allowed(widget_key, origin):
        shown = origin if origin == "null" else repr(origin)
        raise WidgetRefused(NOT_ALLOWED, errors={"origin": [
            f"{shown} is not on this widget key's list of allowed sites."]})
    cors_origin = None if same_site else origin
    if widget_key.revoked_at is not None:
        message = REVOKED.format(club=widget_key.club_name)
        raise WidgetRefused(message, errors={"key": [message]}, cors_origin=cors_origin)
    return Grant(widget_key, cors_origin)


def embed_page(session: Session, key: str | None, *, parent_origin: str | None = None,
               referrer: str | None = None) -> EmbedPage:
    """Allow the iframe page for ``key``, choosing the parent origin to post heights to.

    The parent is ``parent_origin`` when given (it must be on the key's
    list), else the referring page's origin when that is on the list, else
    the key's only site. With several sites and neither hint, the page works
    but does not resize itself.
    """
    widget_key = find_key(session, key)
    sites = tuple(widget_key.allowed_origins or ())
    if parent_origin:
        try:
            parent = normalise_origin(parent_origin)
        except ValueError as err:
            raise WidgetRefused(NOT_ALLOWED, errors={"parent_origin": [str(err)]},
                                frame_origins=sites) from err
        if parent not in sites:
            raise WidgetRefused(NOT_ALLOWED, errors={"parent_origin": [
                f"{parent} is not on this widget key's list of allowed sites."]},
                frame_origins=sites)
    else:
        parent = _origin_of(referrer)
        if parent not in sites:
            parent = sites[0] if len(sites) == 1 else None
    if widget_key.revoked_at is not None:
        message = REVOKED.format(club=widget_key.club_name)
        raise WidgetRefused(message, errors={"key": [message]}, frame_origins=sites)
    return EmbedPage(widget_key, parent)


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    try:
        return normalise_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        return None


def widget_config(session: Session, widget_key: WidgetKey) -> dict:
    """Return what the widget's form needs: the club, its presets and the taxonomy lists."""
    taxonomy = load_taxonomy(session)
    return {
        "club_name": widget_key.club_name,
        "presets": dict(widget_key.presets or {}),
        "roles": taxonomy["support_roles"],
        "event_groups": taxonomy["event_groups"],
        "radius_options": list(RADIUS_OPTIONS),
    }


# --- Managing keys (admins only) ----------------------------------------------------------

def list_keys(session: Session, admin: User) -> list[WidgetKey]:
    """Return every widget key, live ones first, newest first."""
    require_admin(admin)
    return list(session.scalars(select(WidgetKey).order_by(
        WidgetKey.revoked_at.is_not(None), WidgetKey.created_at.desc(), WidgetKey.id.desc())))


def get_key(session: Session, admin: User, key_id: int) -> WidgetKey:
    """Return one widget key by id."""
    require_admin(admin)
    widget_key = session.get(WidgetKey, key_id)
    if widget_key is None:
        raise NotFound("No widget key with that id.")
    return widget_key


def create_key(session: Session, admin: User, args: dict) -> WidgetKey:
    """Issue a new key for a club (``args`` as loaded by ``WidgetKeyArgs``)."""
    require_admin(admin)
    _check_presets(session, args["presets"])
    widget_key = WidgetKey(
        key=new_key(), club_name=args["club_name"], allowed_origins=args["allowed_origins"],
        presets=args["presets"], rate_limit_per_minute=args["rate_limit_per_minute"],
        created_by_id=admin.id)
    session.add(widget_key)
    session.flush()
    audit.record(session, "widget_key.created", actor=admin, subject=widget_key,
                 details={"origins": len(widget_key.allowed_origins)})
    return widget_key


def update_key(session: Session, admin: User, key_id: int, args: dict) -> WidgetKey:
    """Change a live key's club name, sites, presets or rate limit (the key stays the same)."""
    widget_key = get_key(session, admin, key_id)
    if widget_key.revoked_at is not None:
        raise Conflict("This widget key is revoked: issue a new key instead.")
    _check_presets(session, args["presets"], held=widget_key.presets)
    changed = [name for name in ("club_name", "allowed_origins", "presets",
                                 "rate_limit_per_minute")
               if getattr(widget_key, name) != args[name]]
    for name in changed:
        setattr(widget_key, name, args[name])
    if changed:
        audit.record(session, "widget_key.updated", actor=admin, subject=widget_key,
                     details={"changed": changed})
    session.flush()
    return widget_key


def revoke_key(session: Session, admin: User, key_id: int, *,
               now: datetime | None = None) -> WidgetKey:
    """Switch a key off for good: its widgets then show that it was revoked."""
    widget_key = get_key(session, admin, key_id)
    if widget_key.revoked_at is not None:
        raise Conflict("This widget key is revoked already.")
    widget_key.revoked_at = now or datetime.now(UTC)
    audit.record(session, "widget_key.revoked", actor=admin, subject=widget_key)
    session.flush()
    return widget_key


def new_key() -> str:
    """Return a fresh random key (public, but impossible to guess)."""
    return "wk_" + secrets.token_urlsafe(24)


def _check_presets(session: Session, presets: dict, held: dict | None = None) -> None:
    """Refuse unknown preset keys, and retired ones the key did not hold already."""
    errors: dict[str, list[str]] = {}
    for name, model in (("roles", SupportRole), ("event_groups", EventGroup)):
        wanted = presets.get(name) or []
        found = dict(session.execute(
            select(model.key, model.retired_at).where(model.key.in_(wanted))).all())
        unknown = [k for k in wanted if k not in found]
        kept = set((held or {}).get(name) or [])
        retired = [k for k in wanted if found.get(k) is not None and k not in kept]
        if unknown:
            errors[name] = [f"Unknown {name.replace('_', ' ')}: {', '.join(unknown)}."]
        elif retired:
            errors[name] = [f"No longer offered: {', '.join(retired)}."]
    if presets.get("where"):
        # A preset place the search cannot find would greet every visitor with an error.
        try:
            geocoding.resolve_place(session, presets["where"], field="where")
        except (InvalidInput, NotFound) as err:
            errors.update(err.errors or {"where": [err.message]})
    if errors:
        raise InvalidInput("Some of the presets are not valid.", errors=errors)


# --- The embed code shown to admins -------------------------------------------------------

def embed_code(widget_key: WidgetKey, base_url: str) -> dict:
    """Return the two-line embed snippets for ``widget_key`` served from ``base_url``.

    ``script`` is the script embed with the key's presets as data attributes;
    ``iframes`` has one iframe embed per allowed site (its ``parent_origin``
    lets the frame post its height to that site only).
    """
    base = base_url.rstrip("/")
    presets = widget_key.presets or {}
    attributes = "".join(
        f' data-{name.replace("_", "-")}="{escape(_preset_text(value))}"'
        for name, value in (("where", presets.get("where")),
                            ("radius", presets.get("radius_km")),
                            ("roles", presets.get("roles")),
                            ("event_groups", presets.get("event_groups")))
        if value)
    script = (f'<script src="{base}/widget.js" data-key="{escape(widget_key.key)}" async>'
              f'</script>\n<div data-coaching-support{attributes}></div>')
    iframes = []
    for origin in widget_key.allowed_origins or []:
        query = {"key": widget_key.key, "parent_origin": origin}
        for name in ("where", "radius_km", "roles", "event_groups"):
            if presets.get(name):
                query[name] = _preset_text(presets[name])
        src = f"{base}/embed?{urlencode(query)}"
        iframes.append({"origin": origin, "code": (
            f'<iframe src="{escape(src)}" title="Find coaching support" '
            f'style="width:100%;height:640px;border:0"></iframe>\n'
            f'<script src="{base}/embed.js" async></script>')})
    return {"script": script, "iframes": iframes}


def _preset_text(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
