"""Frames that share a camera drawn over one picture of the base map.

Drawing a MapLibre map in the export browser costs seconds (a WebGL context,
the style, every inline source tiled), while a plotly figure of plain SVG
costs a fraction of one. An animation's frames, and the slides of a deck
about one view, all show the same base map at the same camera: so the base
map is drawn once (``base_map_figure``: the style, no events), and each frame
puts that picture behind its map area and draws the events on it as plain
scatter traces, projected to Web-Mercator pixels as MapLibre projects them
(``flat_map``). A single image (``png``, ``pdf``, ``svg``) keeps the live map.

The picture is the base map of every event the frames show, so in an
animation a place's label and uncertainty are there from the first frame, as
context for what is about to happen there.
"""

from __future__ import annotations

import base64
import math

import numpy as np

from dashboard.markers import project

# plotly's map traces draw the sprite's icons at marker.size / 10 of their 64 px: 6.4 px per size unit
# would overshoot; the sprite's shapes fill about a third of the icon box, hence this factor (measured
# against the live map's markers in the same export).
ICON_TO_MARKER = 1.9


def base_map_figure(
    style: dict, centre: tuple[float, float], zoom: float, width: int, height: int, obstacles: list[dict] | None = None
) -> dict:
    """Only the map: the style at the camera, the size of the frames' map area, and no visible events.

    ``obstacles`` are the frames' marker traces (``map_traces``): drawn transparent, they still take
    their place in MapLibre's collision index, so the picture's labels keep clear of where the frames
    will draw their marks, as the live map's labels do (one placement for the app and the exports)."""
    hidden = [
        {
            **trace,
            "subplot": "map",
            "marker": {**trace["marker"], "opacity": 0},
            "hoverinfo": "skip",
            "showlegend": False,
            "mode": "markers",
        }
        for trace in obstacles or []
        if trace.get("type") == "scattermap" and isinstance(trace.get("marker", {}).get("symbol"), (str, list))
    ]
    return {
        "data": [{"type": "scattermap", "lat": [], "lon": [], "subplot": "map", "showlegend": False}, *hidden],
        "layout": {
            "map": {"style": style, "center": {"lat": centre[0], "lon": centre[1]}, "zoom": zoom},
            "width": width,
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0, "autoexpand": False},
            "showlegend": False,
            "paper_bgcolor": "white",
        },
    }


def flat_map(
    traces: list[dict],
    layers: list[dict],
    picture: bytes,
    centre: tuple[float, float],
    zoom: float,
    size: tuple[int, int],
    domain_y: tuple[float, float],
) -> tuple[list[dict], dict]:
    """The map's traces and line layers as scatter traces on axes x2/y2 over ``picture``; and the layout for it."""
    width, height = size
    cx, cy = (float(v[0]) for v in project([centre[0]], [centre[1]], zoom))
    data = [_line_trace(layer, zoom) for layer in layers if layer.get("type") == "line"]
    data += [_marker_trace(t, zoom) for t in traces]
    layout = {
        "xaxis2": {
            "domain": [0, 1],
            "range": [cx - width / 2, cx + width / 2],
            "anchor": "y2",
            "visible": False,
            "fixedrange": True,
        },
        "yaxis2": {
            "domain": list(domain_y),
            "range": [cy + height / 2, cy - height / 2],  # pixel y grows southwards
            "anchor": "x2",
            "visible": False,
            "fixedrange": True,
        },
        "images": [
            {
                "source": "data:image/png;base64," + base64.b64encode(picture).decode("ascii"),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": domain_y[1],
                "sizex": 1,
                "sizey": domain_y[1] - domain_y[0],
                "xanchor": "left",
                "yanchor": "top",
                "sizing": "stretch",
                "layer": "below",
            }
        ],
    }
    return data, layout


def _xy(lat, lon, zoom: float) -> tuple[list, list]:
    lat = np.array([np.nan if v is None else v for v in lat], dtype=float)
    lon = np.array([np.nan if v is None else v for v in lon], dtype=float)
    x, y = project(lat, lon, zoom)
    return _listed(x), _listed(y)


def _listed(values: np.ndarray) -> list:
    return [None if math.isnan(v) else round(float(v), 2) for v in values]


def _symbol(name: str) -> str:
    return "circle-open" if name == "cm-ring" else name.removeprefix("cm-")


def _marker_trace(trace: dict, zoom: float) -> dict:
    x, y = _xy(trace.get("lat", []), trace.get("lon", []), zoom)
    marker = {k: v for k, v in trace.get("marker", {}).items() if k != "allowoverlap"}
    symbol = marker.get("symbol")
    if symbol is not None:
        marker["symbol"] = [_symbol(s) for s in symbol] if isinstance(symbol, list) else _symbol(symbol)
    size = marker.get("size")
    if size is not None:
        marker["size"] = [s * ICON_TO_MARKER for s in size] if isinstance(size, list) else size * ICON_TO_MARKER
    drawn = marker.get("symbol")
    symbols = drawn if isinstance(drawn, list) else [drawn]
    if any(isinstance(s, str) and s.endswith("-open") for s in symbols):
        marker["line"] = {"width": 2, "color": marker.get("color")}
    else:
        marker.setdefault("line", {"width": 0})
    out = {k: v for k, v in trace.items() if k not in ("lat", "lon", "subplot", "marker", "type")}
    return {**out, "type": "scatter", "x": x, "y": y, "xaxis": "x2", "yaxis": "y2", "marker": marker}


def _line_trace(layer: dict, zoom: float) -> dict:
    geometry = layer["source"]["geometry"]
    lines = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
    lat, lon = [], []
    for line in lines:
        lon += [p[0] for p in line] + [None]
        lat += [p[1] for p in line] + [None]
    x, y = _xy(lat, lon, zoom)
    width = float(layer.get("line", {}).get("width", 1))
    line = {"width": width, "color": layer.get("color", "#444")}
    dash = layer.get("line", {}).get("dash")
    if dash:  # MapLibre's dashes are in line widths
        line["dash"] = ",".join(f"{d * width:g}px" for d in dash)
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "xaxis": "x2",
        "yaxis": "y2",
        "mode": "lines",
        "line": line,
        "opacity": layer.get("opacity", 1),
        "hoverinfo": "skip",
        "showlegend": False,
    }
