"""The control layer of the map and its entry in the Key.

Each place whose holder the model knows is a disc under the event marks:
filled in its holder's faction colour; two colours while it changes hands
(the ring the side gaining it, the centre the side losing it) or is
contested (a grey ring round the last holder); hollow (a grey ring, white
centre) when unknown; faded when the latest evidence is stale. Places known
only at region or country level are listed in the control table and never
painted. Plain functions of the model's answer: no callbacks here.
"""

from __future__ import annotations

from collections.abc import Iterable

from dash import html as dhtml

from conflictmap.control import PlaceControl
from dashboard.legend import _row, _svg

NEUTRAL = "#8a8a8a"  # contested ring, unknown ring
HOLLOW = "#ffffff"
OUTER_SIZE = 34
INNER_SIZE = 14
OPACITY = 0.8
STALE_OPACITY = 0.3
DIMMED = 0.45  # with a faction filter: the others' holdings, still shown


def holder_text(state: PlaceControl, names: dict[str, str]) -> str:
    """The holder as the control table words it: a faction's name, "changing: A → B", "contested", "unknown"."""

    def name(faction: str | None) -> str:
        return names.get(faction, faction) if faction else "unknown"

    if state.state == "held":
        return name(state.holder)
    if state.state == "changing":
        return f"changing: {name(state.previous)} → {name(state.holder)}"
    return state.state


def since_text(state: PlaceControl) -> str:
    if state.state == "changing" and state.since and state.until:
        return f"{state.since:%d %b} – {state.until:%d %b %Y}"
    if state.since:
        return f"{state.since:%d %b %Y}"
    return "before the first change" if state.inferred else ""


def _colours(state: PlaceControl, colours: dict[str, str]) -> tuple[str, str]:
    """(ring, centre) colours of a place's disc."""

    def colour(faction: str | None) -> str:
        return colours.get(faction or "", NEUTRAL)

    if state.state == "held":
        return colour(state.holder), colour(state.holder)
    if state.state == "changing":
        return colour(state.holder), colour(state.previous) if state.previous else HOLLOW
    if state.state == "contested":
        return NEUTRAL, colour(state.previous) if state.previous else NEUTRAL
    return NEUTRAL, HOLLOW


def control_traces(
    states: Iterable[PlaceControl], colours: dict[str, str], highlight: Iterable[str] = ()
) -> list[dict]:
    """Two scattermap traces (rings, then centres) for the painted places; none when nothing is painted."""
    painted = [s for s in states if s.place.painted]
    if not painted:
        return []
    highlight = set(highlight)
    lat = [s.place.lat for s in painted]
    lon = [s.place.lon for s in painted]
    rings, centres = zip(*(_colours(s, colours) for s in painted), strict=True)
    opacity = [
        (STALE_OPACITY if s.stale else OPACITY) * (DIMMED if highlight and s.holder not in highlight else 1.0)
        for s in painted
    ]
    common = {"type": "scattermap", "lat": lat, "lon": lon, "mode": "markers", "showlegend": False}
    return [
        {
            **common,
            "meta": "control",
            "name": "control",
            "marker": {"size": OUTER_SIZE, "color": list(rings), "opacity": opacity},
            # Not hoverable, not selectable: the event marks above keep the hover and the clicks,
            # and the control table beside the map names each place and its evidence.
            "hoverinfo": "skip",
        },
        {
            **common,
            "meta": "control-centre",
            "name": "control",
            "marker": {"size": INNER_SIZE, "color": list(centres), "opacity": opacity},
            "hoverinfo": "skip",
        },
    ]


def _disc(ring: str, centre: str, opacity: float = 1.0) -> dhtml.Img:
    return _svg(
        f"<g opacity='{opacity}'><circle cx='11' cy='11' r='10' fill='{ring}'/>"
        f"<circle cx='11' cy='11' r='4.6' fill='{centre}'/></g>"
    )


def control_key(has_control: bool) -> list:
    """The Key's control section (nothing when the file has no control changes)."""
    if not has_control:
        return []
    rows = [
        _row(_disc("#E69F00", "#E69F00"), "Held: the holder's faction colour, as of the date shown"),
        _row(_disc("#E69F00", "#000000"), "Two colours: changing hands (ring: gaining, centre: losing)"),
        _row(_disc(NEUTRAL, "#000000"), "Grey ring: contested (centre: the last holder)"),
        _row(_disc(NEUTRAL, HOLLOW), "Hollow: who holds it is unknown"),
        _row(_disc("#E69F00", "#E69F00", STALE_OPACITY), "Faded: last known; no news for a long time (stale)"),
    ]
    return [
        dhtml.H3("Control (discs under the marks)"),
        dhtml.Ul(rows, className="key-list"),
        dhtml.P("Places known only as a region are listed in the Control table, never painted.", className="hint"),
    ]


__all__ = ["control_key", "control_traces", "holder_text", "since_text"]
