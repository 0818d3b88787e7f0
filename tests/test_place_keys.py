"""The place keys the app counts per view (its labels): categories, the same keys as place_keys."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st


def _placed_events(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["place_gazetteer_id", "place_lat", "place_lon"])
    # Destinations: every third event goes to the next event's place (so a place is also a destination).
    moved = frame.shift(-1)
    moved[np.arange(len(frame)) % 3 != 0] = None
    frame["dest_gazetteer_id"] = (
        moved["place_gazetteer_id"].astype(object).where(moved["place_gazetteer_id"].notna(), None)
    )
    frame["dest_lat"], frame["dest_lon"] = moved["place_lat"], moved["place_lon"]
    return frame


def _old_labelled_places(keys: pd.DataFrame, limit: int) -> list[str]:
    """The count as it was written before the keys were categories: the reference."""
    counts = pd.concat([keys["place_key"], keys["dest_key"]]).dropna().value_counts(sort=False)
    top = counts.reset_index().set_axis(["key", "n"], axis=1).sort_values(["n", "key"], ascending=[False, True])
    return [str(k) for k in top["key"].head(limit)]


place_rows = st.lists(
    st.tuples(
        st.sampled_from([None, "", "g1", "g2", "1234"]),
        st.sampled_from([np.nan, 36.2, -0.0, 0.0, 35.95]),
        st.sampled_from([np.nan, 37.15, 0.0, 38.99]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(place_rows, st.booleans())
def test_event_place_keys_are_place_keys_as_categories(rows, categorical):
    from conflictmap.places import event_place_keys, place_keys

    events = _placed_events(rows)
    if categorical:  # as an import stores them
        events["place_gazetteer_id"] = events["place_gazetteer_id"].astype("category")
    keys = event_place_keys(SimpleNamespace(events=events))
    for prefix in ("place", "dest"):
        assert isinstance(keys[f"{prefix}_key"].dtype, pd.CategoricalDtype)
        got = [None if pd.isna(k) else k for k in keys[f"{prefix}_key"]]
        plain = events.astype({f"{prefix}_gazetteer_id": object})  # the ids as Python objects: the reference
        assert got == list(place_keys(plain, prefix))
        assert list(place_keys(events, prefix)) == list(place_keys(plain, prefix))


@settings(max_examples=100, deadline=None)
@given(place_rows)
def test_labelled_places_count_categories_as_they_count_strings(rows):
    from conflictmap.places import event_place_keys
    from dashboard.mapfigure import labelled_places

    events = _placed_events(rows)
    events["place_gazetteer_id"] = events["place_gazetteer_id"].astype("category")
    keys = event_place_keys(SimpleNamespace(events=events))
    plain = keys.astype(object).where(keys.notna(), None)
    for limit in (1, 3, 40):
        expected = _old_labelled_places(plain, limit)
        assert labelled_places(keys, limit=limit) == expected
        assert labelled_places(plain, limit=limit) == expected
    assert labelled_places(keys.iloc[::2]) == _old_labelled_places(plain.iloc[::2], 40)
