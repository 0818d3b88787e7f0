"""Write tables to disk without ever leaving a half-written or clobbered file.

Every write goes to a temporary file beside the target and is renamed over it
only when complete, so an interrupted run leaves the old file intact. Writing
over the events file itself is refused: the user's curated file is never an
output.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
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


class OutputError(ConflictmapError):
    pass


@contextmanager
def atomic_path(target: Path, protect: tuple[Path, ...] = ()):
    """Yield a temporary path; on success it replaces ``target`` atomically."""
    target = Path(target)
    for p in protect:
        if p is not None and target.resolve() == Path(p).resolve():
            raise OutputError(f"{target}: refusing to overwrite the input file; choose another output name")
    if target.parent and not target.parent.exists():
        raise OutputError(f"{target}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(events: pd.DataFrame, target: Path | str, protect: tuple[Path, ...] = ()) -> str:
    target = Path(target)
    fmt = TABLE_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise OutputError(f"{target}: unknown output format {target.suffix!r} (use .csv, .geojson or .parquet)")
    table = events.reset_index(drop=True)
    with atomic_path(target, protect) as tmp:
        if fmt == "csv":
            table.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        elif fmt == "parquet":
            try:
                table.to_parquet(tmp, index=False)
            except ImportError:
                raise OutputError("Parquet output needs pyarrow: pip install 'conflictmap[parquet]'") from None
        else:
            tmp.write_text(json.dumps(geojson(table), ensure_ascii=False, indent=1), encoding="utf-8")
    return fmt


def geojson(events: pd.DataFrame) -> dict:
    """RFC 7946 FeatureCollection: one Point per placed event, every column in properties."""
    features = []
    for row in events.to_dict(orient="records"):
        lat, lon = row.get("map_lat"), row.get("map_lon")
        if lat is None or lon is None or not _finite(lat) or not _finite(lon):
            continue
        props = {k: _plain(v) for k, v in row.items()}
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _plain(v):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if v is pd.NaT:
        return None
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v
