"""The event list's rows are built as the dicts Dash sends: the page must get exactly what Dash's html
components would have sent, text from the data included (Dash escapes it in the page)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from dash import html
from plotly.utils import PlotlyJSONEncoder

from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState, filter_events, passive_only
from conflictmap.wording import date_text, faction_colour, faction_label, place_text
from dashboard.eventlist import event_rows

ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")


def component_row(dataset, event_id: str, affected: str | None) -> html.Li:
    """A row as the list built it with Dash's html components (the reference)."""
    row = dataset.events.loc[event_id]
    faction = row["primary_faction"]
    mark = [html.Span(f"Affected only: {affected}", className="row-affected")] if affected else []
    return html.Li(
        [row["title"], html.Span(f"{date_text(row)} · {place_text(row)}", className="row-meta"), *mark],
        className="event-row",
        style={"--row-colour": faction_colour(dataset, faction)},
        role="option",
        tabIndex="-1",
        title=f"{faction_label(dataset, faction)}: show this event on the map and timeline",
        **{"data-event-id": event_id, "aria-selected": "false"},
    )


def as_sent(value) -> object:
    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder))


def test_rows_are_what_the_html_components_send_markup_in_titles_included():
    events = DATASET.events.copy()
    first = events.index[0]
    events.loc[first, "title"] = '<img src=x onerror="alert(1)"> & "quoted"'
    dataset = dataclasses.replace(DATASET, events=events)
    state = ViewState(factions=(str(dataset.actors.loc[dataset.actors["role"] == "affected", "faction"].iloc[0]),))
    passive = passive_only(dataset, state, filter_events(dataset, state))
    assert len(passive), "the bundled file has an event kept only as affected"
    ids = [first, *dataset.events.index[1:], *passive["event_id"]]
    names = dict(zip(passive["event_id"], passive["faction"].map(dataset.factions["name"]), strict=True))
    expected = [component_row(dataset, i, names.get(i)) for i in dict.fromkeys(ids)]
    rows = event_rows(dataset, list(dict.fromkeys(ids)), passive)
    assert as_sent(rows) == as_sent(expected)
    assert rows[0]["props"]["children"][0] == events.loc[first, "title"]  # as text: Dash escapes it in the page
