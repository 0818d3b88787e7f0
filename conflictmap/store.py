"""The columnar store: a dataset as a folder of Parquet files and a manifest.

Why this shape:

- **Start fast.** The app needs the events table in memory (all but the search text); reading it
  from Parquet is a columnar copy (text stays in Arrow buffers, repeated text
  is dictionary-encoded and becomes a pandas Categorical), so a million
  events start in seconds where the YAML path needed minutes. The import
  parses and validates once; ``load_dataset(STORE)`` never sees the CSV.
- **Open format, no server.** Parquet is what DuckDB, pandas, Polars, Spark,
  R's arrow and QGIS read directly; ``duckdb -c "select ... from
  'STORE/events.parquet'"`` works on the store as it is, with no export step.
  A DuckDB database file would also start fast but is one program's format,
  one writer at a time, and not something to put in object storage.
- **Scales past one machine without our code.** The same folder copied to
  object storage (S3, GCS, Azure) is queried in place by DuckDB's httpfs or
  any engine that reads Parquet; the manifest is plain JSON. There is no
  home-made distribution layer.
- **Safe to replace.** The folder is built under a temporary name beside the
  target and swapped into place when complete, in one atomic step where the
  system has one (Linux ``renameat2(RENAME_EXCHANGE)``): a kill at any
  instant leaves the old or the new store whole at the path. Elsewhere the
  old store is first renamed aside, and the next open (or import) puts a
  complete copy back if a kill fell between the two renames. Leftovers of
  killed imports are removed only while a complete store is at the path, so
  a sweep never deletes the only complete copy. The input file is never a
  target.
- **Checked on open.** The manifest carries each table's row count and
  SHA-256; a table that does not match (a file copied in from another store,
  a truncated copy) is refused by name, never served. A server's start does
  not hash again a file still stamped as the one the import hashed (same
  size, modification time and inode; see :func:`verify_store`).
- **Start without recomputing.** What the app would derive from the tables
  at every start (each event's place keys, the map's story places) is
  computed once when the store is written (:data:`DERIVED_TABLES`), and the
  events' free text (search text, description, notes) stays in its file, read
  for the rows that use it (:class:`StoredText`): a million events load in
  about 1.6 s of CPU, with about 0.65 GB resident.

Layout: ``manifest.json`` (format, version, each table's file, rows, SHA-256
and stamp, source file and its SHA-256, groups file, created time) and one
Parquet file per table of ``conflictmap.table.Dataset`` (events, actors,
sources, factions, documents, report, places, control) and per derived table
(place_keys, story_places, control_claims). Event and statement dates are
Parquet DATEs; lists (an area's outline) are JSON text, decoded on load.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import threading
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from conflictmap.claimstable import claims_from_arrow, claims_to_arrow
from conflictmap.control import control_claims, remember_claims
from conflictmap.errors import ConflictmapError
from conflictmap.places import remember_place_keys, remember_story_places
from conflictmap.table import Dataset, empty_places

if TYPE_CHECKING:
    from concurrent.futures import Future

    from conflictmap.control import Claim

STORE_FORMAT = "conflictmap/store"
# 2: per-table rows and SHA-256 in the manifest, and the places table; 3: the derived tables;
# 4: the control statements and the control claims
STORE_VERSION = 4
MANIFEST = "manifest.json"
DATASET_TABLES = ("events", "actors", "sources", "factions", "documents", "report", "places", "control")
#: Tables computed from the dataset's own tables when the store is written, so that no start computes
#: them again: each event's place keys (``place_keys``: codes into categories kept in the table's
#: metadata), the map's story places (``story_places``) and the claims about control
#: (``control_claims``, :mod:`conflictmap.claimstable`). See :func:`_derived_tables`.
DERIVED_TABLES = ("place_keys", "story_places", "control_claims")
TABLES = DATASET_TABLES + DERIVED_TABLES
CATEGORIES_KEY = b"conflictmap.categories"
#: Columns a load leaves in the Parquet file: read where they are used, never held (see :class:`StoredText`).
#: The events' free text only the details panel and the exports show (a page, one event or a chunk of rows at a time).
SHOWN_TEXT_COLUMNS = ("description", "notes")
ON_DISK_COLUMNS = {"events": ("search_text", *SHOWN_TEXT_COLUMNS)}
INDEX_COLUMNS = {"factions": "faction", "documents": "document"}  # their pandas index
ID_INDEXED = ("events", "places")  # indexed by their own ``id`` column, unnamed, as conflictmap.table builds them
DATE_COLUMNS = {
    "events": ("date_start", "date_end"),
    "control": ("date_start", "date_end"),
}  # DATE in Parquet, datetime64[s] in pandas
JSON_COLUMNS_KEY = b"conflictmap.json_columns"
COMPRESSION = "zstd"
COLUMNS_PER_READ = 16


class StoreError(ConflictmapError):
    """A store cannot be written or read."""


def is_store(path: Path | str) -> bool:
    path = Path(path)
    return path.is_dir() and (path / MANIFEST).is_file()


#: Hidden folders an import makes beside its target NAME: ``.NAME.tmp-PID-HEX`` (being built, or
#: the old store after an exchange) and ``.NAME.old-PID-HEX`` (the old store, moved aside).
def _leftover_pattern(name: str) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(name)}\.(tmp|old)-(\d+)-[0-9a-f]{{8}}$")


LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-\d+-[0-9a-f]{8}$")


def leftover_of(path: Path | str) -> Path | None:
    """The store a hidden folder was left beside by an interrupted import (None if it is not one)."""
    path = Path(path)
    m = LEFTOVER.match(path.name)
    return path.parent / m["name"] if m else None


def read_manifest(path: Path | str) -> dict:
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: not a readable conflictmap store ({exc})") from None
    if manifest.get("format") != STORE_FORMAT:
        raise StoreError(f"{path / MANIFEST}: not a conflictmap store manifest")
    if manifest.get("version") != STORE_VERSION or not isinstance(manifest.get("tables"), dict):
        raise StoreError(
            f"{path / MANIFEST}: store version {manifest.get('version')} is not {STORE_VERSION}; "
            "re-import the source file with this version of conflictmap"
        )
    return manifest


class StoreWriter:
    """Builds a store in a temporary folder beside ``target``; ``commit`` renames it into place.

    An existing store at ``target`` is replaced (that is what re-importing
    means); any other existing file or folder there is refused, as is a
    target that is, or contains, one of the ``protect`` paths (the input).
    """

    def __init__(self, target: Path | str, protect: tuple[Path, ...] = ()):
        self.target = Path(target)
        for p in protect:
            p = Path(p).resolve()
            t = self.target.resolve()
            if p == t or t in p.parents:
                raise StoreError(f"{self.target}: refusing to write the store over its own input {p}")
        parent = self.target.parent
        if not parent.is_dir():
            raise StoreError(f"{self.target}: folder {parent} does not exist")
        recover_store(self.target)
        if self.target.exists() and not is_store(self.target):
            raise StoreError(f"{self.target}: exists and is not a conflictmap store; choose another output folder")
        _sweep_stale(self.target)
        self.tmp = parent / f".{self.target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.tmp.mkdir()
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    def append(self, name: str, table: pa.Table) -> None:
        """Add rows to table ``name`` (one Parquet row group per call)."""
        writer = self._writers.get(name)
        if writer is None:
            writer = pq.ParquetWriter(self.tmp / f"{name}.parquet", table.schema, compression=COMPRESSION)
            self._writers[name] = writer
        writer.write_table(table)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        _fault_point("appended")

    def commit(self, manifest: dict) -> Path:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        missing = [t for t in DATASET_TABLES if not (self.tmp / f"{t}.parquet").exists()]
        if not missing:
            for name, table in _derived_tables(self.tmp).items():
                self.append(name, table)
            for writer in self._writers.values():
                writer.close()
            self._writers.clear()
            missing = [t for t in TABLES if not (self.tmp / f"{t}.parquet").exists()]
        if missing:
            raise StoreError(f"{self.target}: internal error, tables not written: {', '.join(missing)}")
        tables = {}
        for t in TABLES:
            file = self.tmp / f"{t}.parquet"
            _fsync(file)  # written out before its time is taken: nothing later changes the file or its stamp
            digest = _sha256(file)
            tables[t] = {
                "file": file.name,
                "rows": self.rows.get(t, 0),
                "sha256": digest,
                "stamp": _stamp(file, digest),
            }
        manifest = {
            "format": STORE_FORMAT,
            "version": STORE_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "tables": tables,
            **manifest,
        }
        manifest.setdefault("counts", {}).update({t: self.rows.get(t, 0) for t in TABLES})
        for file in self.tmp.iterdir():  # on disk before the manifest says the store is complete
            _fsync(file)
        _write_durably(self.tmp / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        _fsync(self.tmp)
        _fault_point("built")
        replace_store(self.tmp, self.target)
        return self.target

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):  # already failing; the folder goes anyway
                writer.close()
        self._writers.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


def replace_store(new: Path, target: Path) -> None:
    """Put the complete store ``new`` at ``target``, so that a kill at any instant leaves one there whole.

    With no store at ``target``, one rename. Otherwise the two folders are
    exchanged atomically (``renameat2(RENAME_EXCHANGE)``) and the old store,
    now under ``new``'s hidden name, is deleted. Where the system cannot
    exchange, the old store is renamed aside first; a kill before the second
    rename leaves no store at the path for an instant, and ``recover_store``
    (run by every open and import) moves a complete copy back.
    """
    parent = target.parent
    if not target.exists():
        os.rename(new, target)
        _fsync(parent)
        _fault_point("renamed")
        return
    if _exchange(new, target):
        _fsync(parent)
        _fault_point("exchanged")
        shutil.rmtree(new, ignore_errors=True)  # the old store, now a leftover: the new one is in place
        return
    old = parent / f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.rename(target, old)
    _fault_point("moved-aside")
    os.rename(new, target)
    _fsync(parent)
    _fault_point("renamed")
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None  # the libc function once looked up; False where there is none


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux 3.15+, glibc 2.28+); False where the system cannot."""
    global _renameat2
    if os.environ.get("CONFLICTMAP_NO_EXCHANGE"):  # to test the portable path on Linux
        return False
    if _renameat2 is None:
        try:
            func: Any = ctypes.CDLL(None, use_errno=True).renameat2
        except (AttributeError, OSError):
            func = False
        else:
            func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            func.restype = ctypes.c_int
        _renameat2 = func
    if not _renameat2:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):  # not supported here
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fault_point(step: str) -> None:
    """Fault injection for the crash tests: ``CONFLICTMAP_KILL_AT=STEP`` kills the process right here."""
    if os.environ.get("CONFLICTMAP_KILL_AT") == step:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def recover_store(target: Path | str) -> None:
    """Finish what a killed replacement left: put a complete copy back at ``target`` if none is there.

    Only copies whose import is no longer running are considered; the old
    store moved aside is preferred (the replacement never reported success),
    then a new one that was complete. Nothing is deleted here.
    """
    target = Path(target)
    if target.exists() or not target.parent.is_dir():
        return
    found = []
    for entry, kind, pid in _leftovers(target):
        if pid != os.getpid() and not _alive(pid):
            found.append((kind != "old", entry))
    for _, entry in sorted(found):
        try:
            verify_store(entry)
        except StoreError:
            continue
        with contextlib.suppress(OSError):  # another process may have recovered it first
            os.rename(entry, target)
            _fsync(target.parent)
        return


