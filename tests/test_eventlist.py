"""The event list's rows are data (dashboard/eventlist.py) that conflictmap.js draws as text: each row
says what the list shows (title, date and place, faction and its colour, an *affected only* mark) with
the data's own text, markup included, left as it is (the page puts it in text nodes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState, filter_events, passive_only
from conflictmap.wording import date_text, faction_colour, faction_label, place_text
from dashboard.eventlist import event_rows

ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")


def expected_row(dataset, event_id: str, affected: str | None) -> dict:
    row = dataset.events.loc[event_id]
    faction = row["primary_faction"]
    return {
        "id": event_id,
        "title": row["title"],
        "meta": f"{date_text(row)} · {place_text(row)}",
        "colour": faction_colour(dataset, faction),
        "faction": faction_label(dataset, faction),
        "affected": f"Affected only: {affected}" if affected else None,
    }


def test_rows_say_what_the_list_shows_markup_in_titles_left_as_text():
    events = DATASET.events.copy()
    first = events.index[0]
    events.loc[first, "title"] = '<img src=x onerror="alert(1)"> & "quoted"'
    dataset = dataclasses.replace(DATASET, events=events)
    state = ViewState(factions=(str(dataset.actors.loc[dataset.actors["role"] == "affected", "faction"].iloc[0]),))
    passive = passive_only(dataset, state, filter_events(dataset, state))
    assert len(passive), "the bundled file has an event kept only as affected"
    ids = list(dict.fromkeys([first, *dataset.events.index[1:], *passive["event_id"]]))
    names = dict(zip(passive["event_id"], passive["faction"].map(dataset.factions["name"]), strict=True))
    rows = event_rows(dataset, ids, passive)
    assert rows == [expected_row(dataset, i, names.get(i)) for i in ids]
    assert rows[0]["title"] == '<img src=x onerror="alert(1)"> & "quoted"'  # not escaped here: drawn as text
    assert all(r["colour"].startswith("#") and len(r["colour"]) == 7 for r in rows)
