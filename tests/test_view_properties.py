"""Properties of the link parser and the filter, checked by hypothesis and on a corpus of hostile links.

* ``parse_view_state`` never raises, whatever the string; its notices stay
  bounded (at most MAX_NOTICES and one "and N more"), short, and its dates
  stay within what the timeline can draw; parsing its own canonical link
  gives the same state back.
* ``filter_mask`` agrees with a naive row-by-row filter on random states.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conflictmap.events import load_events
from conflictmap.table import dataset_from_events_file
from conflictmap.view import (
    MAX_NOTICES,
    MAX_QUERY_CHARS,
    MAX_VALUES_PER_PARAMETER,
    ViewState,
    drawable_dates,
    filter_mask,
    parse_view_state,
)
from conflictmap.vocabulary import EVENT_TYPES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "urls.txt"
DATASET = dataset_from_events_file(load_events(ROOT / "events.yaml"))
PARAMS = ("faction", "side", "type", "from", "to", "q", "event", "lanes", "step")
MAX_NOTICE_CHARS = 200

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def corpus() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def assert_well_behaved(state: ViewState) -> None:
    assert len(state.notices) <= MAX_NOTICES + 1
    assert all(len(n) <= MAX_NOTICE_CHARS for n in state.notices), state.notices
    earliest, latest = drawable_dates(DATASET)
    for day in (state.date_from, state.date_to):
        assert day is None or earliest <= day <= latest
    if state.date_from and state.date_to:
        assert state.date_from <= state.date_to
    for values in (state.factions, state.sides, state.types):
        assert len(values) <= MAX_VALUES_PER_PARAMETER
    assert set(state.factions) <= set(DATASET.factions.index)
    assert set(state.types) <= set(EVENT_TYPES)
    assert state.event is None or state.event in DATASET.events.index
    assert len(state.query) <= 200
    filter_mask(DATASET, state)  # whatever was parsed, the filter can run it


@pytest.mark.parametrize("search", corpus())
def test_hostile_links_from_the_corpus(search):
    state = parse_view_state(search, DATASET)
    assert_well_behaved(state)
    assert parse_view_state("?" + state.to_query(), DATASET) == state


def test_the_issues_links():
    many = parse_view_state("?faction=" + ",".join(str(i) for i in range(3000)), DATASET)
    assert len(many.notices) == MAX_NOTICES + 1
    assert many.notices[-1].startswith("… and ") and many.notices[-1].endswith("more ignored.")
    wide = parse_view_state("?from=0001-01-01&to=9999-12-31", DATASET)
    earliest, latest = drawable_dates(DATASET)
    assert (wide.date_from, wide.date_to) == (earliest, latest)
    assert any("timeline shows" in n for n in wide.notices)
    first = DATASET.events["date_start"].min().date()
    assert earliest <= first and earliest.year >= first.year - 10
    huge = parse_view_state("?q=" + "x" * 1_500_000 + "&faction=sdf", DATASET)
    assert huge.query == "x" * 200 and huge.factions == ()  # the cut keeps only the first characters
    assert any(f"{MAX_QUERY_CHARS:,} characters" in n for n in huge.notices)


def test_clamp_keeps_every_event_drawable():
    """Clamping never hides an event: the drawable range covers the data."""
    earliest, latest = drawable_dates(DATASET)
    assert earliest <= DATASET.events["date_start"].min().date()
    assert latest >= DATASET.events["date_end"].max().date()
    clamped = parse_view_state("?from=1000-01-01&to=3000-01-01", DATASET)
    assert filter_mask(DATASET, clamped).all()


@SETTINGS
@given(st.text())
@example("?faction=" + "%" * 10_000)
@example("step=" + "9" * 5000)
@example("from=%ED%A0%80")
def test_any_string_parses(search):
    assert_well_behaved(parse_view_state(search, DATASET))


names = st.sampled_from(PARAMS) | st.text(max_size=8)
known_values = st.sampled_from(
    list(DATASET.factions.index)
    + list(DATASET.factions["side"])
    + list(EVENT_TYPES)
    + list(DATASET.events.index)
    + ["faction", "side", "1", "2", "2017-10-16", "2017-10-22", "0001-01-01", "9999-12-31", "raqqa", "oil"]
)
values = known_values | st.text(max_size=20)


@st.composite
def links(draw):
    pairs = draw(st.lists(st.tuples(names, st.lists(values, max_size=70)), max_size=12))
    encode = draw(st.booleans())
    parts = []
    for name, vals in pairs:
        joined = ",".join(quote(v, safe="") if encode else v for v in vals)
        parts.append(f"{quote(name) if encode else name}={joined}")
    return "?" + "&".join(parts)


@SETTINGS
@given(links())
def test_links_made_of_real_parameters_parse_and_round_trip(search):
    state = parse_view_state(search, DATASET)
    assert_well_behaved(state)
    again = parse_view_state("?" + state.to_query(), DATASET)
    assert again == state


# ------------------------------------------------------------------ the filter against a naive one


def naive_filter(dataset, state: ViewState) -> set[str]:
    """Row by row, straight from the meaning of each filter (README: 'Share a view')."""
    sides_factions = {f for f, side in dataset.factions["side"].items() if side in state.sides}
    keep = set()
    for eid, row in dataset.events.iterrows():
        involved = set(dataset.actors.loc[dataset.actors["event_id"] == eid, "faction"])
        if state.factions and not involved & set(state.factions):
            continue
        if state.sides and not involved & sides_factions:
            continue
        if state.types and row["type"] not in state.types:
            continue
        if state.date_from and row["date_end"].date() < state.date_from:
            continue
        if state.date_to and row["date_start"].date() > state.date_to:
            continue
        if state.query:
            quotes = list(dataset.sources.loc[dataset.sources["event_id"] == eid, "quote"])
            text = " ".join([row["title"], row["description"], *quotes]).casefold()
            if not all(term in text for term in state.query.casefold().split()):
                continue
        keep.add(eid)
    return keep


first_day = DATASET.events["date_start"].min().date()
last_day = DATASET.events["date_end"].max().date()
days = st.dates(min_value=first_day - dt.timedelta(days=30), max_value=last_day + dt.timedelta(days=30))
words = sorted({w.strip(".,;:'\"()“”’") for text in DATASET.events["search_text"] for w in text.split()} - {""})
queries = st.lists(st.sampled_from(words) | st.text(min_size=1, max_size=5), max_size=3).map(" ".join)


@st.composite
def states(draw):
    return ViewState(
        factions=tuple(draw(st.lists(st.sampled_from(list(DATASET.factions.index)), max_size=3, unique=True))),
        sides=tuple(draw(st.lists(st.sampled_from(sorted(set(DATASET.factions["side"]))), max_size=2, unique=True))),
        types=tuple(draw(st.lists(st.sampled_from(list(EVENT_TYPES)), max_size=3, unique=True))),
        date_from=draw(st.none() | days),
        date_to=draw(st.none() | days),
        query=draw(queries).strip(),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states())
def test_filter_mask_agrees_with_a_naive_filter(state):
    mask = filter_mask(DATASET, state)
    assert isinstance(mask, pd.Series) and mask.index.equals(DATASET.events.index)
    assert set(DATASET.events.index[mask.to_numpy()]) == naive_filter(DATASET, state)
