"""Plotly figures for the map and the timeline, as plain functions.

Both take the geocoded dataset, the rows the view shows and the view state,
and return a figure dict-able ``go.Figure``; nothing here knows about Dash, so
the figures are unit-tested directly and reused by the exports.
Encoding: colour = faction (Okabe-Ito, colour-blind safe, from the events
file), symbol = event type, hollow symbol = date known only to a range or by
its report, shaded ring = how far the true place may be from the point.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import pandas as pd
import plotly.graph_objects as go

from conflictmap.table import Dataset
from conflictmap.view import ViewState
from conflictmap.vocabulary import TYPE_LABELS
from dashboard import geometry

TYPE_SYMBOLS = {
    "battle": "star",
    "control-change": "square",
    "explosion-remote-violence": "x",
    "violence-against-civilians": "hexagram",
    "protest": "circle",
    "riot": "pentagon",
    "strategic-development": "hourglass",
    "movement": "triangle-up",
    "statement": "diamond-tall",
    "displacement": "diamond",
}
VAGUE_DATES = ("range", "week", "month", "reported")
APPROXIMATE_PLACES = ("area", "region", "country")
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=15, color="#1b1b1b")
SELECTED_COLOUR = "#1b1b1b"


class FigureDraft:
    """Collects traces, layout and shapes as plain dicts, then builds one Figure.

    Plotly validates every property of every graph object it constructs; for
    these known-good dicts that validation was most of a render's time
    (about 300 ms -> under 100 ms per callback), so it is skipped once, at the end.
    """

    def __init__(self):
        self.data: list[dict] = []
        self.layout: dict = {}
        self.shapes: list[dict] = []

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def update_layout(self, **layout) -> None:
        self.layout.update(layout)

    def add_shape(self, **shape) -> None:
        self.shapes.append(shape)

    def build(self) -> go.Figure:
        layout = dict(self.layout)
        if self.shapes:
            layout["shapes"] = list(layout.get("shapes", [])) + self.shapes
        return go.Figure({"data": self.data, "layout": layout}, _validate=False)


def symbol_for(event_type: str, date_precision: str) -> str:
    base = TYPE_SYMBOLS.get(event_type, "circle")
    return f"{base}-open" if date_precision in VAGUE_DATES else base


def date_text(row) -> str:
    start, end, precision = row["date_start"], row["date_end"], row["date_precision"]
    if precision == "reported":
        return f"on or before {start:%a %d %b %Y} (date of report)"
    if start == end:
        return f"{start:%a %d %b %Y}"
    return f"{start:%d %b} – {end:%d %b %Y} ({precision}, day unknown)"


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
        f"<b>{_esc(row['title'])}</b><br>{date_text(row)}<br>{_esc(place_text(row))}"
        f"<br><i>{TYPE_LABELS.get(row['type'], row['type'])}</i>"
    )


def _esc(text: str) -> str:
    """Plotly renders a subset of HTML in hover text; user text must not inject it."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def faction_colour(dataset: Dataset, faction: str | None) -> str:
    if faction and faction in dataset.factions.index:
        return dataset.factions.at[faction, "colour"]
    return "#777777"


FIGURE_COLUMNS = [
    "id",
    "title",
    "type",
    "date_start",
    "date_end",
    "date_precision",
    "primary_faction",
    "side",
    "place_name",
    "dest_name",
    "place_lat",
    "place_lon",
    "dest_lat",
    "dest_lon",
    "place_path",
    "dest_path",
    "place_gazetteer_id",
    "dest_gazetteer_id",
    "map_lat",
    "map_lon",
    "map_radius_km",
    "map_precision",
]


def prepare_view(visible: pd.DataFrame) -> pd.DataFrame:
    """Only the columns figures read, plus hover text: row loops over a wide
    table of Arrow strings cost more than the figures themselves. Callers
    drawing both views prepare once and pass the result to both."""
    if "hover" in visible.columns:
        return visible
    frame = visible[[c for c in FIGURE_COLUMNS if c in visible.columns]].copy()
    frame["hover"] = [hover_text(r) for r in frame.to_dict(orient="records")]
    return frame


# ---------------------------------------------------------------- the map


