"""Vectorised forms (a million events) agree with their one-at-a-time definitions: place keys, histogram counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.places import place_key, place_keys

coordinate = st.one_of(st.none(), st.floats(-90, 90, allow_nan=False), st.just(float("nan")))
gazetteer_id = st.one_of(st.none(), st.just(""), st.sampled_from(["170794", "173480", "cm:mahkan"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(gazetteer_id, coordinate, coordinate), max_size=40))
def test_place_keys_agree_with_place_key(rows):
    # Repeated points, as an import repeats a town's coordinates.
    rows = rows + rows[: len(rows) // 2]
    events = pd.DataFrame(
        {
            "place_gazetteer_id": pd.Series([g for g, _, _ in rows], dtype=object),
            "place_lat": pd.Series([a for _, a, _ in rows], dtype=float),
            "place_lon": pd.Series([o for _, _, o in rows], dtype=float),
        }
    )
    expected = [
        place_key(g, None if a is None or np.isnan(a) else a, None if o is None or np.isnan(o) else o)
        if not (g and (a is None or o is None or np.isnan(a) or np.isnan(o)))
        else None
        for g, a, o in rows
    ]
    assert place_keys(events, "place").tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=dt.date(2017, 1, 1), max_value=dt.date(2019, 12, 31)),
            st.sampled_from(["sdf", "daesh", None]),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["D", "W-MON", "MS"]),
)
def test_histogram_counts_agree_with_a_crosstab(rows, freq):
    from dashboard.timeline import counts_by_faction

    visible = pd.DataFrame(
        {
            "date_start": pd.to_datetime([d for d, _ in rows]),
            "primary_faction": pd.Series([f for _, f in rows], dtype=object),
        }
    )
    starts = visible["date_start"].dt.to_period(freq[0] if freq != "W-MON" else "W-SUN").dt.start_time
    expected = pd.crosstab(starts, visible["primary_faction"].fillna(""))
    got = counts_by_faction(visible, freq)[list(expected.columns)]
    assert list(got.index) == list(expected.index)
    assert (got.to_numpy() == expected.to_numpy()).all()
