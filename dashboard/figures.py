"""What the map and the timeline share: the font, colours, and the escaping boundary.

Text from the events file is untrusted. plotly renders a subset of HTML in
hover text, tick labels and annotations, so every data string that goes into
a figure passes through :func:`esc` here, once, when the figure is built.
(The page itself is built from Dash components, which escape text already.)

The figures themselves live in ``mapfigure.py`` (the MapLibre map) and
``timeline.py`` (the lanes and the histogram strip); both are plain functions
of the filtered table and the view state, importable without Dash.
"""

from __future__ import annotations

import pandas as pd

from conflictmap.table import Dataset
from conflictmap.view import titles_of
from conflictmap.vocabulary import TYPE_LABELS
from conflictmap.wording import date_text, place_text

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
FONT = {"family": FONT_FAMILY, "size": 15, "color": "#1b1b1b"}
SELECTED_COLOUR = "#1b1b1b"


def esc(text) -> str:
    """Data text made inert for plotly's HTML subset (and for any HTML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hover_text(row) -> str:
    return (
        f"<b>{esc(row['title'])}</b><br>{esc(date_text(row))}<br>{esc(place_text(row))}"
        f"<br><i>{esc(TYPE_LABELS.get(row['type'], row['type']))}</i>"
    )


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


FIGURE_COLUMNS = [
    "id", "title", "type", "date_start", "date_end", "date_precision", "primary_faction", "side",
    "place_name", "dest_name", "place_lat", "place_lon", "dest_lat", "dest_lon",
    "place_gazetteer_id", "dest_gazetteer_id", "place_precision", "dest_precision",
    "map_lat", "map_lon", "map_radius_km", "map_precision",
]  # fmt: skip


def prepare_view(dataset: Dataset, visible: pd.DataFrame) -> pd.DataFrame:
    """Only the columns figures read, plus hover text: row loops over a wide
    table of Arrow strings cost more than the figures themselves. Callers
    drawing both views prepare once and pass the result to both. The titles
    come from the table where the view has none (:func:`conflictmap.view.titles_of`)."""
    if "hover" in visible.columns:
        return visible
    frame = visible[[c for c in FIGURE_COLUMNS if c in visible.columns]].copy()
    frame["title"] = titles_of(dataset, visible).array
    frame["hover"] = [hover_text(r) for r in frame.to_dict(orient="records")]
    return frame
