"""The timeline: a histogram strip that carries the date axis, and lanes of events.

Two figures that share one x axis, because they answer two questions: the
strip (always small, always on screen) shows how many events happen when,
stacked by faction, and is where the analyst brushes a date window; the lanes
show each event by faction or side, as many rows as overlaps need. The lanes'
height follows their rows, so one faction is short and two hundred events are
tall; past a maximum the lanes scroll under the strip, which keeps the date
axis visible. Past ``MAX_TIMELINE_EVENTS`` the lanes show per-lane histograms
instead of points, so the browser never receives more than it can draw.

Both are plain functions of the filtered table and the view state.
"""

from __future__ import annotations

import heapq
from typing import cast

import numpy as np
import pandas as pd

from conflictmap.table import Dataset
from conflictmap.timeline_data import BIN_UNITS, bin_width, faction_bins, lane_counts
from conflictmap.view import ViewState
from conflictmap.wording import faction_colour, faction_label
from dashboard.figures import FONT, SELECTED_COLOUR, esc, prepare_view, rgba
from dashboard.symbols import plotly_symbol

LANE_LABEL_PX = 190  # left margin for lane names, shared by strip and lanes so their x axes line up
# The right margin holds the strip's modebar, upright, beside the plot: it never covers the last bars.
RIGHT_PX = 34
ROW_PX = 24  # one row of markers inside a lane
LANE_PAD_PX = 9
MIN_LANES_PX = 120
MAX_ROWS_PER_LANE = 12  # past this, overlapping events share rows
MAX_TIMELINE_EVENTS = 2500  # past this, lanes are histograms
STRIP_HEIGHT = 118
TIMELINE_UIREVISION = "analyst"
WINDOW_FILL = "#f2b705"
MIN_AXIS = pd.Timedelta(days=14)  # the shortest stretch of time the axis shows


def lanes_for(dataset: Dataset, visible: pd.DataFrame, mode: str) -> tuple[list[str], pd.Series]:
    """Lane names in file order, and each visible event's lane."""
    if mode == "side":
        lane_of = visible["side"].astype(object).fillna("Unattributed")
        order = list(dict.fromkeys(dataset.factions["side"]))
    else:
        # Through category codes: one lookup per faction, not per event (a million events in milliseconds).
        names = dict(zip(dataset.factions.index, dataset.factions["name"]))
        lane_of = visible["primary_faction"].astype("category").map(names).astype(object).fillna("Unattributed")
        order = list(dataset.factions["name"])
    present = set(lane_of.unique())
    return [lane for lane in [*order, "Unattributed"] if lane in present], lane_of


def _pack_rows(spans: list[tuple[str, pd.Timestamp, pd.Timestamp]]) -> dict[str, int]:
    """Interval partitioning inside a lane so overlapping events get their own row.

    A heap of row end times hands each event the row that frees first
    (O(n log n)); past ``MAX_ROWS_PER_LANE`` rows events share the row that
    frees first rather than growing the lane without bound.
    """
    free: list[tuple[pd.Timestamp, int]] = []
    out = {}
    for eid, start, end in sorted(spans, key=lambda s: (s[1], s[2], s[0])):
        if free and (free[0][0] < start or len(free) >= MAX_ROWS_PER_LANE):
            _, row = heapq.heappop(free)
        else:
            row = len(free)
        heapq.heappush(free, (end, row))
        out[eid] = row
    return out


def timeline_positions(
    dataset: Dataset, visible: pd.DataFrame, mode: str
) -> tuple[pd.DataFrame, list[tuple[str, float, float]]]:
    """x (the drawn point), y in pixels from the top, span start/end per event, and lane bands
    (name, top px, bottom px)."""
    lanes, lane_of = lanes_for(dataset, visible, mode)
    start = visible["date_start"]
    end = visible["date_end"] + pd.Timedelta(days=1)  # an inclusive day range ends at the next midnight
    mid = start + (end - start) / 2
    y = pd.Series(0.0, index=visible.index)
    bands, top = [], 0.0
    for lane in lanes:
        ids = visible.index[(lane_of == lane).to_numpy()]
        # Pad each span by a marker's width (~1.5 days) and a report's lead-in so neighbours don't touch.
        vague_lead = visible.loc[ids, "date_precision"].isin(["reported", "by"])
        lead = pd.to_timedelta(vague_lead.map({True: 4, False: 1}).astype(int), unit="D")
        packed = _pack_rows(list(zip(ids, start[ids] - lead, end[ids] + pd.Timedelta(days=1))))
        n_rows = max(packed.values(), default=0) + 1
        for i in ids:
            y[i] = top + LANE_PAD_PX + ROW_PX / 2 + packed[i] * ROW_PX
        bottom = top + 2 * LANE_PAD_PX + n_rows * ROW_PX
        bands.append((lane, top, bottom))
        top = bottom
    return pd.DataFrame({"x": mid, "y": y, "start": start, "end": end, "lane": lane_of}), bands


