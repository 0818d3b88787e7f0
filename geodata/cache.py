"""Persistent JSON cache for online geocoding answers.

Why: the online fallback is rate-limited (Nominatim allows ~1 request/s) and
its answers can change; caching makes a map rebuild reproducible and offline
after the first run. Writes are atomic (temp file in the same directory, then
``os.replace``) so a crash or a full disk never leaves a truncated cache that
would poison the next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import CacheError

__all__ = ["JsonCache", "atomic_write_json"]


def atomic_write_json(path: Path | str, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically; the old file survives any failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, (OSError, TypeError, ValueError)):
            raise CacheError(f"cannot write cache {path}: {exc}") from exc
        raise


class JsonCache:
    """A small str -> JSON-value map persisted to one file.

    Not a shared global: each instance owns its path. Every ``set`` rewrites
    the file, which is fine for the tens of entries an article produces.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._data: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {}
        except (OSError, json.JSONDecodeError) as exc:
            raise CacheError(f"cannot read cache {self.path}: {exc}") from exc
        if not isinstance(data, dict):
            raise CacheError(f"cache {self.path} is not a JSON object")
        return data

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Store and persist; on failure the in-memory and on-disk state are unchanged."""
        new = dict(self._data)
        new[key] = value
        atomic_write_json(self.path, new)
        self._data = new
