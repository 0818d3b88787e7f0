"""The event list: the filtered events in time order, one row per event.

Each row carries ``data-event-id``; a click selects the event on the map and
the timeline (in the browser, through the URL), and the selected row is
scrolled into view. Long lists come a page at a time.

A faction filter keeps events in which the faction takes part in any role;
a row the filter keeps only because the faction is *affected* says so, and so
does the count line, so nobody reads them as the faction's own actions. Text
from the data goes into the page as text (Dash escapes it), never as HTML.
"""

from __future__ import annotations

import pandas as pd

from conflictmap.table import Dataset
from conflictmap.wording import date_text, faction_colour, faction_label, place_text
from dashboard.htmlprops import wildcard_props

LIST_PAGE = 500
#: The CSS custom property that carries a row's faction colour to its swatch (``.event-row::before``).
ROW_COLOUR = "--row-colour"
#: What a row shows (title, faction, date, place).
ROW_COLUMNS = ["title", "primary_faction", "date_start", "date_end", "date_precision", "place_name", "dest_name"]


def _element(tag: str, children: object = None, **props: object) -> dict:
    """An element of Dash's HTML components in the form Dash sends to the page (what
    ``html.<tag>(children, **props).to_plotly_json()`` gives, serialised; ``children`` always there)."""
    return {"props": {"children": children, **props}, "type": tag, "namespace": "dash_html_components"}


def _faction_names(dataset: Dataset, factions) -> str:
    names = [str(dataset.factions["name"].get(f, f)) for f in dict.fromkeys(factions)]
    return ", ".join(names) if len(names) <= 3 else ", ".join(names[:3]) + f" and {len(names) - 3} more"


def passive_note(dataset: Dataset, passive: pd.DataFrame) -> str:
    """The count line's addendum for events kept only because a chosen faction is affected."""
    n = passive["event_id"].nunique()
    who = _faction_names(dataset, passive["faction"])
    return f" · {n:,} only as affected: {who}"


def event_rows(dataset: Dataset, ids: list[str], passive: pd.DataFrame | None = None) -> list[dict]:
    """One row per event; ``passive`` (from ``conflictmap.view.passive_only``) marks rows kept only as affected.

    Each row is an ``html.Li`` as Dash sends it (:func:`_element`), built as plain dicts: making each a
    component object, then turning it back into this dict for the response, cost more than everything
    else the list does (about 90 ms of 110 at a million events). The page receives the same JSON; Dash
    escapes the text in it as for any component.

    A row is two components, not five: the title is the row's own text, the swatch is drawn by CSS
    from the row's colour (``--row-colour``), and only the date line (and an *affected only* mark) is
    an element of its own. Dash's renderer pays for every component it mounts once per component
    already on the page (each new one dispatches a store update that every mounted one answers), so
    a page of 500 rows of five components cost seconds of the browser's time before the first paint
    of a large store; two per row cost about a sixth of that."""
    # Only the columns a row shows, read as plain lists: a row Series per event (iterrows over the
    # whole table's columns) cost about as much as building the components.
    ev = dataset.events.loc[ids, [c for c in ROW_COLUMNS if c in dataset.events.columns]]
    affected: dict[str, list[str]] = {}
    if passive is not None and len(passive):
        for eid, faction in passive[passive["event_id"].isin(ids)].itertuples(index=False):
            affected.setdefault(eid, []).append(faction)
    records = ev.to_dict(orient="records")
    looks: dict[str | None, tuple[str, str]] = {}  # faction -> (colour, name), looked up once each
    rows = []
    for eid, row in zip((str(i) for i in ev.index), records, strict=True):
        faction = row["primary_faction"]
        key = faction if isinstance(faction, str) else None
        if key not in looks:
            looks[key] = (faction_colour(dataset, key), faction_label(dataset, key))
        colour, label = looks[key]
        mark = (
            [_element("Span", f"Affected only: {_faction_names(dataset, affected[eid])}", className="row-affected")]
            if eid in affected
            else []
        )
        rows.append(
            _element(
                "Li",
                [row["title"], _element("Span", f"{date_text(row)} · {place_text(row)}", className="row-meta"), *mark],
                className="event-row",
                style={ROW_COLOUR: colour},
                role="option",
                tabIndex="-1",
                title=f"{label}: show this event on the map and timeline",
                **wildcard_props({"data-event-id": eid, "aria-selected": "false"}),
            )
        )
    return rows
