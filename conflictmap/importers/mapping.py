"""Any CSV (or GeoJSON properties) -> canonical columns, through a column mapping file.

The mapping names, for each conflictmap field, the column that holds it, and
gives defaults for fields the data lacks::

    format: conflictmap/csv-mapping@1
    publisher: Example Monitor       # cited as each event's source unless `source` names a column
    date_format: "%d/%m/%Y"          # strptime format of date columns (default YYYY-MM-DD)
    columns:                         # conflictmap field: column in the file
      id: event_id
      date: date                     # the day, or the first day of a range
      date_end: end_date
      title: headline
      description: summary
      type: category                 # a conflictmap type (battle, ...) or an ACLED event type
      sub_type: subcategory          # a conflictmap sub-type or an ACLED sub-event type
      place: town
      latitude: lat                  # without coordinates, `place` is geocoded offline
      longitude: lon
      source: outlet
      url: link
      fatalities: deaths
    actors:                          # names grouped into factions by the groups file
      - {column: perpetrator, role: actor}
      - {column: victims, role: target, split: ";"}
    defaults:                        # used where the column is absent or the cell empty
      place_precision: town
      confidence: medium

Without ``--mapping`` the file's own column names are used where they are
conflictmap's (``id``, ``date`` or ``date_start``, ``place`` or ``place_name``,
``lat``/``latitude``, ``factions`` as actors separated by ``|``, ...), so a
table written by ``conflictmap geocode -o out.csv`` imports as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.errors import EventsFileError
from conflictmap.importers.acled import ACLED_TYPES, _blank_as_null, _integers, _numbers
from conflictmap.importers.build import TEXT, Converted
from conflictmap.importers.filemodels import MappingFileModel
from conflictmap.importers.rows import RowProblem
from conflictmap.validation import validate_model
from conflictmap.vocabulary import (
    CONFIDENCES,
    DATE_PRECISIONS,
    DEFAULT_RADIUS_KM,
    EVENT_TYPES,
    PLACE_PRECISIONS,
    ROLES,
    TYPE_LABELS,
)
from conflictmap.yamlsource import load_yaml

# Without a mapping: the first of these column names the file has.
SYNONYMS = {
    "id": ("id", "event_id"),
    "date": ("date", "date_start", "event_date", "start_date"),
    "date_end": ("date_end", "end_date"),
    "date_precision": ("date_precision",),
    "title": ("title",),
    "description": ("description", "notes"),
    "type": ("type", "event_type"),
    "sub_type": ("sub_type", "sub_event_type"),
    "confidence": ("confidence",),
    "place": ("place", "place_name", "location"),
    "place_precision": ("place_precision", "precision"),
    "country": ("country", "place_country"),
    "latitude": ("latitude", "lat", "place_lat", "map_lat", "__geometry_lat"),
    "longitude": ("longitude", "lon", "lng", "place_lon", "map_lon", "__geometry_lon"),
    "radius_km": ("radius_km", "place_radius_km"),
    "source": ("source", "publisher"),
    "url": ("url",),
    "fatalities": ("fatalities",),
}
DEFAULT_ACTOR_COLUMNS = (("factions", "|"), ("actors", ";"), ("actor", None))


class Mapping:
    def __init__(self, file: str, columns: dict, actors: list, defaults: dict, publisher: str, date_format: str):
        self.file = file
        self.columns = columns
        self.actors = actors
        self.defaults = defaults
        self.publisher = publisher
        self.date_format = date_format


def load_mapping(path: Path | str | None) -> Mapping:
    """Read a mapping file (None: use the file's own column names); problems as FILE:LINE: field: message.

    The shape is MappingFileModel's (conflictmap.importers.filemodels, also the published JSON Schema).
    """
    if path is None:
        return Mapping("", {}, [], {}, "", "%Y-%m-%d")
    doc = load_yaml(path)
    model, problems = validate_model(MappingFileModel, doc)
    problems = list(doc.problems) + problems
    if model is None or problems:
        raise EventsFileError(problems)
    return Mapping(
        str(path),
        model.columns.model_dump(exclude_unset=True),
        [spec.model_dump() for spec in model.actors],
        model.defaults.model_dump(exclude_unset=True) if model.defaults is not None else {},
        model.publisher or "",
        model.date_format,
    )


class MappingConverter:
    """Converts batches of a generic table with a Mapping; one instance per import."""

    id_column = "id"

    def __init__(self, mapping: Mapping, path: Path):
        self.mapping = mapping
        self.path = Path(path)
        self.document_id = "import"
        self.publisher = mapping.publisher or self.path.name
        self.extra_types = {"fatalities": pa.int64()}
        self._geocoded: dict[tuple, dict] = {}
        self.columns: dict[str, str] = {}
        self.required: tuple[str, ...] = ()

    def bind(self, header: list[str]) -> None:
        """Decide which column holds each field, now that the file's header is known."""
        if self.mapping.file:
            self.columns = dict(self.mapping.columns)
            self.actor_specs = [(s["column"], s.get("role", "actor"), s.get("split")) for s in self.mapping.actors]
        else:
            present = set(header)
            self.columns = {
                field: next(c for c in names if c in present)
                for field, names in SYNONYMS.items()
                if any(c in present for c in names)
            }
            self.actor_specs = [(c, "actor", split) for c, split in DEFAULT_ACTOR_COLUMNS if c in present][:1]
        self.id_column = self.columns.get("id", "id")
        needed = [self.columns.get("id", "id")]
        if "date" not in self.mapping.defaults:
            needed.append(self.columns.get("date", "date"))
        if "type" not in self.mapping.defaults:
            needed.append(self.columns.get("type", "type"))
        needed += [c for f, c in self.columns.items() if f not in ("id", "date", "type")]
        needed += [spec[0] for spec in self.actor_specs]
        self.required = tuple(dict.fromkeys(needed))

    def convert(self, table: pa.Table, lines: np.ndarray) -> Converted:
        n = table.num_rows
        problems: list[RowProblem] = []
        m = self.mapping

        def raw(field):
            name = self.columns.get(field)
            if name is None or name not in table.column_names:
                return None
            column = table.column(name).combine_chunks()
            if pa.types.is_binary(column.type):
                from conflictmap.importers.rows import bad_utf8_rows

                for row in bad_utf8_rows(column):
                    problems.append(RowProblem(int(lines[row]), name, "not valid UTF-8 text", int(row)))
                column = pa.array([v.decode("utf-8", "replace") if v else v for v in column.to_pylist()], TEXT)
            return _blank_as_null(pc.utf8_trim_whitespace(column.cast(TEXT)))

        def value(field):
            """The column's text, with the mapping's default where the cell is empty."""
            column = raw(field)
            default = m.defaults.get(field)
            if default is not None:
                fill = pa.scalar(str(default), TEXT)
                return pc.fill_null(column, fill) if column is not None else pa.array(np.full(n, str(default)), TEXT)
            return column if column is not None else pa.nulls(n, TEXT)

        def bad(mask, field, message):
            name = self.columns.get(field, field)
            for row in np.flatnonzero(mask):
                problems.append(RowProblem(int(lines[row]), name, message(int(row)), int(row)))

        def missing(array):
            return ~pc.is_valid(array).to_numpy(zero_copy_only=False)

        ids = value("id")
        bad(missing(ids), "id", lambda r: "missing (every row needs an id)")

        date_text, end_text = value("date"), value("date_end")
        start = _parse_dates(date_text, m.date_format)
        end = _parse_dates(end_text, m.date_format)
        bad_start = ~pc.is_valid(start).to_numpy(zero_copy_only=False)
        bad(bad_start, "date", lambda r: _date_message(date_text[r].as_py(), m.date_format))
        has_end = ~missing(end_text)
        bad_end = has_end & ~pc.is_valid(end).to_numpy(zero_copy_only=False)
        bad(bad_end, "date_end", lambda r: _date_message(end_text[r].as_py(), m.date_format))
        end = pc.coalesce(end, start)
        reversed_ = pc.fill_null(pc.less(end, start), False).to_numpy(zero_copy_only=False)
        bad(reversed_, "date_end", lambda r: f"end {end[r].as_py()} is before start {start[r].as_py()}")
        precision = value("date_precision")
        same_day = pc.fill_null(pc.equal(start, end), True)
        precision = pc.coalesce(precision, pc.if_else(same_day, "day", "range"))
        bad(_not_in(precision, DATE_PRECISIONS), "date_precision", lambda r: _choice(precision, r, DATE_PRECISIONS))

        type_text, sub_text = value("type"), value("sub_type")
        type_ids, sub_ids, unknown = _types(type_text, sub_text)
        bad(unknown, "type", lambda r: _type_message(type_text, sub_text, r))

        confidence = value("confidence")
        bad(
            _not_in(confidence, CONFIDENCES, nullable=True), "confidence", lambda r: _choice(confidence, r, CONFIDENCES)
        )
        place = value("place")
        place_precision = pc.coalesce(value("place_precision"), pa.scalar("town"))
        bad(
            _not_in(place_precision, PLACE_PRECISIONS),
            "place_precision",
            lambda r: _choice(place_precision, r, PLACE_PRECISIONS),
        )

        lat_text, lon_text = value("latitude"), value("longitude")
        lat, lat_bad = _numbers(pc.fill_null(lat_text, ""), -90, 90)
        lon, lon_bad = _numbers(pc.fill_null(lon_text, ""), -180, 180)
        lat_given, lon_given = ~missing(lat_text), ~missing(lon_text)
        bad(lat_given & lat_bad, "latitude", lambda r: f"{lat_text[r].as_py()!r} is not a latitude (-90 to 90)")
        bad(lon_given & lon_bad, "longitude", lambda r: f"{lon_text[r].as_py()!r} is not a longitude (-180 to 180)")
        one_only = lat_given != lon_given
        bad(one_only, "latitude", lambda r: "give both latitude and longitude, or neither")
        radius_given, radius_bad_mask = _numbers(pc.fill_null(value("radius_km"), ""), 0, 20000)
        by_precision = place_precision.dictionary_encode()
        radius_default = np.array(
            [DEFAULT_RADIUS_KM.get(p, 5.0) for p in by_precision.dictionary.to_pylist()] or [5.0]
        )[by_precision.indices.to_numpy(zero_copy_only=False)]
        radius = np.where(radius_bad_mask, radius_default, radius_given.to_numpy(zero_copy_only=False))

        fatalities_text = value("fatalities")
        fatalities = _integers(pc.fill_null(fatalities_text, "0"))
        bad(fatalities < 0, "fatalities", lambda r: f"{fatalities_text[r].as_py()!r} is not a whole number ≥ 0")

        has_coords = lat_given & lon_given & ~lat_bad & ~lon_bad
        geo = self._geocode(place, value("country"), place_precision, has_coords, n)
        lat_values = np.where(has_coords, np.nan_to_num(lat.to_numpy(zero_copy_only=False)), geo["lat"])
        lon_values = np.where(has_coords, np.nan_to_num(lon.to_numpy(zero_copy_only=False)), geo["lon"])
        placed = has_coords | ~np.isnan(geo["lat"])
        radius = np.where(has_coords, radius, geo["radius_km"])
        source_text = self.path.name  # coordinates given in the file itself

        title = value("title")
        encoded = type_ids.dictionary_encode()
        labels = pa.array([TYPE_LABELS.get(t) for t in encoded.dictionary.to_pylist()], TEXT)
        label = pc.take(labels, encoded.indices)
        generated = pc.if_else(pc.is_valid(place), pc.binary_join_element_wise(label, " in ", place, ""), label)
        title = pc.coalesce(title, generated, ids)

        actors = self._actors(table, lines, n, problems)
        publisher = value("source")
        columns = {
            "id": ids,
            "title": title,
            "type": type_ids,
            "sub_type": sub_ids,
            "date_start": start,
            "date_end": end,
            "date_precision": precision,
            "date_basis": pc.if_else(
                pa.array(has_end), f"{self.path.name}: start and end columns", f"{self.path.name}: date column"
            ),
            "confidence": confidence,
            "description": value("description"),
            "notes": value("notes"),
            "place_name": place,
            "place_precision": place_precision,
            "place_country": value("country"),
            "lat": pa.array(lat_values, pa.float64(), mask=~placed),
            "lon": pa.array(lon_values, pa.float64(), mask=~placed),
            "radius_km": pa.array(radius, pa.float64(), mask=~placed),
            "coord_source": pc.if_else(pa.array(has_coords), source_text, pa.array(geo["source"], TEXT)),
            "place_status": pa.array(np.where(has_coords, "resolved", geo["status"]).tolist(), TEXT),
            "place_match": pa.array(np.where(has_coords, "explicit", geo["match"]).tolist(), TEXT),
            "place_score": pa.array(np.where(has_coords, 1.0, geo["score"]), pa.float64()),
            "place_gazetteer_id": pa.array(geo["gazetteer_id"].tolist(), TEXT),
            "place_matched_name": pc.if_else(pa.array(has_coords), place, pa.array(geo["matched_name"].tolist(), TEXT)),
            "publisher": pc.coalesce(publisher, pa.scalar(self.publisher)),
            "url": value("url"),
            "quote": value("quote"),
        }
        columns["place_source"] = columns["coord_source"]
        extras = {"fatalities": pa.array(np.maximum(fatalities, 0), pa.int64(), mask=missing(fatalities_text))}
        return Converted(n, columns, actors, extras, problems)

    def _actors(self, table: pa.Table, lines, n: int, problems) -> pa.Table:
        parts = []
        for order, (column, role, split) in enumerate(self.actor_specs):
            if column not in table.column_names:
                continue
            names = pc.utf8_trim_whitespace(table.column(column).combine_chunks().cast(TEXT))
            if split:
                lists = pc.split_pattern(names, split)
                flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
                rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
            else:
                flat, rows = names, np.arange(n)
            named = pc.fill_null(pc.greater(pc.utf8_length(flat), 0), False).to_numpy(zero_copy_only=False)
            parts.append((rows[named], np.full(int(named.sum()), order), pc.filter(flat, pa.array(named)), role))
        if not parts:
            return pa.table(
                {
                    "row": pa.array([], pa.int64()),
                    "name": pa.array([], TEXT),
                    "actor_type": pa.array([], pa.int8()),
                    "role": pa.array([], TEXT),
                }
            )
        rows = np.concatenate([p[0] for p in parts])
        orders = np.concatenate([p[1] for p in parts])
        sequence = np.lexsort((np.arange(len(rows)), orders, rows))
        roles = np.concatenate([np.full(len(p[0]), ROLES.index(p[3])) for p in parts])
        return pa.table(
            {
                "row": pa.array(rows[sequence], pa.int64()),
                "name": pc.take(pa.concat_arrays([p[2] for p in parts]), pa.array(sequence)),
                "actor_type": pa.array(np.zeros(len(rows), np.int8)),
                "role": pa.DictionaryArray.from_arrays(pa.array(roles[sequence].astype(np.int32)), pa.array(ROLES)),
            }
        )

    def _geocode(self, place, country, precision, has_coords, n) -> dict[str, np.ndarray]:
        """Offline geocoding of the distinct (place, country) pairs of rows that have no coordinates."""
        out = {
            "lat": np.full(n, np.nan),
            "lon": np.full(n, np.nan),
            "radius_km": np.full(n, np.nan),
            "score": np.full(n, np.nan),
            "status": np.full(n, None, dtype=object),
            "source": np.full(n, None, dtype=object),
            "match": np.full(n, None, dtype=object),
            "gazetteer_id": np.full(n, None, dtype=object),
            "matched_name": np.full(n, None, dtype=object),
        }
        need = ~has_coords & pc.is_valid(place).to_numpy(zero_copy_only=False)
        if not need.any():
            return out
        from conflictmap.geocode import _geo_record, offline_resolver

        # One lookup per distinct (place, country, precision), as conflictmap.geocode does.
        key = pc.binary_join_element_wise(
            *[pc.fill_null(a, "") for a in (place, country, precision)], "\x1f"
        ).dictionary_encode()
        codes = key.indices.to_numpy(zero_copy_only=False)
        wanted = np.unique(codes[need])
        distinct = key.dictionary.to_pylist()
        records = []
        for code in wanted:
            name, cc, prec = distinct[code].split("\x1f")
            cache_key = (name, cc or None, prec)
            if cache_key not in self._geocoded:
                self._geocoded[cache_key] = _geo_record(offline_resolver(name, cc or None), prec)
            records.append(self._geocoded[cache_key])
        slot = np.full(len(distinct), -1, dtype=np.int64)
        slot[wanted] = np.arange(len(wanted))
        rows = np.flatnonzero(need)
        which = slot[codes[rows]]
        for k in ("lat", "lon", "radius_km", "score"):
            column = np.array([np.nan if r[k] is None else float(r[k]) for r in records])
            out[k][rows] = column[which]
        for k in ("status", "source", "match", "gazetteer_id", "matched_name"):
            column = np.array([r[k] for r in records], dtype=object)
            out[k][rows] = column[which]
        return out


def _parse_dates(text: pa.Array, fmt: str) -> pa.Array:
    from conflictmap.importers.acled import _strict_date

    if pa.types.is_null(text.type):
        return pa.nulls(len(text), pa.date32())
    return _strict_date(text, fmt)


def _date_message(value, fmt: str) -> str:
    shown = fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
    return f"{value!r} is not a date ({shown})" if value else f"missing (a date, {shown})"


def _not_in(array: pa.Array, allowed, nullable: bool = False) -> np.ndarray:
    inside = pc.is_in(array, pa.array(list(allowed), TEXT))
    if nullable:
        inside = pc.or_(inside, pc.is_null(array))
    return ~pc.fill_null(inside, False).to_numpy(zero_copy_only=False)


def _choice(array: pa.Array, row: int, allowed) -> str:
    value = array[row].as_py()
    return f"{value!r} is not one of: {', '.join(allowed)}" if value else f"missing (one of: {', '.join(allowed)})"


def _types(type_text: pa.Array, sub_text: pa.Array):
    """conflictmap (type, sub_type) from conflictmap ids or ACLED wording; unknown rows flagged."""
    pair = pc.binary_join_element_wise(
        pc.fill_null(type_text, ""), pc.fill_null(sub_text, ""), "\x1f"
    ).dictionary_encode()
    types, subs, ok = [], [], []
    for value in pair.dictionary.to_pylist():
        t, s = value.split("\x1f")
        found: tuple[str, str | None] | None
        if t in EVENT_TYPES and (not s or s in EVENT_TYPES[t]):
            found = (t, s or None)
        else:
            found = ACLED_TYPES.get((t.casefold(), s.casefold()))
        types.append(found[0] if found else None)
        subs.append(found[1] if found else None)
        ok.append(found is not None)
    indices = pair.indices
    return (
        pc.take(pa.array(types, TEXT), indices),
        pc.take(pa.array(subs, TEXT), indices),
        ~np.array(ok or [True], dtype=bool)[indices.to_numpy(zero_copy_only=False)],
    )


def _type_message(type_text, sub_text, row: int) -> str:
    t, s = type_text[row].as_py(), sub_text[row].as_py()
    if not t:
        return "missing (a conflictmap type such as 'battle', or an ACLED event type)"
    what = f"type {t!r}" + (f" with sub-type {s!r}" if s else "")
    return f"{what} is neither a conflictmap type/sub-type ({', '.join(EVENT_TYPES)}) nor an ACLED pair"
