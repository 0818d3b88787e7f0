"""The Key's factions: those with events in view, most events first, then "N more".

A Key listing every faction of an import (hundreds, for an ACLED country) is a
long scrolling list over the densest area and explains colours the map does not
show. So the Key lists the factions whose colour is drawn now: the primary
faction of each event the filters keep that the map's bounds hold (or that has
no place, and so is on the timeline only), most events
first, the first few with their colour and the rest folded behind "N more".
The counting is a plain function (``faction_counts``), tested without Dash; the
callback that follows the view is ``dashboard/callbacks/key.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from dash import html

from conflictmap.table import Dataset
from conflictmap.wording import faction_colour, faction_label

#: Factions shown with their colour before the rest folds behind "N more".
KEY_FACTIONS = 8
#: At most this many in the folded rest (an import can name thousands); the remainder is a count.
KEY_FACTIONS_FOLDED = 60
#: The id of the no-faction bucket in the counts.
UNATTRIBUTED = ""


def faction_counts(events: pd.DataFrame, bounds: Sequence[float] | None = None) -> pd.Series:
    """Events per primary faction ("" for none), most first, ties by faction id.

    ``bounds`` ([west, south, east, north]) keeps the events whose map point lies
    inside, and those with no place, which the timeline shows in their colour.
    """
    factions = events["primary_faction"]
    if bounds is not None and len(events):
        w, s, e, n = (float(v) for v in bounds)
        lat = events["map_lat"].to_numpy(dtype=float, na_value=np.nan)
        lon = events["map_lon"].to_numpy(dtype=float, na_value=np.nan)
        # An event with no place is on the timeline (in its faction's colour) whatever the map shows.
        inside = ((lat >= s) & (lat <= n) & (lon >= w) & (lon <= e)) | np.isnan(lat) | np.isnan(lon)
        factions = factions[inside]
    # Counted as stored (a category or string column), then the few distinct ids named: no million-row
    # string conversion on each map move.
    counts = factions.value_counts(dropna=False)
    counts = counts[counts > 0]  # a categorical column lists its unused factions too
    names = [UNATTRIBUTED if pd.isna(f) else str(f) for f in counts.index]
    frame = pd.DataFrame({"faction": pd.Series(names, dtype=object), "events": counts.to_numpy(dtype="int64")})
    frame = frame.sort_values(["events", "faction"], ascending=[False, True], kind="stable")
    return pd.Series(frame["events"].to_numpy(), index=pd.Index(frame["faction"], name="faction"), name="events")


def _swatch(colour: str) -> html.Span:
    return html.Span(className="key-swatch", style={"backgroundColor": colour})


def _faction_row(dataset: Dataset, faction: str, events: int) -> html.Li:
    name = faction_label(dataset, faction or None)  # "" and unknown ids read "Unattributed", in grey
    return html.Li(
        [
            _swatch(faction_colour(dataset, faction or None)),
            html.Span(name, className="key-name"),
            html.Span(f"{events:,}", className="key-count muted"),
        ],
        className="key-row",
        title=name,
    )


def faction_key(dataset: Dataset, counts: pd.Series, limit: int = KEY_FACTIONS) -> list:
    """The Key's faction rows for ``counts`` (from ``faction_counts``): the first ``limit`` with
    their colour and count, then the rest folded behind "N more"."""
    if counts.empty:
        return [html.P("No events in view", className="muted key-empty")]
    rows = [_faction_row(dataset, str(f), int(n)) for f, n in counts.iloc[:limit].items()]
    out: list = [html.Ul(rows, className="key-list key-factions")]
    rest = counts.iloc[limit:]
    if len(rest):
        folded = [_faction_row(dataset, str(f), int(n)) for f, n in rest.iloc[:KEY_FACTIONS_FOLDED].items()]
        beyond = len(rest) - len(folded)
        if beyond:
            folded.append(html.Li(f"… and {beyond:,} more: filter by faction to see them", className="muted"))
        out.append(
            html.Details(
                [html.Summary(f"{len(rest):,} more"), html.Ul(folded, className="key-list key-factions-more")],
                className="key-more",
            )
        )
    return out