def period(dataset: Dataset) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The x range both figures start at: the whole dataset with a margin."""
    first, last = dataset.events["date_start"].min(), dataset.events["date_end"].max() + pd.Timedelta(days=1)
    margin = max(pd.Timedelta(days=2), (last - first) * 0.03)
    return first - margin, last + margin


def axis_range(dataset: Dataset, state: ViewState) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The x range the timeline shows: the date window with a margin when one is set, else the period.

    A one-month window on a four-year dataset would otherwise be a sliver a few pixels wide. The
    margin (15% of the window, at least a day) keeps the window's edges and a little context in
    view; an open side runs to the end of the dataset's period. A window of a few days is widened
    to ``MIN_AXIS``, centred on it: a single day filling the whole axis would hide its neighbours
    and the lead-ins of "on or before" dates.
    """
    first, last = period(dataset)
    if not (state.date_from or state.date_to):
        return first, last
    start = pd.Timestamp(state.date_from) if state.date_from else first
    end = pd.Timestamp(state.date_to) + pd.Timedelta(days=1) if state.date_to else last
    if end <= start:  # a window ending before it starts shows nothing: keep the period
        return first, last
    margin = max(pd.Timedelta(days=1), (end - start) * 0.15)
    lo, hi = (start - margin if state.date_from else start), (end + margin if state.date_to else end)
    short = MIN_AXIS - (hi - lo)
    if short > pd.Timedelta(0):  # a day or a few: widen around the window, so its days keep their context
        lo, hi = lo - short / 2, hi + short / 2
    return lo, hi


def _segments(x0, x1, y) -> tuple[list, list]:
    """Horizontal segments as one line trace: x0->x1 at y, separated by gaps."""
    xs: list = []
    ys: list = []
    for a, b, level in zip(x0, x1, y):
        xs += [_iso(a), _iso(b), None]
        ys += [level, level, None]
    return xs, ys


def _iso(t) -> str:
    return pd.Timestamp(t).isoformat()


def _window_shape(state: ViewState, x_range, yref: str) -> list[dict]:
    if not (state.date_from or state.date_to):
        return []
    x0 = pd.Timestamp(state.date_from) if state.date_from else x_range[0]
    x1 = pd.Timestamp(state.date_to) + pd.Timedelta(days=1) if state.date_to else x_range[1]
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": yref,
            "y0": 0,
            "y1": 1,
            "x0": _iso(x0),
            "x1": _iso(x1),
            "fillcolor": WINDOW_FILL,
            "opacity": 0.2,
            "line": {"width": 1.5, "color": WINDOW_FILL},
            "layer": "below",
        }
    ]


def _xaxis(x_range, *, ticks: bool) -> dict:
    return {
        "type": "date",
        "range": [_iso(x_range[0]), _iso(x_range[1])],
        "showgrid": True,
        "gridcolor": "#e4e4e4",
        "showticklabels": ticks,
        "tickformat": "%d %b\n%Y",
        "ticks": "outside" if ticks else "",
        "zeroline": False,
        "showline": ticks,
        "linecolor": "#888",
        "fixedrange": False,
    }


def lanes_height(bands) -> int:
    return int(max(MIN_LANES_PX, (bands[-1][2] if bands else 0) + 8))


def timeline_figure(
    dataset: Dataset,
    visible: pd.DataFrame,
    state: ViewState,
    highlighted: tuple[str, ...] = (),
    featured: tuple[str, ...] = (),
    *,
    x_range=None,
    ticks: bool = False,
) -> dict:
    """The lanes. Height from the lanes' rows; ``ticks`` adds a date axis (for exports
    that draw no strip)."""
    x_range = x_range or period(dataset)
    if visible.empty:
        return _no_events(x_range, ticks)
    if len(visible) > MAX_TIMELINE_EVENTS:
        return lane_histograms(dataset, visible, state, x_range=x_range, ticks=ticks)
    view = prepare_view(dataset, visible)
    pos, bands = timeline_positions(dataset, view, state.lanes)
    emphasised = set(featured) or set(highlighted)
    traces: list[dict] = []
    for faction in [*dataset.factions.index, None]:
        rows = view[view["primary_faction"] == faction] if faction else view[view["primary_faction"].isna()]
        if not rows.empty:
            traces += _faction_traces(dataset, faction, rows, pos.loc[rows.index], emphasised, bool(featured))
    traces += _rings(state, pos)
    return {"data": traces, "layout": _lanes_layout(bands, lanes_height(bands), state, x_range, ticks)}


