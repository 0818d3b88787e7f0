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

import numpy as np
import pandas as pd

from conflictmap.table import Dataset
from conflictmap.view import ViewState
from dashboard.figures import FONT, SELECTED_COLOUR, esc, faction_colour, faction_label, prepare_view, rgba
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
    if len(visible) > MAX_TIMELINE_EVENTS:
        return lane_histograms(dataset, visible, state, x_range=x_range, ticks=ticks)
    view = prepare_view(visible)
    pos, bands = timeline_positions(dataset, view, state.lanes)
    emphasised = set(featured) or set(highlighted)
    traces: list[dict] = []
    for faction in [*dataset.factions.index, None]:
        rows = view[view["primary_faction"] == faction] if faction else view[view["primary_faction"].isna()]
        if rows.empty:
            continue
        colour = faction_colour(dataset, faction)
        p = pos.loc[rows.index]
        vague = rows["date_precision"].isin(["reported", "by"]).to_numpy()
        ranged = (rows["date_start"] != rows["date_end"]).to_numpy() & ~vague
        span_x, span_y = _segments(p["start"][ranged], p["end"][ranged], p["y"][ranged])
        lead_x, lead_y = _segments(p["start"][vague] - pd.Timedelta(days=4), p["x"][vague], p["y"][vague])
        if span_x:
            traces.append(
                {
                    "type": "scatter",
                    "x": span_x,
                    "y": span_y,
                    "mode": "lines",
                    "meta": "span",
                    "legendgroup": faction or "",
                    "line": {"width": 11, "color": rgba(colour, 0.35)},
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
        if lead_x:
            traces.append(
                {
                    "type": "scatter",
                    "x": lead_x,
                    "y": lead_y,
                    "mode": "lines",
                    "meta": "lead-in",
                    "legendgroup": faction or "",
                    "line": {"width": 2.5, "dash": "dot", "color": rgba(colour, 0.8)},
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
                "y": [float(pos.at[eid, "y"])] if at else [None],
                "customdata": [eid if at else None],
                "marker": {
                    "size": 28 if meta == "selected" else 24,
                    "symbol": "circle-open",
                    "color": SELECTED_COLOUR if meta == "selected" else "#555",
                    "line": {"width": 3 if meta == "selected" else 2},
                },
            }
        )
    height = lanes_height(bands)
    shapes = [
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
    shapes += _window_shape(state, x_range, "y domain")  # after the bands: the window shows over them
    return {
        "data": traces,
        "layout": {
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
            "shapes": shapes,
            "uirevision": TIMELINE_UIREVISION,
            "showlegend": False,
        },
    }


def _clip(name: str, limit: int = 24) -> str:
    """Lane names must fit the fixed margin that keeps the two x axes aligned."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def bin_width(x_range) -> tuple[str, pd.Timedelta]:
    """Histogram bins readable at the period's length: days, weeks or months."""
    days = (pd.Timestamp(x_range[1]) - pd.Timestamp(x_range[0])).days
    if days <= 150:
        return "D", pd.Timedelta(days=1)
    if days <= 3 * 365:
        return "W-MON", pd.Timedelta(days=7)
    return "MS", pd.Timedelta(days=30)


def bin_codes(dates: pd.Series, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Each date's bin (a code into the returned bin starts: days, weeks from Monday, months).

    The calendar arithmetic runs once per distinct day, not once per event: a million events
    over four years have about 1,500 distinct days."""
    day_codes, days = pd.factorize(dates.dt.normalize())
    starts = pd.Series(days).dt.to_period(freq[0] if freq != "W-MON" else "W-SUN").dt.start_time
    codes, bins = pd.factorize(starts)
    return np.asarray(codes)[day_codes], pd.DatetimeIndex(bins)


def counts_by_faction(visible: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Events per bin (by start date) and faction: one count, whatever the size."""
    if visible.empty:
        return pd.DataFrame()
    codes, bins = bin_codes(visible["date_start"], freq)
    faction_codes, factions = pd.factorize(visible["primary_faction"].astype(object).fillna(""))
    counts = np.bincount(faction_codes * len(bins) + codes, minlength=len(factions) * len(bins))
    table = pd.DataFrame(counts.reshape(len(factions), len(bins)).T, index=bins, columns=list(factions))
    return table.sort_index()


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
    unit = {"D": "day", "W-MON": "week", "MS": "month"}[freq]
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
    """Too many events for points: each lane becomes a histogram of its events over time."""
    freq, width = bin_width(x_range)
    lanes, lane_of = lanes_for(dataset, visible, state.lanes)
    band = 60.0
    traces, bands = [], []
    codes, bins = bin_codes(visible["date_start"], freq)
    order = np.argsort(bins.asi8)
    lane_codes = pd.Categorical(lane_of.to_numpy(), categories=lanes).codes.astype(np.int64)  # one pass, then counts
    per_lane = np.bincount(lane_codes * len(bins) + codes, minlength=len(lanes) * len(bins))
    per_lane = per_lane.reshape(len(lanes), len(bins))[:, order]
    faction_codes, factions = pd.factorize(visible["primary_faction"].astype(object))
    by_faction = np.bincount(
        lane_codes * (len(factions) + 1) + np.where(faction_codes < 0, len(factions), faction_codes),
        minlength=len(lanes) * (len(factions) + 1),
    ).reshape(len(lanes), len(factions) + 1)[:, : len(factions)]
    for k, lane in enumerate(lanes):
        row = per_lane[k]
        counts = pd.Series(row[row > 0], index=bins[order][row > 0])
        top, bottom = k * band, (k + 1) * band
        bands.append((lane, top, bottom))
        if counts.empty:
            continue
        scale = (band - 10) / counts.max()
        # The lane's most frequent faction gives it its colour.
        colour = faction_colour(dataset, factions[by_faction[k].argmax()] if by_faction[k].any() else None)
        traces.append(
            {
                "type": "bar",
                "x": [_iso(t + width / 2) for t in counts.index],
                "y": [-float(v) * scale for v in counts],
                "base": bottom - 2,
                "width": width.total_seconds() * 1000 * 0.9,
                "marker": {"color": colour},
                "meta": "lane-histogram",
                "customdata": [int(v) for v in counts],
                "showlegend": False,
                "hovertemplate": esc(_clip(lane)) + ": %{customdata} events<extra></extra>",
            }
        )
    height = int(max(MIN_LANES_PX, len(lanes) * band + 8))
    shapes = [
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
    shapes += _window_shape(state, x_range, "y domain")
    return {
        "data": traces,
        "layout": {
            "height": height + (30 if ticks else 0),
            "barmode": "overlay",
            "margin": {"l": LANE_LABEL_PX, "r": RIGHT_PX, "t": 4, "b": 30 if ticks else 4, "autoexpand": False},
            "font": FONT,
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "dragmode": "select",
            "selectdirection": "h",
            "hovermode": "closest",
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
            },
            "shapes": shapes,
            "uirevision": TIMELINE_UIREVISION,
            "showlegend": False,
            "annotations": [
                {
                    "text": f"{len(visible):,} events: each lane shows counts per "
                    f"{ {'D': 'day', 'W-MON': 'week', 'MS': 'month'}[freq] }; narrow the dates or "
                    "filters to see single events",
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
            ],
        },
    }
