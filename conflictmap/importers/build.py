"""Turn one batch of converted rows into the dataset's tables, in Arrow.

Every importer (ACLED, generic CSV, GeoJSON) converts its rows into the same
canonical columns (``Converted``); this module does the rest once: it drops the
rejected rows, groups actor names into factions, picks each event's primary
faction and side, and lays the columns out exactly as ``conflictmap.table``
and ``conflictmap.geocode`` do for a curated file (``EVENT_SCHEMA``), already
geocoded: the coordinates come with the data and keep their provenance.

All of it is column arithmetic (pyarrow compute, numpy); Python only touches
the distinct values of a column (a few thousand actor names, twenty event
types), never the rows. Repeated text (types, places, factions, sources) is
dictionary-encoded, which is what keeps a million events in a few hundred MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.importers.groups import INTER_TYPES, UNGROUPED, ActorGroups
from conflictmap.importers.rows import RowProblem
from conflictmap.table import EVENT_COLUMNS, PRIMARY_ROLES
from conflictmap.vocabulary import ACLED_LABEL, TYPE_LABELS

TEXT = pa.string()
# Free text (ids, titles, descriptions): 64-bit offsets, the layout pandas' Arrow-backed str dtype
# uses, so loading the store hands the buffers over instead of converting them.
LONG_TEXT = pa.large_string()
CODES = pa.dictionary(pa.int32(), pa.string())  # repeated text: becomes a pandas Categorical


def _place_fields(prefix: str) -> dict[str, pa.DataType]:
    return {
        f"{prefix}_name": CODES,
        f"{prefix}_precision": CODES,
        f"{prefix}_country": CODES,
        f"{prefix}_gazetteer_id": CODES,
        f"{prefix}_note": CODES,
        f"{prefix}_lat": pa.float64(),
        f"{prefix}_lon": pa.float64(),
        f"{prefix}_radius_km": pa.float64(),
        f"{prefix}_coord_source": CODES,
    }


def _geo_fields(prefix: str) -> dict[str, pa.DataType]:
    # The columns conflictmap.geocode adds, in the order it adds them.
    return {
        f"{prefix}_status": CODES,
        f"{prefix}_source": CODES,
        f"{prefix}_match": CODES,
        f"{prefix}_score": pa.float64(),
        f"{prefix}_matched_name": CODES,
        f"{prefix}_path": LONG_TEXT,  # JSON text of [[lat, lon], ...] (see conflictmap.store)
    }


_EVENT_TYPES: dict[str, pa.DataType] = {
    "id": LONG_TEXT,
    "title": LONG_TEXT,
    "type": CODES,
    "type_label": CODES,
    "sub_type": CODES,
    "acled_type": CODES,
    "date_start": pa.date32(),
    "date_end": pa.date32(),
    "date_precision": CODES,
    "date_basis": CODES,
    "confidence": CODES,
    "description": LONG_TEXT,
    "notes": LONG_TEXT,
    "primary_faction": CODES,
    "side": CODES,
    "factions": CODES,
    **_place_fields("place"),
    **_place_fields("dest"),
    "search_text": LONG_TEXT,
    "source_line": pa.int64(),
    **_geo_fields("place"),
    **_geo_fields("dest"),
    "map_lat": pa.float64(),
    "map_lon": pa.float64(),
    "map_radius_km": pa.float64(),
    "map_precision": CODES,
}
assert list(_EVENT_TYPES)[: len(EVENT_COLUMNS)] == EVENT_COLUMNS

ACTOR_SCHEMA = pa.schema(
    [
        ("event_id", LONG_TEXT),
        ("faction", CODES),
        ("role", CODES),
        ("event_row", pa.int64()),
        ("actor_name", CODES),  # the name as the source wrote it (an ACLED actor, a column value)
        ("actor_type", CODES),  # ACLED's actor type (inter code) where the source gives one
    ]
)
SOURCE_SCHEMA = pa.schema(
    [
        ("event_id", LONG_TEXT),
        ("document", CODES),
        ("paragraph", pa.int64()),
        ("quote", LONG_TEXT),
        ("note", CODES),
        ("publisher", CODES),
        ("doc_title", CODES),
        ("published", CODES),
        ("url", LONG_TEXT),
        ("file", CODES),
    ]
)


def event_schema(extras: dict[str, pa.DataType] | None = None) -> pa.Schema:
    """The events table's columns: the curated file's, geocoded, then the importer's own extras."""
    return pa.schema(list(_EVENT_TYPES.items()) + list((extras or {}).items()))