def _no_events(x_range, ticks: bool) -> dict:
    return {
        "data": [],
        "layout": {
            "annotations": [
                {
                    "text": "No events match the filters",
                    "showarrow": False,
                    "font": {"size": 17},
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                }
            ],
            "xaxis": {**_xaxis(x_range, ticks=ticks), "visible": ticks},
            "yaxis": {"visible": False},
            "height": MIN_LANES_PX,
            "font": FONT,
            "uirevision": TIMELINE_UIREVISION,
            "margin": {"l": LANE_LABEL_PX, "r": RIGHT_PX, "t": 6, "b": 30 if ticks else 6},
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
        },
    }


def _faction_traces(
    dataset: Dataset, faction: str | None, rows: pd.DataFrame, p: pd.DataFrame, emphasised: set, featured: bool
) -> list[dict]:
    """One faction's events: spans of ranged dates, dotted lead-ins of vague ones, and the markers."""
    colour = faction_colour(dataset, faction)
    vague = rows["date_precision"].isin(["reported", "by"]).to_numpy()
    ranged = (rows["date_start"] != rows["date_end"]).to_numpy() & ~vague
    span_x, span_y = _segments(p["start"][ranged], p["end"][ranged], p["y"][ranged])
    lead_x, lead_y = _segments(p["start"][vague] - pd.Timedelta(days=4), p["x"][vague], p["y"][vague])
    traces = []
    for meta, xs, ys, line in (
        ("span", span_x, span_y, {"width": 11, "color": rgba(colour, 0.35)}),
        ("lead-in", lead_x, lead_y, {"width": 2.5, "dash": "dot", "color": rgba(colour, 0.8)}),
    ):
        if xs:
            traces.append(
                {
                    "type": "scatter",
                    "x": xs,
                    "y": ys,
                    "mode": "lines",
                    "meta": meta,
                    "legendgroup": faction or "",
                    "line": line,
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
    is_emph = rows.index.isin(list(emphasised)) if emphasised else np.ones(len(rows), dtype=bool)
    traces.append(
        {
            "type": "scatter",
            "x": [_iso(v) for v in p["x"]],
            "y": list(p["y"]),
            "mode": "markers",
            "name": esc(faction_label(dataset, faction)),
            "meta": "events",
            "legendgroup": faction or "",
            "marker": {
                "size": [17 if (e and featured) else 14 for e in is_emph],
                "opacity": [1.0 if e else 0.28 for e in is_emph],
                "color": colour,
                "symbol": [plotly_symbol(t, d) for t, d in zip(rows["type"], rows["date_precision"])],
                "line": {"width": 2, "color": colour},
            },
            "customdata": list(rows.index),
            "hovertext": list(rows["hover"]),
            "hoverinfo": "text",
            "showlegend": False,
        }
    )
    return traces


def _rings(state: ViewState, pos: pd.DataFrame) -> list[dict]:
    """The selected and hovered rings, last so they draw on top (the page's code moves them)."""
    traces = []
    for meta in ("selected", "hovered"):
        eid = state.event if meta == "selected" else None
        at = eid is not None and eid in pos.index
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "meta": meta,
                "hoverinfo": "skip",
                "showlegend": False,
                "x": [_iso(pos.at[eid, "x"])] if at else [None],
                "y": [float(cast(float, pos.at[eid, "y"]))] if at else [None],
                "customdata": [eid if at else None],
                "marker": {
                    "size": 28 if meta == "selected" else 24,
                    "symbol": "circle-open",
                    "color": SELECTED_COLOUR if meta == "selected" else "#555",
                    "line": {"width": 3 if meta == "selected" else 2},
                },
            }
        )
    return traces


def _clip(name: str, limit: int = 24) -> str:
    """Lane names must fit the fixed margin that keeps the two x axes aligned."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def counts_by_faction(visible: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Events per bin (by start date) and faction ('' for none): a frame of the core's counts."""
    if visible.empty:
        return pd.DataFrame()
    factions, bins, counts = faction_bins(visible, freq)
    return pd.DataFrame(counts.T, index=bins, columns=[f if f is not None else "" for f in factions])


