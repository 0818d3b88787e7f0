"""ACLED's CSV export -> conflictmap's canonical columns.

What ACLED's codes mean, from the ACLED Codebook (acleddata.com, Knowledge
Base, "ACLED Codebook", sections "Time precision codes" and "Spatial precision
codes"; the same wording is quoted by the mapme.biodiversity R package's ACLED
indicators):

time_precision
    1: "the source material includes an actual date of an event".
    2: "the source material indicates that an event happened sometime during
    the week or within a similar period of time (i.e., during the weekend) ...
    the middle of the period is used as the reference date (i.e., with an
    event occurring last week, the Event date would be recorded on either
    Wednesday or Thursday of that week)".
    3: "the source material only indicates that an event took place sometime
    during a month (i.e., in the past two or three weeks, or in January) ...
    the month midpoint is chosen. If the beginning or end of the month is
    noted, the first and last date is used, respectively."

    So 1 -> precision ``day`` on event_date; 2 -> ``week``, the seven days
    centred on event_date (event_date is the middle of the reported week,
    and a weekend lies inside that window); 3 -> ``month``, the calendar month
    of event_date (midpoint, first or last day alike are in it). The basis of
    each is written into ``date_basis`` so the analyst sees why.

geo_precision
    1: "the source reporting indicates a particular town, and coordinates are
    available for that town" -> ``town``.
    2: "the source material indicates that activity took place in a small part
    of a region, and mentions a general area ... the event is coded to a town
    with geo-referenced coordinates to represent that area"; also "if activity
    occurs near a town or a city" -> ``area``.
    3: "a larger region is mentioned, the closest natural location noted in
    reporting (like 'border area,' 'forest,' or 'sea') -- or a provincial
    capital is used if no other information at all is available" -> ``region``.
    The uncertainty radius is the model's default for that precision
    (conflictmap.vocabulary.DEFAULT_RADIUS_KM: 5, 25, 80 km).

Actor types (inter1, inter2): ACLED's eight types, written as codes 1-8 in
older exports and as text ("State forces", "Rebel group", ...) in newer ones;
both are read (conflictmap.importers.groups.INTER_TYPES). Actor 1 and Actor 2
"do not imply directionality" (codebook), so both are role ``actor``, except
that in Violence against civilians and Explosions/Remote violence Actor 2 is
the one attacked (the codebook: the primary actor 2 of a remote-violence event
is "the ostensibly-intended target"), role ``target``; so is actor 2 of the
territory sub-events (Government regains territory, Non-state actor overtakes
territory, Non-violent transfer of territory), which lost the place actor 1
gained (conflictmap.control derives who holds what from them). Associated actors take
their main actor's role and, for the catch-all faction, its type.

event_date is read as YYYY-MM-DD (ACLED's current exports) or "D Month YYYY"
(older exports). ``notes`` becomes the description, ``source`` the publisher
the event cites (with ``source_scale`` as the source's note), and the other
ACLED columns are kept as ``acled_*`` columns (fatalities as ``fatalities``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.importers.build import CODES, TEXT, Converted, join_present
from conflictmap.importers.groups import INTER_TYPES, parse_inter
from conflictmap.importers.rows import RowProblem
from conflictmap.vocabulary import ACLED_LABEL, DEFAULT_RADIUS_KM

# The columns the importer needs; an export missing one cannot be imported.
REQUIRED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "country",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
# Read when present (older exports lack some of them).
OPTIONAL = (
    "year",
    "disorder_type",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "admin1",
    "admin2",
    "admin3",
    "source_scale",
    "tags",
    "timestamp",
)
ALL_COLUMNS = REQUIRED + OPTIONAL

DATE_PRECISION = {1: "day", 2: "week", 3: "month"}
DATE_BASIS = {
    1: "ACLED time_precision 1: the source gives the actual date.",
    2: "ACLED time_precision 2: the source gives only the week (or weekend); ACLED dates it at the middle of "
    "that period, so the event lies within 3 days of that date.",
    3: "ACLED time_precision 3: the source gives only the month; ACLED dates it at the month's midpoint "
    "(or its first or last day), so the event lies somewhere in that month.",
}
PLACE_PRECISION = {1: "town", 2: "area", 3: "region"}

# (ACLED event type, ACLED sub-event type), case-folded -> (type, sub_type).
ACLED_TYPES: dict[tuple[str, str], tuple[str, str]] = {}
for (_type, _sub), _label in ACLED_LABEL.items():
    _event, _, _sub_event = _label.partition(" / ")
    if not _sub_event.startswith("("):
        ACLED_TYPES[(_event.casefold(), _sub_event.casefold())] = (_type, _sub)
ACLED_TYPES[("protests", "excessive force against protestors")] = ACLED_TYPES[
    ("protests", "excessive force against protesters")
]  # the codebook's older spelling
ROLES_USED = ["actor", "target"]
TARGETED = {"violence against civilians", "explosions/remote violence"}
CONTROL_SUB_EVENTS = {
    "government regains territory",
    "non-state actor overtakes territory",
    "non-violent transfer of territory",
}

EXTRA_TYPES = {
    "fatalities": pa.int64(),
    "acled_disorder_type": CODES,
    "acled_interaction": CODES,
    "acled_civilian_targeting": CODES,
    "acled_iso": CODES,
    "acled_region": CODES,
    "acled_admin1": CODES,
    "acled_admin2": CODES,
    "acled_admin3": CODES,
    "acled_source_scale": CODES,
    "acled_tags": CODES,
    "acled_time_precision": pa.int8(),
    "acled_geo_precision": pa.int8(),
    "acled_timestamp": pa.int64(),
}

_INTEGER = r"^\s*\d{1,15}(\.0*)?\s*$"
_NUMBER = r"^\s*[-+]?(\d{1,3}\.?\d*|\.\d+)\s*$"


class AcledConverter:
    """Converts batches of an ACLED export; one instance per import (it keeps the actor-type cache)."""

    format = "acled"
    required = REQUIRED
    extra_types = EXTRA_TYPES
    id_column = "event_id_cnty"
    document_id = "acled"
    publisher = "ACLED"

    def __init__(self):
        self._inter: dict[str, int | None] = {}

    def convert(self, table: pa.Table, lines: np.ndarray) -> Converted:
        """One batch of ACLED rows as canonical columns, actor rows and extras, with every row's problems.

        Each step checks its columns and records problems in the order the columns are read.
        """
        batch = _Batch(table, lines)
        n, col, bad = batch.n, batch.col, batch.bad
        ids = col("event_id_cnty")
        bad(_empty(ids), "event_id_cnty", lambda r: "missing (every ACLED event has an id)")
        raw_date, date, no_date = _event_dates(batch)
        time_code = _codes(col("time_precision"), (1, 2, 3))
        bad(time_code == 0, "time_precision", lambda r: f"{_shown(table, 'time_precision', r)} is not 1, 2 or 3")
        geo_code = _codes(col("geo_precision"), (1, 2, 3))
        bad(geo_code == 0, "geo_precision", lambda r: f"{_shown(table, 'geo_precision', r)} is not 1, 2 or 3")
        if "year" in table.column_names:
            _check_year(batch, raw_date, date, no_date)
        types = _event_types(batch)

        # Coordinates.
        lat, lat_bad = _numbers(col("latitude"), -90, 90)
        lon, lon_bad = _numbers(col("longitude"), -180, 180)
        bad(lat_bad, "latitude", lambda r: f"{_shown(table, 'latitude', r)} is not a latitude (-90 to 90)")
        bad(lon_bad, "longitude", lambda r: f"{_shown(table, 'longitude', r)} is not a longitude (-180 to 180)")
        location = col("location")
        bad(_empty(location), "location", lambda r: "missing (ACLED names the place of every event)")

        fatalities = _integers(col("fatalities"))
        bad(fatalities < 0, "fatalities", lambda r: f"{_shown(table, 'fatalities', r)} is not a whole number ≥ 0")
        timestamp = None
        if "timestamp" in table.column_names:
            ts_raw = col("timestamp")
            ts = _integers(ts_raw)
            bad(~_empty(ts_raw) & (ts < 0), "timestamp", lambda r: f"{_shown(table, 'timestamp', r)} is not a number")
            timestamp = pa.array(ts, pa.int64(), mask=ts < 0)

        actors, who = self._actors(batch, types)
        # Titles: "Armed clash in Hajin: Military Forces of Syria (2000-2024); Islamic State (Syria)".
        title = pc.binary_join_element_wise(types.sub_event, " in ", location, ": ", who, "")
        start, end = _date_span(date, no_date, time_code, n)

        precision_text = pa.array([None, *DATE_PRECISION.values()], TEXT)
        basis_text = pa.array([None, *DATE_BASIS.values()], TEXT)
        place_text = pa.array([None, *PLACE_PRECISION.values()], TEXT)
        radius = np.array([np.nan] + [DEFAULT_RADIUS_KM[PLACE_PRECISION[c]] for c in (1, 2, 3)])
        admin = join_present([col(c) for c in ("admin3", "admin2", "admin1")], ", ")
        published = None
        if timestamp is not None:
            published = pc.strftime(timestamp.cast(pa.timestamp("s")), format="%Y-%m-%d")
        scale = _blank_as_null(col("source_scale"))
        columns = {
            "id": ids,
            "title": title,
            "type": pc.take(types.type_ids, types.indices),
            "sub_type": pc.take(types.sub_ids, types.indices),
            "acled_type": pc.take(types.acled_labels, types.indices),
            "date_start": start,
            "date_end": end,
            "date_precision": pc.take(precision_text, pa.array(time_code)),
            "date_basis": pc.take(basis_text, pa.array(time_code)),
            "description": _blank_as_null(col("notes")),
            "place_name": location,
            "place_precision": pc.take(place_text, pa.array(geo_code)),
            "place_country": _blank_as_null(col("country")),
            "place_note": _blank_as_null(admin),
            "lat": lat,
            "lon": lon,
            "radius_km": pa.array(radius[geo_code]),
            "coord_source": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["ACLED"])),
            "publisher": _blank_as_null(col("source")),
            "published": published,
            "source_note": pc.binary_join_element_wise("ACLED source scale: ", scale, ""),
        }
        extras = _extras(batch, fatalities, time_code, geo_code, scale, timestamp)
        columns = {k: v for k, v in columns.items() if v is not None}
        return Converted(n, columns, actors, extras, batch.problems)

    def _actors(self, batch: _Batch, types: _EventTypes) -> tuple[pa.Table, pa.Array]:
        """The actor rows of a batch (checked), and who each event names for its title ("A; B", or A alone).

        Actor 2 is the target in the targeted event types and in the territory sub-events (issue 17:
        actor 1 gains the place and actor 2 loses it); otherwise both are actors.
        """
        n, col, bad, table = batch.n, batch.col, batch.bad, batch.table
        actor1, actor2 = col("actor1"), col("actor2")
        inter1 = self._inter_codes(col("inter1"))
        inter2 = self._inter_codes(col("inter2"))
        no_actor1 = _empty(actor1)
        bad(no_actor1, "actor1", lambda r: "missing (every ACLED event has an actor 1)")
        bad(~no_actor1 & (inter1 <= 0), "inter1", lambda r: _inter_message(table, "inter1", r))
        has_actor2 = ~_empty(actor2)
        bad(has_actor2 & (inter2 <= 0), "inter2", lambda r: _inter_message(table, "inter2", r))
        targeted = pc.is_in(pc.utf8_lower(types.event_type), pa.array(sorted(TARGETED))).to_numpy(zero_copy_only=False)
        targeted |= pc.is_in(pc.utf8_lower(types.sub_event), pa.array(sorted(CONTROL_SUB_EVENTS))).to_numpy(
            zero_copy_only=False
        )
        role2 = np.where(targeted, 1, 0)  # ROLES_USED: 0 actor, 1 target
        actors = _actor_rows(
            [
                (actor1, None, inter1, np.zeros(n, np.int64)),
                (col("assoc_actor_1"), ";", inter1, np.zeros(n, np.int64)),
                (actor2, None, inter2, role2),
                (col("assoc_actor_2"), ";", inter2, role2),
            ],
            n,
        )
        who = pc.binary_join_element_wise(actor1, pc.if_else(pa.array(has_actor2), actor2, None), "; ")
        return actors, pc.coalesce(who, actor1)

    def _inter_codes(self, array: pa.Array) -> np.ndarray:
        """ACLED actor type per row: 1-8, 0 for blank, -1 for a value that is neither code nor type."""
        encoded = array.dictionary_encode()
        codes = []
        for value in encoded.dictionary.to_pylist():
            if value not in self._inter:
                self._inter[value] = 0 if value in ("", "0") else (parse_inter(value) or -1)
            codes.append(self._inter[value])
        table = np.array(codes or [0], dtype=np.int64)
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        return table[indices] if len(indices) else np.zeros(0, np.int64)


class _Batch:
    """One batch of rows being converted: its columns, read trimmed, and the problems found in them."""

    def __init__(self, table: pa.Table, lines: np.ndarray):
        self.table = table
        self.lines = lines
        self.n = table.num_rows
        self.problems: list[RowProblem] = []

    def col(self, name: str) -> pa.Array:
        """Column ``name`` as trimmed text (all null when absent); bytes that are not UTF-8 are a problem."""
        if name not in self.table.column_names:
            return pa.nulls(self.n, TEXT)
        column = self.table.column(name).combine_chunks()
        if pa.types.is_binary(column.type):
            from conflictmap.importers.rows import bad_utf8_rows

            for row in bad_utf8_rows(column):
                self.problems.append(RowProblem(int(self.lines[row]), name, "not valid UTF-8 text", int(row)))
            column = pa.array(
                [v.decode("utf-8", "replace") if v is not None else None for v in column.to_pylist()], TEXT
            )
        return pc.utf8_trim_whitespace(column)

    def bad(self, mask: np.ndarray, name: str, message: Callable[[int], str]) -> None:
        """Record a problem for each row where ``mask`` is true; ``message(row)`` builds the text."""
        for row in np.flatnonzero(mask):
            self.problems.append(RowProblem(int(self.lines[row]), name, message(int(row)), int(row)))


def _empty(array: pa.Array) -> np.ndarray:
    """True where a text column is blank or null."""
    return pc.fill_null(pc.equal(pc.utf8_length(array), 0), True).to_numpy(zero_copy_only=False)


def _event_dates(batch: _Batch) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """event_date as read, as dates (YYYY-MM-DD, else D Month YYYY), and where it is not a date (a problem)."""
    raw_date = batch.col("event_date")
    date = pc.coalesce(_strict_date(raw_date, "%Y-%m-%d"), _strict_date(raw_date, "%d %B %Y"))
    no_date = ~pc.is_valid(date).to_numpy(zero_copy_only=False)
    raw_dates = raw_date.to_pylist() if no_date.any() else []  # only read when a row has no date
    batch.bad(no_date, "event_date", lambda r: f"{raw_dates[r]!r} is not a date (YYYY-MM-DD or D Month YYYY)")
    return raw_date, date, no_date


def _check_year(batch: _Batch, raw_date: pa.Array, date: pa.Array, no_date: np.ndarray) -> None:
    """A ``year`` given beside event_date must be its year."""
    year = batch.col("year")
    given = ~_empty(year)
    year_num = _integers(year)
    date_year = pc.year(date).to_numpy(zero_copy_only=False) if batch.n else np.zeros(0)
    date_year = np.where(no_date, -1, np.nan_to_num(date_year.astype(float), nan=-1)).astype(np.int64)
    wrong = given & ~no_date & (year_num != date_year)
    batch.bad(
        wrong,
        "year",
        lambda r: f"{_shown(batch.table, 'year', r)} does not match event_date {raw_date[r].as_py()}",
    )


@dataclass(frozen=True)
class _EventTypes:
    """The batch's (event type, sub-event type) pairs, dictionary-encoded, with our ids and ACLED's label."""

    event_type: pa.Array
    sub_event: pa.Array
    indices: pa.Array  # per row, an index into the three arrays below
    type_ids: pa.Array
    sub_ids: pa.Array
    acled_labels: pa.Array


def _event_types(batch: _Batch) -> _EventTypes:
    """Event types: the (type, sub-type) pair must be one ACLED defines (else a problem on sub_event_type)."""
    event_type, sub_event = batch.col("event_type"), batch.col("sub_event_type")
    pair = pc.binary_join_element_wise(pc.utf8_lower(event_type), pc.utf8_lower(sub_event), "\x1f")
    encoded = pair.dictionary_encode()
    known = [ACLED_TYPES.get(tuple(v.split("\x1f"))) if v is not None else None for v in encoded.dictionary.to_pylist()]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    n = batch.n
    unknown_type = np.array([k is None for k in known] or [True], dtype=bool)[codes] if n else np.zeros(0, bool)
    batch.bad(
        unknown_type,
        "sub_event_type",
        lambda r: f"{sub_event[r].as_py()!r} is not an ACLED sub-event type of event type {event_type[r].as_py()!r}",
    )
    return _EventTypes(
        event_type,
        sub_event,
        encoded.indices,
        pa.array([k[0] if k else None for k in known], TEXT),
        pa.array([k[1] if k else None for k in known], TEXT),
        pa.array([ACLED_LABEL.get(k) if k else None for k in known], TEXT),
    )


def _date_span(date: pa.Array, no_date: np.ndarray, time_code: np.ndarray, n: int) -> tuple[pa.Array, pa.Array]:
    """First and last day per row: the day; the seven days centred on it (week); its calendar month (month)."""
    week = time_code == 2
    month = time_code == 3
    day_ns = date.cast(pa.int32()).to_numpy(zero_copy_only=False) if n else np.zeros(0, np.int32)
    day_ns = np.where(no_date, 0, np.nan_to_num(day_ns.astype(float))).astype(np.int64)
    start_days = np.where(week, day_ns - 3, day_ns)
    end_days = np.where(week, day_ns + 3, day_ns)
    if month.any():
        dates = day_ns[month].astype("datetime64[D]")
        first = dates.astype("datetime64[M]")
        start_days[month] = first.astype("datetime64[D]").astype(np.int64)
        end_days[month] = ((first + 1).astype("datetime64[D]") - 1).astype(np.int64)
    return pa.array(start_days.astype(np.int32), pa.date32()), pa.array(end_days.astype(np.int32), pa.date32())


def _extras(
    batch: _Batch,
    fatalities: np.ndarray,
    time_code: np.ndarray,
    geo_code: np.ndarray,
    scale: pa.Array,
    timestamp: pa.Array | None,
) -> dict[str, pa.Array]:
    """ACLED's own columns, kept as ``acled_*`` (fatalities as ``fatalities``)."""
    extras = {
        "fatalities": pa.array(np.maximum(fatalities, 0), pa.int64()),
        "acled_time_precision": pa.array(time_code, pa.int8()),
        "acled_geo_precision": pa.array(geo_code, pa.int8()),
    }
    for name in ("disorder_type", "interaction", "civilian_targeting", "iso", "region", "admin1", "admin2"):
        extras[f"acled_{name}"] = _blank_as_null(batch.col(name))
    extras["acled_admin3"] = _blank_as_null(batch.col("admin3"))
    extras["acled_source_scale"] = scale
    extras["acled_tags"] = _blank_as_null(batch.col("tags"))
    if timestamp is not None:
        extras["acled_timestamp"] = timestamp
    return extras


