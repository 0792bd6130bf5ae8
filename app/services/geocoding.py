"""Turn what people type into places, offline first.

Offline answers (GB postcodes, outward codes, US ZIPs, towns) take
microseconds, so they are not cached. Answers from the optional online
geocoder are slow and rate-limited, so they are kept in the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import geodata
from app.errors import InvalidInput, NotFound
from app.models import GeocodeCacheEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    location: geodata.Location
    alternatives: tuple[geodata.Location, ...] = field(default=())


def configure(app) -> None:
    """Point geodata at the app's cache folder and online geocoder.

    geodata itself stays offline: this service decides when to go online, so
    that online answers are kept in the database.
    """
    geodata.configure(
        cache_dir=app.config["GEODATA_CACHE_DIR"],
        online=False,
        domain=app.config["GEOCODER_DOMAIN"],
        scheme=app.config["GEOCODER_SCHEME"],
        user_agent=app.config["GEOCODER_USER_AGENT"],
    )


def resolve_place(session: Session, text: str, *, field: str = "where",
                  country: str | None = None) -> Found:
    """Return the place ``text`` names, or raise an error naming ``field``.

    An ambiguous name ("Newport") resolves to its best candidate, with the
    others returned so a page can offer them.
    """
    try:
        return Found(geodata.geocode(text, country=country))
    except geodata.AmbiguousPlace as err:
        best, *others = err.candidates
        return Found(best, tuple(others))
    except geodata.InvalidQuery as err:
        raise InvalidInput(str(err), errors={field: [str(err)]}) from err
    except geodata.PlaceNotFound as err:
        online = _online(session, text)
        if online is not None:
            return Found(online)
        message = _not_found_message(text, err)
        raise NotFound(message, errors={field: [message]}) from err


def from_coordinates(lat: float, lon: float) -> geodata.Location:
    """Return a location for a point (e.g. "use my location"), labelled coarsely."""
    return geodata.from_coordinates(lat, lon)


def search_position(location: geodata.Location, area: str = "sector") -> geodata.Location:
    """Return the coarse point search places someone at: their sector's or district's centre.

    Search, its distances and its radius filter use this point only, so however
    many searches are combined they cannot locate anyone more precisely.
    """
    return geodata.coarsen(location, to=area)


def stored_location(lat: float, lon: float, postcode: str | None,
                    country: str | None) -> geodata.Location:
    """Return a location kept as (lat, lon, postcode or ZIP, country), for coarsening."""
    if postcode and country == "GB":
        return geodata.Location(lat, lon, "postcode", postcode, postcode.split()[0], "GB")
    if postcode and country == "US":
        return geodata.Location(lat, lon, "zip", postcode, None, "US")
    return geodata.Location(lat, lon, "coordinates", "", None, country)


def suggest(text: str, limit: int = 10) -> list[geodata.Location]:
    """Return places starting with ``text``, for autocomplete."""
    return geodata.suggest(text, limit=limit)


def _not_found_message(text: str, err: Exception) -> str:
    detail = str(err)
    if detail and text.strip().lower() in detail.lower():
        return detail
    return f"We could not find {text.strip()!r}: check the postcode, town or ZIP code."


def _online(session: Session, text: str) -> geodata.Location | None:
    """Ask the online geocoder, if configured, remembering its answers."""
    if not current_app.config.get("GEOCODER_ONLINE"):
        return None
    key = " ".join(text.lower().split())[:200]
    cached = session.scalar(select(GeocodeCacheEntry).where(GeocodeCacheEntry.query_key == key))
    if cached is not None:
        return geodata.Location(**cached.result) if cached.result else None
    try:
        location = geodata.geocode_online(text)
    except geodata.GeodataError:
        log.warning("Online geocoder failed for %r", text, exc_info=True)
        return None
    session.add(GeocodeCacheEntry(query_key=key, source="online",
                                  result=location.to_dict() if location else {}))
    try:
        session.commit()
    except IntegrityError:  # another worker cached it first
        session.rollback()
    return location
