"""Module-level configuration: where the index is cached, and the online fallback.

Settings live in one object guarded by a lock; :func:`configure` changes them
and tells the parts that cache state (the loaded index, the online geocoder)
to start afresh.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["Settings", "configure", "default_cache_dir", "settings"]

#: Environment variable naming the cache folder.
CACHE_DIR_ENV = "GEODATA_CACHE_DIR"

CacheGet = Callable[[str], "dict[str, Any] | None"]
CacheSet = Callable[[str, "dict[str, Any]"], None]


@dataclass(frozen=True)
class Settings:
    """The current configuration (read it with :func:`settings`)."""

    cache_dir: Path | None = None
    online: bool = False
    geocoder: Any = None
    user_agent: str = "find-my-coaching-support-geodata/0.1"
    domain: str = "nominatim.openstreetmap.org"
    scheme: str = "https"
    timeout: float = 5.0
    min_delay_seconds: float = 1.0
    max_retries: int = 2
    error_wait_seconds: float = 5.0
    online_cache: tuple[CacheGet, CacheSet] | None = None
    dominance: float = 10.0
    country_preference: tuple[str, ...] = ("GB", "US")

    def resolved_cache_dir(self) -> Path:
        """Return the cache folder: configured, else from the environment, else the default."""
        return Path(self.cache_dir) if self.cache_dir is not None else default_cache_dir()


_UNSET: Any = object()
_lock = threading.Lock()
_settings = Settings()
_reset_hooks: list[Callable[[Settings, Settings], None]] = []


def default_cache_dir() -> Path:
    """Return ``$GEODATA_CACHE_DIR`` or ``~/.cache/find-my-coaching-support/geodata``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "find-my-coaching-support" / "geodata"


def settings() -> Settings:
    """Return the current settings."""
    return _settings


def on_reset(hook: Callable[[Settings, Settings], None]) -> None:
    """Register ``hook(old, new)`` to run whenever :func:`configure` is called."""
    _reset_hooks.append(hook)


def configure(
    *,
    cache_dir: str | os.PathLike[str] | None = _UNSET,
    online: bool = _UNSET,
    geocoder: Any = _UNSET,
    user_agent: str = _UNSET,
    domain: str = _UNSET,
    scheme: str = _UNSET,
    timeout: float = _UNSET,
    min_delay_seconds: float = _UNSET,
    max_retries: int = _UNSET,
    error_wait_seconds: float = _UNSET,
    online_cache: tuple[CacheGet, CacheSet] | None = _UNSET,
    dominance: float = _UNSET,
    country_preference: tuple[str, ...] = _UNSET,
) -> Settings:
    """Change geodata's settings; options left out keep their current value.

    Parameters
    ----------
    cache_dir : path or None
        Folder for the built index. None means ``$GEODATA_CACHE_DIR``, else
        ``~/.cache/find-my-coaching-support/geodata``.
    online : bool
        Fall back to an online geocoder when the offline data has no answer.
        Off by default: nothing reaches the network unless this is True.
    geocoder : geopy geocoder or None
        The geocoder to use online; None builds a Nominatim from
        *user_agent*, *domain*, *scheme* and *timeout*.
    user_agent, domain, scheme : str
        Nominatim's identification and address (a self-hosted Nominatim is
        ``domain="nominatim.example.org"``).
    timeout : float
        Seconds to wait for one online answer.
    min_delay_seconds, max_retries, error_wait_seconds : float, int, float
        geopy ``RateLimiter`` options; the public Nominatim allows one request
        a second.
    online_cache : (get, set) or None
        Callables the app provides so online answers are remembered:
        ``get(key) -> dict | None`` and ``set(key, dict)``.
    dominance : float
        How many times more populous the first match of a place name must be
        than the second for :func:`geocode` to pick it rather than raise
        :class:`AmbiguousPlace`.
    country_preference : tuple of str
        Countries that win ties between equally populous matches, first best.

    Returns
    -------
    Settings
        The settings now in force.

    Examples
    --------
    >>> import geodata
    >>> geodata.configure(online=False).online
    False
    """
    global _settings
    given = {
        "cache_dir": cache_dir,
        "online": online,
        "geocoder": geocoder,
        "user_agent": user_agent,
        "domain": domain,
        "scheme": scheme,
        "timeout": timeout,
        "min_delay_seconds": min_delay_seconds,
        "max_retries": max_retries,
        "error_wait_seconds": error_wait_seconds,
        "online_cache": online_cache,
        "dominance": dominance,
        "country_preference": country_preference,
    }
    changes = {name: value for name, value in given.items() if value is not _UNSET}
    if "country_preference" in changes:
        changes["country_preference"] = tuple(c.upper() for c in changes["country_preference"])
    if "cache_dir" in changes and changes["cache_dir"] is not None:
        changes["cache_dir"] = Path(changes["cache_dir"]).expanduser()
    if "online_cache" in changes and changes["online_cache"] is not None:
        get, set_ = changes["online_cache"]
        if not (callable(get) and callable(set_)):
            raise TypeError("online_cache must be a (get, set) pair of callables")
    with _lock:
        old, _settings = _settings, replace(_settings, **changes)
        for hook in _reset_hooks:
            hook(old, _settings)
    return _settings
