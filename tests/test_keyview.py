"""The Key's factions (issue 15): those the map colours now, most events first, then "N more"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from conflictmap.pipeline import load_dataset
from conflictmap.view import parse_view_state, shown_events
from dashboard.keyview import KEY_FACTIONS_FOLDED, faction_counts, faction_key

ROOT = Path(__file__).resolve().parent.parent


def events(rows):
    return pd.DataFrame(rows, columns=["primary_faction", "map_lat", "map_lon"])


def text_of(component) -> str:
    """Every string in a Dash component tree, in order."""
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(t for t in (text_of(c) for c in component) if t)
    children = getattr(component, "children", None)
    return text_of(children) if children is not None else ""


def test_counts_are_most_first_ties_by_id_and_events_with_no_faction_are_their_own_row():
    ev = events([("b", 35, 40), ("a", 35, 40), ("c", 35, 40), ("c", 35, 40), (None, 35, 40)])
    counts = faction_counts(ev)
    assert list(counts.items()) == [("c", 2), ("", 1), ("a", 1), ("b", 1)]


def test_bounds_keep_the_events_inside_and_those_with_no_place_which_the_timeline_shows():
    ev = events([("a", 35, 40), ("b", 36.5, 40), ("c", np.nan, np.nan), ("a", 35.2, 40.2)])
    assert dict(faction_counts(ev, [39.5, 34.5, 40.5, 35.5])) == {"a": 2, "c": 1}
    assert dict(faction_counts(ev)) == {"a": 2, "b": 1, "c": 1}
    assert dict(faction_counts(ev, [0, 0, 1, 1])) == {"c": 1}
    assert faction_counts(ev.iloc[[0, 1]], [0, 0, 1, 1]).empty


def test_the_bundled_key_follows_a_filter_and_the_map_bounds():
    dataset = load_dataset(ROOT / "events.yaml")
    everything = faction_counts(dataset.events)
    assert everything.sum() == len(dataset.events)
    state = parse_view_state("?type=control-change", dataset)
    captures = faction_counts(shown_events(dataset, state))
    assert captures.sum() == int((dataset.events["type"] == "control-change").sum()) < everything.sum()
    # Raqqa alone (a box around it) holds fewer factions than the whole file.
    raqqa = dataset.events[dataset.events["place_name"].str.contains("Raqqa", na=False)].iloc[0]
    box = [raqqa.map_lon - 0.1, raqqa.map_lat - 0.1, raqqa.map_lon + 0.1, raqqa.map_lat + 0.1]
    near = faction_counts(dataset.events, box)
    assert 0 < near.sum() < everything.sum()
    rows = text_of(faction_key(dataset, near))
    for faction in near.index:
        assert dataset.factions.at[faction, "name"] in rows
    far = set(everything.index) - set(near.index)
    assert far and not any(dataset.factions.at[f, "name"] in rows for f in far if f)


def test_many_factions_show_the_first_few_and_fold_the_rest_behind_n_more():
    dataset = load_dataset(ROOT / "events.yaml")
    counts = pd.Series(
        range(200, 0, -1), index=pd.Index([f"group-{i:03d}" for i in range(200)], name="faction"), name="events"
    )
    shown, folded = faction_key(dataset, counts, limit=8)
    assert len(shown.children) == 8
    assert text_of(shown).startswith("Unattributed 200")  # unknown ids read as unattributed, colour grey
    assert text_of(folded.children[0]) == "192 more"
    rest = folded.children[1].children
    assert len(rest) == KEY_FACTIONS_FOLDED + 1
    assert text_of(rest[-1]) == f"… and {192 - KEY_FACTIONS_FOLDED:,} more: filter by faction to see them"


def test_no_events_in_view_says_so():
    dataset = load_dataset(ROOT / "events.yaml")
    placed = dataset.events[dataset.events["map_lat"].notna()]
    (only,) = faction_key(dataset, faction_counts(placed, [0, 0, 1, 1]))
    assert text_of(only) == "No events in view"
