"""Persistent cache of online geocoding answers, shared safely between processes.

Why: the online fallback is rate-limited (Nominatim allows 1 request a second)
and its answers change over time; caching makes a map rebuild reproducible and
offline after the first run. It is on by default, in
``$XDG_CACHE_HOME/conflictmap/geocode.sqlite`` (``~/.cache/conflictmap/`` when
XDG_CACHE_HOME is unset).

Why SQLite in WAL mode rather than a JSON file: two ``conflictmap`` runs filling
one JSON cache each rewrote the whole file from their own copy and lost each
other's entries. SQLite makes each ``set`` one small transaction, serialised by
the database's own locks (waiting up to :data:`BUSY_TIMEOUT_S`), so concurrent
processes lose nothing and a killed process leaves a consistent database. WAL
needs a local file system (not NFS), like any SQLite database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from .errors import CacheError

__all__ = ["CACHE_FILE_NAME", "GeocodeCache", "default_cache_path"]

CACHE_FILE_NAME = "geocode.sqlite"
BUSY_TIMEOUT_S = 30.0


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/conflictmap/geocode.sqlite``, else ``~/.cache/conflictmap/geocode.sqlite``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "conflictmap" / CACHE_FILE_NAME


class GeocodeCache:
    """A str -> JSON-value map in one SQLite file; every ``set`` is committed at once.

    ``None`` is a value like any other (a name the service does not know is
    remembered too), so use ``in`` to tell "cached as not found" from "not cached".
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._set_up()
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open geocoding cache {self.path}: {exc}") from exc

    def _set_up(self) -> None:
        """WAL mode and the table, retried while another process does the same: switching a new
        database to WAL can answer "database is locked" at once, without waiting for busy_timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS answers"
                    " (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored REAL NOT NULL)"
                )
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _row(self, key: str):
        try:
            return self._db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise CacheError(f"cannot read geocoding cache {self.path}: {exc}") from exc

    def __contains__(self, key: str) -> bool:
        return self._row(key) is not None

    def __len__(self) -> int:
        try:
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        except sqlite3.Error as exc:
            raise CacheError(f"cannot read geocoding cache {self.path}: {exc}") from exc

    def get(self, key: str, default: Any = None) -> Any:
        row = self._row(key)
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError as exc:
            raise CacheError(f"geocoding cache {self.path} holds an unreadable entry: {exc}") from exc

    def keys(self) -> list[str]:
        try:
            return [k for (k,) in self._db.execute("SELECT key FROM answers ORDER BY key")]
        except sqlite3.Error as exc:
            raise CacheError(f"cannot read geocoding cache {self.path}: {exc}") from exc

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) under ``key``; committed before returning."""
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CacheError(f"cannot store {key!r} in the geocoding cache: {exc}") from exc
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO answers (key, value, stored) VALUES (?, ?, ?)", (key, text, time.time())
            )
        except sqlite3.Error as exc:
            raise CacheError(f"cannot write geocoding cache {self.path}: {exc}") from exc
