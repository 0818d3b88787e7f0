"""What the map and the timeline share: wording, colours, and the escaping boundary.

Text from the events file is untrusted. plotly renders a subset of HTML in
hover text, tick labels and annotations, so every data string that goes into
a figure passes through :func:`esc` here, once, when the figure is built.
(The page itself is built from Dash components, which escape text already.)

The figures themselves live in ``mapfigure.py`` (the MapLibre map) and
``timeline.py`` (the lanes and the histogram strip); both are plain functions
of the filtered table and the view state, importable without Dash.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from conflictmap.dates import describe_date
from conflictmap.table import Dataset
from conflictmap.vocabulary import TYPE_LABELS
from dashboard.symbols import VAGUE_DATES, plotly_symbol

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
FONT = {"family": FONT_FAMILY, "size": 15, "color": "#1b1b1b"}
SELECTED_COLOUR = "#1b1b1b"
UNATTRIBUTED_COLOUR = "#777777"

__all__ = [
    "FONT", "VAGUE_DATES", "date_text", "esc", "event_row", "faction_colour", "hover_text", "place_text",
    "plotly_symbol", "prepare_view", "rows_by_id",
]  # fmt: skip


def esc(text) -> str:
    """Data text made inert for plotly's HTML subset (and for any HTML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
    name = row["place_name"] if isinstance(row["place_name"], str) else None
    dest = row["dest_name"] if isinstance(row["dest_name"], str) else None
    if name and dest:
        return f"{name} → {dest}"
    if dest:
        return f"towards {dest}"
    return name or "no place given"


def hover_text(row) -> str:
    return (
        f"<b>{esc(row['title'])}</b><br>{esc(date_text(row))}<br>{esc(place_text(row))}"
        f"<br><i>{esc(TYPE_LABELS.get(row['type'], row['type']))}</i>"
    )


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def faction_colour(dataset: Dataset, faction: str | None) -> str:
    if isinstance(faction, str) and faction in dataset.factions.index:
        return str(dataset.factions.at[faction, "colour"])
    return UNATTRIBUTED_COLOUR


def faction_label(dataset: Dataset, faction: str | None) -> str:
    if isinstance(faction, str) and faction in dataset.factions.index:
        return str(dataset.factions.at[faction, "name"])
    return "Unattributed"


FIGURE_COLUMNS = [
    "id", "title", "type", "date_start", "date_end", "date_precision", "primary_faction", "side",
    "place_name", "dest_name", "place_lat", "place_lon", "dest_lat", "dest_lon",
    "place_gazetteer_id", "dest_gazetteer_id", "place_precision", "dest_precision",
    "map_lat", "map_lon", "map_radius_km", "map_precision",
]  # fmt: skip


def prepare_view(visible: pd.DataFrame) -> pd.DataFrame:
    """Only the columns figures read, plus hover text: row loops over a wide
    table of Arrow strings cost more than the figures themselves. Callers
    drawing both views prepare once and pass the result to both."""
    if "hover" in visible.columns:
        return visible
    frame = visible[[c for c in FIGURE_COLUMNS if c in visible.columns]].copy()
    frame["hover"] = [hover_text(r) for r in frame.to_dict(orient="records")]
    return frame