def _leftovers(target: Path) -> list[tuple[Path, str, int]]:
    pattern = _leftover_pattern(target.name)
    found = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not entry.is_symlink():
            found.append((entry, m[1], int(m[2])))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: not ours to judge
    return True


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _stamp(file: Path, sha256: str) -> str:
    """The file's SHA-256 bound to its size and modification time (see :func:`verify_store`)."""
    st = os.stat(file)
    return hashlib.sha256(f"{sha256}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode()).hexdigest()[:32]


def _write_durably(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # some platforms cannot open folders; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sweep_stale(target: Path) -> None:
    """Remove hidden folders beside ``target`` left by killed imports, only while a complete store is there.

    With no store at ``target`` (or a broken one) a leftover may be the only
    complete copy: it is kept, for ``recover_store`` or for the user.
    """
    stale = [entry for entry, _, pid in _leftovers(target) if pid != os.getpid() and not _alive(pid)]
    if not stale or not target.exists():
        return
    try:
        verify_store(target)
    except StoreError:
        return
    for entry in stale:
        shutil.rmtree(entry, ignore_errors=True)


def clean_leftovers(target: Path | str) -> None:
    """After an open: recover an interrupted replacement, then drop what killed imports left beside it."""
    target = Path(target)
    recover_store(target)
    _sweep_stale(target)


def write_store(
    dataset: Dataset, target: Path | str, source: dict | None = None, protect: tuple[Path, ...] = ()
) -> Path:
    """Write a dataset (e.g. from a curated YAML file) as a store."""
    with StoreWriter(target, protect) as writer:
        for name in DATASET_TABLES:
            frame = getattr(dataset, name)
            writer.append(name, table_to_arrow(name, with_stored_text(frame) if name == "events" else frame))
        return writer.commit({"title": dataset.title, "source": source or {"file": dataset.file}})


def table_to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """One Dataset table as Arrow: index as a column, dates as DATE, lists as JSON text."""
    if name in INDEX_COLUMNS:
        frame = frame.rename_axis(INDEX_COLUMNS[name]).reset_index()
    else:
        frame = frame.reset_index(drop=True)
    json_columns = []
    for col in frame.columns:
        if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, (list, tuple, dict))).any():
            frame[col] = frame[col].map(lambda v: json.dumps(v) if v is not None else None).astype(object)
            json_columns.append(col)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type) and pa.types.is_null(f.type.value_type):
            # An all-empty Categorical: keep it text-typed so it reads back as a Categorical.
            empty = pa.nulls(table.num_rows, pa.int32()).dictionary_encode().indices
            table = table.set_column(i, f.name, pa.DictionaryArray.from_arrays(empty, pa.array([], pa.string())))
    for col in DATE_COLUMNS.get(name, ()):
        if col in table.column_names and pa.types.is_timestamp(table.schema.field(col).type):
            i = table.column_names.index(col)
            table = table.set_column(i, col, table.column(col).cast(pa.date32()))
    meta = dict(table.schema.metadata or {})
    meta[JSON_COLUMNS_KEY] = json.dumps(json_columns).encode()
    return table.replace_schema_metadata(meta)


