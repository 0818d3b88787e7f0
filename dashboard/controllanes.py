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
DAY = dt.timedelta(days=1)
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


def _lane_histories(model: ControlModel, as_of: dt.date) -> tuple[list[list[PlaceControl]], int]:
    """The histories of the places drawn as lanes on ``as_of``, and how many more places are known.

    The same for every filter, so kept on the model per date: at a million events sweeping the
    busiest places takes a few hundred milliseconds, and the first view, a type or a faction filter
    all ask for the last day.
    """
    return model.remember(("lanes", as_of), lambda: _sweep_lanes(model, as_of))


def _sweep_lanes(model: ControlModel, as_of: dt.date) -> tuple[list[list[PlaceControl]], int]:
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
    places.sort(key=lambda rows: (-len(rows), rows[0].place.name.casefold()))  # most intervals first
    return places, hidden


def _bars(model: ControlModel, places, as_of: dt.date, start, colours, names, event_ids) -> list[tuple]:
    """Each lane's bars: (lane, style, x values, escaped hover text, the event a click selects).

    Kept on the model with the histories (the same for every filter with this as-of date and axis
    start): writing thousands of bars' dates and words took most of a view's time at a million events.
    """
    key = ("bars", as_of, start, id(places), id(colours), id(names), id(event_ids))
    return model.remember(key, lambda: _draw_bars(places, as_of, start, colours, names, event_ids))


def _draw_bars(places, as_of: dt.date, start, colours, names, event_ids) -> list[tuple]:
    # Python's datetimes, not pandas' Timestamps: thousands of bars, and the arithmetic is in C.
    first = pd.Timestamp(start).to_pydatetime()
    end = dt.datetime.combine(as_of, dt.time()) + DAY
    bars = []
    for k, rows in enumerate(places):
        for s in rows:
            x0 = dt.datetime.combine(s.since, dt.time()) if s.since else first
            x1 = min(dt.datetime.combine(s.until, dt.time()) + DAY, end) if s.until else end  # nothing after the date
            if x1 <= x0:
                continue
            words = f"{s.place.name}: {holder_text(s, names)}" + (f" ({since_text(s)})" if since_text(s) else "")
            words += f" · evidence: {', '.join(s.evidence)}" if s.evidence else ""
            middle = x0 + (x1 - x0) / 2  # a vertex mid-bar, so a click anywhere near the bar finds it
            xs = [x0.date().isoformat(), middle.isoformat(), x1.date().isoformat(), None]
            event = next((e for e in s.evidence if e in event_ids), None)
            bars.append((k, _style(s, colours), xs, html.escape(words), event))
    return bars


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
    places, hidden = _lane_histories(model, as_of)
    if not places:
        return figure
    top = float(yaxis["range"][0])
    start = pd.Timestamp(x_range[0])
    groups: dict[tuple[str, str, float], dict[str, list]] = {}
    tickvals, ticktext = list(yaxis["tickvals"]), list(yaxis["ticktext"])
    for k, rows in enumerate(places):
        tickvals.append(top + LANE_PX * k + LANE_PX / 2)
        label = rows[0].place.name[:22]
        if hidden and k == len(places) - 1:
            label += f" (+ up to {hidden:,} more)"
        ticktext.append(html.escape(label))
    for k, style, xs, words, event in _bars(model, places, as_of, start, colours, names, event_ids):
        y = top + LANE_PX * k + LANE_PX / 2
        g = groups.setdefault(style, {"x": [], "y": [], "text": [], "customdata": []})
        g["x"] += xs
        g["y"] += [y, y, y, None]
        g["text"] += [None, words, None, None]  # once a bar: the bytes of an update count
        # What a click selects: the first event the holding rests on (a list, so the selection
        # of event ids by box never takes it for one).
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
