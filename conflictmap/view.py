"""The view state (filters, selection) and the filtered view of a dataset.

The state is a small immutable value that round-trips through a URL query
string, so a view can be shared as a link and restored exactly. Parsing never
fails: unknown factions, types or bad dates are dropped and reported as
notices for the page to show, because a stale link must still open.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, unquote_plus

import numpy as np
import pandas as pd

from conflictmap.joins import positions_of
from conflictmap.places import event_place_keys
from conflictmap.store import SHOWN_TEXT_COLUMNS, stored_text, with_stored_text
from conflictmap.table import Dataset
from conflictmap.vocabulary import EVENT_TYPES, LANE_MODES


@dataclass(frozen=True)
class ViewNotice:
    """One thing a link asked for that the view does not do as asked, for code to act on.

    ``text`` is the sentence the page shows; a caller with other rules (the
    export command treats each as an error) words its own message from
    ``kind``, ``parameter`` and ``value`` instead of parsing the sentence back.
    Kinds: ``unknown`` (a value the dataset or the parameter does not know),
    ``not-a-date``, ``moved`` (a date clamped to the drawable period; ``detail``
    is the day used), ``swapped`` (``from`` after ``to``; ``detail`` is ``to``),
    ``cut`` (the query beyond its first ``value`` characters) and ``too-many``
    (``value`` more values of ``parameter`` than are read).
    """

    kind: str
    parameter: str
    value: str
    text: str
    detail: str = ""


@dataclass(frozen=True)
class ViewState:
    factions: tuple[str, ...] = ()
    sides: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    query: str = ""
    event: str | None = None
    lanes: str = "faction"
    step: int | None = None  # briefing step, 1-based (presenter mode only)
    notices: tuple[str, ...] = field(default=(), compare=False)
    as_of: dt.date | None = None  # the control layer's date when not the window's end (`asof=`)
    ignored: tuple[ViewNotice, ...] = field(default=(), compare=False)  # every notice, structured, uncapped

    def to_query(self) -> str:
        """The canonical query string, '' for the default view (no '?')."""
        params = []
        if self.factions:
            params.append(("faction", _join(self.factions)))
        if self.sides:
            params.append(("side", _join(self.sides)))
        if self.types:
            params.append(("type", _join(self.types)))
        if self.date_from:
            params.append(("from", self.date_from.isoformat()))
        if self.date_to:
            params.append(("to", self.date_to.isoformat()))
        if self.query:
            params.append(("q", self.query))
        if self.event:
            params.append(("event", self.event))
        if self.lanes != "faction":
            params.append(("lanes", self.lanes))
        if self.step is not None:
            params.append(("step", str(self.step)))
        if self.as_of:
            params.append(("asof", self.as_of.isoformat()))
        # Each list item is quoted on its own, so a comma inside a value (a side
        # named "US-backed, Kurdish-led") survives the round trip.
        return "&".join(f"{k}={quote(v, safe=',') if k in _FREE_TEXT else v}" for k, v in params)

    def replace(self, **changes) -> ViewState:
        return replace(self, **changes)

    @property
    def is_filtered(self) -> bool:
        return bool(self.factions or self.sides or self.types or self.date_from or self.date_to or self.query)


_FREE_TEXT = {"q"}


def _join(values) -> str:
    return ",".join(quote(v, safe="") for v in values)


# Bounds on what a link can make the server do. A real link is a few hundred
# characters; these stop a hostile one (a 1.5 MB query, 3,000 unknown factions)
# from costing seconds of CPU and megabytes of notices.
MAX_QUERY_CHARS = 4_000
MAX_VALUES_PER_PARAMETER = 50
MAX_NOTICES = 5
MAX_SHOWN_VALUE_CHARS = 60
# The timeline draws the dataset's period widened by this much; dates outside are clamped.
DATE_MARGIN_YEARS = 10
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _parse_query(search: str) -> tuple[dict[str, list[str]], list[ViewNotice]]:
    """name -> values; list parameters split on raw commas before unquoting each item.

    Returns the parameters and notices about what was cut (an over-long query,
    too many values for one parameter).
    """
    notices: list[ViewNotice] = []
    if len(search) > MAX_QUERY_CHARS:
        cut = search.rfind("&", 0, MAX_QUERY_CHARS + 1)
        search = search[: cut if cut > 0 else MAX_QUERY_CHARS]
        notices.append(
            ViewNotice(
                "cut", "", str(MAX_QUERY_CHARS), f"Ignored the link beyond its first {MAX_QUERY_CHARS:,} characters."
            )
        )
    out: dict[str, list[str]] = {}
    dropped: dict[str, int] = {}
    for pair in search.split("&"):
        if not pair:
            continue
        name, _, raw = pair.partition("=")
        name = unquote_plus(name)
        if name in _FREE_TEXT:
            items = [unquote_plus(raw)]
        else:
            items = [unquote_plus(v) for v in raw.split(",")]
        kept = out.setdefault(name, [])
        for v in items:
            if not v.strip():
                continue
            if len(kept) < MAX_VALUES_PER_PARAMETER:
                kept.append(v)
            else:
                dropped[name] = dropped.get(name, 0) + 1
    for name, n in dropped.items():
        notices.append(
            ViewNotice(
                "too-many",
                name,
                str(n),
                f"Ignored {n:,} more '{_shown(name)}' values in the link "
                f"(at most {MAX_VALUES_PER_PARAMETER} are read).",
            )
        )
    return out, notices


def _shown(value: str) -> str:
    """A value from the link as a notice quotes it: short, one line."""
    value = " ".join(value.split())
    return value if len(value) <= MAX_SHOWN_VALUE_CHARS else value[: MAX_SHOWN_VALUE_CHARS - 1] + "…"


def _capped(notices: list[ViewNotice]) -> tuple[str, ...]:
    texts = tuple(n.text for n in notices)
    if len(texts) <= MAX_NOTICES:
        return texts
    return texts[:MAX_NOTICES] + (f"… and {len(texts) - MAX_NOTICES:,} more ignored.",)


def drawable_dates(dataset: Dataset) -> tuple[dt.date, dt.date]:
    """The dates the timeline can draw: the dataset's period widened by DATE_MARGIN_YEARS, within 1900..2100.

    The bounds widen to the data if it lies outside 1900..2100, so no event is ever cut off.
    """
    lo, hi = EARLIEST_DATE, LATEST_DATE
    events = dataset.events
    if len(events):
        first, last = events["date_start"].min(), events["date_end"].max()
        if pd.notna(first) and pd.notna(last):
            first, last = first.date(), last.date()
            lo = max(lo, first.replace(year=max(1, first.year - DATE_MARGIN_YEARS), month=1, day=1))
            hi = min(hi, last.replace(year=min(9999, last.year + DATE_MARGIN_YEARS), month=12, day=31))
            lo, hi = min(lo, first), max(hi, last)
    return lo, hi


def parse_view_state(search: str | None, dataset: Dataset) -> ViewState:
    """Read ``?faction=..&type=..`` into a ViewState, keeping only values the dataset knows.

    Never raises, whatever the string: unknown or malformed values become
    notices (at most MAX_NOTICES, then one "and N more ignored"), only the first
    MAX_QUERY_CHARS characters and MAX_VALUES_PER_PARAMETER values of each
    parameter are read, and dates are clamped to :func:`drawable_dates`.
    """
    search = search if isinstance(search, str) else ""
    params, notices = _parse_query(search.lstrip("?"))

    def values(name: str) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in params.get(name, [])))

    def known(name: str, label: str, allowed) -> tuple[str, ...]:
        kept = []
        for v in values(name):
            if v in allowed:
                kept.append(v)
            else:
                notices.append(ViewNotice("unknown", name, v, f"Ignored unknown {label} '{_shown(v)}' in the link."))
        return tuple(kept)

    earliest, latest = drawable_dates(dataset)

    def date(name: str) -> dt.date | None:
        raw = values(name)
        if not raw:
            return None
        try:
            day = dt.date.fromisoformat(raw[0])
        except ValueError:
            notices.append(
                ViewNotice(
                    "not-a-date",
                    name,
                    raw[0],
                    f"Ignored '{name}={_shown(raw[0])}' in the link: not a date (YYYY-MM-DD).",
                )
            )
            return None
        clamped = min(max(day, earliest), latest)
        if clamped != day:
            notices.append(
                ViewNotice(
                    "moved",
                    name,
                    day.isoformat(),
                    f"Moved '{name}' from {day.isoformat()} to {clamped.isoformat()}: "
                    f"the timeline shows {earliest.isoformat()} to {latest.isoformat()}.",
                    detail=clamped.isoformat(),
                )
            )
        return clamped

    factions = known("faction", "faction", set(dataset.factions.index))
    sides = known("side", "side", set(dataset.factions["side"]))
    types = known("type", "event type", set(EVENT_TYPES))
    date_from, date_to = date("from"), date("to")
    if date_from and date_to and date_from > date_to:
        notices.append(
            ViewNotice(
                "swapped",
                "from",
                date_from.isoformat(),
                f"Swapped the dates in the link: 'from' {date_from} was after 'to' {date_to}.",
                detail=date_to.isoformat(),
            )
        )
        date_from, date_to = date_to, date_from
    query = " ".join(values("q"))[:200].strip()
    event = None
    for v in values("event")[:1]:
        if v in dataset.events.index:
            event = v
        else:
            notices.append(ViewNotice("unknown", "event", v, f"Ignored unknown event '{_shown(v)}' in the link."))
    lanes = (values("lanes") or ["faction"])[0]
    if lanes not in LANE_MODES:
        notices.append(
            ViewNotice("unknown", "lanes", lanes, f"Ignored lanes '{_shown(lanes)}' in the link (use faction or side).")
        )
        lanes = "faction"
    step = None
    for v in values("step")[:1]:
        if v.isdecimal() and v.isascii() and len(v) <= 6 and int(v) >= 1:
            step = int(v)
        else:
            notices.append(
                ViewNotice("unknown", "step", v, f"Ignored step '{_shown(v)}' in the link (steps are numbered from 1).")
            )
    as_of = date("asof")
    return ViewState(
        factions,
        sides,
        types,
        date_from,
        date_to,
        query,
        event,
        lanes,
        step,
        _capped(notices),
        as_of=as_of,
        ignored=tuple(notices),
    )


def filter_mask(dataset: Dataset, state: ViewState) -> pd.Series:
    """Boolean mask over ``dataset.events``: True for rows the view shows."""
    return pd.Series(_mask(dataset, state), index=dataset.events.index)


def _mask(dataset: Dataset, state: ViewState) -> np.ndarray:
    ev = dataset.events
    mask = np.ones(len(ev), dtype=bool)
    if state.factions:
        mask &= _involving(dataset, state.factions)
    if state.sides:
        mask &= _involving(dataset, tuple(dataset.factions.index[dataset.factions["side"].isin(state.sides)]))
    if state.types:
        mask &= ev["type"].isin(state.types).to_numpy(dtype=bool)
    # A date range overlaps the window when it ends on/after `from` and starts on/before `to`.
    if state.date_from:
        mask &= (ev["date_end"] >= pd.Timestamp(state.date_from)).to_numpy(dtype=bool)
    if state.date_to:
        mask &= (ev["date_start"] <= pd.Timestamp(state.date_to)).to_numpy(dtype=bool)
    if state.query:
        stored = None if "search_text" in ev.columns else stored_text(ev)
        if stored is not None and "search_text" not in stored.columns:
            stored = None
        for term in state.query.casefold().split():
            rows = np.flatnonzero(mask)  # search only what the other filters kept
            if stored is not None:  # a loaded store's: read from its file, for these rows only
                found = stored.contains(rows, term)
            else:
                found = (
                    ev["search_text"].iloc[rows].str.contains(term, regex=False).to_numpy(dtype=bool, na_value=False)
                )
            mask[rows[~found]] = False
    return mask


def _involving(dataset: Dataset, factions: tuple[str, ...]) -> np.ndarray:
    """Rows of events in which any of ``factions`` takes part, in any role: a semi-join on the event id.

    The event ids of the factions' actor rows are looked up in the events'
    index, never taken as row positions, so a table sorted or partitioned
    by another engine still answers right.
    """
    hit = np.zeros(len(dataset.events), dtype=bool)
    for faction in factions:
        hit[_faction_rows(dataset).get(faction, _NO_ROWS)] = True
    return hit


#: Roles in which a faction is involved without acting: a filter on the faction includes such
#: events (it "takes part"), and says so, since a reader expects the faction's own actions.
PASSIVE_ROLES = ("affected",)


def passive_only(dataset: Dataset, state: ViewState, visible: pd.DataFrame) -> pd.DataFrame:
    """(event_id, faction) pairs: the ``visible`` events that a faction or side filter includes only
    because a chosen faction is affected by them, never actor, target, claimant or subject.

    Vectorised over the actors table (one pass whatever the size); empty when no faction or side
    filter is set.
    """
    empty = pd.DataFrame({"event_id": pd.Series(dtype=object), "faction": pd.Series(dtype=object)})
    groups = []
    if state.factions:
        groups.append(set(state.factions))
    if state.sides:
        groups.append(set(dataset.factions.index[dataset.factions["side"].isin(state.sides)]))
    if not groups or visible.empty:
        return empty
    actors = dataset.actors
    passive_role = actors["role"].isin(PASSIVE_ROLES).to_numpy()
    if not passive_role.any():  # imports (ACLED) know only actors and targets: nothing to say, at once
        return empty
    n = len(dataset.events)
    shown = np.zeros(n, dtype=bool)
    shown[dataset.events.index.get_indexer(visible.index)] = True
    rows = actors["event_row"].to_numpy()
    known = rows >= 0
    pairs = []
    for group in groups:
        chosen = actors["faction"].isin(group).to_numpy() & known
        acting = np.zeros(n, dtype=bool)
        acting[rows[chosen & ~passive_role]] = True
        hit = chosen & passive_role
        hit[hit] = shown[rows[hit]] & ~acting[rows[hit]]
        pairs.append(actors.loc[hit, ["event_id", "faction"]])
    return pd.concat(pairs).drop_duplicates().reset_index(drop=True) if pairs else empty


_NO_ROWS = np.zeros(0, dtype=np.int64)


def build_faction_index(dataset: Dataset) -> None:
    """Build the faction filter's index of ``dataset`` now, so that its first faction filter does not.

    One join of the actors on the events' ids: about 0.5 s at a million events, mostly in Arrow's C++
    (no GIL). A server's warm-up calls it (:func:`dashboard.app.warm_up`).
    """
    _faction_rows(dataset)


def _faction_rows(dataset: Dataset) -> dict[str, np.ndarray]:
    """faction -> positions of the events it takes part in; built once per dataset (one join), then reused."""
    key = ("factions", id(dataset))
    with _CACHE_LOCK:
        hit = _INDEXES.get(key)
    if hit is not None and hit[0] is dataset:
        return hit[1]
    actors = dataset.actors
    # The join in Arrow's hash table (C++): a million events and two million actor rows in ~0.5 s,
    # where pandas' get_indexer over Python strings took ~3 s.
    positions = positions_of(actors["event_id"], dataset.events.index)
    codes, factions = pd.factorize(actors["faction"])
    keep = (positions >= 0) & (codes >= 0)
    codes, positions = codes[keep], positions[keep]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(factions) + 1))
    rows = {str(f): positions[order[bounds[i] : bounds[i + 1]]] for i, f in enumerate(factions)}
    with _CACHE_LOCK:
        _INDEXES[key] = (dataset, rows)
        while len(_INDEXES) > MAX_CACHED_DATASETS:
            _INDEXES.popitem(last=False)
    return rows


#: The filtered views last asked for, shared by every callback of one URL change (the views, the map's
#: markers, the list, the timeline's highlight each ask for the same state). Bounded by entries and by
#: rows held, so a stream of distinct links cannot grow it: at most MAX_CACHED_VIEWS views and, in
#: all, a quarter as many copied rows as the events table has (the unfiltered view is the table
#: itself, no copy); the newest view is always kept, whatever its size, so one URL change's callbacks
#: share it. At a million events a quarter is about 70 MB of copies; half, and twice the views, let
#: the server's memory climb past 1.2 GB over a session of filters (the views are recomputed in tens
#: of ms: the cache is for sharing one state's work, not for history).
MAX_CACHED_VIEWS = 4
MAX_CACHED_ROWS_SHARE = 0.25
MIN_CACHED_ROWS = 50_000  # a small table's views are kept whatever their share (a few MB)
MAX_CACHED_DATASETS = 8
_VIEWS: OrderedDict[tuple, tuple[Dataset, pd.DataFrame]] = OrderedDict()
_INDEXES: OrderedDict[tuple, tuple[Dataset, Any]] = OrderedDict()  # per dataset: faction rows, projection
_CACHE_LOCK = threading.Lock()
_COMPUTING: dict[tuple, threading.Lock] = {}  # views being computed now, one lock each


def _fresh_locks_after_fork() -> None:
    """A forked process (the app's download jobs) starts with these locks as another thread of its
    parent held them at the fork, and that thread does not exist in the child: a held lock would never
    be released, and the job would hang holding its download slot. The child starts with free ones."""
    global _CACHE_LOCK
    _CACHE_LOCK = threading.Lock()
    _COMPUTING.clear()


os.register_at_fork(after_in_child=_fresh_locks_after_fork)


def filter_key(state: ViewState) -> tuple:
    """What a filtered view depends on, in canonical form (order of values in the link does not matter)."""
    return (
        tuple(sorted(state.factions)),
        tuple(sorted(state.sides)),
        tuple(sorted(state.types)),
        state.date_from,
        state.date_to,
        " ".join(state.query.casefold().split()),
    )


#: Free text the map, the timeline and the list never read: left out of :func:`shown_events`, so a
#: view's copy is half the bytes at a million events. Details and exports read them from the table, or,
#: for a loaded store, from its file for the rows they show (:func:`event_with_text`, :func:`chunks_with_text`).
FREE_TEXT_COLUMNS = ("description", "notes", "search_text", "place_path", "dest_path")
#: Columns only the details panel and the exports read (the source's own fields, how a place was
#: geocoded): left out of :func:`shown_events` too, so a filter copies the 26 columns the figures,
#: the Key and the list's order read instead of about 60 (an ACLED import's).
DETAIL_ONLY_COLUMNS = ("type_label", "sub_type", "date_basis", "confidence", "source_line", "fatalities")
#: Text the figures read only for the events they draw one by one (a hover's title: a few hundred rows
#: at most), from the table (:func:`titles_of`): left out of :func:`shown_events`, since the title was
#: the widest column a view copied (42 of 98 MB for a type filter of 425,000 ACLED events).
ROW_TEXT_COLUMNS = ("title",)
DETAIL_ONLY_PREFIXES = ("acled_",)
DETAIL_ONLY_SUFFIXES = ("_note", "_country", "_coord_source", "_status", "_source", "_match", "_score", "_matched_name")


def is_detail_only(column: str) -> bool:
    """True for a column the views leave out: the details panel and the exports read it from the table,
    and the figures read a title there for the rows they draw one by one."""
    return (
        column in FREE_TEXT_COLUMNS
        or column in DETAIL_ONLY_COLUMNS
        or column in ROW_TEXT_COLUMNS
        or column.startswith(DETAIL_ONLY_PREFIXES)
        or column.endswith(DETAIL_ONLY_SUFFIXES)
    )


def shown_events(dataset: Dataset, state: ViewState) -> pd.DataFrame:
    """The rows a view shows without :data:`FREE_TEXT_COLUMNS` and the detail-only columns (what the
    details panel and the exports read from the table): what the app's figures draw from.

    Cached like :func:`filter_events` (once per filter state, shared by every callback).
    """
    return _cached_view(dataset, state, projected=True)


def filter_events(dataset: Dataset, state: ViewState) -> pd.DataFrame:
    """The rows a view shows, every column, computed once per (dataset, filters) and shared by every caller.

    The frame returned must be treated as read-only (pandas copy-on-write
    keeps a caller's change to its own copy).
    """
    return _cached_view(dataset, state, projected=False)


def titles_of(dataset: Dataset, rows: pd.DataFrame) -> pd.Series:
    """The titles of ``rows`` (a view's, indexed by event id), from ``rows`` where it has them (a view of
    every column), else looked up in the events table by id (a view from :func:`shown_events`)."""
    if "title" in rows.columns:
        return rows["title"]
    return dataset.events["title"].reindex(rows.index)


def _projected(dataset: Dataset) -> pd.DataFrame:
    """The events table without its free text and detail-only columns, with each event's place keys:
    columns shared with the table, not copied (copy-on-write)."""
    key = ("projected", id(dataset))
    with _CACHE_LOCK:
        hit = _INDEXES.get(key)
    if hit is not None and hit[0] is dataset and hit[1][1] is dataset.events:
        return hit[1][0]
    events = dataset.events
    projected = events.drop(columns=[c for c in events.columns if is_detail_only(str(c))])
    # Each event's place keys ride along (categories, shared with the table's keys): the labels
    # count them per view without looking a million ids up in another frame.
    keys = event_place_keys(dataset)
    projected = projected.assign(place_key=keys["place_key"].array, dest_key=keys["dest_key"].array)
    with _CACHE_LOCK:
        _INDEXES[key] = (dataset, (projected, events))
        while len(_INDEXES) > MAX_CACHED_DATASETS:
            _INDEXES.popitem(last=False)
    return projected


def _cached_view(dataset: Dataset, state: ViewState, projected: bool) -> pd.DataFrame:
    table = _projected(dataset) if projected else dataset.events
    if not state.is_filtered:
        return table
    key = (id(dataset), projected, filter_key(state))
    with _CACHE_LOCK:
        hit = _VIEWS.get(key)
        if hit is not None and hit[0] is dataset:
            _VIEWS.move_to_end(key)
            return hit[1]
        # The browser posts a URL change's callbacks at once (views, list): the first computes the
        # view, the others wait for it rather than filtering the same table side by side.
        computing = _COMPUTING.setdefault(key, threading.Lock())
    with computing:
        with _CACHE_LOCK:
            hit = _VIEWS.get(key)
            if hit is not None and hit[0] is dataset:
                return hit[1]
        try:
            mask = _mask(dataset, state)
            # Room is made before the copy: the views kept and the new one never exceed the bound
            # together, so the server's peak is the bound, not the bound plus the newest view.
            _make_room(len(dataset.events), int(mask.sum()))
            visible = table[mask]
        finally:
            with _CACHE_LOCK:
                _COMPUTING.pop(key, None)
        with _CACHE_LOCK:
            _VIEWS[key] = (dataset, visible)
            _VIEWS.move_to_end(key)
    return visible


def _make_room(table_rows: int, new_rows: int) -> None:
    """Drop the oldest views until one more of ``new_rows`` rows fits the bounds (see :data:`_VIEWS`)."""
    limit = max(int(table_rows * MAX_CACHED_ROWS_SHARE), MIN_CACHED_ROWS)
    with _CACHE_LOCK:
        while _VIEWS and (
            len(_VIEWS) >= MAX_CACHED_VIEWS or sum(len(v) for _, v in _VIEWS.values()) + new_rows > limit
        ):
            _VIEWS.popitem(last=False)


def event_with_text(dataset: Dataset, event_id: str) -> pd.Series:
    """The row of one event with every column, its free text read back where a store's load left it
    in the file (:data:`conflictmap.store.SHOWN_TEXT_COLUMNS`): what the details panel and a record show.

    KeyError for an id not in the table (or one that names more than one event).
    """
    events = dataset.events
    position = events.index.get_loc(event_id)
    if not isinstance(position, int):
        raise KeyError(f"event id {event_id!r} names more than one event")
    return with_text(dataset, events.iloc[[position]]).iloc[0]


#: Rows whose free text is read back from a store's file at a time by :func:`chunks_with_text`. Rows
#: in time order are spread over the whole file, so each read decodes about every row group of the
#: text: at a million events a whole-view export reads the description 10 times (about 2 s of CPU) with
#: 100,000 rows a time, 50 times (10 s) with 20,000.
TEXT_CHUNK = 100_000


def chunks_with_text(dataset: Dataset, rows: pd.DataFrame, chunk: int = TEXT_CHUNK) -> Iterator[pd.DataFrame]:
    """``rows`` (rows of ``dataset.events``, any order) at most ``chunk`` rows at a time, each with every
    column: the free text a store's load left in its file is read :data:`TEXT_CHUNK` rows at a time, so
    a whole-view export holds that many rows' text at once, never the column."""
    for start in range(0, len(rows), TEXT_CHUNK):
        part = with_text(dataset, rows.iloc[start : start + TEXT_CHUNK])
        for sub in range(0, len(part), chunk):
            yield part.iloc[sub : sub + chunk]


def rows_with_text(dataset: Dataset, rows: pd.DataFrame, chunk: int = TEXT_CHUNK) -> Iterator[tuple[str, pd.Series]]:
    """Each event's id and row (every column, see :func:`chunks_with_text`), in the order of ``rows``."""
    for part in chunks_with_text(dataset, rows, chunk):
        for event_id, row in part.iterrows():
            yield str(event_id), row


def with_text(dataset: Dataset, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (rows of ``dataset.events``) with every column: a store's free text read for these rows."""
    return with_stored_text(dataset.events, rows, SHOWN_TEXT_COLUMNS)


def clear_view_cache(indexes: bool = True) -> None:
    """Forget the cached views, and the per-dataset indexes unless ``indexes`` is False.

    For benchmarks (the work of a state seen for the first time) and tests.
    """
    with _CACHE_LOCK:
        _VIEWS.clear()
        if indexes:
            _INDEXES.clear()


def events_in_time_order(events: pd.DataFrame) -> list[str]:
    """Event ids by start date, then end date, then id: the order arrow keys step through."""
    return list(events.index[time_order(events)])


def time_order(events: pd.DataFrame) -> np.ndarray:
    """Row positions of ``events`` by start date, then end date, then id.

    Sorts the three keys only: sorting the frame itself copied every column
    (about 0.9 GB at a million events) to read back its index.
    """
    keys = pd.DataFrame(
        {
            "date_start": events["date_start"].to_numpy(),
            "date_end": events["date_end"].to_numpy(),
            "id": events["id"].to_numpy() if "id" in events.columns else events.index.to_numpy(),
        }
    )
    return keys.sort_values(["date_start", "date_end", "id"]).index.to_numpy()