def verify_store(path: Path | str, hash_unchanged: bool = True) -> dict:
    """The manifest of a complete store whose every table matches it (rows and SHA-256), else StoreError.

    Hashing reads each file once (0.1-0.3 s for a 1,000,000-event store); the
    row count comes from the Parquet footer. A table copied in from another
    store, truncated or edited is refused by name.

    ``hash_unchanged=False`` (a server's start) skips hashing a file that is
    still, by its size and modification time, the very file the import hashed:
    the manifest keeps a stamp of the SHA-256 with both. Any copy, truncation,
    edit or replacement of a table changes its time or size, and an edited
    SHA-256 in the manifest no longer matches its stamp: those files are hashed
    as before. Imports, recoveries and sweeps always hash.
    """
    path = Path(path)
    manifest = read_manifest(path)
    tables = manifest["tables"]
    for name in TABLES:
        entry = tables.get(name)
        if not isinstance(entry, dict) or entry.get("file") != f"{name}.parquet":
            raise StoreError(f"{path / MANIFEST}: table {name!r} is not listed; re-import the source file")
        file = path / entry["file"]
        try:
            rows = pq.ParquetFile(file).metadata.num_rows
            claimed = entry.get("sha256")
            unchanged = not hash_unchanged and isinstance(claimed, str) and entry.get("stamp") == _stamp(file, claimed)
            digest = claimed if unchanged else _sha256(file)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(
                f"{file}: cannot read ({exc}); the store is incomplete, re-import the source file"
            ) from None
        if rows != entry.get("rows"):
            raise StoreError(
                f"{file}: has {rows:,} rows but the store's manifest says {entry.get('rows')}; "
                "the table does not belong to this store, re-import the source file"
            )
        if digest != entry.get("sha256"):
            raise StoreError(
                f"{file}: its SHA-256 does not match the store's manifest (the file was changed or replaced); "
                "re-import the source file"
            )
    return manifest