@dataclass
class Converted:
    """One batch of rows in canonical columns, before rejected rows are dropped.

    ``columns`` holds arrays of the batch's length under EVENT_SCHEMA names
    (plus ``lat``, ``lon``, ``radius_km``, ``coord_source`` for the place and
    ``publisher``, ``published``, ``source_note``, ``url``, ``quote`` for the
    source); values of rejected rows may be anything. ``actors`` has one row
    per named actor: ``row`` (batch position), ``name``, ``actor_type`` (ACLED
    inter code, 0 if none), ``role``, in the order the event lists them.
    """

    n: int
    columns: dict[str, pa.Array]
    actors: pa.Table
    extras: dict[str, pa.Array] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class SourceDocument:
    """The one document an import cites: the input file."""

    id: str
    publisher: str
    title: str
    file: str


def assemble(
    conv: Converted,
    keep: np.ndarray,
    lines: np.ndarray,
    row_offset: int,
    groups: ActorGroups,
    document: SourceDocument,
    schema: pa.Schema,
    used_factions: dict[str, set],
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Events, actors and sources tables for the kept rows of one batch.

    ``used_factions`` collects, per faction id, the actor names grouped into it
    (the factions table is written once, at the end).
    """
    rows = np.flatnonzero(keep)
    take = pa.array(rows, pa.int64())
    cols = {name: _take(arr, take) for name, arr in conv.columns.items()}
    extras = {name: _take(arr, take) for name, arr in conv.extras.items()}
    n = len(rows)
    ids = cols["id"]

    actors, primary, joined = _actors(conv.actors, keep, ids, row_offset, groups, used_factions)
    side_of = {fid: groups.faction_rows([fid])[fid]["side"] for fid in used_factions}
    side = _map_text(primary, side_of)

    title = cols["title"]
    description = cols.get("description", _nulls(n))
    search = pc.utf8_lower(pc.binary_join_element_wise(title, pc.fill_null(_text(description), ""), " "))

    lat, lon = cols["lat"], cols["lon"]
    placed = pc.and_(pc.is_valid(lat), pc.is_valid(lon))
    radius = pc.if_else(placed, cols["radius_km"], pa.scalar(None, pa.float64()))
    resolved = pc.if_else(placed, pa.scalar("resolved"), pa.scalar(None, pa.string()))
    event_type = cols["type"]
    acled_type = cols.get("acled_type")
    if acled_type is None:
        acled_type = _map_pairs(event_type, cols["sub_type"], ACLED_LABEL)
    values = {
        **cols,
        "type_label": _map_text(event_type, TYPE_LABELS),
        "acled_type": acled_type,
        "primary_faction": primary,
        "side": side,
        "factions": joined,
        "place_lat": lat,
        "place_lon": lon,
        "place_radius_km": radius,
        "place_coord_source": cols["coord_source"],
        "search_text": search,
        "source_line": pa.array(lines[rows], pa.int64()),
        "place_status": cols.get("place_status", resolved),
        "place_source": cols.get("place_source", cols["coord_source"]),
        "place_match": cols.get("place_match", pc.if_else(placed, pa.scalar("explicit"), pa.scalar(None, TEXT))),
        "place_score": cols.get("place_score", pc.if_else(placed, pa.scalar(1.0), pa.scalar(None, pa.float64()))),
        "place_matched_name": cols.get("place_matched_name", pc.if_else(placed, cols["place_name"], _nulls(n))),
        "map_lat": lat,
        "map_lon": lon,
        "map_radius_km": radius,
        "map_precision": cols["place_precision"],
        **extras,
    }
    events = pa.table([_as(values.get(f.name), f.type, n) for f in schema], schema=schema)

    sources = pa.table(
        {
            "event_id": ids,
            "document": _const(document.id, n),
            "paragraph": pa.nulls(n, pa.int64()),
            "quote": cols.get("quote", _nulls(n)),
            "note": cols.get("source_note", _nulls(n)),
            "publisher": cols.get("publisher", _nulls(n)),
            "doc_title": _const(document.title, n),
            "published": cols.get("published", _nulls(n)),
            "url": cols.get("url", _nulls(n)),
            "file": _const(document.file, n),
        }
    )
    sources = pa.table([_as(sources.column(f.name), f.type, n) for f in SOURCE_SCHEMA], schema=SOURCE_SCHEMA)
    return events, actors, sources


def _actors(actors: pa.Table, keep, ids, row_offset, groups, used_factions):
    """The long actors table for kept rows, each event's primary faction, and its factions joined by '|'."""
    n = len(ids)
    position = np.cumsum(keep) - 1  # batch row -> position among kept rows
    if actors.num_rows:
        actors = actors.filter(pa.array(keep[actors.column("row").to_numpy()]))
    event_pos = position[actors.column("row").to_numpy()] if actors.num_rows else np.zeros(0, dtype=np.int64)
    names = _text(actors.column("name").combine_chunks()) if actors.num_rows else pa.array([], TEXT)
    types = actors.column("actor_type").to_numpy().astype(np.int64) if actors.num_rows else np.zeros(0, np.int64)

    # Each distinct name is decided once; unmatched names go to the catch-all of their actor type.
    encoded = names.dictionary_encode()
    name_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    distinct = encoded.dictionary.to_pylist()
    catch_ids = [UNGROUPED[t][0] for t in range(9)]
    vocab = list(dict.fromkeys([g for g in map(groups.group_of, distinct) if g is not None] + catch_ids))
    code_of = {fid: i for i, fid in enumerate(vocab)}
    group_code = np.array([code_of.get(groups.group_of(v), -1) for v in distinct] or [-1], dtype=np.int64)
    catch_code = np.array([code_of[fid] for fid in catch_ids], dtype=np.int64)
    codes = group_code[name_codes] if len(name_codes) else np.zeros(0, np.int64)
    unmatched = codes < 0
    codes[unmatched] = catch_code[np.where((types >= 1) & (types <= 8), types, 0)[unmatched]]
    for pair in np.unique(codes * (len(distinct) + 1) + name_codes):
        used_factions.setdefault(vocab[pair // (len(distinct) + 1)], set()).add(distinct[pair % (len(distinct) + 1)])
    vocab_array = pa.array(vocab, TEXT)

    roles = _text(actors.column("role").combine_chunks()) if actors.num_rows else pa.array([], TEXT)
    role_encoded = roles.dictionary_encode()
    rank_of = {r: i for i, r in enumerate(PRIMARY_ROLES)}
    role_rank = np.array([rank_of.get(r, len(PRIMARY_ROLES)) for r in role_encoded.dictionary.to_pylist()] or [0])
    ranks = role_rank[role_encoded.indices.to_numpy(zero_copy_only=False)] if len(roles) else np.zeros(0, np.int64)
    order = np.lexsort((np.arange(len(ranks)), ranks, event_pos))
    primary_code = np.full(n, -1, dtype=np.int64)
    if len(order):
        first_pos, first_at = np.unique(event_pos[order], return_index=True)
        primary_code[first_pos] = codes[order[first_at]]
    primary = _codes_array(primary_code, vocab_array)

    listed = np.lexsort((np.arange(len(event_pos)), event_pos))
    joined = _join_distinct(event_pos[listed], codes[listed], vocab, n)

    type_text = pa.array([INTER_TYPES[t] for t in range(1, 9)], TEXT)
    table = pa.table(
        {
            "event_id": pc.take(ids, pa.array(event_pos, pa.int64())),
            "faction": _codes_array(codes, vocab_array),
            "role": roles,
            "event_row": pa.array(event_pos + row_offset, pa.int64()),
            "actor_name": names,
            "actor_type": _codes_array(np.where((types >= 1) & (types <= 8), types - 1, -1), type_text),
        }
    )
    table = pa.table([_as(table.column(f.name), f.type, table.num_rows) for f in ACTOR_SCHEMA], schema=ACTOR_SCHEMA)
    return table, primary, joined


def _codes_array(codes: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
    """Integer codes (-1 = null) into ``dictionary`` as an Arrow dictionary array."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def _join_distinct(pos: np.ndarray, codes: np.ndarray, vocab: list[str], n: int) -> pa.Array:
    """Per event, its distinct faction codes in listed order, joined by '|' (null for none).

    Events share few combinations, so the text is built once per distinct combination.
    """
    if not len(pos):
        return _nulls(n)
    pair = pos.astype(np.int64) * (len(vocab) + 1) + codes
    _, first = np.unique(pair, return_index=True)
    first.sort()
    pos, codes = pos[first], codes[first]
    rank = np.arange(len(pos)) - np.searchsorted(pos, pos, side="left")
    width = int(rank.max()) + 1
    base = len(vocab) + 1
    if base**width < 2**62:  # one integer per combination: a 1-D unique is much cheaper than a row-wise one
        key = np.zeros(n, dtype=np.int64)
        np.add.at(key, pos, (codes + 1) * base ** (width - 1 - rank))
        combos, inverse = np.unique(key, return_inverse=True)
        digits = [[(int(k) // base ** (width - 1 - r)) % base - 1 for r in range(width)] for k in combos]
    else:
        table = np.full((n, width), -1, dtype=np.int64)
        table[pos, rank] = codes
        combos, inverse = np.unique(table, axis=0, return_inverse=True)
        digits = combos.tolist()
    texts = ["|".join(vocab[c] for c in combo if c >= 0) or None for combo in digits]
    return pc.take(pa.array(texts, TEXT), pa.array(inverse.ravel()))


def join_present(arrays: list, separator: str) -> pa.Array:
    """Row-wise join of the non-empty values (null if none), computed once per distinct combination.

    (pyarrow's binary_join_element_wise with null_handling="skip" drops rows whose values are all null.)
    """
    keys = pc.binary_join_element_wise(*[pc.fill_null(_text(a), "") for a in arrays], "\x1f").dictionary_encode()
    texts = [separator.join(p for p in key.split("\x1f") if p) or None for key in keys.dictionary.to_pylist()]
    return pc.take(pa.array(texts, TEXT), keys.indices)


def _take(array, indices: pa.Array):
    return pc.take(array, indices)


def _nulls(n: int, type_: pa.DataType = TEXT) -> pa.Array:
    return pa.nulls(n, type_)


def _const(value: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value]))


def _map_text(array, mapping: dict) -> pa.Array:
    """Map text values through ``mapping`` by way of their distinct values (unknown -> null)."""
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    if pa.types.is_dictionary(array.type):
        array = array.cast(TEXT)
    encoded = array.dictionary_encode()
    mapped = pa.array([mapping.get(v) for v in encoded.dictionary.to_pylist()], TEXT)
    return pc.take(mapped, encoded.indices)


def _map_pairs(first, second, mapping: dict) -> pa.Array:
    joined = pc.binary_join_element_wise(_text(first), _text(second), "\x1f", null_handling="replace")
    flat = {f"{a}\x1f{b}": v for (a, b), v in mapping.items()}
    return _map_text(joined, flat)


def _text(array):
    return array.cast(TEXT) if pa.types.is_dictionary(array.type) else array


def _as(array, type_: pa.DataType, n: int) -> pa.Array:
    """``array`` as ``type_`` (nulls if absent); text becomes dictionary-encoded where the schema says so."""
    if array is None:
        return pa.nulls(n, type_)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type == type_ and not (pa.types.is_dictionary(type_) and array.dictionary.null_count):
        return array
    if pa.types.is_dictionary(type_):
        if pa.types.is_null(array.type):
            return pa.nulls(n, type_)
        array = _text(array)
        encoded = array.dictionary_encode()
        return encoded.cast(type_) if encoded.type != type_ else encoded
    if pa.types.is_dictionary(array.type):
        array = array.cast(TEXT)
    return array.cast(type_)
