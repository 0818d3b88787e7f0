"""Persistent cache of online geocoding answers, shared safely between processes.

Why: the online fallback is rate-limited (Nominatim allows 1 request a second)
and its answers change over time; caching makes a map rebuild reproducible and
offline after the first run. It is on by default, in the folder
``geocode/`` under :func:`cache_dir` (``$XDG_CACHE_HOME/conflictmap/`` on Linux,
``~/.cache/conflictmap/`` when XDG_CACHE_HOME is unset or relative).

Why diskcache: two ``conflictmap`` runs filling one cache must lose nothing,
and a killed process must leave it readable. diskcache (a dependency of Dash's
background jobs already) gives exactly that: every ``set`` is its own SQLite
transaction behind the database's locks, so this module keeps only the JSON
values and the typed errors. diskcache needs a local file system (not NFS).

Earlier versions kept the cache in one SQLite file, ``geocode.sqlite``, beside
the folder. The first time a cache folder is opened beside such a file, its
answers are read into the folder once (never overwriting a newer answer), the
old file is left where it is, and a log line says so.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import diskcache
import platformdirs

from .errors import CacheError

__all__ = ["CACHE_DIR_NAME", "LEGACY_SUFFIX", "GeocodeCache", "cache_dir", "default_cache_path"]

CACHE_DIR_NAME = "geocode"
LEGACY_SUFFIX = ".sqlite"  # the one-file cache of earlier versions: geocode.sqlite beside geocode/
MIGRATED_MARKER = "migrated-from-sqlite.txt"
BUSY_TIMEOUT_S = 30.0

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """conflictmap's one cache folder (the geocoding cache and the app's download jobs live under it).

    platformdirs follows each system's rule: on Linux ``$XDG_CACHE_HOME/conflictmap``
    (a relative value is invalid per the XDG spec and ignored), else ``~/.cache/conflictmap``.
    """
    return Path(platformdirs.user_cache_dir("conflictmap", appauthor=False))


def default_cache_path() -> Path:
    """The geocoding cache folder: ``geocode/`` under :func:`cache_dir`."""
    return cache_dir() / CACHE_DIR_NAME


def cache_locations(path: Path | str) -> tuple[Path, Path]:
    """(the cache folder, the old one-file cache it takes its answers from once) for ``path``.

    A folder or a new path is the cache itself; an existing file is an old SQLite cache, whose
    answers move into the folder of the same name without its suffix (``c.sqlite`` -> ``c/``).
    """
    path = Path(path)
    if path.is_file():
        folder = path.with_suffix("") if path.suffix else path.with_name(path.name + ".d")
        return folder, path
    return path, path.with_name(path.name + LEGACY_SUFFIX)


class GeocodeCache:
    """A str -> JSON-value map in one diskcache folder; every ``set`` is committed at once.

    ``None`` is a value like any other (a name the service does not know is
    remembered too), so use ``in`` to tell "cached as not found" from "not cached".
    """

    def __init__(self, path: Path | str):
        self.path, self.legacy_path = cache_locations(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._cache = diskcache.Cache(
                # eviction off: the cache keeps every answer, as the one-file cache did
                str(self.path),
                timeout=BUSY_TIMEOUT_S,
                eviction_policy="none",
            )
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open geocoding cache {self.path}: {exc}") from exc
        self.migrated = self._migrate_once()

    def _migrate_once(self) -> int | None:
        """Read the old one-file cache's answers in (the first time only); their count, or None."""
        marker = self.path / MIGRATED_MARKER
        if not self.legacy_path.is_file() or marker.exists():
            return None
        try:
            old = sqlite3.connect(self.legacy_path, timeout=BUSY_TIMEOUT_S)
            try:
                rows = old.execute("SELECT key, value FROM answers").fetchall()
            finally:
                old.close()
        except sqlite3.Error as exc:
            raise CacheError(
                f"cannot read the old geocoding cache {self.legacy_path} to move it into {self.path}: {exc}"
                " (move the old file away to start a new cache)"
            ) from exc
        try:
            with self._cache.transact():
                for key, text in rows:
                    self._cache.add(key, text)  # add, not set: a newer answer stored meanwhile wins
            marker.write_text(f"{self.legacy_path}\n{len(rows)} answers\n", encoding="utf-8")
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise CacheError(f"cannot write geocoding cache {self.path}: {exc}") from exc
        log.warning(
            "conflictmap: moved %d cached geocoding answers from %s into %s"
            " (the old file is kept; remove it when done)",
            len(rows),
            self.legacy_path,
            self.path,
        )
        return len(rows)

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _text(self, key: str) -> str | None:
        try:
            text = self._cache.get(key)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise CacheError(f"cannot read geocoding cache {self.path}: {exc}") from exc
        return text if isinstance(text, str) else None

    def __contains__(self, key: str) -> bool:
        return self._text(key) is not None

    def __len__(self) -> int:
        try:
            return len(self._cache)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise CacheError(f"cannot read geocoding cache {self.path}: {exc}") from exc

    def get(self, key: str, default: Any = None) -> Any:
        text = self._text(key)
        if text is None:
            return default
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CacheError(f"geocoding cache {self.path} holds an unreadable entry: {exc}") from exc

    def keys(self) -> list[str]:
        try:
            return sorted(str(key) for key in self._cache.iterkeys())
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise CacheError(f"cannot read geocoding cache {self.path}: {exc}") from exc

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) under ``key``; committed before returning."""
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CacheError(f"cannot store {key!r} in the geocoding cache: {exc}") from exc
        try:
            self._cache.set(key, text)
        except (OSError, sqlite3.Error, diskcache.Timeout) as exc:
            raise CacheError(f"cannot write geocoding cache {self.path}: {exc}") from exc