def load_store(path: Path | str) -> Dataset:
    """Read a store into a Dataset: checked against its manifest, then columnar copies only, no geocoding."""
    path = Path(path)
    clean_leftovers(path)
    for _ in range(3):  # a store replaced while it was read (a new folder at the path) is read again
        folder = _identity(path)
        manifest = verify_store(path, hash_unchanged=False)
        frames = {name: _read_table(path, name) for name in DATASET_TABLES}
        keys = _read_place_keys(path)
        story = _read_story_places(path)
        claims = _read_claims(path)
        text = StoredText.open(path / "events.parquet", ON_DISK_COLUMNS["events"])
        if _identity(path) == folder:
            break
        if text is not None:
            text.close()
    else:
        raise StoreError(f"{path}: the store was replaced three times while it was being read; open it again")
    events = frames["events"]
    events.index = pd.Index(events["id"].array)  # by id, unnamed, as conflictmap.table builds it
    places = frames["places"]
    if len(places):
        places.index = pd.Index(places["id"].array)
    else:
        places = empty_places()
    keys.index = events.index
    remember_place_keys(events, keys)
    remember_story_places(events, places, story)
    _remember_text(events, text)
    release_free_memory()
    dataset = Dataset(
        manifest.get("title") or path.name,
        events,
        frames["actors"],
        frames["sources"],
        frames["factions"],
        frames["documents"],
        file=str(path),
        report=frames["report"],
        places=places,
        control=frames["control"],
    )
    if claims is not None:
        remember_claims(dataset, claims)
    return dataset


