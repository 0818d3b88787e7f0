"""Control lanes under the timeline's lanes: one per place, a bar per holding in the holder's colour.

"Raqqa: Daesh → (16–22 Oct) → SDF" reads at a glance: a solid bar while a
faction holds the place, a dotted one while it changes hands (in the colour
of the side gaining it), grey dashes while contested, faded when stale. The
bars are the history as known on the as-of date (the model's
``control_history(as_of=...)``), so playing the window grows them day by
day and nothing after the date shows. A plain function that extends the
lanes figure the timeline module builds.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from conflictmap.control import ControlModel, PlaceControl, control_history
from dashboard.controllayer import NEUTRAL, holder_text, since_text

LANE_PX = 26
MAX_LANES = 30  # the rest are counted in the last lane's label (and the update stays under 1 MB)
BAR = 10
ONE_DAY = pd.Timedelta(days=1)
LANE_CLICK = "control-lane"


def clicked_lane_event(click) -> str | None:
    """The event behind a clicked control-lane bar (a ``timeline`` clickData), or None."""
    for point in (click or {}).get("points", []):
        data = point.get("customdata")
        if isinstance(data, list) and len(data) == 2 and data[0] == LANE_CLICK and isinstance(data[1], str):
            return data[1]
    return None


def _style(s: PlaceControl, colours: dict[str, str]) -> tuple[str, str, float]:
    """(colour, dash, opacity) of a bar."""
    opacity = 0.35 if s.stale else 0.85
    if s.state == "held":
        return colours.get(s.holder or "", NEUTRAL), "solid", opacity
    if s.state == "changing":
        return colours.get(s.holder or "", NEUTRAL), "dot", opacity
    if s.state == "contested":
        return NEUTRAL, "dash", opacity
    return "#cccccc", "solid", 0.6


def add_control_lanes(
    figure: dict,
    model: ControlModel,
    as_of: dt.date | None,
    colours: dict[str, str],
    names: dict[str, str],
    x_range,
    event_ids=frozenset(),
) -> dict:
    """``figure`` (the lanes) with a lane per place that has control history; unchanged when none does."""
    layout = figure.get("layout", {})
    yaxis = layout.get("yaxis", {})
    if as_of is None or model.empty or "tickvals" not in yaxis:
        return figure
    # Most changes first (the busiest places), then by name; only the lanes drawn are swept.
    known = [
        k
        for k, claims in model.claims.items()
        if claims[0].place.painted and any(c.earliest is None or c.earliest <= as_of for c in claims)
    ]
    known.sort(key=lambda k: (-len(model.claims[k]), model.claims[k][0].place.name.casefold()))
    places: list[list[PlaceControl]] = []
    hidden = 0
    for n, k in enumerate(known):
        rows = control_history(model, as_of=as_of, keys=[k])
        if rows:
            places.append(rows)
        if len(places) == MAX_LANES:
            hidden = len(known) - n - 1  # at most that many more places with a known holder
            break
    if not places:
        return figure
    places.sort(key=lambda rows: (-len(rows), rows[0].place.name.casefold()))  # most intervals first
    top = float(yaxis["range"][0])
    start, end = pd.Timestamp(x_range[0]), pd.Timestamp(as_of) + ONE_DAY
    groups: dict[tuple[str, str, float], dict[str, list]] = {}
    tickvals, ticktext = list(yaxis["tickvals"]), list(yaxis["ticktext"])
    for lane, rows in enumerate(places):
        y = top + LANE_PX * lane + LANE_PX / 2
        tickvals.append(y)
        label = rows[0].place.name[:22]
        if hidden and lane == len(places) - 1:
            label += f" (+ up to {hidden:,} more)"
        ticktext.append(html.escape(label))
        for s in rows:
            x0 = pd.Timestamp(s.since) if s.since else start
            x1 = min(pd.Timestamp(s.until) + ONE_DAY, end) if s.until else end  # nothing after the date
            if x1 <= x0:
                continue
            words = f"{s.place.name}: {holder_text(s, names)}" + (f" ({since_text(s)})" if since_text(s) else "")
            words += f" · evidence: {', '.join(s.evidence)}" if s.evidence else ""
            g = groups.setdefault(_style(s, colours), {"x": [], "y": [], "text": [], "customdata": []})
            middle = x0 + (x1 - x0) / 2  # a vertex mid-bar, so a click anywhere near the bar finds it
            g["x"] += [x0.date().isoformat(), middle.isoformat(), x1.date().isoformat(), None]
            g["y"] += [y, y, y, None]
            g["text"] += [None, html.escape(words), None, None]  # once a bar: the bytes of an update count
            # What a click selects: the first event the holding rests on (a list, so the selection
            # of event ids by box never takes it for one).
            event = next((e for e in s.evidence if e in event_ids), None)
            g["customdata"] += [[LANE_CLICK, event]] * 3 + [None]
    traces = [
        {
            "type": "scatter",
            "x": g["x"],
            "y": g["y"],
            "mode": "lines",
            "meta": "control-lane",
            "line": {"width": BAR, "color": colour, "dash": dash},
            "opacity": opacity,
            "hovertext": g["text"],
            "hoverinfo": "text",
            "customdata": g["customdata"],
            "showlegend": False,
        }
        for (colour, dash, opacity), g in groups.items()
    ]
    extra = LANE_PX * len(places)
    bottom = top + extra
    separator = {
        "type": "line",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": top,
        "y1": top,
        "line": {"width": 1, "color": "#999999"},
        "layer": "below",
    }
    new_layout = {
        **layout,
        "height": layout.get("height", 0) + extra,
        "yaxis": {**yaxis, "tickvals": tickvals, "ticktext": ticktext, "range": [bottom, 0]},
        "shapes": [*layout.get("shapes", []), separator],
    }
    # The ring traces (selected, hovered) stay last, as the page's code expects them drawn on top.
    return {**figure, "data": traces + list(figure.get("data", [])), "layout": new_layout}


__all__ = ["LANE_CLICK", "add_control_lanes", "clicked_lane_event"]
