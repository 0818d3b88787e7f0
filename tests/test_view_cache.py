"""The filtered view is computed once per state and shared; the cache is bounded; factions join on the event id."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from conflictmap import view
from conflictmap.events import load_events
from conflictmap.table import dataset_from_events_file
from conflictmap.view import ViewState, clear_view_cache, filter_events, filter_mask, parse_view_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dataset():
    return dataset_from_events_file(load_events(ROOT / "events.yaml"))


@pytest.fixture(autouse=True)
def empty_cache():
    clear_view_cache()
    yield
    clear_view_cache()


def test_one_state_is_filtered_once_and_shared(dataset, monkeypatch):
    calls = []
    real = view._mask
    monkeypatch.setattr(view, "_mask", lambda ds, st: calls.append(st) or real(ds, st))
    first = filter_events(dataset, parse_view_state("?faction=sdf,daesh&from=2017-01-01", dataset))
    # The same filters written in another order, with another selected event: the same view.
    again = filter_events(
        dataset, parse_view_state("?from=2017-01-01&faction=daesh,sdf&event=raqqa-falls-to-sdf", dataset)
    )
    assert again is first and len(calls) == 1
    other = filter_events(dataset, parse_view_state("?faction=sdf", dataset))
    assert other is not first and len(calls) == 2
    assert list(first.index) == list(dataset.events.index[filter_mask(dataset, calls[0]).to_numpy()])


def test_the_unfiltered_view_is_the_table_itself(dataset):
    assert filter_events(dataset, ViewState(event="raqqa-falls-to-sdf", lanes="side")) is dataset.events


def test_the_cache_is_bounded_by_entries_and_rows(dataset):
    days = sorted(dataset.events["date_start"].dt.date.unique())
    for day in days:
        filter_events(dataset, ViewState(date_from=day))
    assert len(view._VIEWS) <= view.MAX_CACHED_VIEWS
    newest = list(view._VIEWS.values())[-1][1]
    cached = sum(len(v) for _, v in view._VIEWS.values())
    assert cached <= max(len(dataset.events) * view.MAX_CACHED_ROWS_SHARE, view.MIN_CACHED_ROWS, len(newest))
    assert len(newest) == len(filter_events(dataset, ViewState(date_from=days[-1])))


def test_the_row_bound_holds_while_each_view_is_made(dataset, monkeypatch):
    """Room is made before a view is copied: the views kept and the newest never pass the row
    bound together, so the server's memory peak is the bound (a big view drops the older ones)."""
    monkeypatch.setattr(view, "MIN_CACHED_ROWS", 0)
    view.clear_view_cache()
    limit = len(dataset.events) * view.MAX_CACHED_ROWS_SHARE
    days = sorted(dataset.events["date_start"].dt.date.unique())
    for day in [*days, *reversed(days)]:
        newest = filter_events(dataset, ViewState(date_to=day))
        cached = [v for _, v in view._VIEWS.values()]
        assert cached[-1] is newest
        assert sum(len(v) for v in cached) <= max(limit, len(newest))


def test_two_datasets_never_share_a_view(dataset):
    fewer = replace(dataset, events=dataset.events.iloc[:5])
    state = ViewState(types=tuple(dataset.events["type"].unique()))
    assert len(filter_events(dataset, state)) == len(dataset.events)
    assert len(filter_events(fewer, state)) == 5


def test_faction_filter_joins_on_the_event_id_not_the_row_position(dataset):
    # Another engine may sort or partition the tables: events reversed, actors shuffled, positions stale.
    events = dataset.events.iloc[::-1]
    actors = dataset.actors.sample(frac=1, random_state=3).assign(event_row=-1)
    moved = replace(dataset, events=events, actors=actors)
    for faction in ("sdf", "daesh"):
        state = ViewState(factions=(faction,))
        expected = set(dataset.actors.loc[dataset.actors["faction"] == faction, "event_id"])
        assert set(filter_events(moved, state).index) == expected == set(filter_events(dataset, state).index)


def test_search_runs_only_over_the_rows_other_filters_keep(dataset):
    state = ViewState(query="raqqa", date_from=dt.date(2017, 10, 1))
    text = dataset.events["search_text"]
    expected = dataset.events[(dataset.events["date_end"] >= pd.Timestamp("2017-10-01")) & text.str.contains("raqqa")]
    assert list(filter_events(dataset, state).index) == list(expected.index)


def test_callbacks_asking_at_once_share_one_computation(dataset, monkeypatch):
    import threading
    import time

    calls = []
    real = view._mask

    def slow(ds, st):
        calls.append(st)
        time.sleep(0.3)  # long enough for every thread to ask while the first computes
        return real(ds, st)

    monkeypatch.setattr(view, "_mask", slow)
    state = ViewState(factions=("sdf",))
    results = []
    threads = [threading.Thread(target=lambda: results.append(filter_events(dataset, state))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 4 and all(r is results[0] for r in results)


def test_shown_events_leave_out_free_text_and_detail_only_columns(dataset):
    from dashboard.figures import FIGURE_COLUMNS, prepare_view

    state = ViewState(factions=("sdf",))
    full, shown = filter_events(dataset, state), view.shown_events(dataset, state)
    assert list(shown.index) == list(full.index)
    left_out = set(full.columns) - set(shown.columns)
    assert left_out == {c for c in full.columns if view.is_detail_only(c)}
    assert set(view.FREE_TEXT_COLUMNS) & set(full.columns) <= left_out
    assert {"description", "notes", "confidence", "place_note"} <= left_out
    # Every column the figures, the timeline, the Key and the list's order read stays, but the title: the
    # figures read it from the table for the rows they draw one by one, the same text as a full view's.
    assert "title" in left_out
    kept = {*FIGURE_COLUMNS, "type", "side", "primary_faction", "factions", "place_key", "dest_key"} - {"title"}
    assert kept & set(full.columns) | {"place_key", "dest_key"} <= set(shown.columns)
    assert view.titles_of(dataset, shown).equals(view.titles_of(dataset, full))
    assert prepare_view(dataset, shown)["hover"].equals(prepare_view(dataset, full)["hover"])
    assert shown.equals(full.assign(place_key=shown["place_key"], dest_key=shown["dest_key"])[shown.columns])
    assert view.shown_events(dataset, state) is shown and filter_events(dataset, state) is full
    assert view.shown_events(dataset, ViewState()).index.equals(dataset.events.index)


def test_time_order_sorts_the_keys_as_sorting_the_table_did(dataset):
    from conflictmap.view import events_in_time_order, time_order

    shuffled = dataset.events.sample(frac=1, random_state=5)
    expected = list(shuffled.sort_values(["date_start", "date_end", "id"]).index)
    assert events_in_time_order(shuffled) == expected
    assert list(shuffled.index[time_order(shuffled)]) == expected
    assert events_in_time_order(shuffled.iloc[:0]) == []


def test_a_forked_job_does_not_inherit_a_view_lock_held_by_another_thread():
    """The app's download jobs are forked from a worker whose launcher thread runs beside requests: a
    lock held at the fork would never be released in the child, and the job would hang holding its slot."""
    import os
    import threading

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with view._CACHE_LOCK:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: the lock must be free here
        os._exit(0 if view._CACHE_LOCK.acquire(timeout=5) else 1)
    release.set()
    holder.join()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