def load_store_in_background(path: Path | str) -> Future[Dataset] | None:
    """:func:`load_store` started in a thread (None where ``path`` is not a store), for a server's start.

    Reading the Parquet files releases the GIL for most of their 1-2 s at a million events, and a
    server's start spends about 1 s importing Dash, Flask and the app's modules before it needs the
    dataset: on two cores the two overlap. Errors are raised by the future's ``result()``, as the
    load would have raised them.
    """
    from concurrent.futures import ThreadPoolExecutor

    path = Path(path)
    if not is_store(path):
        return None
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="conflictmap-load")
    future = executor.submit(load_store, path)
    executor.shutdown(wait=False)  # the thread ends with the load
    return future


@functools.cache
def _libc_function(name: str) -> Any:
    """A function of the C library this process runs on (glibc's ``malloc_trim``, ``mallopt``), or None
    where it has none (musl, macOS, Windows): looked up once."""
    try:
        return getattr(ctypes.CDLL(None), name)
    except (AttributeError, OSError):
        return None


def release_free_memory() -> None:
    """Give the memory a load freed back to the system (glibc keeps freed heap pages otherwise).

    Reading a store converts each column group from Arrow to pandas and frees the Arrow copy; on a
    1,000,000-event store about 190 MB of freed pages stayed in the process (its resident memory
    after the load fell from about 1,015 MB to 830 MB with this). A no-op where the C library has no
    ``malloc_trim``.
    """
    malloc_trim = _libc_function("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


#: glibc's mallopt parameter for the number of malloc arenas (malloc.h's M_ARENA_MAX).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> None:
    """At most ``arenas`` glibc malloc arenas for the threads created from now on.

    A threaded server answers each request in a thread, and glibc gives threads up to 8 arenas per
    core, each keeping the pages its requests freed: at a million events the server's resident
    memory climbed a few hundred MB over a session of filters that way. Two arenas (one per core
    here) keep it near what the data needs. A no-op where the C library has no ``mallopt``.
    """
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(_M_ARENA_MAX, arenas)


def _identity(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the store ({exc.strerror or exc})") from None
    return (st.st_dev, st.st_ino)


def _derived_tables(folder: Path) -> dict[str, pa.Table]:
    """The tables computed from a written store's own (see :data:`DERIVED_TABLES`), once, at import.

    They read only the place columns of the events (about 100 MB at a million events) and the
    places table; the functions are the ones the app would otherwise run at every start.
    """
    from conflictmap.places import compute_place_keys, compute_story_places

    claims = claims_to_arrow(control_claims(_claims_inputs(folder)))  # its inputs freed before the next
    events_file = pq.ParquetFile(folder / "events.parquet")
    wanted = {f"{p}_{c}" for p in ("place", "dest") for c in PLACE_KEY_INPUTS}
    events = _read_columns(folder, "events", [c for c in events_file.schema_arrow.names if c in wanted])
    places = _read_table(folder, "places")
    places = places.set_index(pd.Index(places["id"].array)) if len(places) else empty_places()
    keys = compute_place_keys(events)
    empty = pd.DataFrame()
    dataset = Dataset("", events, empty, empty, empty, empty, places=places)
    story = compute_story_places(dataset, keys=keys)
    codes = {c: pa.array(keys[c].cat.codes.to_numpy(), pa.int32()) for c in keys.columns}
    categories = {c: [str(v) for v in keys[c].cat.categories] for c in keys.columns}
    key_table = pa.table(codes).replace_schema_metadata({CATEGORIES_KEY: json.dumps(categories).encode()})
    return {
        "place_keys": key_table,
        "story_places": table_to_arrow("story_places", story),
        "control_claims": claims,
    }


def _claims_inputs(folder: Path) -> Dataset:
    """The tables :func:`conflictmap.control.control_claims` reads, from a written store: the events'
    dates, types and places (not their text), the actors and the control statements."""
    from conflictmap.control import PLACE_COLUMNS as CLAIM_PLACE_COLUMNS

    names = pq.ParquetFile(folder / "events.parquet").schema_arrow.names
    wanted = {"id", "type", "date_start", "date_end", "date_precision", *CLAIM_PLACE_COLUMNS}
    events = _read_columns(folder, "events", [c for c in names if c in wanted])
    actors = _read_columns(folder, "actors", None)
    control = _read_table(folder, "control")
    empty = pd.DataFrame()
    return Dataset("", events, actors, empty, empty, empty, control=control)


def _read_claims(path: Path) -> list[Claim] | None:
    """The claims the store kept (None: made under other rules, computed at start instead)."""
    file = path / "control_claims.parquet"
    try:
        table = pq.read_table(file)
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"{file}: cannot read ({exc})") from None
    return claims_from_arrow(table)


#: The events' columns the place keys and story places are computed from, after "place_"/"dest_".
PLACE_KEY_INPUTS = ("name", "precision", "lat", "lon", "radius_km", "gazetteer_id", "country")


def _read_place_keys(path: Path) -> pd.DataFrame:
    """``place_key`` and ``dest_key`` per event, as the categories :func:`event_place_keys` makes."""
    file = path / "place_keys.parquet"
    try:
        table = pq.read_table(file)
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"{file}: cannot read ({exc})") from None
    categories = json.loads((table.schema.metadata or {}).get(CATEGORIES_KEY, b"{}"))
    return pd.DataFrame(
        {
            c: pd.Categorical.from_codes(table.column(c).to_numpy(), dtype=pd.CategoricalDtype(categories.get(c, [])))
            for c in ("place_key", "dest_key")
        }
    )


