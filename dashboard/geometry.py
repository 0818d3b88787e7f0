"""Small geometry helpers for drawing uncertainty on a lat/lon map."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0


def circle(lat: float, lon: float, radius_km: float, points: int = 40) -> tuple[list[float], list[float]]:
    """A closed ring of (lats, lons) ``radius_km`` around a point (small-circle approximation)."""
    # Clockwise: d3-geo (plotly's geo) treats a counter-clockwise ring as the
    # whole globe minus the circle and would shade everything else.
    angles = np.linspace(2 * math.pi, 0, points)
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return list(lat + dlat * np.sin(angles)), list(lon + dlon * np.cos(angles))


def spread(lat: float, lon: float, n: int, step_deg: float = 0.09) -> list[tuple[float, float]]:
    """Positions for ``n`` markers sharing one place, on a ring around it.

    Markers at one town would hide each other; a ring (as map libraries
    "spiderfy" a cluster) keeps every one clickable, and a leader line back to
    the true point keeps the location honest.
    """
    if n <= 1:
        return [(lat, lon)]
    ring = step_deg * (1 + n / 8)
    dlon_scale = 1 / max(math.cos(math.radians(lat)), 1e-6)
    return [
        (
            lat + ring * math.sin(2 * math.pi * k / n + math.pi / 2),
            lon + ring * dlon_scale * math.cos(2 * math.pi * k / n + math.pi / 2),
        )
        for k in range(n)
    ]


def bounds(
    lats, lons, pad_deg: float = 0.6, min_span_deg: float = 2.5, aspect: float = 2.0
) -> tuple[list[float], list[float]] | None:
    """(lat range, lon range) framing the points with a margin, or None if none.

    The lon span is widened to about ``aspect`` times the lat span so the map
    fills a landscape panel instead of a narrow column.
    """
    lats = [v for v in lats if v is not None and math.isfinite(v)]
    lons = [v for v in lons if v is not None and math.isfinite(v)]
    if not lats:
        return None
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    lat_pad = max(pad_deg, (min_span_deg - (lat1 - lat0)) / 2)
    lon_pad = max(pad_deg, (min_span_deg - (lon1 - lon0)) / 2)
    lat_span = (lat1 - lat0) + 2 * lat_pad
    lon_span = (lon1 - lon0) + 2 * lon_pad
    mercator = 1 / max(math.cos(math.radians((lat0 + lat1) / 2)), 0.2)
    want = lat_span * aspect * mercator
    if lon_span < want:
        lon_pad += (want - lon_span) / 2
    return [lat0 - lat_pad, lat1 + lat_pad], [lon0 - lon_pad, lon1 + lon_pad]
