"""The event list: the filtered events in time order, one row per event.

Each row carries ``data-event-id``; a click selects the event on the map and
the timeline (in the browser, through the URL), and the selected row is
scrolled into view. Long lists come a page at a time.

A faction filter keeps events in which the faction takes part in any role;
a row the filter keeps only because the faction is *affected* says so, and so
does the count line, so nobody reads them as the faction's own actions. The
rows go to the page as data and ``conflictmap.js`` draws them; text from the
data goes into the page as text, never as HTML.
"""

from __future__ import annotations

import pandas as pd

from conflictmap.table import Dataset
from conflictmap.wording import date_text, faction_colour, faction_label, place_text

LIST_PAGE = 500
#: What a row shows (title, faction, date, place).
ROW_COLUMNS = ["title", "primary_faction", "date_start", "date_end", "date_precision", "place_name", "dest_name"]


def _faction_names(dataset: Dataset, factions) -> str:
    names = [str(dataset.factions["name"].get(f, f)) for f in dict.fromkeys(factions)]
    return ", ".join(names) if len(names) <= 3 else ", ".join(names[:3]) + f" and {len(names) - 3} more"


def passive_note(dataset: Dataset, passive: pd.DataFrame) -> str:
    """The count line's addendum for events kept only because a chosen faction is affected."""
    n = passive["event_id"].nunique()
    who = _faction_names(dataset, passive["faction"])
    return f" · {n:,} only as affected: {who}"


def event_rows(dataset: Dataset, ids: list[str], passive: pd.DataFrame | None = None) -> list[dict]:
    """One row per event, as the data the page draws it from; ``passive`` (from
    ``conflictmap.view.passive_only``) marks rows kept only as affected.

    A row is ``{"id", "title", "meta", "colour", "faction", "affected"}``: plain text (and a ``#rrggbb``
    colour) that ``conflictmap.js`` (``drawList``) puts into the page as text nodes and attributes, never
    as HTML. Why not Dash components: Dash's renderer pays for each component it mounts once per
    component already on the page (each new one dispatches a store update that every mounted one
    answers), so a page of 500 rows, five components each, cost a 20,000-event store 4.1 s of the
    browser's main thread before its first paint; as data the rows cost it nothing there.
    """
    # Only the columns a row shows, read as plain lists: a row Series per event (iterrows over the
    # whole table's columns) cost more than everything else the list does.
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
        rows.append(
            {
                "id": eid,
                "title": str(row["title"]),
                "meta": f"{date_text(row)} · {place_text(row)}",
                "colour": colour,
                "faction": label,
                "affected": f"Affected only: {_faction_names(dataset, affected[eid])}" if eid in affected else None,
            }
        )
    return rows
