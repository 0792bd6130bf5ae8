"""Build the offline index once, cache it on disk, load it lazily.

The cache folder holds one sub-folder per format version and source
fingerprint (``index-v2-<hash>``) with ``.npy`` arrays, two JSON side files
and a ``manifest.json`` written last. A build writes into a temporary folder and
renames it into place, which is atomic: several processes may race to build
and the losers simply discard their copy. Loading memory-maps the arrays, so
it takes milliseconds, and is guarded by a lock so threads load once.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from . import _sources
from ._config import on_reset, settings
from ._errors import GeodataError
from ._gb import GBIndex, build_gb_arrays
from ._places import PlaceIndex, build_places
from ._us import USIndex, build_us

__all__ = ["STORE", "build_index"]

_GB_ARRAYS = (
    "pc_keys",
    "pc_coords",
    "pc_level",
    "sector_keys",
    "sector_coords",
    "sector_public",
    "outward_keys",
    "outward_coords",
    "outward_public",
    "grid_cells",
    "grid_order",
)
_US_ARRAYS = ("zip_codes", "zip_coords", "zip3_codes", "zip3_coords", "zip3_public")
_MANIFEST = "manifest.json"


def _index_dir(cache_dir: Path) -> Path:
    return cache_dir / f"index-v{_sources.FORMAT_VERSION}-{_sources.fingerprint()[:16]}"


def _is_complete(directory: Path) -> bool:
    try:
        manifest = json.loads((directory / _MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("fingerprint") == _sources.fingerprint()


def _build_into(final: Path) -> None:
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=final.parent))
    except OSError as err:
        raise GeodataError(
            f"could not create the geodata cache folder {final.parent}: {err}"
        ) from err
    try:
        started = time.perf_counter()
        gb_arrays = build_gb_arrays(_sources.read_code_point())
        gb = GBIndex(gb_arrays)
        us_arrays, us_side = build_us(_sources.read_zipcodes())
        us = USIndex(us_arrays, us_side)
        geonames, states = _sources.read_places()
        places = build_places(geonames, states, _sources.read_supplement(), gb, us)
        del geonames
        for name, array in {**gb_arrays, **us_arrays}.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        (tmp / "zips.json").write_text(json.dumps(us_side, separators=(",", ":")))
        (tmp / "places.json").write_text(json.dumps(places, separators=(",", ":")))
        manifest = {
            "fingerprint": _sources.fingerprint(),
            "format": _sources.FORMAT_VERSION,
            "postcodes": int(len(gb_arrays["pc_keys"])),
            "located_postcodes": int(len(gb_arrays["grid_order"])),
            "sectors": int(len(gb_arrays["sector_keys"])),
            "public_sectors": int(np.count_nonzero(gb_arrays["sector_public"])),
            "outward_codes": int(len(gb_arrays["outward_keys"])),
            "zip_codes": int(len(us_arrays["zip_codes"])),
            "places": len(places["records"]),
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=2))
        if final.exists():
            # Forced rebuild: move the old copy aside first; processes that
            # have it memory-mapped keep their pages until they let go.
            trash = final.with_name(f".old-{final.name}-{os.getpid()}")
            os.rename(final, trash)
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.rename(tmp, final)
        except OSError:
            if not _is_complete(final):
                raise
            # Another process finished first; its copy is as good as ours.
    except OSError as err:
        raise GeodataError(
            f"could not write the geodata index under {final.parent}: {err}"
        ) from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale(final)


def _remove_stale(current: Path) -> None:
    for other in current.parent.glob("index-*"):
        if other != current:
            shutil.rmtree(other, ignore_errors=True)


def _load_arrays(directory: Path, names) -> dict[str, np.ndarray]:
    # A plain ndarray view of the memmap keeps the mapping alive (through
    # .base) without np.memmap's per-operation subclass overhead.
    return {
        name: np.load(directory / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in names
    }


class Store:
    """The loaded index, one per process, filled on first use."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._directory: Path | None = None
        self._gb: GBIndex | None = None
        self._us: USIndex | None = None
        self._places: PlaceIndex | None = None

    def reset(self) -> None:
        """Forget what was loaded (the cache folder may have changed)."""
        with self._lock:
            self._directory = self._gb = self._us = self._places = None

    def directory(self) -> Path:
        """Return the index folder, building the index first if needed."""
        directory = self._directory
        if directory is not None:
            return directory
        with self._lock:
            if self._directory is None:
                self._directory = ensure_built(settings().resolved_cache_dir())
            return self._directory

    def gb(self) -> GBIndex:
        """Return the GB postcode index."""
        gb = self._gb
        if gb is not None:
            return gb
        with self._lock:
            if self._gb is None:
                self._gb = self._load(lambda d: GBIndex(_load_arrays(d, _GB_ARRAYS)))
            return self._gb

    def us(self) -> USIndex:
        """Return the US ZIP index."""
        us = self._us
        if us is not None:
            return us
        with self._lock:
            if self._us is None:
                self._us = self._load(
                    lambda d: USIndex(
                        _load_arrays(d, _US_ARRAYS), json.loads((d / "zips.json").read_text())
                    )
                )
            return self._us

    def places(self) -> PlaceIndex:
        """Return the place-name index."""
        places = self._places
        if places is not None:
            return places
        with self._lock:
            if self._places is None:
                self._places = self._load(
                    lambda d: PlaceIndex(json.loads((d / "places.json").read_text("utf-8")))
                )
            return self._places

    def _load(self, loader):
        try:
            return loader(self.directory())
        except FileNotFoundError:
            # Parts load lazily: a process running other geodata code may have
            # replaced this folder since it was found. Find or build it again.
            self._directory = None
            return loader(self.directory())


STORE = Store()


def _on_configure(old, new) -> None:
    # Only a different folder makes the loaded index wrong.
    if old.resolved_cache_dir() != new.resolved_cache_dir():
        STORE.reset()


on_reset(_on_configure)


def ensure_built(cache_dir: Path, *, force: bool = False) -> Path:
    """Return the index folder under *cache_dir*, building it if missing or stale."""
    final = _index_dir(cache_dir)
    if force or not _is_complete(final):
        _build_into(final)
    return final


def build_index(*, cache_dir: str | os.PathLike[str] | None = None, force: bool = False) -> Path:
    """Build the offline index now rather than on first use.

    Parameters
    ----------
    cache_dir : path, optional
        Where to put it; defaults to the configured cache folder.
    force : bool
        Rebuild even if an index for the current data already exists.

    Returns
    -------
    pathlib.Path
        The folder holding the index.

    Examples
    --------
    >>> import geodata
    >>> path = geodata.build_index()  # seconds the first time, then instant
    >>> (path / "manifest.json").exists()
    True
    """
    target = Path(cache_dir).expanduser() if cache_dir is not None else None
    configured = settings().resolved_cache_dir()
    with STORE._lock:
        path = ensure_built(target or configured, force=force)
        if force and (target is None or target == configured):
            STORE.reset()
    return path
