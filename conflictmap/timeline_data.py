"""The timeline's numbers, apart from how they are drawn: lanes, bins and counts per lane and bin.

The app's timeline (``dashboard/timeline.py``) draws these; here they are
plain arrays, testable without Dash or plotly. At a million events the old
way (each event's lane name as a Python string, a categorical built from a
million strings, a groupby) took over a second per view. Here every column is
read as integer codes (category codes, days since 1970), counted once per
view into a small table of events per key and day (a few thousand cells),
and every lane layout or bin width is then a sum over that table:

- :func:`daily_counts` counts a view's events per key (its ``primary_faction``
  or its ``side``) and start day, once per view object (cached, so the strip
  and the lanes of one URL change count once);
- :func:`lane_counts` folds the days into bins (days, weeks from Monday,
  months) and the keys into lanes, in the order the dataset lists them.

The counts go by start date, as the histograms have always drawn them.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from conflictmap.table import Dataset

UNATTRIBUTED = "Unattributed"
BIN_UNITS = {"D": "day", "W-MON": "week", "MS": "month"}


def bin_width(x_range) -> tuple[str, pd.Timedelta]:
    """Histogram bins readable at the period's length: days, weeks or months."""
    days = (pd.Timestamp(x_range[1]) - pd.Timestamp(x_range[0])).days
    if days <= 150:
        return "D", pd.Timedelta(days=1)
    if days <= 3 * 365:
        return "W-MON", pd.Timedelta(days=7)
    return "MS", pd.Timedelta(days=30)


def bin_starts(days: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The start of each day's bin: the day itself, its week's Monday, or its month's first day."""
    if freq == "D":
        return days
    return pd.Series(days).dt.to_period("W-SUN" if freq == "W-MON" else "M").dt.start_time.pipe(pd.DatetimeIndex)


def _codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 for missing) and the values they stand for: a category's own codes, free."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # The Categorical's own codes, not ``.cat.codes`` (a Series): NumPy asking a Series indexed by
        # 600,000 new event ids for its array interface made pandas hash those ids (about 70 ms).
        return np.asarray(column.array.codes, dtype=np.int64), list(column.cat.categories)
    codes, values = pd.factorize(column)
    return np.asarray(codes, dtype=np.int64), list(values)


