"""The event list: the filtered events in time order, one row per event.

Each row carries ``data-event-id``; a click selects the event on the map and
the timeline (in the browser, through the URL), and the selected row is
scrolled into view. Long lists come a page at a time.
"""

from __future__ import annotations

from dash import html

from conflictmap.table import Dataset
from dashboard.figures import date_text, faction_colour, faction_label, place_text

LIST_PAGE = 500


def event_rows(dataset: Dataset, ids: list[str]) -> list[html.Li]:
    ev = dataset.events.loc[ids]
    rows = []
    for eid, row in ev.iterrows():
        faction = row["primary_faction"]
        rows.append(
            html.Li(
                [
                    html.Span(
                        className="swatch",
                        style={"background": faction_colour(dataset, faction)},
                        title=faction_label(dataset, faction),
                    ),
                    html.Span(
                        [
                            html.Span(row["title"], className="row-title"),
                            html.Span(f"{date_text(row)} · {place_text(row)}", className="row-meta"),
                        ],
                        className="row-text",
                    ),
                ],
                className="event-row",
                role="option",
                tabIndex="-1",
                title="Show this event on the map and timeline",
                **{"data-event-id": eid, "aria-selected": "false"},
            )
        )
    return rows
