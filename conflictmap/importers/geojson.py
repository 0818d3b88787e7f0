"""GeoJSON FeatureCollections: Point features, their properties as columns.

Each feature becomes a row whose columns are its properties (as text) plus
``__geometry_lat`` / ``__geometry_lon`` from a Point geometry; the rows then
go through the same mapping converter as a CSV. A feature's LINE is the line
its object starts on. GeoJSON is parsed whole (Python's json), so it suits
files up to some hundred thousand features; ACLED-size data belongs in CSV.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from conflictmap.errors import Problem
from conflictmap.importers.rows import ImportInputError, RowBatch, RowProblem
from conflictmap.inputs import read_bytes

LAT, LON = "__geometry_lat", "__geometry_lon"
#: Messages name the file's own field, never the internal columns.
COLUMN_LABELS = {LAT: "geometry.coordinates[1] (latitude)", LON: "geometry.coordinates[0] (longitude)"}
MAX_GEOJSON_BYTES = 1 << 30  # parsed whole: beyond ~1 GB, convert to CSV first
MAX_DEPTH = 64  # where the error points, when nesting stops Python's JSON reader (at about 1,000 levels)
BATCH = 20_000


class GeoJsonRows:
    column_labels = COLUMN_LABELS

    def __init__(self, path: Path, on_bytes: Callable[[int], None] | None = None):
        self.path = Path(path)
        raw = read_bytes(self.path, limit=MAX_GEOJSON_BYTES)
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.on_bytes = on_bytes
        self.size = len(raw)
        file = str(self.path)
        try:
            self.text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise ImportInputError(Problem(file, line, "", "not valid UTF-8; save the file as UTF-8")) from None
        try:
            data = json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise ImportInputError(Problem(file, exc.lineno, "", f"invalid JSON: {exc.msg}")) from None
        except RecursionError:  # Python's reader stops cleanly at its recursion limit: say where, and why
            line = _too_deep(self.text, MAX_DEPTH) or 1
            raise ImportInputError(
                Problem(file, line, "", f"nested deeper than {MAX_DEPTH} levels (GeoJSON needs a few); not read")
            ) from None
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise ImportInputError(Problem(file, 1, "type", "not a GeoJSON FeatureCollection"))
        features = data.get("features")
        if not isinstance(features, list):
            raise ImportInputError(Problem(file, 1, "features", "must be a list of features"))
        self.features = features
        self.lines = _feature_lines(self.text, len(features))
        keys: dict[str, None] = {}
        for f in features:
            props = f.get("properties") if isinstance(f, dict) else None
            if isinstance(props, dict):
                keys.update(dict.fromkeys(props))
        self.columns = [*keys, LAT, LON]

    def __iter__(self) -> Iterator[RowBatch]:
        file_keys = self.columns[:-2]
        for start in range(0, len(self.features), BATCH):
            chunk = self.features[start : start + BATCH]
            lines = self.lines[start : start + BATCH]
            refused, rows, row_lines = [], [], []
            for feature, line in zip(chunk, lines):
                problem = _check(feature)
                if problem:
                    refused.append(RowProblem(int(line), problem[0], problem[1]))
                    continue
                rows.append(feature)
                row_lines.append(line)
            columns = {key: [_text((f.get("properties") or {}).get(key)) for f in rows] for key in file_keys}
            points = [_point(f) for f in rows]
            columns[LAT] = [p[1] for p in points]
            columns[LON] = [p[0] for p in points]
            table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
            if self.on_bytes:
                self.on_bytes(int(self.size * min(1.0, (start + BATCH) / max(1, len(self.features)))))
            yield RowBatch(table, np.asarray(row_lines, dtype=np.int64), refused)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _too_deep(text: str, limit: int) -> int | None:
    """The line where the JSON first nests deeper than ``limit`` (None if it never does).

    Strings are blanked (their brackets are text), then the depth is a
    running sum over the brackets, vectorised; only run for a file already
    refused, to name the line.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    skeleton = _STRING.sub(lambda m: "\n" * m.group().count("\n"), text).encode("utf-8", errors="replace")
    raw = np.frombuffer(skeleton, dtype=np.uint8)
    steps = np.zeros(256, dtype=np.int8)
    for code, step in _DEPTH_STEP.items():
        steps[code] = step
    depth = np.cumsum(steps[raw], dtype=np.int64)
    over = np.flatnonzero(depth > limit)
    if not len(over):
        return None
    return int(np.count_nonzero(raw[: over[0]] == ord("\n"))) + 1


def _check(feature) -> tuple[str, str] | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return ("type", "not a GeoJSON Feature")
    props = feature.get("properties")
    if props is not None and not isinstance(props, dict):
        return ("properties", "must be an object")
    geometry = feature.get("geometry")
    if geometry is None:
        return None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return ("geometry", f"only Point features can be imported, not {kind}")
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2])
    ):
        return ("geometry", "Point coordinates must be [longitude, latitude]")
    return None


def _point(feature) -> tuple[str, str]:
    geometry = feature.get("geometry")
    if not geometry:
        return ("", "")
    lon, lat = geometry["coordinates"][:2]
    return (repr(float(lon)), repr(float(lat)))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _feature_lines(text: str, count: int) -> list[int]:
    """The line each feature object starts on (1 for all if the array cannot be located)."""
    decoder = json.JSONDecoder()
    at = text.find('"features"')
    while at >= 0:
        pos = at + len('"features"')
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == ":":
            pos += 1
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == "[":
                break
        at = text.find('"features"', at + 1)
    if at < 0:
        return [1] * count
    pos += 1
    starts = []
    try:
        for _ in range(count):
            while text[pos] in " \t\r\n,":
                pos += 1
            starts.append(pos)
            _, pos = decoder.raw_decode(text, pos)
    except (json.JSONDecodeError, IndexError):
        return [1] * count
    lines, line, last = [], 1, 0
    for start in starts:
        line += text.count("\n", last, start)
        last = start
        lines.append(line)
    return lines