def map_figure(
    dataset: Dataset,
    visible: pd.DataFrame,
    state: ViewState,
    towns: pd.DataFrame | None = None,
    highlighted: tuple[str, ...] = (),
    featured: tuple[str, ...] = (),
    frame: tuple[list, list] | None = None,
) -> go.Figure:
    """The map of ``visible``; ``featured`` events (a briefing step) are emphasised,
    joined in time order, and framed, unless ``frame`` (lat range, lon range) is given."""
    visible = prepare_view(visible)
    placed = visible[visible["map_lat"].notna()]
    fig = FigureDraft()
    _add_areas(fig, dataset, placed)
    _add_halos(fig, dataset, placed)
    _add_movements(fig, dataset, placed)
    _add_narrative_path(fig, placed, featured)
    if towns is not None and len(towns):
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=towns["lat"],
                lon=towns["lon"],
                text=towns["label"],
                mode="markers+text",
                textposition="top right",
                marker=dict(size=4, color="#555"),
                textfont=dict(size=12, color="#444"),
                # Not hoverable: a town's dot must never steal a click from an event or a cluster on top of it.
                hoverinfo="skip",
                name="Towns (GeoNames)",
                showlegend=False,
                meta="towns",
            )
        )
    framed = placed[placed.index.isin(featured)] if placed.index.isin(featured).any() else placed
    frame = frame or geometry.bounds(
        list(framed["map_lat"]) + list(framed["dest_lat"].dropna()) + list(framed["place_lat"].dropna()),
        list(framed["map_lon"]) + list(framed["dest_lon"].dropna()) + list(framed["place_lon"].dropna()),
    )
    # Markers sharing a place spread on a ring sized to the frame, so they separate at the start zoom.
    ring = (frame[0][1] - frame[0][0]) * 0.06 if frame else 0.09
    _add_markers(fig, dataset, placed, state, highlighted, featured, ring)
    _add_type_legend(fig, placed)
    geo = dict(
        scope="world",
        projection=dict(type="mercator"),
        resolution=50,
        showland=True,
        landcolor="#f1eee8",
        showocean=True,
        oceancolor="#d7e6f2",
        showlakes=True,
        lakecolor="#d7e6f2",
        showrivers=True,
        rivercolor="#4f8fc9",
        riverwidth=1.6,
        showcountries=True,
        countrycolor="#7a7a7a",
        countrywidth=1.2,
        showcoastlines=True,
        coastlinecolor="#7a7a7a",
        showframe=False,
        bgcolor="rgba(0,0,0,0)",
    )
    if frame:
        geo["lataxis"] = dict(range=frame[0])
        geo["lonaxis"] = dict(range=frame[1])
    else:  # nothing placed: show the region of the whole dataset, or the world
        geo["lataxis"] = dict(range=[28, 40])
        geo["lonaxis"] = dict(range=[34, 50])
    fig.update_layout(
        geo=geo,
        margin=dict(l=0, r=30, t=36, b=36),
        font=FONT,
        dragmode="pan",
        modebar=dict(orientation="v"),
        legend=dict(
            title=dict(text="Faction "),
            orientation="h",
            x=0,
            y=1,
            yanchor="bottom",
            bgcolor="rgba(255,255,255,0.9)",
            font=dict(size=14),
        ),
        legend2=dict(
            title=dict(text="Type "),
            orientation="h",
            x=0,
            y=0,
            yanchor="top",
            bgcolor="rgba(255,255,255,0.9)",
            font=dict(size=13),
        ),
        hoverlabel=dict(font=dict(size=15)),
        # Same filters keep the user's zoom; new filters re-frame on the events.
        uirevision=state.replace(event=None).to_query() or "all",
        clickmode="event+select",
    )
    return fig.build()


def _add_areas(fig, dataset, placed):
    """Areas known as a corridor or outline (e.g. a river valley) are drawn as such, not as a point."""
    for prefix in ("place", "dest"):
        rows = placed[placed[f"{prefix}_path"].notna()]
        seen = set()
        for _, row in rows.iterrows():
            path = row[f"{prefix}_path"]
            key = (row[f"{prefix}_gazetteer_id"], str(path))
            if key in seen or not isinstance(path, (list, tuple)) or len(path) < 2:
                continue
            seen.add(key)
            fig.add_trace(
                dict(
                    type="scattergeo",
                    lat=[p[0] for p in path],
                    lon=[p[1] for p in path],
                    mode="lines",
                    line=dict(width=18, color=_rgba("#4f8fc9", 0.28)),
                    hoverinfo="text",
                    hovertext=f"{_esc(row[f'{prefix}_name'])} (area, approximate)",
                    showlegend=False,
                    meta="area",
                )
            )