def strip_figure(dataset: Dataset, visible: pd.DataFrame, state: ViewState, *, x_range=None) -> dict:
    """Events over time, stacked by faction: the date axis and the brush."""
    x_range = x_range or period(dataset)
    freq, width = bin_width(x_range)
    table = counts_by_faction(visible, freq)
    traces = []
    for faction in [*dataset.factions.index, ""]:
        if table.empty or faction not in table.columns:
            continue
        col = table[faction]
        col = col[col > 0]
        traces.append(
            {
                "type": "bar",
                "x": [_iso(t + width / 2) for t in col.index],
                "y": [int(v) for v in col],
                "width": width.total_seconds() * 1000 * 0.9,
                "marker": {"color": faction_colour(dataset, faction or None)},
                "name": esc(faction_label(dataset, faction or None)),
                "meta": "histogram",
                "showlegend": False,
                "hovertemplate": "%{y} events · " + esc(faction_label(dataset, faction or None)) + "<extra></extra>",
            }
        )
    unit = BIN_UNITS[freq]
    return {
        "data": traces,
        "layout": {
            "barmode": "stack",
            "height": STRIP_HEIGHT,
            "bargap": 0,
            "margin": {"l": LANE_LABEL_PX, "r": RIGHT_PX, "t": 8, "b": 44, "autoexpand": False},
            "font": {**FONT, "size": 13},
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "dragmode": "select",
            "selectdirection": "h",
            "hovermode": "closest",
            "clickmode": "event",
            "xaxis": _xaxis(x_range, ticks=True),
            "yaxis": {
                "fixedrange": True,
                "showgrid": False,
                "zeroline": False,
                "rangemode": "tozero",
                "nticks": 3,
                "title": {"text": f"events / {unit}", "font": {"size": 12}},
            },
            "shapes": _window_shape(state, x_range, "y domain"),
            "modebar": {"orientation": "v", "bgcolor": "rgba(255,255,255,0)"},
            "uirevision": TIMELINE_UIREVISION,
            "showlegend": False,
        },
    }


def lane_histograms(dataset: Dataset, visible: pd.DataFrame, state: ViewState, *, x_range, ticks: bool) -> dict:
    """Too many events for points: each lane becomes a histogram of its events over time.

    The counts come from the core (:func:`conflictmap.timeline_data.lane_counts`); this only draws them.
    """
    freq, width = bin_width(x_range)
    data = lane_counts(dataset, visible, state.lanes, freq)
    band = 60.0
    traces, bands = [], []
    for k, lane in enumerate(data.lanes):
        row = data.counts[k]
        used = row > 0
        top, bottom = k * band, (k + 1) * band
        bands.append((lane, top, bottom))
        if not used.any():
            continue
        scale = (band - 10) / row.max()
        traces.append(
            {
                "type": "bar",
                "x": [_iso(t + width / 2) for t in data.bins[used]],
                "y": [-float(v) * scale for v in row[used]],
                "base": bottom - 2,
                "width": width.total_seconds() * 1000 * 0.9,
                "marker": {"color": faction_colour(dataset, data.colour_factions[k])},
                "meta": "lane-histogram",
                "customdata": [int(v) for v in row[used]],
                "showlegend": False,
                "hovertemplate": esc(_clip(lane)) + ": %{customdata} events<extra></extra>",
            }
        )
    height = int(max(MIN_LANES_PX, len(data.lanes) * band + 8))
    layout = _lanes_layout(bands, height, state, x_range, ticks)
    layout["barmode"] = "overlay"
    del layout["clickmode"], layout["hoverlabel"], layout["yaxis"]["tickfont"]
    layout["annotations"] = [
        {
            "text": f"{len(visible):,} events: each lane shows counts per "
            f"{BIN_UNITS[freq]}; narrow the dates or filters to see single events",
            "xref": "paper",
            "yref": "paper",
            "x": 1,
            "y": 1,
            "xanchor": "right",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 12},
            "bgcolor": "rgba(255,255,255,0.85)",
        }
    ]
    return {"data": traces, "layout": layout}


def _band_shapes(bands) -> list[dict]:
    """Every other lane shaded, so a row reads across."""
    return [
        {
            "type": "rect",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": a,
            "y1": b,
            "fillcolor": "#f1f1f1",
            "line": {"width": 0},
            "layer": "below",
        }
        for k, (_, a, b) in enumerate(bands)
        if k % 2 == 0
    ]


def _lanes_layout(bands, height: int, state: ViewState, x_range, ticks: bool) -> dict:
    """The lanes' layout: lane names down the left, the date window over the shaded bands."""
    return {
        "height": height + (30 if ticks else 0),
        "margin": {"l": LANE_LABEL_PX, "r": RIGHT_PX, "t": 4, "b": 30 if ticks else 4, "autoexpand": False},
        "font": FONT,
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "dragmode": "select",
        "selectdirection": "h",
        "clickmode": "event",
        "hovermode": "closest",
        "hoverlabel": {"font": {"size": 15}},
        "xaxis": _xaxis(x_range, ticks=ticks),
        "yaxis": {
            "tickmode": "array",
            "tickvals": [(a + b) / 2 for _, a, b in bands],
            "ticktext": [esc(_clip(n)) for n, _, _ in bands],
            "range": [height, 0],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": False,
            "tickfont": {"size": 14},
        },
        # The window after the bands: it shows over them.
        "shapes": _band_shapes(bands) + _window_shape(state, x_range, "y domain"),
        "uirevision": TIMELINE_UIREVISION,
        "showlegend": False,
    }
