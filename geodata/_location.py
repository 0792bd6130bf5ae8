"""The plain values geodata returns: :class:`Location` and :class:`Place`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PRECISIONS", "Location", "Place"]

#: How precise a :class:`Location` is, finest first.
PRECISIONS = (
    "postcode",
    "sector",
    "outward_code",
    "zip",
    "place",
    "online",
    "coordinates",
)
_PRECISIONS = frozenset(PRECISIONS)


@dataclass(frozen=True, slots=True)
class Location:
    """A point on the map and what it stands for.

    Parameters
    ----------
    lat, lon : float
        WGS84 latitude and longitude in degrees.
    precision : str
        One of :data:`PRECISIONS`: ``"postcode"`` (a full GB postcode's
        centroid), ``"sector"`` (``"LS6 3"``), ``"outward_code"``
        (``"LS6"``), ``"zip"`` (a US ZIP code's centroid), ``"place"`` (a town,
        city or suburb), ``"online"`` (an online geocoder's answer) or
        ``"coordinates"`` (a point the user gave, e.g. "use my location").
    label : str
        What to show a person: ``"LS6 3QS"``, ``"Headingley, Leeds"``,
        ``"90210, Beverly Hills, CA"``, ``"near LS6"``.
    outward_code : str or None
        The GB outward code (postcode district) the location lies in or
        nearest to, if it is in Great Britain.
    country : str or None
        ISO 3166 alpha-2 code: ``"GB"``, ``"US"``, ``"JE"``, ``"GG"``,
        ``"IM"``, or None when unknown.

    Examples
    --------
    >>> loc = Location(53.8, -1.58, "outward_code", "LS6", outward_code="LS6", country="GB")
    >>> loc.to_dict()["label"]
    'LS6'
    """

    lat: float
    lon: float
    precision: str
    label: str
    outward_code: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        if self.precision not in _PRECISIONS:
            raise ValueError(
                f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}"
            )

    @property
    def postcode(self) -> str | None:
        """The full GB postcode or US ZIP code this location stands for, if any.

        Examples
        --------
        >>> Location(34.09, -118.41, "zip", "90210, Beverly Hills, CA", country="US").postcode
        '90210'
        """
        if self.precision == "postcode":
            return self.label
        if self.precision == "zip":
            return self.label[:5]
        return None

    def to_dict(self) -> dict[str, float | str | None]:
        """Return the location as a JSON-ready dict.

        Examples
        --------
        >>> Location(51.5, -0.12, "place", "London, England", country="GB").to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'lat': 51.5, 'lon': -0.12, 'precision': 'place', 'label': 'London, England',
         'outward_code': None, 'country': 'GB'}
        """
        return {
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
            "label": self.label,
            "outward_code": self.outward_code,
            "country": self.country,
        }


@dataclass(frozen=True, slots=True)
class Place:
    """A town, city or suburb from the place-name gazetteer.

    Parameters
    ----------
    name : str
        The place's own name, e.g. ``"Gateshead"``.
    lat, lon : float
        WGS84 coordinates of the place's centre.
    population : int
        GeoNames population; 0 when unknown (suburbs mostly).
    country : str
        ISO 3166 alpha-2 code.
    region : str or None
        England/Scotland/Wales/Northern Ireland, a US state code, or the
        town a suburb belongs to.
    label : str
        Unambiguous display name, e.g. ``"Springfield, IL"``.
    outward_code : str or None
        Nearest GB outward code, when within reach of a GB postcode.

    Examples
    --------
    >>> p = Place("Gateshead", 54.96, -1.60, 77649, "GB", "England", "Gateshead, England", "NE8")
    >>> p.to_location().precision
    'place'
    """

    name: str
    lat: float
    lon: float
    population: int
    country: str
    region: str | None
    label: str
    outward_code: str | None = None

    def to_location(self) -> Location:
        """Return the place as a :class:`Location` of precision ``"place"``."""
        return Location(self.lat, self.lon, "place", self.label, self.outward_code, self.country)