def _add_narrative_path(fig, placed, featured):
    """Featured events joined by arrows in time order: the story's path, as timemap draws narratives."""
    stops = placed[placed.index.isin(featured)].sort_values(["date_start", "date_end", "id"])
    if len(stops) < 2:
        return
    fig.add_trace(
        dict(
            type="scattergeo",
            lat=list(stops["map_lat"]),
            lon=list(stops["map_lon"]),
            mode="lines+markers",
            line=dict(width=2.5, color="#333", dash="dot"),
            marker=dict(size=[0] + [14] * (len(stops) - 1), symbol="arrow", angleref="previous", color="#333"),
            hoverinfo="skip",
            showlegend=False,
            meta="narrative",
        )
    )


def _add_halos(fig, dataset, placed):
    """A ring sized to each place's uncertainty radius.

    Dotted and nearly clear where the place is only an area or region."""
    for (faction, approx), rows in placed.groupby(
        [placed["primary_faction"], placed["map_precision"].isin(APPROXIMATE_PLACES)]
    ):
        lats, lons, seen = [], [], set()
        for _, row in rows.iterrows():
            radius, key = (
                row["map_radius_km"],
                (round(row["map_lat"], 3), round(row["map_lon"], 3), row["map_radius_km"]),
            )
            if not radius or not math.isfinite(radius) or key in seen:
                continue
            seen.add(key)
            la, lo = geometry.circle(row["map_lat"], row["map_lon"], radius)
            lats += la + [None]
            lons += lo + [None]
        if not lats:
            continue
        colour = faction_colour(dataset, faction)
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=lats,
                lon=lons,
                mode="lines",
                fill="toself",
                fillcolor=_rgba(colour, 0.035 if approx else 0.14),
                line=dict(width=1.5, color=_rgba(colour, 0.75), dash="dot" if approx else "solid"),
                hoverinfo="skip",
                showlegend=False,
                meta="halo",
            )
        )


def _add_movements(fig, dataset, placed):
    """Origin -> destination with an arrowhead at the destination."""
    moves = placed[placed["place_lat"].notna() & placed["dest_lat"].notna()]
    for _, row in moves.iterrows():
        colour = faction_colour(dataset, row["primary_faction"])
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=[row["place_lat"], row["dest_lat"]],
                lon=[row["place_lon"], row["dest_lon"]],
                mode="lines+markers",
                line=dict(width=3, color=colour, dash="dash" if row["date_precision"] in VAGUE_DATES else "solid"),
                marker=dict(size=[0, 16], symbol="arrow", angleref="previous", color=colour),
                # The event's own marker takes hover and clicks; the arrow's ends would shadow clusters.
                hoverinfo="skip",
                customdata=[row["id"], row["id"]],
                showlegend=False,
                meta="movement",
            )
        )


MAX_SPREAD = 16  # beyond this a ring of markers is no longer readable


def _marker_positions(placed: pd.DataFrame, ring: float = 0.09) -> pd.DataFrame:
    """Spread events that would overlap at the start zoom onto a ring around their cluster.

    Greedy clustering within ``ring`` degrees, as map libraries' supercluster
    does per zoom level: a grid of ``ring``-sized cells finds the clusters near
    a point, and running sums keep each centre, so it is linear in the number
    of events. Each marker keeps a leader line to its own true point, so
    spreading never moves where an event is said to be.
    """
    order = placed.sort_values(["date_start", "id"])
    ids = list(order.index)
    lats = order["map_lat"].to_numpy(dtype=float)
    lons = order["map_lon"].to_numpy(dtype=float)
    clusters: list[list] = []  # [sum lat, sum lon, members]
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (lat, lon) in enumerate(zip(lats, lons)):
        cell = (math.floor(lat / ring), math.floor(lon / ring))
        home = None
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for c in grid.get((cell[0] + dy, cell[1] + dx), ()):
                    n = len(clusters[c][2])
                    if abs(clusters[c][0] / n - lat) < ring and abs(clusters[c][1] / n - lon) < ring:
                        home = c
                        break
                if home is not None:
                    break
            if home is not None:
                break
        if home is None:
            clusters.append([0.0, 0.0, []])
            home = len(clusters) - 1
            grid[cell].append(home)
        clusters[home][0] += lat
        clusters[home][1] += lon
        clusters[home][2].append(k)
    rows = {}
    for sum_lat, sum_lon, members in clusters:
        n = len(members)
        centre_lat, centre_lon = sum_lat / n, sum_lon / n
        if n == 1 or n > MAX_SPREAD:
            # Too many to spread readably: they stay at their true points under the count badge.
            spots = [(lats[k], lons[k]) for k in members]
        else:
            spots = geometry.spread(centre_lat, centre_lon, n, ring * 0.6)
        for k, (la, lo) in zip(members, spots):
            rows[ids[k]] = (la, lo, centre_lat, centre_lon, n, lats[k], lons[k])
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["lat", "lon", "centre_lat", "centre_lon", "group", "true_lat", "true_lon"]
    )