def _days(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 (floored, so dates before 1970 fall on their own day)."""
    return np.asarray(dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view("int64"))


@dataclass(frozen=True)
class DailyCounts:
    """Events per key and start day: ``counts[k, d]`` for key ``keys[k]`` (the last key, None, is
    "missing") and day ``first_day + d``."""

    keys: list
    first_day: int
    counts: np.ndarray  # (len(keys), days) int64

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex((np.arange(self.counts.shape[1]) + self.first_day).astype("datetime64[D]"))


def count_by_day(keys: pd.Series, dates: pd.Series) -> DailyCounts:
    """The uncached count: one bincount over (key code, day) pairs."""
    codes, values = _codes(keys)
    codes = np.where(codes < 0, len(values), codes)
    day = _days(dates)
    if len(day) == 0:
        return DailyCounts([*values, None], 0, np.zeros((len(values) + 1, 0), dtype=np.int64))
    first = int(day.min())
    span = int(day.max()) - first + 1
    flat = np.bincount(codes * span + (day - first), minlength=(len(values) + 1) * span)
    return DailyCounts([*values, None], first, flat.reshape(len(values) + 1, span))


#: Counts of the views last drawn, keyed by the view object itself (the view cache hands every
#: callback of one URL change the same frame): the strip and the lanes count it once. The view is
#: held weakly: a strong reference here kept views the view cache had dropped alive (at a million
#: events, 200 MB of filtered copies after a few filters), so the counts live only as long as it.
MAX_CACHED_COUNTS = 8
_COUNTS: OrderedDict[tuple[int, str], tuple[weakref.ref[pd.DataFrame], DailyCounts]] = OrderedDict()
_LOCK = threading.Lock()


def daily_counts(visible: pd.DataFrame, column: str) -> DailyCounts:
    """Events of ``visible`` per value of ``column`` and start day, counted once per view object."""
    key = (id(visible), column)
    with _LOCK:
        hit = _COUNTS.get(key)
        if hit is not None and hit[0]() is visible:
            _COUNTS.move_to_end(key)
            return hit[1]
    counts = count_by_day(visible[column], visible["date_start"])
    with _LOCK:
        for stale in [k for k, (ref, _) in _COUNTS.items() if ref() is None]:
            del _COUNTS[stale]
        _COUNTS[key] = (weakref.ref(visible), counts)
        while len(_COUNTS) > MAX_CACHED_COUNTS:
            _COUNTS.popitem(last=False)
    return counts


def clear_counts_cache() -> None:
    """Forget the cached counts (benchmarks measure a view counted for the first time)."""
    with _LOCK:
        _COUNTS.clear()


def _fold_days(daily: DailyCounts, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """(keys x bins) counts and the bins' starts: consecutive days of a bin summed (days are sorted)."""
    if daily.counts.shape[1] == 0:
        return daily.counts, pd.DatetimeIndex([])
    starts = bin_starts(daily.days, freq)
    edges = np.flatnonzero(np.r_[True, starts[1:] != starts[:-1]])
    return np.add.reduceat(daily.counts, edges, axis=1), pd.DatetimeIndex(starts[edges])


def faction_bins(visible: pd.DataFrame, freq: str) -> tuple[list[str | None], pd.DatetimeIndex, np.ndarray]:
    """Events per faction (None: no primary faction) and bin, by start date, bins with no event dropped.

    Returns (factions, bin starts, counts[faction, bin]) with factions that have no event dropped.
    """
    daily = daily_counts(visible, "primary_faction")
    counts, bins = _fold_days(daily, freq)
    keys = daily.keys
    used_bins = counts.sum(axis=0) > 0
    used_keys = counts.sum(axis=1) > 0
    return (
        [k for k, used in zip(keys, used_keys) if used],
        bins[used_bins],
        counts[np.ix_(used_keys, used_bins)],
    )


@dataclass(frozen=True)
class LaneCounts:
    """The histogram lanes of a view: names in the dataset's order, bins, and counts per lane and bin."""

    lanes: list[str]
    bins: pd.DatetimeIndex  # every bin from the first event's to the last's, some empty
    counts: np.ndarray  # (len(lanes), len(bins))
    colour_factions: list[str | None]  # each lane's most frequent primary faction: its colour


def lane_names(dataset: Dataset, mode: str) -> tuple[list[str], dict]:
    """All lanes of a mode in file order (then "Unattributed"), and each key's lane (faction id or side)."""
    factions = dataset.factions
    if mode == "side":
        order = list(dict.fromkeys(str(s) for s in factions["side"]))
        return [*order, UNATTRIBUTED], {s: s for s in order}
    names = {str(f): str(n) for f, n in zip(factions.index, factions["name"])}
    return [*dict.fromkeys(names.values()), UNATTRIBUTED], names


def lane_counts(dataset: Dataset, visible: pd.DataFrame, mode: str, freq: str) -> LaneCounts:
    """The lanes with at least one event of ``visible``, each one's events per bin, and its colour."""
    column = "side" if mode == "side" else "primary_faction"
    daily = daily_counts(visible, column)
    per_key, bins = _fold_days(daily, freq)
    order, lane_of_key = lane_names(dataset, mode)
    position = {lane: i for i, lane in enumerate(order)}
    key_lane = np.array([position.get(lane_of_key.get(k, UNATTRIBUTED), position[UNATTRIBUTED]) for k in daily.keys])
    per_lane = np.zeros((len(order), per_key.shape[1]), dtype=np.int64)
    np.add.at(per_lane, key_lane, per_key)
    present = per_lane.sum(axis=1) > 0
    lanes = [lane for lane, used in zip(order, present) if used]
    return LaneCounts(lanes, bins, per_lane[present], _colour_factions(visible, mode, lanes, lane_of_key))


def _colour_factions(visible: pd.DataFrame, mode: str, lanes: list[str], lane_of_key: dict) -> list[str | None]:
    """Each lane's most frequent primary faction (ties: the first in category order), None when it has none."""
    if mode != "side":
        by_name: dict[str, str] = {}
        for faction, name in lane_of_key.items():
            by_name.setdefault(name, faction)
        if len(by_name) == len(lane_of_key):  # one faction per lane: the lane's own
            return [by_name.get(lane) for lane in lanes]
    lane_codes, lane_values = _codes(visible["side" if mode == "side" else "primary_faction"])
    faction_codes, factions = _codes(visible["primary_faction"])
    lane_index = {lane: i for i, lane in enumerate(lanes)}
    missing = lane_index.get(UNATTRIBUTED, -1)
    value_lane = np.array(
        [lane_index.get(lane_of_key.get(v, UNATTRIBUTED), -1) for v in lane_values] + [missing], dtype=np.int64
    )
    rows = value_lane[np.where(lane_codes < 0, len(lane_values), lane_codes)]
    faction_codes = np.where(faction_codes < 0, len(factions), faction_codes)
    width = len(factions) + 1
    kept = rows >= 0
    joint = np.bincount(rows[kept] * width + faction_codes[kept], minlength=len(lanes) * width)
    joint = joint.reshape(len(lanes), width)[:, : len(factions)]
    return [str(factions[row.argmax()]) if row.any() else None for row in joint]
