"""Marker shapes: one definition for the map's sprite, the timeline and the legend.

The map (MapLibre, through plotly's ``scattermap``) draws event markers as
icons from a sprite the app serves; the timeline (plotly SVG) draws plotly's
own marker symbols; the legend draws small inline SVGs. All three must show
the same shape for the same event type, so the shapes are defined here once,
as polygons in a unit box, and named after the plotly symbol they imitate.

Colour is not in the icons: they are signed-distance-field (SDF) icons, which
MapLibre tints with the trace's colour (the faction's), so one sprite serves
any events file.
"""

from __future__ import annotations

import math

from conflictmap.vocabulary import EVENT_TYPES

# Event type -> plotly marker symbol (the timeline) and sprite icon base name (the map).
TYPE_SYMBOLS: dict[str, str] = {
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
assert set(TYPE_SYMBOLS) == set(EVENT_TYPES), "every event type needs a marker shape"

#: Dates known only to a range, a deadline or a report are drawn hollow.
VAGUE_DATES = ("range", "week", "month", "reported", "by")

Polygon = list[tuple[float, float]]


def _star(points: int, inner: float, rotate: float = -math.pi / 2) -> Polygon:
    out = []
    for k in range(points * 2):
        r = 1.0 if k % 2 == 0 else inner
        a = rotate + k * math.pi / points
        out.append((r * math.cos(a), r * math.sin(a)))
    return out


def _regular(n: int, rotate: float = -math.pi / 2, r: float = 1.0) -> Polygon:
    return [(r * math.cos(rotate + 2 * math.pi * k / n), r * math.sin(rotate + 2 * math.pi * k / n)) for k in range(n)]


def _x(width: float = 0.34) -> Polygon:
    """A thick diagonal cross, as one polygon (12 corners)."""
    w = width
    pts = [(0, w), (1 - w, 1), (1, 1 - w), (w, 0), (1, -(1 - w)), (1 - w, -1)]
    pts += [(0, -w), (-(1 - w), -1), (-1, -(1 - w)), (-w, 0), (-1, 1 - w), (-(1 - w), 1)]
    return [(0.92 * x, 0.92 * y) for x, y in pts]


# Shapes in a box from -1 to 1, y pointing down (image coordinates).
SHAPES: dict[str, list[Polygon]] = {
    "star": [_star(5, 0.45)],
    "square": [[(-0.78, -0.78), (0.78, -0.78), (0.78, 0.78), (-0.78, 0.78)]],
    "x": [_x()],
    "hexagram": [_star(6, 0.58)],
    "circle": [_regular(48, r=0.9)],
    "pentagon": [_regular(5, r=0.95)],
    "hourglass": [[(-0.8, -0.85), (0.8, -0.85), (0.0, 0.0)], [(0.0, 0.0), (0.8, 0.85), (-0.8, 0.85)]],
    "triangle-up": [[(0.0, -0.95), (0.95, 0.75), (-0.95, 0.75)]],
    "diamond-tall": [[(0.0, -1.0), (0.62, 0.0), (0.0, 1.0), (-0.62, 0.0)]],
    "diamond": [[(0.0, -0.95), (0.95, 0.0), (0.0, 0.95), (-0.95, 0.0)]],
    # Not event types: the movement arrowhead (rotated by the map), a town dot, a story place.
    "arrow": [[(0.0, -0.95), (0.8, 0.75), (0.0, 0.35), (-0.8, 0.75)]],
    "town": [_regular(24, r=0.42)],
    "place": [_regular(4, rotate=0, r=0.62)],
}

#: Hollow icons are drawn as an outline band this wide (in the unit box).
HOLLOW_WIDTH = 0.34


def icon_name(event_type: str, date_precision: str | None) -> str:
    """The sprite icon for one event (plotly's ``marker.symbol`` on the map)."""
    base = TYPE_SYMBOLS.get(event_type, "circle")
    return f"cm-{base}-open" if date_precision in VAGUE_DATES else f"cm-{base}"


def plotly_symbol(event_type: str, date_precision: str | None) -> str:
    """The plotly marker symbol for one event on the timeline."""
    base = TYPE_SYMBOLS.get(event_type, "circle")
    return f"{base}-open" if date_precision in VAGUE_DATES else base


def svg_path(shape: str, size: float = 16.0) -> str:
    """An SVG path ``d`` for ``shape`` scaled to a ``size`` px box (for the legend)."""
    half = size / 2
    parts = []
    for poly in SHAPES[shape]:
        pts = " L ".join(f"{half + x * half * 0.92:.2f} {half + y * half * 0.92:.2f}" for x, y in poly)
        parts.append(f"M {pts} Z")
    return " ".join(parts)