def _read_story_places(path: Path) -> pd.DataFrame:
    """The story places as :func:`conflictmap.places.story_places` returns them (outlines decoded from JSON)."""
    from conflictmap.places import STORY_COLUMNS

    return _read_table(path, "story_places").reindex(columns=STORY_COLUMNS)


def _read_table(path: Path, name: str) -> pd.DataFrame:
    """One table as a DataFrame, every column but :data:`ON_DISK_COLUMNS` (see :func:`_read_columns`)."""
    on_disk = ON_DISK_COLUMNS.get(name)
    if not on_disk:
        return _read_columns(path, name, None)
    file = path / f"{name}.parquet"
    try:
        names = pq.ParquetFile(file).schema_arrow.names
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"{file}: cannot read ({exc})") from None
    return _read_columns(path, name, [c for c in names if c not in on_disk])


class StoredText:
    """Text columns of a loaded store read from its Parquet file where they are used, never held.

    The events' free text is most of a loaded store's memory and of its start
    (at a million events: the search text 266 MB, the description 178 MB),
    and no figure reads it for every row. The text filter reads the search
    text of the rows the other filters kept (:meth:`contains`); the details
    panel, the exports and a rewrite read the description and the notes of the
    rows they show, a page or a chunk at a time (:meth:`take`,
    :func:`with_stored_text`). Both read the row groups that hold those rows,
    one at a time, from the file opened when the store was loaded. The file
    stays open, so an import that replaces the store (and deletes the old
    folder) does not change what a running server reads. Reads go through
    ``pread`` (thread-safe); a lock keeps one read at a time.
    """

    def __init__(self, source: Any, columns: tuple[str, ...], file: Path):
        self.file = file
        self._source = source
        self._parquet = pq.ParquetFile(source)
        meta = self._parquet.metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        self.starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        self.names = list(self._parquet.schema_arrow.names)  # the table's columns, in the file's order
        self.columns = tuple(c for c in self.names if c in columns)  # the ones held here, in the file's order
        self.lock = threading.Lock()

    @classmethod
    def open(cls, file: Path, columns: tuple[str, ...]) -> StoredText | None:
        """The ``columns`` of ``file`` that it has (None where it has none of them)."""
        try:
            source = pa.OSFile(str(file))
            stored = cls(source, columns, file)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"{file}: cannot read ({exc})") from None
        if not stored.columns:
            stored.close()
            return None
        return stored

    def close(self) -> None:
        self._source.close()

    def __len__(self) -> int:
        return int(self.starts[-1])

    def contains(self, rows: np.ndarray, term: str, column: str = "search_text") -> np.ndarray:
        """For each row position in ``rows`` (ascending), whether its text contains ``term`` (missing: False)."""
        import pyarrow.compute as pc

        rows = np.asarray(rows, dtype=np.int64)
        found = np.zeros(len(rows), dtype=bool)
        if not len(rows):
            return found
        with self.lock:
            for group, lo, hi in self._groups(rows):
                text = self._read_group(group, [column])[0].take(pa.array(rows[lo:hi] - self.starts[group]))
                found[lo:hi] = pc.fill_null(pc.match_substring(text, term), False).to_numpy(zero_copy_only=False)
        return found

    def take(self, rows: np.ndarray, columns: tuple[str, ...] | None = None) -> dict[str, pd.Series]:
        """Each of ``columns`` (default: all held here) at the row positions ``rows`` (any order, repeats
        allowed), as the load would have read them: the same values and dtype, by position (RangeIndex).

        Only the row groups holding ``rows`` are read, one at a time.
        """
        columns = self.columns if columns is None else tuple(c for c in self.columns if c in columns)
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"{self.file}: row positions outside 0-{len(self) - 1}")
        order = np.argsort(rows, kind="stable")
        ascending = rows[order]
        parts: dict[str, list[pa.Array]] = {c: [] for c in columns}
        if columns and len(rows):
            with self.lock:
                for group, lo, hi in self._groups(ascending):
                    arrays = self._read_group(group, list(columns))
                    picked = pa.array(ascending[lo:hi] - self.starts[group])
                    for c, array in zip(columns, arrays, strict=True):
                        parts[c].append(array.take(picked))
        back = pa.array(np.argsort(order, kind="stable"))  # sorted position of each requested row
        types = self._parquet.schema_arrow
        out = {}
        for c in columns:
            array = pa.concat_arrays(parts[c]) if parts[c] else pa.array([], type=types.field(c).type)
            out[c] = array.take(back).to_pandas()
        return out

    def read(self, columns: tuple[str, ...] | None = None) -> dict[str, pd.Series]:
        """Whole columns (default: all held here), as the load would have read them (to write the store again)."""
        columns = self.columns if columns is None else tuple(c for c in self.columns if c in columns)
        with self.lock:
            try:
                table = self._parquet.read(columns=list(columns))
            except (OSError, pa.ArrowException) as exc:
                raise StoreError(f"{self.file}: cannot read {', '.join(columns)} ({exc})") from None
        return {c: table.column(c).to_pandas() for c in columns}

    def _groups(self, ascending: np.ndarray):
        """(row group, lo, hi) for each row group holding some of ``ascending``: its rows are ``ascending[lo:hi]``."""
        group_of = np.searchsorted(self.starts, ascending, side="right") - 1
        bounds = np.searchsorted(group_of, np.arange(len(self.starts)))
        for group in np.unique(group_of):
            yield int(group), int(bounds[group]), int(bounds[group + 1])

    def _read_group(self, group: int, columns: list[str]) -> list[pa.Array]:
        try:
            table = self._parquet.read_row_group(group, columns=columns)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"{self.file}: cannot read {', '.join(columns)} ({exc})") from None
        return [table.column(c).combine_chunks() for c in columns]


