"""Where each event's marker is drawn at the map's current zoom: level of detail.

Three regimes, chosen per request from how many events the view holds:

* individual markers, each at its true point;
* a small group of markers that would overlap at this zoom (events at one
  town, or towns a few pixels apart) spread on a ring around the group's
  centre, each with a leader line back to its true point, as map libraries
  "spiderfy" a cluster: every event stays visible and clickable, and where it
  is said to be stays honest;
* a larger group drawn as one cluster badge with its count, coloured by its
  most frequent faction; a click zooms to where the group comes apart.

Past ``max_markers`` events in view the map switches to aggregated cells:
a grid of about ``cell_px`` pixels, one badge per cell. Either way the
browser receives only what it draws.

Why the server and not MapLibre's own clustering: MapLibre (supercluster)
never separates events at the same coordinates however far one zooms, the
browser would have to hold every event, and plotly's clustering keeps no
faction; here one plain function serves 14 events and a million.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

TILE = 512.0  # MapLibre's world width in pixels at zoom 0
MAX_ZOOM = 16.0
#: Past this many events in view, counted cells replace markers.
MAX_MARKERS = 3000


@dataclass(frozen=True)
class MarkerLayout:
    """Drawn positions: per event (``markers``) and per cluster badge (``clusters``)."""

    markers: pd.DataFrame  # index event id: lat, lon (drawn), true_lat, true_lon, spread (bool)
    clusters: pd.DataFrame  # lat, lon, count, faction, expand_zoom, members (list of ids, small groups only)
    aggregated: bool = False  # True when cells replaced individual markers


def project(lat, lon, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator pixel coordinates at ``zoom`` (what the map draws)."""
    lat = np.clip(np.asarray(lat, dtype=float), -85.05, 85.05)
    size = TILE * 2.0**zoom
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * size
    s = np.sin(np.radians(lat))
    y = (0.5 - np.log((1 + s) / (1 - s)) / (4 * math.pi)) * size
    return x, y


