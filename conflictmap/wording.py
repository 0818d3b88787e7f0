"""How events are worded for people, the same in the app, the figures and every export.

Plain functions of a row (or the dataset's factions), with no Dash or plotly:
the data exports in the core (``conflictmap.exports``) word events exactly as
the page and the figures do, from this one place.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from conflictmap.dates import describe_date
from conflictmap.table import Dataset

UNATTRIBUTED_COLOUR = "#777777"

__all__ = [
    "UNATTRIBUTED_COLOUR", "date_text", "event_row", "faction_colour", "faction_label", "place_text", "rows_by_id",
]  # fmt: skip


def event_row(dataset: Dataset, event_id: str) -> pd.Series:
    """The row of one event (KeyError for an id not in the table).

    ``.loc`` of a label is typed "a row or a frame": a frame only when the label repeats, which a
    loaded table never has (events.py refuses duplicate ids), so a frame here is an error, not a case.
    """
    row = dataset.events.loc[event_id]
    if not isinstance(row, pd.Series):
        raise KeyError(f"event id {event_id!r} names more than one event")
    return row


def rows_by_id(events: pd.DataFrame) -> Iterator[tuple[str, pd.Series]]:
    """Each event's id and row, in table order (``iterrows`` types the id as any hashable; it is a str)."""
    for event_id, row in events.iterrows():
        yield str(event_id), row


def date_text(row) -> str:
    """How an event's date is worded for people, with what is known and what is not (one wording everywhere)."""
    return describe_date(row["date_start"], row["date_end"], row["date_precision"])


def place_text(row) -> str:
    """Where an event happened in words: its place, its route, or that none is given."""
    name = row["place_name"] if isinstance(row["place_name"], str) else None
    dest = row["dest_name"] if isinstance(row["dest_name"], str) else None
    if name and dest:
        return f"{name} → {dest}"
    if dest:
        return f"towards {dest}"
    return name or "no place given"


def faction_colour(dataset: Dataset, faction: str | None) -> str:
    """The faction's colour from the events file; grey for an event no faction is named for."""
    if isinstance(faction, str) and faction in dataset.factions.index:
        return str(dataset.factions.at[faction, "colour"])
    return UNATTRIBUTED_COLOUR


def faction_label(dataset: Dataset, faction: str | None) -> str:
    """The faction's name from the events file; "Unattributed" when none is named."""
    if isinstance(faction, str) and faction in dataset.factions.index:
        return str(dataset.factions.at[faction, "name"])
    return "Unattributed"
