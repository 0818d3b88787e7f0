"""The timeline's numbers (conflictmap/timeline_data.py) against a plain pandas crosstab of the same events."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.timeline_data import (
    UNATTRIBUTED,
    bin_width,
    clear_counts_cache,
    count_by_day,
    daily_counts,
    faction_bins,
    lane_counts,
)

# Two factions share a name (one lane, "Rebels") and two share a side; "ghost" is not a faction.
FACTIONS = pd.DataFrame(
    {
        "name": ["SDF", "Daesh", "Rebels", "Rebels"],
        "side": ["Coalition", "Daesh", "Opposition", "Opposition"],
        "colour": ["#1", "#2", "#3", "#4"],
    },
    index=pd.Index(["sdf", "daesh", "fsa", "ntm"], name="id"),
)
DATASET = SimpleNamespace(factions=FACTIONS)
FACTION_IDS = [*FACTIONS.index, "ghost", None]


def _events(rows) -> pd.DataFrame:
    """Events as the store holds them: categories over every faction and side, dates in seconds."""
    factions = [f for _, f, _ in rows]
    return pd.DataFrame(
        {
            "date_start": pd.to_datetime([d for d, _, _ in rows]).astype("datetime64[s]"),
            "primary_faction": pd.Categorical(factions, categories=[*FACTIONS.index, "ghost"]),
            "side": pd.Categorical([s for _, _, s in rows], categories=sorted(set(FACTIONS["side"]))),
        }
    )


def _reference(events: pd.DataFrame, mode: str, freq: str) -> pd.DataFrame:
    """The old way: each event's lane name as a string, bins by pandas periods, a crosstab."""
    if mode == "side":
        lane = events["side"].astype(object).fillna(UNATTRIBUTED)
    else:
        names = dict(zip(FACTIONS.index, FACTIONS["name"]))
        lane = events["primary_faction"].astype(object).map(names).fillna(UNATTRIBUTED)
    starts = events["date_start"].dt.to_period(freq[0] if freq != "W-MON" else "W-SUN").dt.start_time
    return pd.crosstab(lane, starts)


rows_strategy = st.lists(
    st.tuples(
        st.dates(min_value=dt.date(1965, 1, 1), max_value=dt.date(2021, 12, 31)),
        st.sampled_from(FACTION_IDS),
        st.sampled_from([*sorted(set(FACTIONS["side"])), None]),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(rows_strategy, st.sampled_from(["D", "W-MON", "MS"]), st.sampled_from(["faction", "side"]))
def test_lane_counts_agree_with_a_crosstab(rows, freq, mode):
    events = _events(rows)
    got = lane_counts(DATASET, events, mode, freq)
    expected = _reference(events, mode, freq)
    order = [*dict.fromkeys(FACTIONS["side" if mode == "side" else "name"]), UNATTRIBUTED]
    assert got.lanes == [lane for lane in order if lane in expected.index]
    used = got.counts.sum(axis=0) > 0
    assert list(got.bins[used]) == list(expected.columns)
    assert (got.counts[:, used] == expected.loc[got.lanes].to_numpy()).all()
    assert got.counts.sum() == len(events)
    assert len(got.colour_factions) == len(got.lanes)


@settings(max_examples=80, deadline=None)
@given(rows_strategy, st.sampled_from(["faction", "side"]))
def test_each_lane_takes_the_colour_of_its_most_frequent_faction(rows, mode):
    events = _events(rows)
    got = lane_counts(DATASET, events, mode, "MS")
    known = events["primary_faction"].astype(object)
    for lane, faction in zip(got.lanes, got.colour_factions):
        if mode == "side":
            in_lane = events["side"].astype(object).fillna(UNATTRIBUTED) == lane
        else:
            in_lane = known.map(dict(zip(FACTIONS.index, FACTIONS["name"]))).fillna(UNATTRIBUTED) == lane
        counts = known[in_lane].value_counts()
        if counts.empty:
            assert faction is None
        else:
            assert counts.get(faction, 0) == counts.max()


@settings(max_examples=80, deadline=None)
@given(rows_strategy, st.sampled_from(["D", "W-MON", "MS"]))
def test_faction_bins_agree_with_a_crosstab(rows, freq):
    events = _events(rows)
    factions, bins, counts = faction_bins(events, freq)
    starts = events["date_start"].dt.to_period(freq[0] if freq != "W-MON" else "W-SUN").dt.start_time
    expected = pd.crosstab(events["primary_faction"].astype(object).fillna(""), starts)
    assert sorted("" if f is None else f for f in factions) == sorted(expected.index)
    assert list(bins) == list(expected.columns)
    for k, faction in enumerate(factions):
        assert (counts[k] == expected.loc["" if faction is None else faction].to_numpy()).all()


def test_a_view_is_counted_once_and_a_new_view_afresh():
    """The strip and the lanes of one view share one count; another frame (another view) is counted anew."""
    clear_counts_cache()
    events = _events([(dt.date(2017, 1, d), "sdf", "Coalition") for d in range(1, 11)])
    first = daily_counts(events, "primary_faction")
    assert daily_counts(events, "primary_faction") is first
    other = events.iloc[:4]
    assert daily_counts(other, "primary_faction").counts.sum() == 4


def test_the_counts_never_keep_a_dropped_view_alive():
    """The view cache bounds the filtered copies it holds; the counts must not hold them past it
    (a strong reference here kept 200 MB of dropped views alive at a million events)."""
    import gc
    import weakref

    clear_counts_cache()
    events = _events([(dt.date(2017, 1, d), "sdf", "Coalition") for d in range(1, 11)])
    view = events.iloc[:5].copy()
    daily_counts(view, "primary_faction")
    dropped = weakref.ref(view)
    del view
    gc.collect()
    assert dropped() is None


def test_days_before_1970_fall_on_their_own_day():
    events = _events([(dt.date(1969, 12, 31), "sdf", None), (dt.date(1970, 1, 1), "sdf", None)])
    daily = count_by_day(events["primary_faction"], events["date_start"])
    assert list(daily.days) == [pd.Timestamp("1969-12-31"), pd.Timestamp("1970-01-01")]
    assert daily.counts.sum(axis=0).tolist() == [1, 1]


def test_an_object_column_counts_like_a_category():
    events = _events([(dt.date(2018, 3, 1), "sdf", None), (dt.date(2018, 3, 2), None, None)])
    plain = events.assign(primary_faction=events["primary_faction"].astype(object))
    a = count_by_day(events["primary_faction"], events["date_start"])
    b = count_by_day(plain["primary_faction"], plain["date_start"])
    assert np.array_equal(a.counts.sum(axis=1)[[0, -1]], b.counts.sum(axis=1)[[0, -1]])


def test_bin_width_follows_the_period():
    day = pd.Timestamp("2017-01-01")
    assert bin_width((day, day + pd.Timedelta(days=100)))[0] == "D"
    assert bin_width((day, day + pd.Timedelta(days=400)))[0] == "W-MON"
    assert bin_width((day, day + pd.Timedelta(days=2000)))[0] == "MS"
