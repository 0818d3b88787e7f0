"""One placement for the app and the exports (issue 15): the flat frames' base-map picture is drawn with
the frames' marks in MapLibre's collision index, transparent, so its labels keep clear of them exactly
as the live map's labels keep clear of its markers. The pictures themselves are checked by eye in
``docs/`` and by the browser tests on the live map; here, that both draw the same marks in the same place
and that the style's labels take part in collisions."""

from __future__ import annotations

from pathlib import Path

from conflictmap.exports.common import visible_events
from conflictmap.pipeline import load_dataset
from conflictmap.places import story_places
from conflictmap.view import ViewState
from dashboard.exports.composite import Frame, base_map_png_figure, camera_for
from dashboard.mapfigure import map_traces
from dashboard.mapstyle import map_style

ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")


def marks(traces) -> list[tuple[float, float]]:
    return sorted(
        (round(lat, 5), round(lon, 5))
        for t in traces
        if t.get("type") == "scattermap" and isinstance(t.get("marker", {}).get("symbol"), (str, list))
        for lat, lon in zip(t["lat"], t["lon"])
        if lat is not None
    )


def test_the_base_map_picture_holds_the_frames_marks_transparent_where_the_frames_draw_them():
    visible = visible_events(DATASET, ViewState())
    centre, zoom = camera_for(DATASET, visible)
    figure = base_map_png_figure(DATASET, visible, Frame(centre=centre, zoom=zoom))
    hidden = [t.to_plotly_json() for t in figure.data if t.marker and t.marker.opacity == 0]
    frames, _ = map_traces(DATASET, visible, zoom=zoom)
    assert marks(hidden) == marks(frames)
    assert len(marks(hidden)) >= 9  # every placed event of the bundled file, spread markers included
    assert all(t.get("hoverinfo") == "skip" for t in hidden)


def test_story_labels_collide_and_move_to_a_free_side():
    style = map_style(story_places(DATASET), lambda name: f"/basemap/{name}")
    layers = {layer["id"]: layer for layer in style["layers"]}
    for name in ("story-labels", "story-area-labels"):
        layout = layers[name]["layout"]
        assert layout["text-allow-overlap"] is False and layout["text-ignore-placement"] is False
        anchors = layout["text-variable-anchor-offset"][1][::2]
        assert {"left", "right", "top", "bottom"} <= set(anchors), anchors
    # The places' dots are a layer of their own above the names: placed first, no name covers one.
    ids = [layer["id"] for layer in style["layers"]]
    assert ids.index("story-dots") > ids.index("story-labels")
    assert layers["story-dots"]["layout"]["icon-allow-overlap"] is True


def test_badges_never_overlap_at_any_zoom_and_keep_every_event():
    """A synthetic import: 20,000 events in a few hundred clumps over Syria and Iraq (a fixed seed)."""
    import math

    import numpy as np
    import pandas as pd

    from dashboard.markers import badge_size, layout_markers, project

    rng = np.random.default_rng(15)
    centres = rng.uniform([32.0, 36.0], [37.0, 46.0], size=(300, 2))
    pick = rng.integers(0, len(centres), 20_000)
    lat = centres[pick, 0] + rng.normal(0, 0.05, 20_000)
    lon = centres[pick, 1] + rng.normal(0, 0.05, 20_000)
    ids = [f"e{k}" for k in range(20_000)]
    placed = pd.DataFrame(
        {
            "map_lat": lat,
            "map_lon": lon,
            "primary_faction": rng.choice(["a", "b", "c"], 20_000),
            "date_start": pd.Timestamp("2017-01-01"),
            "id": ids,
        },
        index=ids,
    )
    for zoom, max_markers in ((4.5, 3000), (6.0, 3000), (7.5, 50_000)):
        layout = layout_markers(placed, zoom, max_markers=max_markers)
        badges = layout.clusters
        assert int(badges["count"].sum()) + len(layout.markers) == len(placed), zoom
        x, y = project(badges["lat"], badges["lon"], zoom)
        size = badge_size(badges["count"])
        for i in range(len(badges)):
            for j in range(i + 1, len(badges)):
                gap = math.hypot(x[i] - x[j], y[i] - y[j]) - (size[i] + size[j]) / 2
                assert gap >= 0, (zoom, i, j, gap)
