"""Joins of the companion tables (actors, sources) to events, on the event id.

Exports used to scan the whole sources and actors tables once per event
(``table[table["event_id"] == eid]``): O(events x sources), hours for a
whole-view export at a million events. Here each table is grouped by event
once, in Arrow's hash join (C++), and a lookup is a slice. Rows are matched
by the event id, never by a row position, so tables sorted or partitioned by
another engine still join right.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from conflictmap.table import Dataset


def as_arrow_ids(values) -> pa.Array:
    """Event ids as an Arrow string array (zero-copy for the store's Arrow-backed columns)."""
    array = values.array if hasattr(values, "array") else values
    try:
        return pa.array(array, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in array], type=pa.large_string())


def positions_of(event_ids, ids) -> np.ndarray:
    """For each of ``event_ids``, its position in ``ids`` (-1 where it is not there): a hash join."""
    found = pc.index_in(as_arrow_ids(event_ids), value_set=as_arrow_ids(ids))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def rows_by_event(table: pd.DataFrame, ids) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``table`` whose ``event_id`` is one of ``ids``, grouped by event (in ``ids``' order),
    each event's rows in the table's own order; and the position in ``ids`` of each row's event."""
    pos = positions_of(table["event_id"], ids)
    rows = np.flatnonzero(pos >= 0)
    rows = rows[np.argsort(pos[rows], kind="stable")]
    return rows, pos[rows]


def joined_per_event(values, event_pos: np.ndarray, n: int, sep: str) -> np.ndarray:
    """``sep.join`` of ``values`` per event, for ``n`` events ('' where an event has none).

    ``values`` and ``event_pos`` are aligned and grouped by event (as
    :func:`rows_by_event` returns them); one ``np.add.reduceat`` over all
    groups instead of a Python join per event.
    """
    out = np.full(n, "", dtype=object)
    if not len(event_pos):
        return out
    pieces = np.asarray(values, dtype=object).copy()
    starts = np.flatnonzero(np.r_[True, event_pos[1:] != event_pos[:-1]])
    rest = np.ones(len(pieces), dtype=bool)
    rest[starts] = False
    pieces[rest] = sep + pieces[rest]
    out[event_pos[starts]] = np.add.reduceat(pieces, starts)
    return out


class EventRows:
    """One companion table grouped by event: the rows of any event in O(its rows)."""

    def __init__(self, events_index: pd.Index, table: pd.DataFrame):
        self.table = table
        self.events_index = events_index
        self.rows, pos = rows_by_event(table, events_index)
        self.offsets = np.searchsorted(pos, np.arange(len(events_index) + 1))

    def of(self, event_id) -> pd.DataFrame:
        try:
            at = self.events_index.get_loc(event_id)
        except (KeyError, TypeError):
            at = None
        if not isinstance(at, (int, np.integer)):  # not an event of this table (or ids not unique): scan
            return self.table[self.table["event_id"] == event_id]
        return self.table.iloc[self.rows[self.offsets[at] : self.offsets[at + 1]]]


MAX_CACHED = 8
_CACHE: OrderedDict[tuple, tuple[Dataset, EventRows]] = OrderedDict()
_LOCK = threading.Lock()


def event_rows_of(dataset: Dataset, name: str) -> EventRows:
    """``dataset``'s table ``name`` ("actors", "sources") grouped by event, built once per dataset."""
    key = (id(dataset), name)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is dataset and hit[1].table is getattr(dataset, name):
            _CACHE.move_to_end(key)
            return hit[1]
    grouped = EventRows(dataset.events.index, getattr(dataset, name))
    with _LOCK:
        _CACHE[key] = (dataset, grouped)
        while len(_CACHE) > MAX_CACHED:
            _CACHE.popitem(last=False)
    return grouped
