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
from typing import NamedTuple

import pandas as pd

from conflictmap.control import ControlModel, PlaceControl, control_history
from dashboard.controllayer import NEUTRAL, holder_text, since_text

LANE_PX = 26
MAX_LANES = 30  # the rest are counted in the last lane's label (and the update stays under 1 MB)
BAR = 10
EVIDENCE_SHOWN = 3  # ids in a bar's hover; past that, how many and "and N more"
DAY = dt.timedelta(days=1)
# A lane bar's click data is [LANE_CLICK, event id]: a list (an event mark's is its id), led by a number, so
# nothing that reads event ids from points (the page's hover emphasis, a click on an event mark) takes it
# for one; a number, as it is sent once a bar.
LANE_CLICK = 0


def clicked_lane_event(click) -> str | None:
    """The event behind a clicked control-lane bar (a ``timeline`` clickData), or None."""
    for point in (click or {}).get("points", []):
        data = point.get("customdata")
        lane = isinstance(data, list) and len(data) == 2 and type(data[0]) is int and data[0] == LANE_CLICK
        if lane and isinstance(data[1], str):
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


def _lane_candidates(model: ControlModel) -> list[tuple[str, dt.date]]:
    """Every painted place with the first day a claim of it can have happened on (``date.min`` where an
    "on or before" claim gives no lower bound), busiest first, then by name: sorted once per model."""

    def candidates() -> list[tuple[str, dt.date]]:
        painted = [k for k, claims in model.claims.items() if claims[0].place.painted]
        painted.sort(key=lambda k: (-len(model.claims[k]), model.claims[k][0].place.name.casefold()))
        return [(k, min(c.earliest or dt.date.min for c in model.claims[k])) for k in painted]

    return model.remember(("lane candidates",), candidates)


def _sweep_lanes(model: ControlModel, as_of: dt.date) -> tuple[list[list[PlaceControl]], int]:
    # Most changes first (the busiest places), then by name; only the lanes drawn are swept.
    known = [k for k, earliest in _lane_candidates(model) if earliest <= as_of]
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


class _Bar(NamedTuple):
    """One bar of a lane, its words escaped for the page (and its holder's for a hover template)."""

    lane: int
    style: tuple[str, str, float]  # colour, dash, opacity
    days: tuple[str, str, str]  # its first instant, its middle (where its hover is), its end
    place: str
    holder: str  # ": Side A", ": changing: A → B"
    detail: str  # " (09 Jan 2017)", and the evidence unless it is the one event a click selects
    event: str | None  # what a click selects: the first event it rests on
    alone: bool  # it rests on that event alone (the hover names it from the click's data)


def _bars(model: ControlModel, places, as_of: dt.date, start, colours, names, event_ids) -> list[_Bar]:
    """Each lane's bars (see :class:`_Bar`).

    Kept on the model with the histories (the same for every filter with this as-of date and axis
    start): writing thousands of bars' dates and words took most of a view's time at a million events.
    """
    key = ("bars", as_of, start, id(places), id(colours), id(names), id(event_ids))
    return model.remember(key, lambda: _draw_bars(places, as_of, start, colours, names, event_ids))


def _bar_groups(model: ControlModel, places, as_of: dt.date, start, colours, names, event_ids) -> tuple[dict, dict]:
    """The bars as the lanes' traces take them, lanes as numbers (a figure turns them into its y):
    ``lines`` by style ({x, lane}, a bar as its two ends and a gap) and ``points`` by (holder's words,
    colour, rests on its event alone) ({x, lane, text, detail, click}, a point mid-bar for its hover
    and click). Kept with the bars: at a million events writing thousands of bars into traces took
    130 ms of every view with a new filter, the same bars each time."""

    def group() -> tuple[dict, dict]:
        lines: dict[tuple[str, str, float], dict[str, list]] = {}
        points: dict[tuple[str, str, bool], dict[str, list]] = {}
        for bar in _bars(model, places, as_of, start, colours, names, event_ids):
            line = lines.setdefault(bar.style, {"x": [], "lane": []})
            line["x"] += [bar.days[0], bar.days[2], None]
            line["lane"] += [bar.lane, bar.lane, None]
            # The bar's hover and click: a point mid-bar, not drawn, its words shared by the bars of the
            # same holder (the hover template), the place and the dates its own.
            point = points.setdefault(
                (bar.holder, bar.style[0], bar.alone), {"x": [], "lane": [], "text": [], "detail": [], "click": []}
            )
            point["x"].append(bar.days[1])
            point["lane"].append(bar.lane)
            point["text"].append(bar.place)
            point["detail"].append(bar.detail)
            # A list, so the selection of event ids by box never takes it for one.
            point["click"].append([LANE_CLICK, bar.event] if bar.event else None)
        return lines, points

    key = ("bar groups", as_of, start, id(places), id(colours), id(names), id(event_ids))
    return model.remember(key, group)