def _inter_message(table: pa.Table, name: str, row: int) -> str:
    value = table.column(name)[row].as_py()
    value = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    types = ", ".join(f"{k} {v!r}" for k, v in INTER_TYPES.items())
    if not (value or "").strip():
        return f"missing: the actor has no type (one of {types})"
    return f"{value!r} is not an ACLED actor type (one of {types})"


def _shown(table: pa.Table, name: str, row: int) -> str:
    value = table.column(name)[row].as_py()
    value = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return repr(value) if value else "missing value"


def _strict_date(text: pa.Array, fmt: str) -> pa.Array:
    """Dates in ``fmt``; null unless the text is exactly that date (Arrow alone reads 2019-02-30 as 2 March)."""
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    again = pc.strftime(parsed, format=fmt)
    if "%d %B" in fmt:  # "3 March 2019" and "03 march 2019" alike
        again, text = (pc.utf8_lower(pc.utf8_ltrim(t, characters="0")) for t in (again, text))
    same = pc.fill_null(pc.equal(again, text), False)
    return pc.if_else(same, parsed, pa.scalar(None, parsed.type)).cast(pa.date32())


def _blank_as_null(array):
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_null(array.type):
        return array
    return pc.if_else(pc.equal(pc.utf8_length(array), 0), pa.scalar(None, TEXT), array)


