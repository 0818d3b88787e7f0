"""Write outputs without ever clobbering an input or leaving a half-written file.

Guarantees, for every file a command writes:

* **No input is overwritten.** A target that is the events file, one of its
  briefings or source documents (or any other path a command passes in
  ``protect``) is refused, compared both by resolved path (symlinks) and by
  device and inode (hard links).
* **Atomic and durable.** The content goes to a temporary file in the target's
  folder; it is flushed and ``fsync``-ed, renamed over the target with
  ``os.replace`` and the folder is ``fsync``-ed, so after a crash or power loss
  the target holds either the old or the new content, never a mix.
* **No temp files pile up.** A failure removes the temp file. A writer killed
  with SIGKILL cannot clean up, so temp names are recognisable
  (``.NAME.cmtmp-HOST-PID-RANDOM.tmp``) and every write first removes those in
  its folder whose process (on this host) is gone.

Why named temps rather than Linux ``O_TMPFILE`` (which leaves nothing behind
when killed): the writers behind ``atomic_path`` are libraries that need a path
with the right extension (imageio picks its codec from it, ffmpeg and python-pptx
open the path themselves), ``linkat`` cannot replace an existing file so a named
temp is needed at the end anyway, and ``O_TMPFILE`` is Linux-only and missing on
some file systems. The process-id check never deletes a live writer's temp on
this host; a reused pid only delays a sweep. Temps written by other hosts (a
shared folder) are left to those hosts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import math
import os
import re
import socket
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from conflictmap.errors import ConflictmapError

TABLE_FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet"}


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once at import: os.umask is process-wide, unsafe in server threads

# Temp names: ".<target name, shortened>.cmtmp-<host tag>-<pid>-<random>.tmp". A writer may
# change the last suffix (the mp4 export stages ".mp4" beside its temp), so any suffix matches.
_HOST_TAG = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_TEMP_RE = re.compile(r"^\..*\.cmtmp-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[^.]*(\.[A-Za-z0-9]+)?$")
_MAX_STEM_BYTES = 100


class OutputError(ConflictmapError):
    pass


def input_files(dataset=None, briefing=None, extra: Iterable[Path | str | None] = ()) -> tuple[Path, ...]:
    """Every file a command read to produce its output: never to be written over.

    The events file, each source document it lists, every briefing beside it and
    the briefing being told, plus ``extra`` (a report, a cache).
    """
    paths: list[Path] = []
    events_file = getattr(dataset, "file", "") if dataset is not None else ""
    if events_file:
        events_path = Path(events_file)
        paths.append(events_path)
        documents = getattr(dataset, "documents", None)
        if documents is not None and "file" in getattr(documents, "columns", ()):
            paths += [events_path.parent / f for f in documents["file"] if isinstance(f, str) and f]
        from conflictmap.briefing import briefing_files

        with contextlib.suppress(OSError):
            paths += briefing_files(events_path)
    if briefing is not None and getattr(briefing, "path", None):
        paths.append(Path(briefing.path))
    paths += [Path(p) for p in extra if p]
    return tuple(dict.fromkeys(paths))


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError, ValueError):
        pass
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_target(target: Path | str, protect: Iterable[Path | str | None] = ()) -> Path:
    """Refuse a target that is an input, a folder or not a regular file; return it as a Path."""
    target = Path(target)
    for p in protect:
        if p is not None and _same_file(target, Path(p)):
            raise OutputError(
                f"{target}: refusing to overwrite {p}, which this command reads; choose another output name"
            )
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    except NotADirectoryError:
        return target  # a part of the folder path is a file: creating the folder says so
    except (OSError, ValueError) as exc:
        raise OutputError(f"{target}: cannot write: {_os_message(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{target}: is a folder; give a file name to write")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{target}: is not a regular file (a device, pipe or socket); refusing to replace it")
    return target


def check_distinct(*targets: Path | str | None) -> None:
    """Refuse two outputs of one command that name the same file (``-o`` and ``--report``)."""
    given = [Path(t) for t in targets if t is not None]
    for i, a in enumerate(given):
        for b in given[i + 1 :]:
            if _same_file(a, b):
                raise OutputError(f"{b}: is also the output {a}; give each output its own file name")


def _os_message(exc: OSError | ValueError) -> str:
    from conflictmap.inputs import os_error_message

    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return "read-only file system"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return os_error_message(exc)


def _make_folder(folder: Path, target: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{target}: cannot create folder {folder}: a file of that name is in the way") from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ENOTDIR:
            raise OutputError(f"{target}: cannot create folder {folder}: a part of the path is a file") from None
        raise OutputError(f"{target}: cannot create folder {folder}: {_os_message(exc)}") from None
    if not folder.is_dir():
        raise OutputError(f"{target}: {folder} is not a folder")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's live process, or not ours to judge
    return True


def sweep_stale_temps(folder: Path | str) -> list[Path]:
    """Remove temp files in ``folder`` left by writers of ours (this host) that were killed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m or m["host"] != _HOST_TAG or _pid_alive(int(m["pid"])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _temp_prefix(target: Path) -> str:
    stem = target.name.encode("utf-8", "surrogateescape")[:_MAX_STEM_BYTES].decode("utf-8", "ignore")
    return f".{stem}.cmtmp-{_HOST_TAG}-{os.getpid()}-"


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # not supported here (some platforms cannot open folders); the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: Path | str, protect: Iterable[Path | str | None] = ()):
    """Yield a temporary path beside ``target``; when the block succeeds it replaces ``target``.

    Missing parent folders are created. On any failure the temp file is removed
    and ``target`` is untouched; an OSError while writing becomes an OutputError.
    """
    target = check_target(target, tuple(protect))
    folder = target.parent
    _make_folder(folder, target)
    sweep_stale_temps(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=folder)
    except (OSError, ValueError) as exc:
        why = "files cannot be created there" if getattr(exc, "errno", None) == errno.ENOENT else _os_message(exc)
        raise OutputError(f"{target}: cannot write in {folder}: {why}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except OSError as exc:
            raise OutputError(f"{target}: cannot write: {_os_message(exc)}") from exc
        try:
            mode = os.stat(target).st_mode & 0o777
        except OSError:
            mode = 0o666 & ~_UMASK  # mkstemp makes 0600; new outputs get the usual permissions
        try:
            os.chmod(tmp, mode)
            _fsync_path(tmp)
            os.replace(tmp, target)
        except (OSError, ValueError) as exc:
            raise OutputError(f"{target}: cannot write: {_os_message(exc)}") from None
        _fsync_folder(folder)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value):
    """A text cell a spreadsheet will not run as a formula (OWASP's CSV injection advice).

    Text starting with ``= + - @``, a tab or a carriage return gets a leading
    ``'``; a plain signed number (``-3.5``) is left as it is.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if value[0] in "+-" and _NUMBER.fullmatch(value):
        return value
    return "'" + value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _cell(value):
    if isinstance(value, str):
        value = _SURROGATE.sub("\ufffd", value)  # a lone surrogate cannot be written as UTF-8
    return spreadsheet_safe(value)


def spreadsheet_safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell (and column name) made safe by :func:`spreadsheet_safe`."""
    out = table.copy()
    for col in out.columns:
        if not (pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col])):
            continue
        out[col] = pd.Series([_cell(v) for v in out[col]], index=out.index, dtype=object)
    out.columns = [_cell(c) for c in out.columns]
    return out