def unproject(x, y, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    size = TILE * 2.0**zoom
    lon = np.asarray(x, dtype=float) / size * 360.0 - 180.0
    n = math.pi - 2 * math.pi * np.asarray(y, dtype=float) / size
    lat = np.degrees(np.arctan(np.sinh(n)))
    return lat, lon


def group_points(x: np.ndarray, y: np.ndarray, radius: float) -> np.ndarray:
    """Greedy clustering in pixel space: each point joins the first group whose
    running centre is within ``radius`` px, else starts one (as supercluster
    does per zoom level). A grid of ``radius`` cells finds candidate groups, so
    it is linear in the number of points. Returns a group number per point."""
    groups = np.empty(len(x), dtype=np.int64)
    sums: list[list[float]] = []  # [sum x, sum y, n]
    grid: dict[tuple[int, int], list[int]] = {}
    for k in range(len(x)):
        px, py = x[k], y[k]
        cx, cy = int(px // radius), int(py // radius)
        home = -1
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for g in grid.get((cx + dx, cy + dy), ()):
                    sx, sy, n = sums[g]
                    if abs(sx / n - px) <= radius and abs(sy / n - py) <= radius:
                        home = g
                        break
                if home >= 0:
                    break
            if home >= 0:
                break
        if home < 0:
            home = len(sums)
            sums.append([0.0, 0.0, 0])
            grid.setdefault((cx, cy), []).append(home)
        sums[home][0] += px
        sums[home][1] += py
        sums[home][2] += 1
        groups[k] = home
    return groups


def layout_markers(
    placed: pd.DataFrame,
    zoom: float,
    *,
    radius_px: float = 26.0,
    max_spread: int = 10,
    max_markers: int = MAX_MARKERS,
    cell_px: float = 56.0,
) -> MarkerLayout:
    """Drawn positions of ``placed`` events (columns map_lat, map_lon, primary_faction,
    date_start, id) at ``zoom``; see the module docstring for the regimes."""
    if placed.empty:
        return MarkerLayout(_empty_markers(), _empty_clusters())
    zoom = float(min(max(zoom, 0.0), MAX_ZOOM))
    if len(placed) > max_markers:
        cells = separate_badges(aggregate_cells(placed, zoom, cell_px), zoom)
        return MarkerLayout(_empty_markers(), cells, aggregated=True)
    order = placed.sort_values(["date_start", "id"], kind="stable")
    lat = order["map_lat"].to_numpy(dtype=float)
    lon = order["map_lon"].to_numpy(dtype=float)
    x, y = project(lat, lon, zoom)
    groups = group_points(x, y, radius_px)
    ids = order.index.to_numpy()
    out_lat, out_lon, spread = lat.copy(), lon.copy(), np.zeros(len(ids), dtype=bool)
    clustered = np.zeros(len(ids), dtype=bool)
    badges = []
    factions = order["primary_faction"].astype(object).to_numpy()
    for g in np.unique(groups):
        members = np.nonzero(groups == g)[0]
        n = len(members)
        if n == 1:
            continue
        cx, cy = x[members].mean(), y[members].mean()
        if n <= max_spread:
            ring = max(radius_px, 27.0 * n / (2 * math.pi))  # ~27 px of arc per marker
            angles = -math.pi / 2 + 2 * math.pi * np.arange(n) / n
            sx, sy = cx + ring * np.cos(angles), cy + ring * np.sin(angles)
            out_lat[members], out_lon[members] = unproject(sx, sy, zoom)
            spread[members] = True
            continue
        clustered[members] = True
        clat, clon = unproject(np.array([cx]), np.array([cy]), zoom)
        badges.append(
            {
                "lat": float(clat[0]),
                "lon": float(clon[0]),
                "count": n,
                "faction": _dominant(factions[members]),
                "expand_zoom": expansion_zoom(x[members], y[members], zoom, radius_px),
                "members": [str(i) for i in ids[members]],
            }
        )
    keep = ~clustered
    markers = pd.DataFrame(
        {
            "lat": out_lat[keep],
            "lon": out_lon[keep],
            "true_lat": lat[keep],
            "true_lon": lon[keep],
            "spread": spread[keep],
        },
        index=pd.Index(ids[keep], name=None),
    )
    clusters = separate_badges(pd.DataFrame(badges), zoom) if badges else _empty_clusters()
    return MarkerLayout(markers, clusters)


def expansion_zoom(x: np.ndarray, y: np.ndarray, zoom: float, radius_px: float) -> float:
    """The zoom at which a group's members are more than ``radius_px`` apart, so it comes apart.
    Events at one point never separate: their badge zooms to the maximum."""
    span = float(max(np.ptp(x), np.ptp(y)))
    if span < 1e-6:
        return MAX_ZOOM
    return float(min(MAX_ZOOM, zoom + math.log2(radius_px * 1.5 / span) + 0.25))


def aggregate_cells(placed: pd.DataFrame, zoom: float, cell_px: float) -> pd.DataFrame:
    """One badge per grid cell of ``cell_px`` pixels at ``zoom``: count, mean position,
    most frequent faction (ties to the first by name, no faction first), and the zoom to go to on a
    click. Cells come in the order their first event comes in ``placed``.

    Vectorised in integer codes: a cell is one int64 key, hashed once (``pd.factorize``); counts,
    sums, extents and the faction tallies are ``bincount`` and ``ufunc.at`` over those codes, so a
    million events cost a few array passes and no group-by of Python strings.
    """
    x, y = project(placed["map_lat"].to_numpy(dtype=float), placed["map_lon"].to_numpy(dtype=float), zoom)
    cx = np.floor(x / cell_px).astype(np.int64)
    cy = np.floor(y / cell_px).astype(np.int64)
    cy -= cy.min()
    cell = first_seen_codes((cx - cx.min()) * (int(cy.max()) + 1) + cy)
    n_cells = int(cell.max()) + 1
    count = np.bincount(cell, minlength=n_cells)
    mean_x = np.bincount(cell, weights=x, minlength=n_cells) / count
    mean_y = np.bincount(cell, weights=y, minlength=n_cells) / count
    x0, x1 = np.full(n_cells, np.inf), np.full(n_cells, -np.inf)
    y0, y1 = np.full(n_cells, np.inf), np.full(n_cells, -np.inf)
    np.minimum.at(x0, cell, x)
    np.maximum.at(x1, cell, x)
    np.minimum.at(y0, cell, y)
    np.maximum.at(y1, cell, y)
    lat, lon = unproject(mean_x, mean_y, zoom)
    span = np.maximum(x1 - x0, y1 - y0)
    with np.errstate(divide="ignore"):
        expand = np.where(span < 1e-6, MAX_ZOOM, np.minimum(MAX_ZOOM, zoom + np.log2(cell_px * 1.5 / span) + 0.25))
    expand = np.maximum(expand, zoom + 1.0)
    return pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "count": count,
            "faction": pd.Series(_top_faction(cell, n_cells, placed["primary_faction"]), dtype=object),
            "expand_zoom": np.minimum(expand, MAX_ZOOM),
            "members": None,
        }
    )