def _codes(array: pa.Array, allowed: tuple[int, ...]) -> np.ndarray:
    """Small integer codes; 0 where the value is not one of ``allowed``."""
    numbers = _integers(array)
    return np.where(np.isin(numbers, allowed), numbers, 0).astype(np.int64)


def _integers(array: pa.Array) -> np.ndarray:
    """Whole numbers ('3', '3.0'); -1 where the text is not one."""
    ok = pc.fill_null(pc.match_substring_regex(array, _INTEGER), False)
    cleaned = pc.if_else(ok, pc.utf8_trim_whitespace(array), "-1")
    return pc.cast(pc.cast(cleaned, pa.float64()), pa.int64()).to_numpy(zero_copy_only=False)


def _numbers(array: pa.Array, lo: float, hi: float) -> tuple[pa.Array, np.ndarray]:
    ok = pc.fill_null(pc.match_substring_regex(array, _NUMBER), False)
    cleaned = pc.if_else(ok, pc.utf8_trim_whitespace(array), "nan")
    values = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    bad = ~(ok.to_numpy(zero_copy_only=False) & (values >= lo) & (values <= hi))
    return pa.array(values, pa.float64(), mask=bad), bad


def _actor_rows(sources, n: int) -> pa.Table:
    """The long actors table: (row, name, actor_type, role) in listed order, names split on ';'."""
    parts = []
    for order, (names, split, types, roles) in enumerate(sources):
        if split:
            lists = pc.split_pattern(names, split)
            flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
            rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        else:
            flat, rows = names, np.arange(n)
        named = pc.fill_null(pc.greater(pc.utf8_length(flat), 0), False).to_numpy(zero_copy_only=False)
        rows = rows[named]
        parts.append(
            (
                rows,
                np.full(len(rows), order),
                pc.filter(flat, pa.array(named)),
                np.maximum(types[rows], 0),
                roles[rows],
            )
        )
    rows = np.concatenate([p[0] for p in parts])
    orders = np.concatenate([p[1] for p in parts])
    sequence = np.lexsort((np.arange(len(rows)), orders, rows))
    names = pa.concat_arrays([p[2] for p in parts])
    return pa.table(
        {
            "row": pa.array(rows[sequence], pa.int64()),
            "name": pc.take(names, pa.array(sequence)),
            "actor_type": pa.array(np.concatenate([p[3] for p in parts])[sequence], pa.int8()),
            "role": pa.DictionaryArray.from_arrays(
                pa.array(np.concatenate([p[4] for p in parts])[sequence].astype(np.int32)), pa.array(ROLES_USED)
            ),
        }
    )
