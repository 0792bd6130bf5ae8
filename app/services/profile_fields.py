"""What profiles are made of: private locations and their public place, bios, taxonomy keys.

A location is stored exactly (latitude, longitude, the postcode typed) but only
its outward code and nearest town are ever shown, and search knows only the
centroid of its postcode sector (or district, if the supporter chooses).
"""

from __future__ import annotations

import functools
import html
import re

import nh3
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

import geodata
from app.errors import Conflict, InvalidInput
from app.models import Qualification, SupporterProfile, User
from app.services import geocoding

TOWN_MIN_POPULATION = 10_000
TOWN_REACH_KM = 30.0


def sanitise_bio(text: str) -> str:
    """Return ``text`` as plain text: every tag removed (with nh3), entities decoded.

    The result never contains markup, even when entities spelled a tag
    (``&lt;script&gt;``): cleaning repeats until nothing changes. Pages and
    the API then escape it like any other text.
    """
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    for _ in range(5):
        cleaned = html.unescape(nh3.clean(value, tags=set(),
                                          clean_content_tags={"script", "style"}))
        if cleaned == value:
            break
        value = cleaned
    value = re.sub(r"\n{3,}", "\n\n", value)
    return value.strip()


def public_place(location: geodata.Location, *, area: str = "sector"
                 ) -> tuple[str | None, str | None]:
    """Return the public ``(outward code or ZIP area, town)`` for a private location.

    A GB district is named by its own town (:func:`geodata.district_town`);
    elsewhere the town is the one nearest the public point search uses
    (``area``), never the exact position: two people in one sector get the
    same answer.
    """
    coarse = geodata.coarsen(location)
    if coarse.precision == "zip":  # "902xx, CA" -> "902xx"
        district = coarse.label.split(",")[0]
    else:
        district = coarse.outward_code or location.outward_code
    if town := geodata.district_town(district):
        return district, town
    if location.precision == "place":
        return district, location.label.split(",")[0]
    return district, _nearest_town(geocoding.search_position(location, area))


def public_town(near: str | None, stored: str | None) -> str | None:
    """Return the town shown beside a public area: a GB district's own, else the one stored.

    Naming the district, not the stored row, keeps one name per district on
    every page, whenever and however the profile was saved.
    """
    return geodata.district_town(near) or stored


def _nearest_town(location: geodata.Location) -> str | None:
    if location.country not in {"GB", "US"}:
        return None
    names, lats, lons = _towns(location.country)
    if not names:
        return None
    km = geodata.haversine_km(location.lat, location.lon, lats, lons)
    nearest = int(np.argmin(km))
    return names[nearest] if km[nearest] < TOWN_REACH_KM else None


@functools.lru_cache(maxsize=4)
def _towns(country: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the names and positions of a country's towns, as arrays (once per process)."""
    towns = geodata.places(country, min_population=TOWN_MIN_POPULATION)
    return ([t.name for t in towns], np.array([t.lat for t in towns]),
            np.array([t.lon for t in towns]))


def locate(session: Session, profile, text: str | None) -> None:
    """Geocode ``text`` onto ``profile`` (exact privately, coarse publicly)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Enter where you are based.",
                           errors={"location": ["Enter a postcode, town or ZIP code."]})
    if text == location_text(profile):
        return  # unchanged: keep the stored position
    location = geocoding.resolve_place(session, text, field="location").location
    profile.latitude, profile.longitude = location.lat, location.lon
    profile.postcode = location.postcode
    profile.country = location.country or "GB"
    place_publicly(profile, location)


def place_publicly(profile, location: geodata.Location) -> None:
    """Set the public area, town and (for a supporter) the position search uses."""
    area = getattr(profile, "search_area", None) or "sector"
    profile.outward_code, profile.place_label = public_place(location, area=area)
    if isinstance(profile, SupporterProfile):
        point = geocoding.search_position(location, area)
        profile.search_latitude, profile.search_longitude = point.lat, point.lon


def stored_location(profile) -> geodata.Location:
    """Return the private location kept on a profile, as geodata understands it."""
    return geocoding.stored_location(profile.latitude, profile.longitude, profile.postcode,
                                     profile.country)


def location_text(profile) -> str | None:
    """What the owner typed as their location, to show back in their form."""
    if profile is None:
        return None
    return profile.postcode or profile.place_label


# --- taxonomy lookups --------------------------------------------------------------------


def by_keys(session: Session, model, keys, field: str, *, held=None) -> list:
    """Return the ``model`` rows of ``keys``, in that order, or refuse unknown keys by field.

    ``held`` is what the record holds now (rows or keys): a retired item it
    holds may stay, but a retired item chosen anew is refused, naming the
    field. Without ``held`` (a caller that cannot tell), retired items are
    accepted as they always were.
    """
    keys = list(dict.fromkeys(keys or []))
    rows = list(session.scalars(select(model).where(model.key.in_(keys)))) if keys else []
    found = {row.key for row in rows}
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise InvalidInput("Some choices are not known.",
                           errors={field: [f"Unknown: {', '.join(unknown)}."]})
    if held is not None:
        _refuse_newly_retired(rows, held, field)
    order = {k: i for i, k in enumerate(keys)}
    return sorted(rows, key=lambda row: order[row.key])


def qualification_of(session: Session, key: str | None, *, held=None) -> Qualification | None:
    """Return the qualification of ``key`` (None for none).

    ``held`` as for ``by_keys``: the qualification held now, in a list
    (``[profile.qualification]``), or None when the caller cannot tell.
    """
    if not key:
        return None
    row = session.scalar(select(Qualification).where(Qualification.key == key))
    if row is None:
        raise InvalidInput("Unknown qualification.",
                           errors={"qualification": [f"Unknown qualification: {key}."]})
    if held is not None:
        _refuse_newly_retired([row], held, "qualification")
    return row


def _refuse_newly_retired(rows, held, field: str) -> None:
    holding = {getattr(item, "key", item) for item in held if item is not None}
    retired = [row.name for row in rows if row.retired_at is not None and row.key not in holding]
    if retired:
        raise InvalidInput("Some choices are no longer offered.",
                           errors={field: [f"No longer offered: {', '.join(retired)}."]})


def require_role(user: User, role: str, what: str) -> None:
    if not user.has_role(role):
        raise Conflict(f"Add the {role} role on your account page to {what}.",
                       errors={"roles": [f"Your account does not have the {role} role."]})
