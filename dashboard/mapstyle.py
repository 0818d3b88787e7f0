"""The MapLibre style of the map: an offline base map and the story's places.

Everything the style names is served by the app (``dashboard/assets/basemap``,
made by ``scripts/build_basemap.py``) or travels inside it, so the map needs no
network. The style has no ``glyphs`` URL on purpose: MapLibre then draws label
glyphs in the browser from the system's fonts (Latin and Arabic alike), with
its usual collision detection.

The same function builds the style two ways: with source URLs for the app
(the browser fetches and caches each file once, and the style never changes
while the app runs, so plotly never reloads it) and with the data inlined for
exports that open from disk or render in a headless browser.

Layer order, bottom to top: water, land, lakes, rivers, first-level
boundaries, country borders, the story's uncertainty (area outlines,
corridors, halos), then labels (countries, provinces, towns by population,
and the story's places, which always win). plotly draws its traces (the
events) above all of these.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pandas as pd

BASEMAP_DIR = Path(__file__).resolve().parent / "assets" / "basemap"
BASE_SOURCES = ("land", "borders", "lakes", "rivers", "admin1", "labels", "towns")

WATER = "#cfe1ee"
LAND = "#f4f2ed"
RIVER = "#4f8fc9"
BORDER = "#6f6f6f"
ADMIN = "#a3a3a3"
STORY_INK = "#2b3a4a"
AREA = "#5a6b8c"

#: Fonts: MapLibre reads weight and style from the first name and falls back to sans-serif.
FONT = ["DejaVu Sans Book"]
FONT_BOLD = ["DejaVu Sans Bold"]
FONT_ITALIC = ["DejaVu Sans Oblique"]

#: Town label tiers (population floor, minimum zoom, text size): bigger towns show earlier and win collisions.
TOWN_TIERS = ((1_000_000, 3.0, 14), (300_000, 4.5, 13.5), (100_000, 5.5, 13), (40_000, 6.5, 12.5),
              (15_000, 7.5, 12), (5_000, 8.5, 12), (0, 9.5, 11.5))  # fmt: skip

#: Metres per pixel at zoom 0 on the equator (MapLibre's 512-pixel tiles).
METRES_PER_PIXEL_Z0 = 40_075_016.686 / 512
STORY_LABEL_SIZE = 16

#: The story's labels join MapLibre's collision index like every other label: placed after the event
#: marks (plotly's trace layers sit above the style, so MapLibre places them first, and their icons,
#: though allowed to overlap one another, are obstacles to every label), each label takes the first
#: free side of its place, in this order, or is not drawn. One placement, in the app and in every export
#: drawn by MapLibre (exports/flatmap.py puts the marks in the same index).


def anchor_offsets(near: float, far: float, diagonal: bool = True) -> list:
    """MapLibre's ``text-variable-anchor-offset``: each side of the place close to its point, then the
    same sides further out, beyond a ring of spread markers (offsets in ems of the label's size)."""
    out: list = []
    for d in (near, far):
        sides = [("left", [d, 0]), ("right", [-d, 0]), ("top", [0, d * 0.8]), ("bottom", [0, -d * 0.8])]
        if diagonal:
            k = d * 0.75
            sides += [
                ("top-left", [k, k]),
                ("bottom-left", [k, -k]),
                ("top-right", [-k, k]),
                ("bottom-right", [-k, -k]),
            ]
        for anchor, offset in sides:
            out += [anchor, offset]
    return ["literal", out]


#: Towns: beside the dot first, then clear of a ring of spread markers (about 45 px at 16 px text).
TOWN_ANCHORS = anchor_offsets(0.75, 3.0)
#: Areas: on their point first (nothing is there but the faint outline), then around it.
AREA_ANCHORS = ["literal", ["center", [0, 0], *anchor_offsets(1.2, 3.0)[1]]]
PLACED_LABEL = {"text-allow-overlap": False, "text-ignore-placement": False, "text-padding": 3}


def emphasis(on, off):
    """A paint value that follows the feature's ``emphasis`` state (hover or selection)."""
    return ["case", ["boolean", ["feature-state", "emphasis"], False], on, off]


def geo_radius(radius_prop: str = "r0"):
    """Circle radius in pixels for a radius in metres, at every zoom (``r0`` is pixels at zoom 0)."""
    return [
        "interpolate",
        ["exponential", 2],
        ["zoom"],
        0,
        ["get", radius_prop],
        22,
        ["*", ["get", radius_prop], 2**22],
    ]


def map_style(
    places: pd.DataFrame,
    source: Callable[[str], str | dict] | None = None,
    *,
    visible_keys: list[str] | None = None,
    emphasised: list[str] | None = None,
    label_size: float = STORY_LABEL_SIZE,
) -> dict:
    """The style for one dataset's story ``places`` (see conflictmap.places.story_places).

    ``source(name)`` gives each base-map source's ``data``: a URL for the app,
    the parsed GeoJSON for a self-contained export (the default). Exports bake
    what the app sets in the browser: which places' uncertainty is drawn
    (``visible_keys``) and which are emphasised (``emphasised``).
    """
    source = source or inline_source
    boundaries = sorted({b for b in places["boundary"] if isinstance(b, str)})
    story_points, story_areas = story_features(places, inline_source("admin1.geojson") if boundaries else None)
    story_town_ids = sorted({k.removeprefix("gaz:") for k in places["key"] if k.startswith("gaz:")})
    # maxzoom: tiles are cut up to zoom 10 and over-zoomed past it (the data is no finer), which
    # keeps MapLibre's tiling work, and the first paint, small; a smaller buffer does the same.
    sources = {
        name: {"type": "geojson", "data": source(f"{name}.geojson"), "maxzoom": 10, "buffer": 64}
        for name in BASE_SOURCES
    }
    sources["story-points"] = {"type": "geojson", "data": story_points, "promoteId": "key"}
    sources["story-areas"] = {"type": "geojson", "data": story_areas, "promoteId": "key"}
    shown = ["literal", visible_keys] if visible_keys is not None else None
    layers = [
        *_base_layers(),
        *_uncertainty_layers(shown),
        *_base_label_layers(boundaries),
        *_town_layers(story_town_ids),
        *_story_label_layers(label_size),
    ]
    if emphasised is not None:
        _bake_emphasis(layers, emphasised)
    return {
        "version": 8,
        "name": "conflictmap offline",
        "sources": sources,
        "sprite": source("sprite"),
        "layers": layers,
    }


def _base_layers() -> list[dict]:
    """Water, land, coast, lakes, rivers, first-level boundaries and country borders."""
    return [
        {"id": "water", "type": "background", "paint": {"background-color": WATER}},
        {"id": "land", "type": "fill", "source": "land", "paint": {"fill-color": LAND, "fill-antialias": True}},
        {
            "id": "coast",
            "type": "line",
            "source": "land",
            "paint": {"line-color": "#9fb7c9", "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.4, 8, 1.0]},
        },
        {"id": "lakes", "type": "fill", "source": "lakes", "paint": {"fill-color": WATER}},
        {
            "id": "rivers",
            "type": "line",
            "source": "rivers",
            "layout": {"line-join": "round", "line-cap": "round"},
            "paint": {
                "line-color": RIVER,
                "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.6, 6, 1.6, 10, 3.0],
            },
        },
        {
            "id": "admin1-lines",
            "type": "line",
            "source": "admin1",
            "minzoom": 4,
            "paint": {
                "line-color": ADMIN,
                "line-dasharray": [3, 2],
                "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.5, 9, 1.2],
            },
        },
        {
            "id": "borders",
            "type": "line",
            "source": "borders",
            "layout": {"line-join": "round"},
            "paint": {"line-color": BORDER, "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.7, 8, 2.0]},
        },
    ]


def _uncertainty_layers(shown: list | None) -> list[dict]:
    """The story's uncertainty (area outlines, corridors, halos), faint until an event there is hovered
    or selected; ``shown`` (a literal list of place keys) limits them to those places."""

    def only_shown(expr: list) -> list:
        return ["all", expr, ["in", ["get", "key"], shown]] if shown else expr

    return [
        {
            "id": "story-area-fill",
            "type": "fill",
            "source": "story-areas",
            "filter": only_shown(["==", ["geometry-type"], "Polygon"]),
            "paint": {"fill-color": AREA, "fill-opacity": emphasis(0.16, 0.04)},
        },
        {
            "id": "story-area-line",
            "type": "line",
            "source": "story-areas",
            "filter": only_shown(["==", ["geometry-type"], "Polygon"]),
            "paint": {
                "line-color": AREA,
                "line-dasharray": [4, 2],
                "line-width": emphasis(3.0, 1.2),
                "line-opacity": emphasis(0.95, 0.55),
            },
        },
        {
            "id": "story-corridor",
            "type": "line",
            "source": "story-areas",
            "filter": only_shown(["==", ["geometry-type"], "LineString"]),
            "layout": {"line-cap": "round", "line-join": "round"},
            "paint": {
                "line-color": RIVER,
                "line-opacity": emphasis(0.45, 0.18),
                "line-width": ["interpolate", ["exponential", 2], ["zoom"], 4, 6, 8, 28, 11, 120],
            },
        },
        {
            "id": "story-halo",
            "type": "circle",
            "source": "story-points",
            "filter": only_shown(["==", ["get", "halo"], True]),
            "paint": {
                "circle-radius": geo_radius(),
                "circle-pitch-alignment": "map",
                "circle-color": AREA,
                "circle-opacity": emphasis(0.16, 0.05),
                "circle-stroke-color": AREA,
                "circle-stroke-width": emphasis(2.5, 1.0),
                "circle-stroke-opacity": emphasis(0.95, 0.5),
            },
        },
    ]


def _base_label_layers(boundaries: list[str]) -> list[dict]:
    """Country and province names (a province the story outlines is named by the story instead)."""
    return [
        {
            "id": "country-labels",
            "type": "symbol",
            "source": "labels",
            "maxzoom": 7,
            "filter": ["==", ["get", "kind"], "country"],
            "layout": {
                "text-field": ["get", "name"],
                "text-font": FONT,
                "text-transform": "uppercase",
                "text-letter-spacing": 0.12,
                "text-size": ["interpolate", ["linear"], ["zoom"], 2, 11, 6, 15],
                "symbol-sort-key": ["-", ["get", "area"]],
                "text-max-width": 8,
            },
            "paint": {"text-color": "#6d6d6d", "text-halo-color": LAND, "text-halo-width": 1.5},
        },
        {
            "id": "admin1-labels",
            "type": "symbol",
            "source": "labels",
            "minzoom": 5.5,
            "filter": ["all", ["==", ["get", "kind"], "admin1"], ["!", ["in", ["get", "id"], ["literal", boundaries]]]],
            "layout": {"text-field": ["get", "name"], "text-font": FONT_ITALIC, "text-size": 12, "text-max-width": 8},
            "paint": {"text-color": "#7d7d7d", "text-halo-color": LAND, "text-halo-width": 1.5},
        },
    ]


def _town_layers(story_town_ids: list[str]) -> list[dict]:
    """Towns by population tier (the story's own towns are labelled by the story layers)."""
    layers = []
    # Towns, smallest tier first: MapLibre places the top layer's labels first, so big towns win collisions.
    for k, (floor, minzoom, size) in reversed(list(enumerate(TOWN_TIERS))):
        ceiling = TOWN_TIERS[k - 1][0] if k else None
        tier = [">=", ["get", "population"], floor]
        if ceiling is not None:
            tier = ["all", tier, ["<", ["get", "population"], ceiling]]
        layers.append(
            {
                "id": f"towns-{k}",
                "type": "symbol",
                "source": "towns",
                "minzoom": minzoom,
                "filter": ["all", tier, ["!", ["in", ["get", "id"], ["literal", story_town_ids]]]],
                "layout": {
                    "text-field": ["get", "name"],
                    "text-font": FONT,
                    "text-size": size,
                    "icon-image": "cm-town",
                    "icon-size": 0.5,
                    "text-anchor": "left",
                    "text-offset": [0.55, 0],
                    "symbol-sort-key": ["get", "rank"],
                    "text-optional": False,
                    "text-max-width": 9,
                },
                "paint": {
                    "text-color": "#3f3f3f",
                    "text-halo-color": "#ffffff",
                    "text-halo-width": 1.4,
                    "icon-color": "#555555",
                },
            }
        )
    return layers


def _story_label_layers(label_size: float) -> list[dict]:
    """The story's names and dots, placed after the event marks (see TOWN_ANCHORS)."""
    return [
        # Areas (regions, fields, corridors) are labelled in italics at their point; towns in bold.
        {
            "id": "story-area-labels",
            "type": "symbol",
            "source": "story-points",
            "filter": ["==", ["get", "halo"], False],
            "layout": {
                "text-field": ["get", "label"],
                "text-font": FONT_ITALIC,
                "text-size": label_size,
                **PLACED_LABEL,
                "text-variable-anchor-offset": AREA_ANCHORS,
                "symbol-sort-key": ["get", "order"],
                "text-max-width": 10,
            },
            "paint": {"text-color": AREA, "text-halo-color": "#ffffff", "text-halo-width": 2},
        },
        {
            "id": "story-labels",
            "type": "symbol",
            "source": "story-points",
            "filter": ["==", ["get", "halo"], True],
            "layout": {
                "text-field": ["get", "label"],
                "text-font": FONT_BOLD,
                "text-size": label_size,
                **PLACED_LABEL,
                "text-variable-anchor-offset": TOWN_ANCHORS,
                "symbol-sort-key": ["get", "order"],
                "text-max-width": 12,
            },
            "paint": {"text-color": STORY_INK, "text-halo-color": "#ffffff", "text-halo-width": 2.2},
        },
        # The places' dots, a layer above their names: placed first, so no name covers another's dot
        # (a dot stays when no side is free for its name).
        {
            "id": "story-dots",
            "type": "symbol",
            "source": "story-points",
            "filter": ["==", ["get", "halo"], True],
            "layout": {"icon-image": "cm-place", "icon-size": 0.45, "icon-allow-overlap": True},
            "paint": {"icon-color": STORY_INK},
        },
    ]


def _bake_emphasis(layers: list[dict], emphasised: list[str]) -> None:
    """A static rendering has no feature state: bake the emphasis into the paint instead."""
    chosen = ["in", ["get", "key"], ["literal", emphasised]]
    for layer in layers:
        for prop, value in list(layer.get("paint", {}).items()):
            if (
                isinstance(value, list)
                and value[:1] == ["case"]
                and value[1][:2] == ["boolean", ["feature-state", "emphasis"]]
            ):
                layer["paint"][prop] = ["case", chosen, value[2], value[3]]


def story_features(places: pd.DataFrame, admin1: dict | None) -> tuple[dict, dict]:
    """GeoJSON of the story's places: label points (with halo radii) and area shapes."""
    shapes = {f["properties"]["id"]: f["geometry"] for f in (admin1 or {}).get("features", [])}
    points, areas = [], []
    for order, row in enumerate(places.to_dict("records")):  # plain values (Any), not typed tuples
        has_shape = corridor = False
        if isinstance(row["boundary"], str) and row["boundary"] in shapes:
            areas.append(_feature(shapes[row["boundary"]], {"key": row["key"], "kind": "boundary"}))
            has_shape = True
        elif isinstance(row["outline"], (list, tuple)) and len(row["outline"]) >= 3:
            ring = [[lon, lat] for lat, lon in row["outline"]]
            ring = ring if ring[0] == ring[-1] else [*ring, ring[0]]
            areas.append(_feature({"type": "Polygon", "coordinates": [ring]}, {"key": row["key"], "kind": "outline"}))
            has_shape = True
        elif isinstance(row["path"], (list, tuple)) and len(row["path"]) >= 2:
            line = [[lon, lat] for lat, lon in row["path"]]
            areas.append(
                _feature(
                    {"type": "LineString", "coordinates": line},
                    {"key": row["key"], "kind": "corridor", "label": row["label"]},
                )
            )
            has_shape = corridor = True
        radius = row["radius_km"] if isinstance(row["radius_km"], float) and math.isfinite(row["radius_km"]) else 5.0
        r0 = radius * 1000 / (METRES_PER_PIXEL_Z0 * max(math.cos(math.radians(row["lat"])), 0.05))
        points.append(
            _feature(
                {"type": "Point", "coordinates": [round(row["lon"], 5), round(row["lat"], 5)]},
                {
                    "key": row["key"],
                    "label": row["label"],
                    "reference": row.get("role", "event") != "event",  # listed under places:, no event
                    "precision": row["precision"],
                    "order": order,
                    "halo": not has_shape,
                    "corridor": corridor,
                    "r0": r0,
                    "radius_km": radius,
                },
            )
        )
    return ({"type": "FeatureCollection", "features": points}, {"type": "FeatureCollection", "features": areas})


def _feature(geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@lru_cache(maxsize=16)
def _read(name: str) -> str:
    return (BASEMAP_DIR / name).read_text(encoding="utf-8")


def inline_source(name: str, bbox: tuple[float, float, float, float] | None = None):
    """A base-map file's content, for styles that must carry their data (exports).

    With ``bbox`` (west, south, east, north) only the features that reach it are
    kept: a static image of one region need not make MapLibre parse the world."""
    if name == "sprite":
        raise ValueError("an inline style needs the sprite as a data URL: use inline_sprite()")
    features = _parsed_features(name)
    if bbox is None:
        return {"type": "FeatureCollection", "features": list(features)}
    w, s, e, n = bbox
    boxes = _feature_boxes(name)
    keep = [f for f, (fw, fs, fe, fn) in zip(features, boxes) if fe >= w and fw <= e and fn >= s and fs <= n]
    return {"type": "FeatureCollection", "features": keep}


@lru_cache(maxsize=16)
def _parsed_features(name: str) -> tuple[dict, ...]:
    """Parsed once per process (an animation's frames and a deck's slides each ask); read, never changed."""
    return tuple(json.loads(_read(name))["features"])


@lru_cache(maxsize=16)
def _feature_boxes(name: str) -> tuple[tuple[float, float, float, float], ...]:
    def walk(coords, out):
        if coords and isinstance(coords[0], (int, float)):
            out.append(coords)
        else:
            for c in coords:
                walk(c, out)

    boxes = []
    for feature in json.loads(_read(name))["features"]:
        points: list = []
        walk(feature["geometry"]["coordinates"], points)
        lons = [p[0] for p in points] or [0.0]
        lats = [p[1] for p in points] or [0.0]
        boxes.append((min(lons), min(lats), max(lons), max(lats)))
    return tuple(boxes)


def url_source(prefix: str) -> Callable[[str], str]:
    """Source URLs under the app's asset path (``prefix`` ends with ``/``)."""

    def source(name: str) -> str:
        return f"{prefix}{name}" if name != "sprite" else f"{prefix}sprite"

    return source