def _add_markers(fig, dataset, placed, state, highlighted, featured, ring):
    if placed.empty:
        return
    pos = _marker_positions(placed, ring)
    spread_rows = pos[pos["group"] > 1]
    if len(spread_rows):
        lats, lons = [], []
        for _, p in spread_rows.iterrows():
            lats += [p["true_lat"], p["lat"], None]
            lons += [p["true_lon"], p["lon"], None]
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=lats,
                lon=lons,
                mode="lines",
                line=dict(width=1, color="#666"),
                hoverinfo="skip",
                showlegend=False,
                meta="leaders",
            )
        )
        centres = spread_rows.drop_duplicates(["centre_lat", "centre_lon"])
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=centres["centre_lat"],
                lon=centres["centre_lon"],
                mode="markers+text",
                text=centres["group"].astype(str),
                marker=dict(size=20, color="white", line=dict(width=1.5, color="#333")),
                textfont=dict(size=12, color="#111"),
                hoverinfo="text",
                hovertext=[f"{n} events here — zoom in or click one" for n in centres["group"]],
                showlegend=False,
                meta="cluster",
            )
        )
    dim = bool(featured)
    for faction in dataset.factions.index:
        rows = placed[placed["primary_faction"] == faction]
        if rows.empty:
            continue
        p = pos.loc[rows.index]
        sizes = [22 if (dim and i in featured) else 16 for i in rows.index]
        opacity = [1.0 if (not dim or i in featured) else 0.3 for i in rows.index]
        selected = [k for k, i in enumerate(rows.index) if i in highlighted] if highlighted else None
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=p["lat"],
                lon=p["lon"],
                mode="markers",
                name=dataset.factions.at[faction, "name"],
                marker=dict(
                    size=sizes,
                    opacity=opacity,
                    color=faction_colour(dataset, faction),
                    symbol=[symbol_for(t, d) for t, d in zip(rows["type"], rows["date_precision"])],
                    line=dict(width=2, color=faction_colour(dataset, faction)),
                ),
                customdata=list(rows.index),
                hovertext=list(rows["hover"]),
                hoverinfo="text",
                selectedpoints=selected,
                selected=dict(marker=dict(opacity=1.0)),
                unselected=dict(marker=dict(opacity=0.35)),
                legendgroup=faction,
                meta="events",
            )
        )
    if state.event and state.event in placed.index:
        p = pos.loc[state.event]
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=[p["lat"]],
                lon=[p["lon"]],
                mode="markers",
                marker=dict(
                    size=34, symbol="circle-open", color=SELECTED_COLOUR, line=dict(width=3, color=SELECTED_COLOUR)
                ),
                customdata=[state.event],
                hoverinfo="skip",
                showlegend=False,
                meta="selected",
            )
        )


def _add_type_legend(fig, placed):
    for event_type in sorted(set(placed["type"])):
        fig.add_trace(
            dict(
                type="scattergeo",
                lat=[None],
                lon=[None],
                mode="markers",
                name=TYPE_LABELS.get(event_type, event_type),
                marker=dict(symbol=TYPE_SYMBOLS.get(event_type, "circle"), size=12, color="#555"),
                legend="legend2",
                hoverinfo="skip",
                meta="type-key",
            )
        )
    if len(placed):
        for name, symbol in (("exact day", "circle"), ("vague date (hollow)", "circle-open")):
            fig.add_trace(
                dict(
                    type="scattergeo",
                    lat=[None],
                    lon=[None],
                    mode="markers",
                    name=name,
                    marker=dict(symbol=symbol, size=12, color="#555", line=dict(width=2, color="#555")),
                    legend="legend2",
                    hoverinfo="skip",
                    meta="type-key",
                )
            )


# ---------------------------------------------------------------- the timeline