def to_csv(table: pd.DataFrame, path, header: bool = True) -> None:
    """RFC 4180 CSV with formula-safe cells, to a path or an open text file (``header``: write the names).

    CRLF line ends (the RFC's) also make the writer quote any cell holding a
    bare CR, which would otherwise split the row for every reader.
    """
    spreadsheet_safe_table(table).to_csv(
        path, index=False, header=header, date_format="%Y-%m-%d", encoding="utf-8", lineterminator="\r\n"
    )


def write_table(events: pd.DataFrame, target: Path | str, protect: Iterable[Path | str | None] = ()) -> str:
    target = Path(target)
    fmt = TABLE_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise OutputError(f"{target}: unknown output format {target.suffix!r} (use .csv, .geojson or .parquet)")
    table = events.reset_index(drop=True)
    if fmt == "geojson":
        write_feature_collection(target, geojson_points(table, table_geojson_records(table)), protect=protect)
        return fmt
    with atomic_path(target, protect) as tmp:
        if fmt == "csv":
            to_csv(table, tmp)
        else:
            try:
                table.to_parquet(tmp, index=False)
            except ImportError:
                raise OutputError("Parquet output needs pyarrow: pip install 'conflictmap[parquet]'") from None
    return fmt


#: Rows made records at a time by :func:`table_geojson_records`: memory bounded by the chunk, not the table.
RECORDS_CHUNK = 20_000


def table_geojson_records(table: pd.DataFrame, chunk: int = RECORDS_CHUNK) -> Iterator[tuple[str, dict]]:
    """(id, every column JSON-safe) for each row of a plain events table: the ``geocode -o`` GeoJSON's properties."""
    for start in range(0, len(table), chunk):
        for row in table.iloc[start : start + chunk].to_dict(orient="records"):
            yield str(row["id"]), {k: plain(v) for k, v in row.items()}


def geojson_points(events: pd.DataFrame, records: Iterable[tuple[str, dict]]) -> Iterator[dict]:
    """One RFC 7946 Point Feature per row of ``events`` with finite map coordinates, lon/lat to 6 places.

    ``records`` gives each row's (id, properties), in the rows' order; the one
    GeoJSON writer for the table the CLI writes and for the app's exports,
    which add each event's actors and sources to the properties.
    """
    lat = events["map_lat"].to_numpy(dtype=float, na_value=math.nan)
    lon = events["map_lon"].to_numpy(dtype=float, na_value=math.nan)
    for k, (feature_id, properties) in enumerate(records):
        if not (math.isfinite(lat[k]) and math.isfinite(lon[k])):
            continue
        yield {
            "type": "Feature",
            "id": feature_id,
            "geometry": {"type": "Point", "coordinates": [round(float(lon[k]), 6), round(float(lat[k]), 6)]},
            "properties": properties,
        }


def write_feature_collection(
    target: Path, features: Iterable[dict], members: dict | None = None, protect: Iterable[Path | str | None] = ()
) -> None:
    """A FeatureCollection (with foreign ``members`` such as a title) streamed a feature a line.

    Memory stays flat whatever the number of features: none is held after it is written.
    """
    header = json.dumps({"type": "FeatureCollection", **(members or {})}, ensure_ascii=False, indent=1, allow_nan=False)
    with atomic_path(target, protect) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(header[:-2] + ',\n "features": [')
        for k, feature in enumerate(features):
            f.write(("\n  " if k == 0 else ",\n  ") + json.dumps(feature, ensure_ascii=False, allow_nan=False))
        f.write("\n ]\n}\n")


def plain(v):
    """A JSON-safe value: dates ISO, NaN/NaT -> None, numpy scalars -> Python, lists recursively."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return plain(v.tolist())
    if hasattr(v, "item"):
        return plain(v.item())
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v
