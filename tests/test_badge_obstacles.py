"""Labels avoid cluster badges (issue 15): an invisible icon as big as each badge joins MapLibre's index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.mapfigure import ICON_CELL_PX, badge_obstacles
from dashboard.markers import badge_size


def test_every_badge_gets_an_obstacle_at_least_as_big_and_in_few_traces():
    counts = np.array([1, 3, 12, 40, 250, 5_000, 80_000])
    diameters = badge_size(counts)
    lat = pd.Series(np.linspace(30, 36, len(counts)))
    lon = pd.Series(np.linspace(38, 44, len(counts)))
    traces = badge_obstacles(lat, lon, diameters)
    placed = sorted((la, lo) for t in traces for la, lo in zip(t["lat"], t["lon"]))
    assert placed == sorted(zip(lat.round(5), lon.round(5)))  # one obstacle per badge, at the badge
    assert len(traces) <= len(np.unique(np.ceil(diameters / 4)))
    for t in traces:
        cell = t["marker"]["size"] / 10 * ICON_CELL_PX  # the icon's box in pixels, as plotly sizes it
        for la in t["lat"]:
            d = diameters[int(np.argmin(np.abs(lat.to_numpy() - la)))]
            assert d <= cell + 0.1 <= d + 4.2  # covers the badge, rounded up by less than one step
        assert t["marker"]["opacity"] == 0 and t["marker"]["allowoverlap"] is True
        assert t["hoverinfo"] == "skip"  # never hovered or clicked: the badge under it is


def test_no_badges_no_obstacles():
    assert badge_obstacles(pd.Series([], dtype=float), pd.Series([], dtype=float), np.array([])) == []