#: id(events table) -> (the table, its text left on disk by the load).
_STORED_TEXT: dict[int, tuple[weakref.ref, StoredText]] = {}
_STORED_TEXT_LOCK = threading.Lock()


def _fresh_text_locks_after_fork() -> None:
    """A lock held by another thread at a fork (a server's workers) would never be released in the child."""
    global _STORED_TEXT_LOCK
    _STORED_TEXT_LOCK = threading.Lock()
    for _, text in list(_STORED_TEXT.values()):
        text.lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_text_locks_after_fork)


def _remember_text(events: pd.DataFrame, text: StoredText | None) -> None:
    """Keep the file open for as long as the events table lives (no bound: a table must stay readable)."""
    if text is None:
        return
    with _STORED_TEXT_LOCK:
        _STORED_TEXT[id(events)] = (weakref.ref(events), text)
    weakref.finalize(events, _forget_text, id(events), text)


def _forget_text(key: int, text: StoredText) -> None:
    with _STORED_TEXT_LOCK:
        hit = _STORED_TEXT.get(key)
        if hit is not None and hit[1] is text:
            del _STORED_TEXT[key]
    text.close()


def stored_text(events: pd.DataFrame) -> StoredText | None:
    """The text a loaded store's events table left in its file (None for any other table)."""
    with _STORED_TEXT_LOCK:
        hit = _STORED_TEXT.get(id(events))
    return hit[1] if hit is not None and hit[0]() is events else None


