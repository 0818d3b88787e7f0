"""View state: the URL contract and the filters, as plain functions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.events import load_events
from conflictmap.table import dataset_from_events_file
from conflictmap.view import ViewState, events_in_time_order, filter_events, parse_view_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dataset():
    return dataset_from_events_file(load_events(ROOT / "events.yaml"))


def test_round_trip_through_the_url(dataset):
    state = ViewState(
        factions=("sdf", "daesh"),
        types=("control-change",),
        date_from=dt.date(2017, 10, 16),
        date_to=dt.date(2017, 10, 22),
        query="raqqa",
        event="raqqa-falls-to-sdf",
        lanes="side",
    )
    query = state.to_query()
    assert query == (
        "faction=sdf,daesh&type=control-change&from=2017-10-16&to=2017-10-22&q=raqqa"
        "&event=raqqa-falls-to-sdf&lanes=side"
    )
    assert parse_view_state("?" + query, dataset) == state


def test_default_view_is_an_empty_query(dataset):
    assert ViewState().to_query() == ""
    assert parse_view_state("", dataset) == ViewState()
    assert parse_view_state(None, dataset) == ViewState()


def test_unknown_values_are_dropped_with_notices(dataset):
    state = parse_view_state("?faction=sdf,martians&type=picnic&from=2017-02-30&event=nope&lanes=diagonal", dataset)
    assert state.factions == ("sdf",)
    assert state.types == () and state.date_from is None and state.event is None and state.lanes == "faction"
    text = " ".join(state.notices)
    for bad in ("martians", "picnic", "2017-02-30", "nope", "diagonal"):
        assert bad in text


def test_reversed_dates_are_swapped_with_a_notice(dataset):
    state = parse_view_state("?from=2017-10-24&to=2017-10-20", dataset)
    assert (state.date_from, state.date_to) == (dt.date(2017, 10, 20), dt.date(2017, 10, 24))
    assert state.notices


def test_text_in_the_query_is_kept_as_text(dataset):
    state = parse_view_state("?q=%3Cscript%3Ealert(1)%3C/script%3E", dataset)
    assert state.query == "<script>alert(1)</script>"
    assert "%3Cscript%3E" in state.to_query()


def test_faction_filter_matches_any_role(dataset):
    shown = filter_events(dataset, ViewState(factions=("daesh",)))
    involved = set(dataset.actors.loc[dataset.actors["faction"] == "daesh", "event_id"])
    assert set(shown.index) == involved
    assert "raqqa-falls-to-sdf" in involved  # Daesh as the target


def test_side_filter_uses_the_factions_sides(dataset):
    shown = filter_events(dataset, ViewState(sides=("Pro-government",)))
    assert "russia-claims-daesh-holds-under-5-percent" in shown.index
    assert "mekhan-positions-captured" in shown.index
    assert "deir-ez-zor-civilians-leave" not in shown.index


def test_date_window_keeps_events_that_overlap_it(dataset):
    shown = filter_events(dataset, ViewState(date_from=dt.date(2017, 10, 22), date_to=dt.date(2017, 10, 22)))
    # The oil field (on Sunday) and Raqqa's fall ("last week", 16-22) overlap Sunday;
    # Mekhan (reported Tuesday) does not.
    assert {"al-omar-oil-field-captured", "natural-gas-field-captured", "raqqa-falls-to-sdf"} <= set(shown.index)
    assert "mekhan-positions-captured" not in shown.index
    sunday = pd.Timestamp("2017-10-22")
    assert ((shown["date_start"] <= sunday) & (shown["date_end"] >= sunday)).all()


def test_search_needs_every_word_and_reads_quotes(dataset):
    assert set(filter_events(dataset, ViewState(query="barbaric")).index) == {"russia-accuses-us-over-raqqa-bombing"}
    assert filter_events(dataset, ViewState(query="oil BLOW")).index.tolist() == ["al-omar-oil-field-captured"]
    assert filter_events(dataset, ViewState(query="oil zebra")).empty


def test_filters_combine(dataset):
    shown = filter_events(dataset, ViewState(factions=("syrian-government",), types=("movement",)))
    assert set(shown.index) == {"push-south-towards-boukamal", "advance-towards-deir-ez-zor"}


def test_time_order_is_by_start_then_end(dataset):
    order = events_in_time_order(dataset.events)
    starts = [dataset.events.at[i, "date_start"] for i in order]
    assert starts == sorted(starts)
    assert order[0] == "sdf-final-assault-on-raqqa"