#: Past this many (key, value) slots a table of counts is hashed instead of laid out densely.
DENSE_LIMIT = 4_000_000


def first_seen_codes(keys: np.ndarray) -> np.ndarray:
    """``pd.factorize(keys)[0]`` for non-negative int64 ``keys``: codes in the order each key is first
    seen. Keys in a small range (a viewport's cells) are coded through a table instead of a hash."""
    if len(keys) == 0 or int(keys.max()) >= max(DENSE_LIMIT, 2 * len(keys)):
        return pd.factorize(keys)[0]
    size = int(keys.max()) + 1
    first = np.full(size, len(keys), dtype=np.int64)
    np.minimum.at(first, keys, np.arange(len(keys), dtype=np.int64))
    present = np.flatnonzero(first < len(keys))
    code_of = np.empty(size, dtype=np.int64)
    code_of[present[np.argsort(first[present], kind="stable")]] = np.arange(len(present))
    return code_of[keys]


def _top_faction(cell: np.ndarray, n_cells: int, factions: pd.Series) -> np.ndarray:
    """Each cell's most frequent faction (object array, None for no faction); a tie goes to the first
    name in sort order, and no faction sorts before every name."""
    codes, uniques = pd.factorize(factions)
    names = np.array(["", *(str(u) for u in uniques)], dtype=object)  # code 0: no faction
    sorted_names, rank_of_code = np.unique(names, return_inverse=True)  # equal names share a rank
    rank = rank_of_code[codes + 1].astype(np.int64)
    n_ranks = len(sorted_names)
    if n_cells * n_ranks <= DENSE_LIMIT:  # a table of cells by faction: the first largest is the first name
        table = np.bincount(cell.astype(np.int64) * n_ranks + rank, minlength=n_cells * n_ranks)
        top = sorted_names[table.reshape(n_cells, n_ranks).argmax(axis=1)]
        top[top == ""] = None
        return top
    pair, pairs = pd.factorize(cell.astype(np.int64) * n_ranks + rank)
    tally = np.bincount(pair)
    pair_cell, pair_rank = pairs // n_ranks, pairs % n_ranks
    order = np.lexsort((pair_rank, -tally, pair_cell))  # by cell, then most events, then name
    first = order[np.r_[True, pair_cell[order][1:] != pair_cell[order][:-1]]]
    top = np.empty(n_cells, dtype=object)
    top[pair_cell[first]] = sorted_names[pair_rank[first]]
    top[top == ""] = None
    return top


def badge_size(count) -> np.ndarray:
    """A badge's diameter in pixels for its count (what the map draws: plotly's marker size)."""
    return np.clip(20 + 7 * np.log2(np.maximum(np.asarray(count, dtype=float), 1.0)), 22, 54)