def lanes_for(dataset: Dataset, visible: pd.DataFrame, mode: str) -> tuple[list[str], pd.Series]:
    """Lane names in file order, and each visible event's lane."""
    if mode == "side":
        lane_of = visible["side"].fillna("Unattributed")
        order = list(dict.fromkeys(dataset.factions["side"]))
    else:
        lane_of = (
            visible["primary_faction"]
            .map(dict(zip(dataset.factions.index, dataset.factions["name"])))
            .fillna("Unattributed")
        )
        order = list(dataset.factions["name"])
    present = set(lane_of)
    return [lane for lane in order + ["Unattributed"] if lane in present], lane_of


MAX_ROWS_PER_LANE = 12  # past this, overlapping events share rows: a lane must stay on screen


def _pack_rows(spans: list[tuple[str, pd.Timestamp, pd.Timestamp]]) -> dict[str, int]:
    """Interval partitioning inside a lane so overlapping events get their own row.

    A heap of row end times hands each event the row that frees first
    (O(n log n)); past ``MAX_ROWS_PER_LANE`` rows events share the row that
    frees first rather than growing the lane without bound.
    """
    free: list[tuple[pd.Timestamp, int]] = []  # (end, row)
    out = {}
    for eid, start, end in sorted(spans, key=lambda s: (s[1], s[2], s[0])):
        if free and (free[0][0] < start or len(free) >= MAX_ROWS_PER_LANE):
            _, row = heapq.heappop(free)
        else:
            row = len(free)
        heapq.heappush(free, (end, row))
        out[eid] = row
    return out


ROW_STEP = 0.55  # vertical distance between rows inside a lane (y units)


def timeline_positions(
    dataset: Dataset, visible: pd.DataFrame, mode: str
) -> tuple[pd.DataFrame, list[tuple[str, float, float]]]:
    """x (the point drawn), y (lane row), span start/end for every visible event, and lane bands.

    Each lane gets as many rows as its overlapping events need, so markers
    never sit on top of each other; bands are (lane name, y top, y bottom).
    """
    lanes, lane_of = lanes_for(dataset, visible, mode)
    start = visible["date_start"]
    end = visible["date_end"] + pd.Timedelta(days=1)  # an inclusive day range ends at the next midnight
    mid = start + (end - start) / 2
    y = pd.Series(0.0, index=visible.index)
    bands, top = [], 0.0
    for lane in lanes:
        ids = visible.index[lane_of == lane]
        # Pad each span by the marker's width (~1.5 days) and a report's lead-in so neighbours don't touch.
        lead = pd.to_timedelta((visible.loc[ids, "date_precision"] == "reported").map({True: 4, False: 1}), unit="D")
        packed = _pack_rows(list(zip(ids, start[ids] - lead, end[ids] + pd.Timedelta(days=1))))
        n_rows = max(packed.values(), default=0) + 1
        for i in ids:
            y[i] = top + 0.5 + packed[i] * ROW_STEP
        bottom = top + 1 + (n_rows - 1) * ROW_STEP
        bands.append((lane, top, bottom))
        top = bottom
    return pd.DataFrame({"x": mid, "y": y, "start": start, "end": end, "lane": lane_of}), bands


def _segments(x0, x1, y) -> tuple[list, list]:
    """Horizontal segments as one line trace: x0->x1 at y, separated by gaps."""
    xs, ys = [], []
    for a, b, level in zip(x0, x1, y):
        xs += [a, b, None]
        ys += [level, level, None]
    return xs, ys