def _draw_bars(places, as_of: dt.date, start, colours, names, event_ids) -> list[_Bar]:
    # Python's datetimes, not pandas' Timestamps: thousands of bars, and the arithmetic is in C.
    first = pd.Timestamp(start).to_pydatetime()
    end = dt.datetime.combine(as_of, dt.time()) + DAY
    bars = []
    for k, rows in enumerate(places):
        for run, x0, x1 in _runs(rows, first, end):
            if x1 <= first:  # ended before the axis starts: never seen, and most of a window's bars
                continue
            span = since_text(run[0]) if len(run) == 1 else _span_text(run)
            evidence = list(dict.fromkeys(e for s in run for e in s.evidence))  # in order, each once
            event = next((e for e in evidence if e in event_ids), None)
            alone = evidence == [event]  # the usual bar: one report, the event a click selects
            detail = (f" ({span})" if span else "") + ("" if alone else _evidence_text(evidence))
            bars.append(
                _Bar(
                    k,
                    _style(run[0], colours),
                    (_day(x0), _day(x0 + (x1 - x0) // 2), _day(x1)),
                    html.escape(run[0].place.name),
                    _template_text(f": {holder_text(run[0], names)}"),
                    html.escape(detail),
                    event,
                    alone,
                )
            )
    return bars


def _runs(rows: list[PlaceControl], first: dt.datetime, end: dt.datetime):
    """A lane's bars: (the holdings drawn as one bar, its first and end instant), in time order.

    Contiguous holdings that look the same (:func:`_look`: the same state and, where the bar shows
    them, holder, staleness and, for a change, the side it is from) are one bar: drawn apart they
    make the same pixels, and at a million events a place is reconfirmed by report after report.
    Nothing after ``end`` (the day after the as-of date).
    """
    run: list[PlaceControl] = []
    x0 = x1 = first
    for s in rows:
        b0 = dt.datetime.combine(s.since, dt.time()) if s.since else first
        b1 = min(dt.datetime.combine(s.until, dt.time()) + DAY, end) if s.until else end
        if b1 <= b0:
            continue
        if run and b0 == x1 and _look(s) == _look(run[-1]):
            run.append(s)
            x1 = b1
            continue
        if run:
            yield run, x0, x1
        run, x0, x1 = [s], b0, b1
    if run:
        yield run, x0, x1


def _look(s: PlaceControl) -> tuple:
    """What a bar shows (its style and its words): bars alike in this draw and read the same, so they
    are merged. "unknown" is one grey whoever last held the place and however old the news;
    "contested" names no holder."""
    if s.state == "unknown":
        return (s.state,)
    if s.state == "contested":
        return (s.state, s.stale)
    return (s.state, s.holder, s.stale, s.previous if s.state == "changing" else None)


def _span_text(run: list[PlaceControl]) -> str:
    """The span of merged holdings: "04 Jan 2017 – 11 Feb 2017", "since 04 Jan 2017", "… – 11 Feb 2017"."""
    since = f"{run[0].since:%d %b %Y}" if run[0].since else "before the first change"
    return f"{since} – {run[-1].until:%d %b %Y}" if run[-1].until else f"since {since}"


def _evidence_text(evidence: list[str]) -> str:
    """ " · evidence: a, b" — past EVIDENCE_SHOWN ids, how many and "and N more"."""
    if not evidence:
        return ""
    if len(evidence) <= EVIDENCE_SHOWN:
        return f" · evidence: {', '.join(evidence)}"
    shown = ", ".join(evidence[:EVIDENCE_SHOWN])
    return f" · {len(evidence):,} reports: {shown} and {len(evidence) - EVIDENCE_SHOWN:,} more"


def _template_text(text: str) -> str:
    """Words from the data inside a plotly hover template: escaped, and no "%{" left to substitute."""
    return html.escape(text).replace("%", "&#37;")


def _day(instant: dt.datetime) -> str:
    """An axis value as short as it can be: the day alone at midnight (most vertices)."""
    return instant.date().isoformat() if instant.time() == dt.time() else instant.isoformat()


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
    tickvals, ticktext = list(yaxis["tickvals"]), list(yaxis["ticktext"])
    for k, rows in enumerate(places):
        tickvals.append(top + LANE_PX * k + LANE_PX / 2)
        label = rows[0].place.name[:22]
        if hidden and k == len(places) - 1:
            label += f" (+ up to {hidden:,} more)"
        ticktext.append(html.escape(label))
    bar_lines, bar_points = _bar_groups(model, places, as_of, start, colours, names, event_ids)
    # Each lane's y on this figure ("1161", not "1161.0"): the one thing that depends on the lanes above.
    lane_y = [top + LANE_PX * k + LANE_PX / 2 for k in range(len(places))]
    lane_y = [int(y) if y.is_integer() else y for y in lane_y]
    lines = {
        style: {"x": g["x"], "y": [None if k is None else lane_y[k] for k in g["lane"]]}
        for style, g in bar_lines.items()
    }
    points = {key: {**g, "y": [lane_y[k] for k in g["lane"]]} for key, g in bar_points.items()}
    traces = [
        {
            "type": "scatter",
            "x": g["x"],
            "y": g["y"],
            "mode": "lines",
            "meta": "control-lane",
            "line": {"width": BAR, "color": colour, "dash": dash},
            "opacity": opacity,
            "hoverinfo": "skip",
            "showlegend": False,
        }
        for (colour, dash, opacity), g in lines.items()
    ]
    traces += [
        {
            "type": "scatter",
            "x": g["x"],
            "y": g["y"],
            # Nothing drawn (``mode: "none"``), but hovered and clicked like points: at a million events
            # a timeline holds thousands of bars, and as invisible markers each was an SVG element the
            # browser styled, laid out and painted (about half the page's DOM).
            "mode": "none",
            "meta": "control-lane",
            "hoverlabel": {"bgcolor": colour},
            "text": g["text"],
            "hovertext": g["detail"],
            "customdata": g["click"],
            "hovertemplate": "%{text}"
            + holder
            + "%{hovertext}"
            + (" · evidence: %{customdata[1]}" if alone else "")
            + "<extra></extra>",
            "showlegend": False,
        }
        for (holder, colour, alone), g in points.items()
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
