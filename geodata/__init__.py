"""geodata: turn what a coach types into a place on the map, offline and fast.

Great Britain's postcodes come from Ordnance Survey Code-Point Open, US ZIP
codes from the ``zipcodes`` package and town names from GeoNames; an online
geocoder (geopy) can be switched on as a fallback. Everything returns plain
values: :class:`Location` and :class:`Place`.

Examples
--------
>>> import geodata
>>> home = geodata.geocode("LS6 3QS")
>>> home
Location(lat=53.82..., lon=-1.59..., precision='postcode', label='LS6 3QS', ...)
>>> geodata.coarsen(home).label
'LS6'
>>> geodata.coarsen(home, to="sector").label
'LS6 3'
>>> geodata.district_town("LS6")
'Leeds'
>>> round(geodata.haversine_km(home.lat, home.lon, 51.5072, -0.1276))  # to London
276
"""

from ._areas import area_centre
from ._coarsen import coarsen
from ._config import Settings, configure, settings
from ._distance import EARTH_RADIUS_KM, geodesic_km, haversine_km
from ._district_towns import district_town
from ._errors import (
    AmbiguousPlace,
    GeodataError,
    InvalidQuery,
    NotCoveredOffline,
    OnlineLookupError,
    PlaceNotFound,
)
from ._geocode import geocode, geocode_online, places
from ._index import build_index
from ._location import PRECISIONS, Location, Place
from ._reverse import from_coordinates, nearest_outward_code, nearest_postcodes, nearest_zip
from ._suggest import suggest

__all__ = [
    "EARTH_RADIUS_KM",
    "PRECISIONS",
    "AmbiguousPlace",
    "GeodataError",
    "InvalidQuery",
    "Location",
    "NotCoveredOffline",
    "OnlineLookupError",
    "Place",
    "PlaceNotFound",
    "Settings",
    "area_centre",
    "build_index",
    "coarsen",
    "district_town",
    "configure",
    "from_coordinates",
    "geocode",
    "geocode_online",
    "geodesic_km",
    "haversine_km",
    "nearest_outward_code",
    "nearest_postcodes",
    "nearest_zip",
    "places",
    "settings",
    "suggest",
]