def timeline_figure(
    dataset: Dataset,
    visible: pd.DataFrame,
    state: ViewState,
    highlighted: tuple[str, ...] = (),
    featured: tuple[str, ...] = (),
) -> go.Figure:
    fig = FigureDraft()
    if visible.empty:
        fig.update_layout(
            annotations=[dict(text="No events match the filters", showarrow=False, font=dict(size=18))],
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            height=240,
            font=FONT,
            margin=dict(l=10, r=10, t=10, b=10),
        )
        return fig.build()
    visible = prepare_view(visible)
    pos, bands = timeline_positions(dataset, visible, state.lanes)
    dim = bool(featured)
    for faction in list(dataset.factions.index) + [None]:
        rows = visible[visible["primary_faction"] == faction] if faction else visible[visible["primary_faction"].isna()]
        if rows.empty:
            continue
        colour = faction_colour(dataset, faction)
        p = pos.loc[rows.index]
        # Spans for date ranges, a dotted lead-in for "on or before the report".
        reported = (rows["date_precision"] == "reported").to_numpy()
        ranged = (rows["date_start"] != rows["date_end"]).to_numpy() & ~reported
        span_x, span_y = _segments(p["start"][ranged], p["end"][ranged], p["y"][ranged])
        lead_x, lead_y = _segments(p["start"][reported] - pd.Timedelta(days=4), p["x"][reported], p["y"][reported])
        if span_x:
            fig.add_trace(
                dict(
                    type="scatter",
                    x=span_x,
                    y=span_y,
                    mode="lines",
                    line=dict(width=12, color=_rgba(colour, 0.35)),
                    hoverinfo="skip",
                    showlegend=False,
                    meta="span",
                )
            )
        if lead_x:
            fig.add_trace(
                dict(
                    type="scatter",
                    x=lead_x,
                    y=lead_y,
                    mode="lines",
                    line=dict(width=2.5, dash="dot", color=_rgba(colour, 0.8)),
                    hoverinfo="skip",
                    showlegend=False,
                    meta="lead-in",
                )
            )
        selected = [k for k, i in enumerate(rows.index) if i in highlighted] if highlighted else None
        fig.add_trace(
            dict(
                type="scatter",
                x=p["x"],
                y=p["y"],
                mode="markers",
                name=dataset.factions.at[faction, "name"] if faction else "Unattributed",
                marker=dict(
                    size=[20 if (dim and i in featured) else 15 for i in rows.index],
                    opacity=[1.0 if (not dim or i in featured) else 0.3 for i in rows.index],
                    color=colour,
                    symbol=[symbol_for(t, d) for t, d in zip(rows["type"], rows["date_precision"])],
                    line=dict(width=2, color=colour),
                ),
                customdata=list(rows.index),
                hovertext=list(rows["hover"]),
                hoverinfo="text",
                selectedpoints=selected,
                selected=dict(marker=dict(opacity=1.0)),
                unselected=dict(marker=dict(opacity=0.3)),
                showlegend=False,
                meta="events",
            )
        )
    if state.event and state.event in pos.index:
        fig.add_trace(
            dict(
                type="scatter",
                x=[pos.at[state.event, "x"]],
                y=[pos.at[state.event, "y"]],
                mode="markers",
                marker=dict(size=30, symbol="circle-open", color=SELECTED_COLOUR, line=dict(width=3)),
                customdata=[state.event],
                hoverinfo="skip",
                showlegend=False,
                meta="selected",
            )
        )
    span_start, span_end = pos["start"].min() - pd.Timedelta(days=2), pos["end"].max() + pd.Timedelta(days=2)
    if state.date_from or state.date_to:
        fig.add_shape(
            type="rect",
            xref="x",
            yref="paper",
            y0=0,
            y1=1,
            x0=pd.Timestamp(state.date_from) if state.date_from else span_start,
            x1=pd.Timestamp(state.date_to) + pd.Timedelta(days=1) if state.date_to else span_end,
            fillcolor="#ffd54f",
            opacity=0.18,
            line=dict(width=0),
            layer="below",
        )
    fig.update_layout(
        height=140 + 44 * bands[-1][2],
        margin=dict(l=10, r=20, t=10, b=10),
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        dragmode="select",
        selectdirection="h",
        clickmode="event",
        hovermode="closest",
        hoverlabel=dict(font=dict(size=15)),
        xaxis=dict(
            type="date",
            range=[span_start, span_end],
            showgrid=True,
            gridcolor="#e6e6e6",
            tickformat="%a %d %b\n%Y",
            rangeslider=dict(visible=True, thickness=0.12),
            rangeselector=dict(
                buttons=[
                    dict(count=7, label="1 week", step="day", stepmode="backward"),
                    dict(count=14, label="2 weeks", step="day", stepmode="backward"),
                    dict(step="all", label="All"),
                ]
            ),
        ),
        yaxis=dict(
            tickmode="array",
            tickvals=[(a + b) / 2 for _, a, b in bands],
            ticktext=[n for n, _, _ in bands],
            range=[bands[-1][2], 0],
            showgrid=False,
            zeroline=False,
            fixedrange=True,
            automargin=True,
        ),
        uirevision=state.replace(event=None).to_query() or "all",
    )
    for k, (_, a, b) in enumerate(bands):
        if k % 2 == 0:
            fig.add_shape(
                type="rect",
                xref="paper",
                yref="y",
                x0=0,
                x1=1,
                y0=a,
                y1=b,
                fillcolor="#f0f0f0",
                line=dict(width=0),
                layer="below",
            )
    return fig.build()
