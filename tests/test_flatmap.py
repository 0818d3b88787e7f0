"""Frames drawn over one picture of the base map (animations, one-view decks) match the live map.

The same view rendered both ways (the live MapLibre map in the export
browser, and the flat frame over a base-map picture drawn at the same
camera) must put every faction's markers in the same place and the base map
under them in the same place.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from conflictmap.exports.common import visible_events
from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState
from dashboard.exports.browser import render
from dashboard.exports.composite import (
    MAP_HEIGHT,
    MARGIN_L,
    TOP,
    Frame,
    base_map_png_figure,
    camera_for,
    composite_figure,
)
from dashboard.exports.flatmap import flat_map

REPO = Path(__file__).resolve().parents[1]


def test_the_camera_centre_is_the_middle_of_the_flat_map():
    centre, zoom = (35.0, 40.0), 7.0
    data, layout = flat_map(
        [
            {
                "type": "scattermap",
                "lat": [35.0, None],
                "lon": [40.0, None],
                "marker": {"symbol": ["cm-square-open", "cm-star"], "size": 10, "allowoverlap": True},
            }
        ],
        [
            {
                "type": "line",
                "color": "#000",
                "line": {"width": 2, "dash": [2.5, 1.5]},
                "source": {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[40, 35], [41, 35]]}},
            }
        ],
        b"png",
        centre,
        zoom,
        (1000, 500),
        (0.5, 1.0),
    )
    line, markers = data
    x0, x1 = layout["xaxis2"]["range"]
    y_south, y_north = layout["yaxis2"]["range"]
    assert markers["x"][0] == pytest.approx((x0 + x1) / 2, abs=0.01)
    assert markers["y"][0] == pytest.approx((y_south + y_north) / 2, abs=0.01)
    assert markers["x"][1] is None and markers["marker"]["symbol"] == ["square-open", "star"]
    assert "allowoverlap" not in markers["marker"]
    # One degree east at zoom 7: 512 * 2**7 / 360 px.
    assert line["x"][1] - line["x"][0] == pytest.approx(512 * 2**7 / 360, abs=0.02)
    assert line["line"]["dash"] == "5px,3px" and line["x"][2] is None
    assert layout["images"][0]["source"].startswith("data:image/png;base64,")


def colour_centroid(png: bytes, colour: str, box: tuple[int, int, int, int], tolerance: int = 30):
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    left, top, right, bottom = box
    area = pixels[top:bottom, left:right]
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    ys, xs = np.nonzero(np.abs(area - target).max(axis=2) <= tolerance)
    return (xs.mean() + left, ys.mean() + top, len(xs)) if len(xs) else None


def test_a_flat_frame_draws_the_events_where_the_live_map_draws_them():
    dataset = load_dataset(REPO / "events.yaml")
    state = ViewState(factions=("civilians", "us-coalition"))
    visible = visible_events(dataset, state)
    centre, zoom = camera_for(dataset, visible, height=MAP_HEIGHT)
    frame = Frame(centre=centre, zoom=zoom)
    (base,) = render([base_map_png_figure(dataset, visible, frame)], "png")
    live, flat = render(
        [
            composite_figure(dataset, visible, state, frame=frame),
            composite_figure(dataset, visible, state, frame=frame, base_map=base),
        ],
        "png",
    )
    map_box = (MARGIN_L, TOP, 1200 - 16, TOP + MAP_HEIGHT)
    for faction in ("civilians", "us-coalition"):
        colour = dataset.factions.loc[faction, "colour"]
        on_live, on_flat = colour_centroid(live, colour, map_box), colour_centroid(flat, colour, map_box)
        assert on_live and on_flat, (faction, on_live, on_flat)
        assert abs(on_live[0] - on_flat[0]) < 6 and abs(on_live[1] - on_flat[1]) < 6, (faction, on_live, on_flat)
    # Away from the events the two maps are the same picture: the top-right corner of the map.
    corner = (1200 - 16 - 150, TOP + 10, 1200 - 16 - 10, TOP + 120)
    from PIL import Image

    crops = []
    for png in (live, flat):
        with Image.open(io.BytesIO(png)) as image:
            crops.append(np.asarray(image.convert("RGB").crop(corner), dtype=int))
    assert np.abs(crops[0] - crops[1]).mean() < 3