def with_stored_text(
    events: pd.DataFrame, part: pd.DataFrame | None = None, columns: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """``part`` (rows of the events table ``events``; default: all of it) with the columns the load left
    in the store's file read back for its rows (``columns``: only these), in the file's column order.

    Any other table (an events file's, or a store's whose text is already there) comes back as it is.
    The rows are found by event id in ``events``, so ``part`` may be any filtered or reordered view.
    """
    part = events if part is None else part
    stored = stored_text(events)
    if stored is None:
        return part
    wanted = tuple(c for c in stored.columns if c not in part.columns and (columns is None or c in columns))
    if not wanted:
        return part
    if part is events:
        text = stored.read(wanted)
    else:
        rows = events.index.get_indexer(part.index)
        if (rows < 0).any():
            raise KeyError(f"{stored.file}: rows that are not events of this store")
        text = stored.take(rows, wanted)
    added = {c: values.set_axis(part.index) for c, values in text.items()}
    present = {*part.columns, *added}
    order = [c for c in stored.names if c in present]
    return part.assign(**added)[order + [c for c in part.columns if c not in order]]


def _read_columns(path: Path, name: str, columns: list[str] | None) -> pd.DataFrame:
    """One table as a DataFrame (all columns, or ``columns``), read a few columns at a time.

    Converting column groups one after the other keeps the Arrow copy of only
    one group alive beside the DataFrame: on a 1,000,000-event store the peak
    memory of a load drops from ~1.5 GB to ~1.15 GB at the same speed.
    """
    file = path / f"{name}.parquet"
    # The system allocator, not pyarrow's default (mimalloc): measured on a 1,000,000-event store, it
    # cuts the kernel time of a cold load from ~4 s to ~1 s and the peak memory by ~300 MB. Buffers
    # keep the pool they came from, so the default is restored right after.
    default_pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        parquet = pq.ParquetFile(file)
        names = parquet.schema_arrow.names if columns is None else columns
        meta = parquet.schema_arrow.metadata or {}
        parts = []
        for start in range(0, max(len(names), 1), COLUMNS_PER_READ):
            table = parquet.read(columns=names[start : start + COLUMNS_PER_READ])
            for col in DATE_COLUMNS.get(name, ()):
                if col in table.column_names and pa.types.is_date(table.schema.field(col).type):
                    i = table.column_names.index(col)
                    table = table.set_column(i, col, table.column(col).cast(pa.timestamp("s")))
            parts.append(table.to_pandas(split_blocks=True, self_destruct=True))
            del table
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(f"{file}: cannot read ({exc})") from None
    finally:
        pa.set_memory_pool(default_pool)
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)
    for col in json.loads(meta.get(JSON_COLUMNS_KEY, b"[]")):
        if col not in frame.columns:
            continue
        values = frame[col].astype(object)
        present = values.notna()
        values[present] = values[present].map(json.loads)
        frame[col] = values.where(present, None)
    if name in INDEX_COLUMNS:
        frame = frame.set_index(INDEX_COLUMNS[name])
        frame.index.name = INDEX_COLUMNS[name]
    return frame
