"""The map: plotly ``scattermap`` traces (MapLibre GL) over the offline style.

What is drawn where:

* the base map, the story's place labels, and each place's uncertainty
  (halo, outline or corridor) are in the style (``mapstyle.py``), which the
  browser loads once; a view only says which places' uncertainty to show;
* events are icon markers, one trace per faction (colour = faction, shape =
  event type, hollow = date known only to a range, a deadline or a report);
* movements are lines (dashed when the date is vague) with an arrowhead at
  the destination; spread markers have leader lines to their true point;
  a briefing step's featured events are joined in time order by a dotted path;
* clusters are badges with a count, coloured by their most frequent faction.

The camera (centre, zoom) belongs to the analyst: ``uirevision`` never
changes, and the app updates only ``data`` and ``layout.map.layers`` after the
first render, so nothing here moves the map. Fitting the view is done in the
browser, on request.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import pandas as pd

from conflictmap.table import Dataset
from conflictmap.wording import faction_colour, faction_label
from dashboard.figures import FONT, SELECTED_COLOUR, esc, prepare_view
from dashboard.markers import MarkerLayout, badge_size, layout_markers, project, zoom_for_bounds
from dashboard.symbols import VAGUE_DATES, icon_name

EVENT_SIZE = 11  # plotly's icon-size is size / 10 of the sprite's 28 px cell
FEATURED_SIZE = 15
DIMMED_OPACITY = 0.28
MAP_UIREVISION = "analyst"  # constant: the analyst's camera survives every update
MARKER_FONT = "DejaVu Sans Bold"
#: A frame takes in each place's uncertainty up to this radius; a governorate-wide one would frame the
#: whole governorate and shrink everything else (its outline is drawn, and reaching past the frame is fine).
UNCERTAINTY_FRAMED_KM = 40.0


def placed_events(view: pd.DataFrame) -> pd.DataFrame:
    """The events of ``view`` with a point on the map: ``view`` itself when all have one (an import's
    million events, each geocoded or dropped), so nothing is copied; else the rows that do.

    The mask is a NumPy array: a boolean Series indexed by a million event ids made pandas build a
    hash table of the ids to check the key (about 30 ms a call)."""
    keep = _has_point(view)
    return view if keep.all() else view[keep]


def _has_point(view: pd.DataFrame) -> np.ndarray:
    lat = view["map_lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = view["map_lon"].to_numpy(dtype=float, na_value=np.nan)
    return ~(np.isnan(lat) | np.isnan(lon))


def map_traces(
    dataset: Dataset,
    visible: pd.DataFrame,
    *,
    zoom: float,
    featured: tuple[str, ...] = (),
    highlighted: tuple[str, ...] = (),
    selected: str | None = None,
    markers: MarkerLayout | None = None,
) -> tuple[list[dict], list[dict]]:
    """(traces, layout layers) for the events in ``visible`` drawn at ``zoom``."""
    raw = placed_events(visible)
    layout = markers if markers is not None else layout_markers(raw, zoom)
    # Hover text and the other per-event work only for the events drawn one by one.
    # (No label lookup when nothing is drawn one by one: ``.loc`` of even no labels hashes the view's ids.)
    placed = prepare_view(dataset, raw.loc[layout.markers.index] if len(layout.markers) else raw.iloc[:0])
    traces: list[dict] = []
    layers: list[dict] = []
    emphasised = set(featured) or set(highlighted)
    layers += _movement_layers(dataset, placed, emphasised)
    layers += _leader_layers(layout.markers)
    if featured:
        layers += _narrative_layers(placed, featured)
    traces += _arrowhead_traces(dataset, placed, emphasised)
    if featured:
        traces += _narrative_arrows(placed, featured)
    traces += _event_traces(dataset, placed, layout.markers, emphasised, bool(featured))
    traces += _cluster_traces(dataset, layout.clusters, layout.aggregated)
    traces.append(_ring_trace("selected", layout.markers, selected))
    traces.append(_ring_trace("hovered", layout.markers, None))
    return traces, layers


def map_figure(
    dataset: Dataset,
    visible: pd.DataFrame,
    *,
    style,
    zoom: float | None = None,
    center: tuple[float, float] | None = None,
    featured: tuple[str, ...] = (),
    highlighted: tuple[str, ...] = (),
    selected: str | None = None,
    height: int | None = None,
) -> dict:
    """The whole map figure as a plain dict: style, camera, events.

    Without ``zoom``/``center`` the camera frames the featured events, else the
    visible ones, else the dataset (an estimate for a typical panel; the app
    refines it in the browser with the panel's real size).
    """
    if zoom is None or center is None:
        frame_on = placed_events(visible)
        if featured and frame_on.index.isin(featured).any():
            frame_on = frame_on[frame_on.index.isin(featured)]
        if frame_on.empty:
            frame_on = placed_events(dataset.events)
        lats, lons = frame_points(frame_on)
        zoom = zoom if zoom is not None else zoom_for_bounds(lats, lons)
        center = center or _centre(lats, lons)
    traces, layers = map_traces(
        dataset, visible, zoom=zoom, featured=featured, highlighted=highlighted, selected=selected
    )
    layout = {
        "map": {"style": style, "center": {"lat": center[0], "lon": center[1]}, "zoom": zoom, "layers": layers},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "showlegend": False,
        "uirevision": MAP_UIREVISION,
        "dragmode": "pan",
        "hovermode": "closest",
        "clickmode": "event",
        "font": FONT,
        "hoverlabel": {"font": {"size": 15}, "namelength": 0},
        "paper_bgcolor": "#cfe1ee",
        # What the markers were laid out for: a zoom, and every event (no ``markersBounds``).
        "meta": {"markersZoom": zoom},
    }
    if height:
        layout["height"] = height
    return {"data": traces, "layout": layout}


def widened(bounds, margin: float = 0.5) -> list[float]:
    """``bounds`` ([west, south, east, north]) widened by ``margin`` of its size on each side."""
    w, s, e, n = (float(v) for v in bounds)
    dx, dy = (e - w) * margin, (n - s) * margin
    return [w - dx, s - dy, e + dx, n + dy]


def in_view(events: pd.DataFrame, bounds, margin: float = 0.5) -> pd.DataFrame:
    """Events whose marker point lies in ``bounds`` ([west, south, east, north]) widened by
    ``margin`` of its size on each side, so a small pan needs no new data."""
    w, s, e, n = widened(bounds, margin)
    lat = events["map_lat"].to_numpy(dtype=float)
    lon = events["map_lon"].to_numpy(dtype=float)
    keep = (lat >= s) & (lat <= n) & (lon >= w) & (lon <= e)
    return events if keep.all() else events[keep]


#: Past this many events (an import, not a curated file) the bold labels follow the view: the places
#: with the most events shown, at most MAX_LABELLED of them, instead of a fixed list that outlives
#: the filter. A curated file's places are its story and stay labelled whatever is filtered.
LABEL_FOLLOWS_VIEW_FROM = 1000
MAX_LABELLED = 40


def labelled_places(keys: pd.DataFrame, limit: int = MAX_LABELLED) -> list[str]:
    """The place keys (columns place_key, dest_key of the events shown) with the most events, most first.

    The app's keys are categories (``event_place_keys``): counted by their codes, and only the
    places that can be in the top ``limit`` are sorted, so a million events take milliseconds.
    """
    parts: list[tuple[pd.Index, np.ndarray, np.ndarray]] = []  # (labels, positions in them, counts)
    for column in ("place_key", "dest_key"):
        values = keys[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = np.asarray(values.array.codes)  # not the Series: np.asarray of one hashes its index
            tally = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories))
            seen = np.flatnonzero(tally)
            parts.append((values.cat.categories, seen, tally[seen]))
        else:
            found = values.dropna().value_counts(sort=False)
            parts.append((found.index, np.arange(len(found)), found.to_numpy()))
    parts = [part for part in parts if len(part[1])]
    if not parts:
        return []
    labels: pd.Index
    used: np.ndarray
    n: np.ndarray
    if len(parts) > 1:  # a place that is also a destination: one count
        names = np.concatenate([np.asarray(part[0].take(part[1]), dtype=object) for part in parts])
        summed = pd.Series(np.concatenate([part[2] for part in parts]).astype(np.int64), index=names)
        summed = summed.groupby(level=0).sum()
        labels, used, n = summed.index, np.arange(len(summed)), summed.to_numpy(dtype=np.int64)
    else:
        labels, used, n = parts[0]
    if len(n) > limit:  # the places with at least the limit-th largest count (ties kept), then sorted
        keep = n >= nth_largest(n, limit)
        used, n = used[keep], n[keep]
    # Only the kept places' names are read: turning 200,000 categories into Python strings took 20 ms.
    name = np.asarray(labels.take(used), dtype=object)
    return [str(k) for _, k in sorted(zip(-n.astype(np.int64), name))][:limit]


def nth_largest(counts: np.ndarray, k: int) -> int:
    """The ``k``-th largest of ``counts`` (non-negative integers, at least ``k`` of them), from their
    histogram: ``np.partition`` over 200,000 small counts, nearly all ties, took 27 ms."""
    at_least = np.cumsum(np.bincount(counts)[::-1])[::-1]  # at_least[v]: how many counts are >= v
    return int(np.flatnonzero(at_least >= k)[-1])


def initial_zoom(dataset: Dataset) -> float:
    """The zoom a first view of the whole dataset starts from (the browser then fits it exactly)."""
    lats, lons = frame_points(placed_events(dataset.events))
    return zoom_for_bounds(lats, lons)


def frame_bounds(events: pd.DataFrame) -> list[float] | None:
    """[west, south, east, north] around the events' places and destinations (None if none)."""
    lats, lons = frame_points(placed_events(events))
    if not lats:
        return None
    return [min(lons), min(lats), max(lons), max(lats)]


def frame_points(placed: pd.DataFrame) -> tuple[list[float], list[float]]:
    """The corners of the events' places and destinations ([] when none): everything a frame needs,
    taken column-wise so a million events cost milliseconds.

    The last frame's answer is kept (by identity, while the frame lives): a new view frames the map's
    camera and the browser's fit from the same rows, six columns of a million values each time."""
    if len(placed) < FRAME_KEPT_FROM:
        return _frame_points(placed)
    last = _LAST_FRAME[0]
    if last is not None and last[0]() is placed:
        lats, lons = last[1]
    else:
        lats, lons = _frame_points(placed)
        _LAST_FRAME[0] = (weakref.ref(placed), (lats, lons))
    return list(lats), list(lons)


#: Frames this long keep their answer (a view is read-only); a small one is cheaper to compute again.
FRAME_KEPT_FROM = 50_000
_LAST_FRAME: list = [None]  # (a weak reference to the frame, its points): one tuple, swapped whole


def _frame_points(placed: pd.DataFrame) -> tuple[list[float], list[float]]:
    """Column by column, missing values skipped by the reductions themselves (``fmin``/``fmax``): no
    concatenated or filtered copies of a million values (a first view's frame took 130 ms that way)."""
    if placed.empty:
        return [], []
    column = {c: placed[c].to_numpy(dtype=float, na_value=np.nan) for c in _FRAME_COLUMNS if c in placed}
    lats, lons = (
        _extent(column, ("map_lat", "dest_lat", "place_lat")),
        _extent(column, ("map_lon", "dest_lon", "place_lon")),
    )
    if not (lats and lons):
        return [], []
    # Each place's uncertainty (its ring or area, up to UNCERTAINTY_FRAMED_KM) is inside the frame too.
    radius = column.get("map_radius_km")
    if radius is not None and np.isfinite(radius).any():
        lat, lon = column["map_lat"], column["map_lon"]
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            r = np.where(ok, np.clip(np.nan_to_num(radius, nan=0.0), 0.0, UNCERTAINTY_FRAMED_KM), np.nan)
            dlat = r / 111.32
            dlon = r / (111.32 * np.maximum(np.cos(np.radians(lat)), 0.05))
            lats = [min(lats[0], float(np.fmin.reduce(lat - dlat))), max(lats[1], float(np.fmax.reduce(lat + dlat)))]
            lons = [min(lons[0], float(np.fmin.reduce(lon - dlon))), max(lons[1], float(np.fmax.reduce(lon + dlon)))]
    return lats, lons


_FRAME_COLUMNS = ("map_lat", "dest_lat", "place_lat", "map_lon", "dest_lon", "place_lon", "map_radius_km")


def _extent(column: dict[str, np.ndarray], names: tuple[str, ...]) -> list[float]:
    """[least, greatest] of the finite values of the named columns; [] when there is none."""
    low, high = math.inf, -math.inf
    for name in names:
        values = column.get(name)
        if values is None or not len(values):
            continue
        least, greatest = float(np.fmin.reduce(values)), float(np.fmax.reduce(values))
        if not (math.isfinite(least) and math.isfinite(greatest)):  # all missing, or an infinity: the slow way
            finite = values[np.isfinite(values)]
            if not len(finite):
                continue
            least, greatest = float(finite.min()), float(finite.max())
        low, high = min(low, least), max(high, greatest)
    return [low, high] if low <= high else []


def _centre(lats, lons) -> tuple[float, float]:
    if not lats:
        return 34.5, 40.0
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2


# ------------------------------------------------------------------ events


def _event_traces(dataset, placed, markers: pd.DataFrame, emphasised: set, dim_others: bool) -> list[dict]:
    if markers.empty:
        return []
    rows = placed.loc[markers.index]
    is_emphasised = rows.index.isin(list(emphasised)) if emphasised else np.ones(len(rows), dtype=bool)
    traces = []
    factions = [*dataset.factions.index, None]
    for faction in factions:
        in_faction = (rows["primary_faction"] == faction).to_numpy() if faction else rows["primary_faction"].isna()
        in_faction = np.asarray(in_faction, dtype=bool)
        for emph in (False, True):
            pick = in_faction & (is_emphasised == emph)
            if not pick.any():
                continue
            part, where = rows[pick], markers[pick]
            big = emph and bool(emphasised) and dim_others
            faded = bool(emphasised) and not emph
            traces.append(
                {
                    "type": "scattermap",
                    "lat": _coords(where["lat"]),
                    "lon": _coords(where["lon"]),
                    "mode": "markers",
                    "name": esc(faction_label(dataset, faction)),
                    "marker": {
                        "symbol": [icon_name(t, d) for t, d in zip(part["type"], part["date_precision"])],
                        "size": FEATURED_SIZE if big else EVENT_SIZE,
                        "color": faction_colour(dataset, faction),
                        "opacity": DIMMED_OPACITY if faded else 1.0,
                        "allowoverlap": True,
                    },
                    "customdata": list(part.index),
                    "hovertext": list(part["hover"]),
                    "hoverinfo": "text",
                    "meta": "events",
                    "legendgroup": faction or "",  # the faction: exports toggle factions by it
                    "showlegend": False,
                }
            )
    return traces


def _coords(values) -> list[float]:
    return [round(float(v), 6) for v in values]


def _ring_trace(meta: str, markers: pd.DataFrame, event_id: str | None) -> dict:
    """An emphasis ring (the selected or hovered event); the browser moves it without a server trip."""
    lat: list[float | None] = [None]
    lon: list[float | None] = [None]
    if event_id is not None and event_id in markers.index:
        ((y, x),) = markers.loc[[event_id], ["lat", "lon"]].to_numpy(dtype=float).tolist()
        lat, lon = [y], [x]
    return {
        "type": "scattermap",
        "lat": lat,
        "lon": lon,
        "mode": "markers",
        "meta": meta,
        "marker": {
            "symbol": "cm-ring",
            "size": 19 if meta == "selected" else 16,
            "allowoverlap": True,
            "color": SELECTED_COLOUR if meta == "selected" else "#444444",
        },
        "customdata": [event_id],
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _cluster_traces(dataset, clusters: pd.DataFrame, aggregated: bool) -> list[dict]:
    if clusters.empty:
        return []
    counts = clusters["count"].to_numpy(dtype=float)
    sizes = badge_size(counts)
    colours = [faction_colour(dataset, f) for f in clusters["faction"]]
    hover = [
        f"{int(n):,} events{' here' if not aggregated else ' in this area'}; mostly "
        f"{esc(faction_label(dataset, f))}<br>click to zoom in"
        for n, f in zip(counts, clusters["faction"])
    ]
    return [
        *badge_obstacles(clusters["lat"], clusters["lon"], sizes),
        {
            "type": "scattermap",
            "lat": _coords(clusters["lat"]),
            "lon": _coords(clusters["lon"]),
            "mode": "markers+text",
            "meta": "cluster",
            "marker": {"size": [round(float(s), 1) for s in sizes], "color": colours, "opacity": 0.88},
            "text": [_short_count(int(n)) for n in counts],
            "textposition": "middle center",
            "textfont": {"family": MARKER_FONT, "size": 13, "color": "#ffffff"},
            "customdata": [[round(float(z), 2)] for z in clusters["expand_zoom"]],
            "hovertext": hover,
            "hoverinfo": "text",
            "showlegend": False,
        },
    ]


#: The sprite's icon cell (28 px at icon-size 1), which plotly scales by marker.size / 10.
ICON_CELL_PX = 28
#: Badge obstacles come in diameters rounded up to this step (plotly's symbol size is one per trace).
OBSTACLE_STEP_PX = 4


def badge_obstacles(lat: pd.Series, lon: pd.Series, diameters: np.ndarray) -> list[dict]:
    """Invisible icons as big as each badge, so that labels avoid badges as they avoid event marks.

    A badge is a circle layer, which MapLibre's collision index does not hold: a town's name could be
    printed across it. Under each badge an icon of its size (opacity 0, allowed to overlap other marks,
    never hidden) joins the index, and the labels placed after it take another side or yield. plotly
    gives a symbol layer one size per trace, so diameters are rounded up to a few steps, one trace each.
    """
    steps = np.ceil(np.asarray(diameters, dtype=float) / OBSTACLE_STEP_PX) * OBSTACLE_STEP_PX
    traces = []
    for step in np.unique(steps):
        pick = steps == step
        traces.append(
            {
                "type": "scattermap",
                "lat": _coords(lat[pick]),
                "lon": _coords(lon[pick]),
                "mode": "markers",
                "meta": "badge-obstacle",
                "marker": {
                    "symbol": "cm-circle",
                    "size": round(float(step) * 10 / ICON_CELL_PX, 2),
                    "opacity": 0,
                    "allowoverlap": True,
                },
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    return traces


def _short_count(n: int) -> str:
    return f"{n / 1000:.0f}k" if n >= 10_000 else f"{n / 1000:.1f}k" if n >= 1000 else str(n)


# ------------------------------------------------------------------ movements, leaders, narrative


def _movements(placed: pd.DataFrame) -> pd.DataFrame:
    return placed[placed["place_lat"].notna() & placed["dest_lat"].notna()]


def _movement_layers(dataset, placed, emphasised: set) -> list[dict]:
    moves = _movements(placed)
    layers = []
    groups: dict[tuple, list] = {}
    for eid, row in moves.iterrows():
        dashed = row["date_precision"] in VAGUE_DATES
        faded = bool(emphasised) and eid not in emphasised
        line = [[float(row["place_lon"]), float(row["place_lat"])], [float(row["dest_lon"]), float(row["dest_lat"])]]
        groups.setdefault((faction_colour(dataset, row["primary_faction"]), dashed, faded), []).append(line)
    for (colour, dashed, faded), lines in groups.items():
        layer = {
            "sourcetype": "geojson",
            "type": "line",
            "color": colour,
            "opacity": 0.3 if faded else 0.9,
            "source": {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "MultiLineString", "coordinates": lines},
            },
            "line": {"width": 3},
        }
        if dashed:
            layer["line"]["dash"] = [2.5, 1.5]
        layers.append(layer)
    return layers


def bearing(lat0, lon0, lat1, lon1) -> float:
    """Screen bearing in degrees clockwise from north, from the first point to the second."""
    x0, y0 = project([lat0], [lon0], 0)
    x1, y1 = project([lat1], [lon1], 0)
    return float(math.degrees(math.atan2(float(x1[0] - x0[0]), float(y0[0] - y1[0]))) % 360)


def _arrowhead_traces(dataset, placed, emphasised: set) -> list[dict]:
    moves = _movements(placed)
    traces = []
    for faction, rows in moves.groupby(moves["primary_faction"].fillna("")):
        faded = [bool(emphasised) and eid not in emphasised for eid in rows.index]
        for fade in (False, True):
            part = rows[[f == fade for f in faded]]
            if part.empty:
                continue
            traces.append(
                {
                    "type": "scattermap",
                    "lat": _coords(part["dest_lat"]),
                    "lon": _coords(part["dest_lon"]),
                    "mode": "markers",
                    "meta": "arrowhead",
                    "legendgroup": faction or "",
                    "hoverinfo": "skip",
                    "showlegend": False,
                    "marker": {
                        "symbol": "cm-arrow",
                        "size": 10,
                        "allowoverlap": True,
                        "color": faction_colour(dataset, faction or None),
                        "opacity": 0.3 if fade else 1.0,
                        "angle": [
                            bearing(a, b, c, d)
                            for a, b, c, d in zip(
                                part["place_lat"], part["place_lon"], part["dest_lat"], part["dest_lon"]
                            )
                        ],
                    },
                }
            )
    return traces


def _leader_layers(markers: pd.DataFrame) -> list[dict]:
    spread = markers[markers["spread"].astype(bool)] if len(markers) else markers
    if spread.empty:
        return []
    ends = spread[["true_lon", "true_lat", "lon", "lat"]].to_numpy(dtype=float).tolist()
    lines = [[[true_lon, true_lat], [lon, lat]] for true_lon, true_lat, lon, lat in ends]
    return [
        {
            "sourcetype": "geojson",
            "type": "line",
            "color": "#555555",
            "opacity": 0.8,
            "line": {"width": 1.2},
            "source": {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "MultiLineString", "coordinates": lines},
            },
        }
    ]


def _stops(placed, featured) -> pd.DataFrame:
    return placed[placed.index.isin(list(featured))].sort_values(["date_start", "date_end", "id"])


def _narrative_layers(placed, featured) -> list[dict]:
    """A briefing step's events joined in time order: the story's path (as timemap draws narratives)."""
    stops = _stops(placed, featured)
    if len(stops) < 2:
        return []
    line = [[float(lon), float(lat)] for lat, lon in zip(stops["map_lat"], stops["map_lon"])]
    return [
        {
            "sourcetype": "geojson",
            "type": "line",
            "color": "#222222",
            "opacity": 0.85,
            "line": {"width": 2.5, "dash": [1, 1.5]},
            "source": {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": line}},
        }
    ]


def _narrative_arrows(placed, featured) -> list[dict]:
    stops = _stops(placed, featured)
    if len(stops) < 2:
        return []
    lat, lon = stops["map_lat"].to_numpy(float), stops["map_lon"].to_numpy(float)
    mids_lat = (lat[:-1] + lat[1:]) / 2
    mids_lon = (lon[:-1] + lon[1:]) / 2
    angles = [bearing(lat[k], lon[k], lat[k + 1], lon[k + 1]) for k in range(len(lat) - 1)]
    keep = [k for k in range(len(angles)) if (lat[k], lon[k]) != (lat[k + 1], lon[k + 1])]
    if not keep:
        return []
    return [
        {
            "type": "scattermap",
            "lat": _coords(mids_lat[keep]),
            "lon": _coords(mids_lon[keep]),
            "mode": "markers",
            "meta": "narrative",
            "hoverinfo": "skip",
            "showlegend": False,
            "marker": {
                "symbol": "cm-arrow",
                "size": 9,
                "color": "#222222",
                "allowoverlap": True,
                "angle": [angles[k] for k in keep],
            },
        }
    ]
