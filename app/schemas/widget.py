"""The embeddable widget: widget key forms (``*Args``) and the widget's API (``*Schema``).

Allowed origins are written as browsers send them in the ``Origin`` header
(``scheme://host[:port]``, lower case, no default port, no path), so checking
a request is an exact string comparison.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import EXCLUDE, ValidationError, fields, post_load, pre_load, validate

from app.i18n import LANGUAGES
from app.schemas.accounts import FormArgs
from app.schemas.base import Schema
from app.schemas.search import CommaList, NamedSchema, SearchArgs
from app.schemas.text import Line

# Plain http is for trying the widget on one's own computer only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ORIGINS = 20
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
RADIUS_OPTIONS = (5, 10, 25, 50, 100, 200)

_KEY = Line(validate=validate.Length(min=1, max=60))


def _language(**kwargs) -> Line:
    """The language the widget speaks: en (English, the default) or cy (Cymraeg)."""
    named = " or ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
    return Line(validate=validate.OneOf(LANGUAGES, error=f"Choose {named}."),
                metadata={"description": "The widget's language: " + ", ".join(LANGUAGES)},
                **kwargs)


def normalise_origin(value: str) -> str:
    """Return ``value`` as a browser's ``Origin`` header would give it, or raise ValueError.

    Examples
    --------
    >>> normalise_origin("https://WWW.Club.example:443/")
    'https://www.club.example'
    >>> normalise_origin("http://127.0.0.1:8000")
    'http://127.0.0.1:8000'
    """
    text = value.strip()
    if text.endswith("/"):
        text = text[:-1]
    example = "give the address as https://www.your-club.org"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise ValueError(f"{value.strip()!r} is not a web address: {example}.") from err
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host or "@" in parts.netloc:
        raise ValueError(f"{value.strip()!r} is not a web address: {example}.")
    if parts.path or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(f"{value.strip()!r} has a path: give only the site, e.g. "
                         f"{scheme}://{parts.netloc.lower()}.")
    if "*" in host:
        raise ValueError(f"{value.strip()!r}: wildcards are not allowed; list each site.")
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise ValueError(f"{value.strip()!r} must use https:// (plain http is only for "
                         f"localhost and 127.0.0.1).")
    if ":" in host:  # IPv6
        host = f"[{host}]"
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as err:
            raise ValueError(f"{value.strip()!r} is not a valid host name.") from err
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


class OriginLines(fields.Field):
    """Web sites given one per line (or comma-separated); loads a list of origins."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            lines = value.replace(",", "\n").splitlines()
        elif isinstance(value, list | tuple):
            lines = [str(v) for v in value]
        else:
            raise ValidationError("Give the sites as text, one per line.")
        origins, problems = [], []
        for line in lines:
            if not line.strip():
                continue
            try:
                origin = normalise_origin(line)
            except ValueError as err:
                problems.append(str(err))
                continue
            if origin not in origins:
                origins.append(origin)
        if problems:
            raise ValidationError(problems)
        if not origins:
            raise ValidationError("Give at least one site, e.g. https://www.your-club.org.")
        if len(origins) > MAX_ORIGINS:
            raise ValidationError(f"Give at most {MAX_ORIGINS} sites.")
        return origins


class WidgetKeyArgs(FormArgs):
    """A club's widget key: who it is for, where it may run, its presets and rate limit."""

    list_fields = ("roles", "event_groups")

    club_name = Line(required=True, validate=validate.Length(min=1, max=120))
    allowed_origins = OriginLines(required=True)
    rate_limit_per_minute = fields.Integer(load_default=60,
                                           validate=validate.Range(min=1, max=10_000),
                                           metadata={"label": "the rate limit (searches a minute)"})
    where = Line(load_default="", validate=validate.Length(max=100))
    radius_km = fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=500),
                             metadata={"label": "radius", "unit": "km"})
    roles = fields.List(_KEY, load_default=list, validate=validate.Length(max=10))
    event_groups = fields.List(_KEY, load_default=list, validate=validate.Length(max=20))

    def tidy(self, data):
        data["club_name"] = (data.get("club_name") or "").strip() or None
        if data["club_name"] is None:
            data.pop("club_name")
        for name in ("rate_limit_per_minute", "radius_km"):
            if data.get(name) == "":
                data.pop(name)
        if isinstance(data.get("where"), str):
            data["where"] = data["where"].strip()
        return data

    @post_load
    def gather_presets(self, data, **kwargs):
        presets = {
            "where": data.pop("where"),
            "radius_km": data.pop("radius_km"),
            "roles": data.pop("roles"),
            "event_groups": data.pop("event_groups"),
        }
        data["presets"] = {k: v for k, v in presets.items() if v not in ("", None, [])}
        return data


class EmbedPresetsArgs(Schema):
    """The iframe page's presets, given in its address (other parameters are ignored)."""

    class Meta:
        unknown = EXCLUDE

    where = Line(validate=validate.Length(min=1, max=100))
    radius_km = fields.Float(validate=validate.Range(min=1, max=500))
    roles = CommaList(_KEY, validate=validate.Length(max=10))
    event_groups = CommaList(_KEY, validate=validate.Length(max=20))
    lang = _language()
    limit = fields.Integer(validate=validate.Range(min=1, max=50))
    target = Line(validate=validate.OneOf(("_blank", "_top"),
                                          error="Give _blank (a new tab) or _top."))

    @pre_load
    def from_query(self, data, **kwargs):
        """Read repeated list parameters; treat blank ones as not given."""
        lists = {"roles", "event_groups"}
        if hasattr(data, "getlist"):
            data = {k: data.getlist(k) if k in lists else data.get(k) for k in data}
        return {k: v for k, v in dict(data).items() if v not in ("", None, [], [""])}


class WidgetSearchArgs(SearchArgs):
    """A search from the widget: the search page's arguments and the widget key."""

    key = Line(load_only=True, validate=validate.Length(max=64))
    lang = _language(load_only=True)


class WidgetConfigArgs(Schema):
    """The widget's request for its form: the key and the language."""

    key = Line(validate=validate.Length(max=64))
    lang = _language(load_default="en")


class PresetsSchema(Schema):
    where = Line()
    radius_km = fields.Float()
    roles = fields.List(Line())
    event_groups = fields.List(Line())


class WidgetCatalogueSchema(Schema):
    """The widget's translations: ``app.i18n.widget_catalogue`` for one language."""

    lang = Line()
    messages = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Each English string of the widget and its translation"})
    plurals = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "A counted string's English singular and its forms, in the order of "
                       "plural_categories"})
    plural_categories = fields.List(fields.String(), metadata={
        "description": "The CLDR plural category of each form (Intl.PluralRules chooses one)"})


class WidgetConfigSchema(Schema):
    """What the widget needs to draw its form."""

    club_name = Line()
    presets = fields.Nested(PresetsSchema)
    roles = fields.List(fields.Nested(NamedSchema))
    event_groups = fields.List(fields.Nested(NamedSchema))
    radius_options = fields.List(fields.Integer())
    catalogue = fields.Nested(WidgetCatalogueSchema, metadata={
        "description": "The widget's strings in the language asked for (translated ones only)"})