def separate_badges(clusters: pd.DataFrame, zoom: float, gap_px: float = 2.0) -> pd.DataFrame:
    """Badges that would overlap at ``zoom`` merged into one (the bigger keeps its faction), until none
    overlap: a badge drawn over another hides its count. The merged badge sits at the count-weighted
    centre, its members are the union, and its click zooms to the nearer of the two expansion zooms
    (the first at which any of it comes apart). Each pass visits the badges biggest first against a
    grid of those kept (cells as wide as the biggest badge), so it is linear; passes repeat while a
    merge moved a badge onto another."""
    if len(clusters) < 2:
        return clusters
    rows = [
        {str(column): value for column, value in record.items()}
        for record in clusters.sort_values("count", ascending=False, kind="stable").to_dict("records")
    ]
    x, y = project([r["lat"] for r in rows], [r["lon"] for r in rows], zoom)
    for r, px, py in zip(rows, x, y):
        r["_x"], r["_y"] = float(px), float(py)
    cell = 54.0 + gap_px
    while True:
        kept: list[dict] = []
        grid: dict[tuple[int, int], list[int]] = {}
        merges = 0
        for r in rows:
            home = None
            cx, cy = int(r["_x"] // cell), int(r["_y"] // cell)
            size = float(badge_size(r["count"]))
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for k in grid.get((cx + dx, cy + dy), ()):
                        o = kept[k]
                        reach = (size + float(badge_size(o["count"]))) / 2 + gap_px
                        if math.hypot(o["_x"] - r["_x"], o["_y"] - r["_y"]) < reach:
                            home = k
                            break
                    if home is not None:
                        break
                if home is not None:
                    break
            if home is None:
                grid.setdefault((cx, cy), []).append(len(kept))
                kept.append(r)
                continue
            o = kept[home]
            n = o["count"] + r["count"]
            o["_x"] = (o["_x"] * o["count"] + r["_x"] * r["count"]) / n
            o["_y"] = (o["_y"] * o["count"] + r["_y"] * r["count"]) / n
            ours, theirs = o.get("members"), r.get("members")
            o["members"] = [*ours, *theirs] if isinstance(ours, list) and isinstance(theirs, list) else None
            o["expand_zoom"] = min(float(o["expand_zoom"]), float(r["expand_zoom"]))
            o["count"] = n  # its grid cell may now be stale by a little: the next pass re-checks
            merges += 1
        rows = sorted(kept, key=lambda r: -r["count"])
        if not merges:
            break
    lat, lon = unproject(np.array([r["_x"] for r in rows]), np.array([r["_y"] for r in rows]), zoom)
    out = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    out["lat"], out["lon"] = lat, lon
    return out.reset_index(drop=True)


def _dominant(factions: np.ndarray) -> str | None:
    values = [f for f in factions if isinstance(f, str)]
    if not values:
        return None
    counts = pd.Series(values).value_counts()
    return str(counts.index[0])


def _empty_markers() -> pd.DataFrame:
    return pd.DataFrame(columns=["lat", "lon", "true_lat", "true_lon", "spread"])


def _empty_clusters() -> pd.DataFrame:
    return pd.DataFrame(columns=["lat", "lon", "count", "faction", "expand_zoom", "members"])


def fitted_zoom(bounds: list[float] | None, box: dict | None, max_zoom: float = 9.0) -> float | None:
    """The zoom MapLibre's ``cameraForBounds`` gives ``bounds`` [w, s, e, n] in the browser's map ``box``.

    ``box`` is what the page measured before its first map: ``width``, ``height`` and the
    ``padding`` per side that ``frameMap`` keeps clear (conflictmap.js ``mapBox``). The bounds
    are widened to at least 0.1 degree, as ``frameMap`` widens them. None when either is
    missing or unusable: the caller falls back to its estimate.
    """
    if not bounds or not isinstance(box, dict):
        return None
    try:
        width, height = float(box["width"]), float(box["height"])
        pad = {side: float(box["padding"][side]) for side in ("top", "bottom", "left", "right")}
    except (KeyError, TypeError, ValueError):
        return None
    room_x, room_y = width - pad["left"] - pad["right"], height - pad["top"] - pad["bottom"]
    if not (math.isfinite(room_x) and math.isfinite(room_y)) or room_x < 20 or room_y < 20:
        return None
    west, south, east, north = (float(v) for v in bounds)
    if east - west < 0.05:
        west, east = west - 0.05, east + 0.05
    if north - south < 0.05:
        south, north = south - 0.05, north + 0.05
    return min(zoom_to_fit(north, west, south, east, room_x, room_y), max_zoom)


def zoom_to_fit(north: float, west: float, south: float, east: float, room_x: float, room_y: float) -> float:
    """The Web-Mercator zoom at which the box north/west/south/east spans ``room_x`` by ``room_y`` pixels
    at most (the tighter side decides), unclamped."""
    x0, y0 = project(north, west, 0)
    x1, y1 = project(south, east, 0)
    span_x, span_y = max(float(x1 - x0), 1e-9), max(float(y1 - y0), 1e-9)
    return float(min(math.log2(room_x / span_x), math.log2(room_y / span_y)))


def zoom_for_bounds(lats, lons, width_px: float = 900, height_px: float = 560, padding_px: float = 40) -> float:
    """The zoom that fits the points in a ``width_px`` x ``height_px`` view (what fitBounds would pick)."""
    lats = np.asarray([v for v in lats if v is not None and np.isfinite(v)], dtype=float)
    lons = np.asarray([v for v in lons if v is not None and np.isfinite(v)], dtype=float)
    if len(lats) == 0:
        return 3.0
    room_x, room_y = max(width_px - 2 * padding_px, 50), max(height_px - 2 * padding_px, 50)
    fit = zoom_to_fit(float(lats.max()), float(lons.min()), float(lats.min()), float(lons.max()), room_x, room_y)
    return float(max(1.0, min(fit, 9.0)))
