"""Something slow to build, kept on disk between runs and rebuilt whenever what it is built from changes.

Why: the packaged gazetteer's name indexes (41,000 places, some 200,000 spellings folded
four ways) take about a second of CPU to build, and every process that validates,
geocodes, imports, exports or serves paid it again: ``conflictmap validate`` spent two
thirds of its time there. Read back from a pickle it takes a tenth of that.

The file is named by a digest of everything the result depends on: the data files, the
source of the modules that build it, and the Python and pandas versions (a pickled
DataFrame is only read back by the pandas that wrote it). A changed input gives a new
name, so a stale build is never read. Writes go to a temporary file renamed into place,
so a reader never sees half a file and two processes building at once both succeed.
A damaged file is rebuilt; a folder that cannot be written costs only the time; a file
another user could have written is not unpickled. The newest few builds are kept, so
two checkouts of different versions do not evict each other on every run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

import pandas as pd

__all__ = ["BUILT_DIR_NAME", "KEEP_BUILDS", "built_dir", "cached_build", "digest_of"]

T = TypeVar("T")

BUILT_DIR_NAME = "built"
#: Builds of one name kept in the folder (the newest first); older ones are removed.
KEEP_BUILDS = 3
#: A temporary file this old was left by a process killed while writing it.
STALE_TEMPORARY_S = 3600.0

log = logging.getLogger(__name__)


def digest_of(inputs: Iterable[Path], versions: Iterable[str] = ()) -> str:
    """A digest of the inputs' bytes and ``versions`` (of the libraries whose objects are pickled),
    with the Python and pandas versions."""
    h = hashlib.sha256()
    h.update(f"python {sys.version_info[:2]} pandas {pd.__version__} pickle {pickle.HIGHEST_PROTOCOL}".encode())
    for version in versions:
        h.update(version.encode() + b"\0")
    for path in inputs:
        h.update(Path(path).name.encode() + b"\0")
        h.update(Path(path).read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:32]


def built_dir() -> Path:
    """Where builds are kept: ``built/`` in conflictmap's cache folder (beside the geocoding cache)."""
    from .cache import cache_dir

    return cache_dir() / BUILT_DIR_NAME


def cached_build(
    name: str,
    inputs: Iterable[Path],
    build: Callable[[], T],
    folder: Path | None = None,
    versions: Iterable[str] = (),
) -> T:
    """``build()``, or what an earlier run of it from the same inputs (and ``versions``) saved under
    ``folder`` (:func:`built_dir` when not given).

    Never fails for the cache's sake: any problem reading or writing it is logged at
    debug level and the result is built.
    """
    folder = built_dir() if folder is None else folder
    try:
        path = folder / f"{name}-{digest_of(inputs, versions)}.pickle"
    except OSError as exc:  # an input unreadable: let build() report it in its own words
        log.debug("not caching %s: %s", name, exc)
        return build()
    kept = _read(path)
    if kept is not None:
        return cast(T, kept)  # what build() returned when these inputs were last seen
    result = build()
    _write(path, result)
    _prune(folder, name)
    return result


def _read(path: Path) -> object | None:
    try:
        with open(path, "rb") as f:
            if not _written_by_this_user(os.fstat(f.fileno())):
                log.debug("not reading %s: another user could have written it", path)
                return None
            return pickle.load(f)  # a file in this user's own cache folder, checked above
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged or foreign file of any kind is rebuilt
        log.debug("rebuilding %s: %s", path, exc)
        return None


def _written_by_this_user(stat: os.stat_result) -> bool:
    if not hasattr(os, "getuid"):
        return True  # Windows: the folder is in the user's own profile
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def _write(path: Path, result: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.stem + ".", suffix=".tmp", delete=False) as f:
            try:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())
            except BaseException:
                os.unlink(f.name)
                raise
        os.replace(f.name, path)
    except OSError as exc:
        log.debug("could not keep %s: %s", path, exc)


def _prune(folder: Path, name: str) -> None:
    """Keep the newest :data:`KEEP_BUILDS` builds; remove temporary files a killed process left an hour ago."""
    try:
        builds = sorted(folder.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in builds[KEEP_BUILDS:]:
            old.unlink()
        for left in folder.glob(f"{name}-*.tmp"):
            if time.time() - left.stat().st_mtime > STALE_TEMPORARY_S:
                left.unlink()
    except OSError as exc:  # another process pruned first, or the folder is read-only
        log.debug("could not prune %s builds: %s", name, exc)
