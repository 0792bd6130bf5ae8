"""The optional online fallback, through geopy.

Off unless ``configure(online=True)``. Requests go through geopy's
``RateLimiter`` (the public Nominatim allows one a second) with a timeout,
and answers can be remembered through a ``(get, set)`` pair of callables the
app supplies, e.g. backed by its database, so the same text is asked once.
"""

from __future__ import annotations

import threading
from typing import Any

from ._config import Settings, on_reset, settings
from ._errors import OnlineLookupError, PlaceNotFound
from ._location import Location

__all__ = ["online_geocode"]

_lock = threading.Lock()
_limited: Any = None


def _reset(old: Settings, new: Settings) -> None:
    global _limited
    with _lock:
        _limited = None


on_reset(_reset)


def _geocode_function(cfg: Settings):
    """Return the rate-limited geocode callable, made once per configuration."""
    global _limited
    with _lock:
        if _limited is None:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import Nominatim

            geocoder = cfg.geocoder or Nominatim(
                user_agent=cfg.user_agent,
                domain=cfg.domain,
                scheme=cfg.scheme,
                timeout=cfg.timeout,
            )
            _limited = (
                geocoder,
                RateLimiter(
                    geocoder.geocode,
                    min_delay_seconds=cfg.min_delay_seconds,
                    max_retries=cfg.max_retries,
                    error_wait_seconds=cfg.error_wait_seconds,
                    swallow_exceptions=False,
                ),
            )
        return _limited


def online_geocode(text: str, *, country: str | None, locate_outward) -> Location:
    """Ask the configured online geocoder for *text*.

    Parameters
    ----------
    text : str
        The query as typed.
    country : str or None
        ISO code to restrict the search to.
    locate_outward : callable
        ``(lat, lon) -> str | None``, the offline nearest outward code.

    Raises
    ------
    PlaceNotFound
        The geocoder answered but found nothing.
    OnlineLookupError
        The geocoder failed (timeout, refused, unavailable, bad answer).
    """
    from geopy.exc import GeopyError
    from geopy.geocoders import Nominatim

    cfg = settings()
    key = f"geodata:online:{country or ''}:{' '.join(text.split()).casefold()}"
    if cfg.online_cache is not None:
        cached = cfg.online_cache[0](key)
        if cached:
            return Location(**cached)
    geocoder, limited = _geocode_function(cfg)
    options: dict[str, Any] = {"exactly_one": True, "timeout": cfg.timeout}
    if isinstance(geocoder, Nominatim):
        options["country_codes"] = [country.lower()] if country else ["gb", "us"]
        options["addressdetails"] = True
    try:
        found = limited(text, **options)
    except GeopyError as err:
        raise OnlineLookupError(f"Online lookup of '{text}' failed: {err}") from err
    if found is None:
        raise PlaceNotFound(f"No place called '{text}' was found online either.")
    try:
        lat, lon = float(found.latitude), float(found.longitude)
    except (TypeError, ValueError) as err:
        raise OnlineLookupError(f"Online lookup of '{text}' gave no usable coordinates.") from err
    outward = locate_outward(lat, lon)
    raw = found.raw if isinstance(found.raw, dict) else {}
    code = (raw.get("address") or {}).get("country_code")
    found_country = code.upper() if code else ("GB" if outward else None)
    label = ", ".join(part.strip() for part in str(found.address).split(",")[:3])
    location = Location(lat, lon, "online", label, outward, found_country)
    if cfg.online_cache is not None:
        cfg.online_cache[1](key, location.to_dict())
    return location
