"""The first map's markers are laid out for the zoom the browser will frame (not drawn twice)."""

from __future__ import annotations

import math

import pytest

from dashboard.callbacks.views import first_zoom
from dashboard.markers import fitted_zoom

NO_PAD = {"top": 0, "bottom": 0, "left": 0, "right": 0}


def test_fitted_zoom_is_mercator_fit_in_the_room_the_padding_leaves():
    # The whole width of the world is 512 px at zoom 0: 1,024 px of room is zoom 1.
    box = {"width": 1024, "height": 4000, "padding": NO_PAD}
    assert fitted_zoom([-180, -10, 180, 10], box) == pytest.approx(1.0)
    # Padding takes room: 1,024 - 2 x 256 = 512 px is zoom 0.
    padded = {"width": 1024, "height": 4000, "padding": {"top": 0, "bottom": 0, "left": 256, "right": 256}}
    assert fitted_zoom([-180, -10, 180, 10], padded) == pytest.approx(0.0)
    # The tighter side decides, and 9 is the most a frame zooms in (frameMap's maxZoom).
    wide = {"width": 4000, "height": 20, "padding": NO_PAD}  # 20 degrees of latitude are ~28 px at zoom 0
    assert fitted_zoom([-180, -10, 180, 10], wide) < fitted_zoom([-180, -10, 180, 10], box)
    assert fitted_zoom([40.0, 35.0, 40.0, 35.0], box) == 9.0  # one place, widened to 0.1 degree


def test_fitted_zoom_refuses_what_it_cannot_use():
    assert fitted_zoom(None, {"width": 800, "height": 600, "padding": NO_PAD}) is None
    assert fitted_zoom([0, 0, 1, 1], None) is None
    assert fitted_zoom([0, 0, 1, 1], {"width": 800}) is None
    assert fitted_zoom([0, 0, 1, 1], {"width": 15, "height": 15, "padding": NO_PAD}) is None
    assert fitted_zoom([0, 0, 1, 1], {"width": "x", "height": 600, "padding": NO_PAD}) is None


def test_first_zoom_prefers_an_authored_camera_then_the_fit_then_the_estimate():
    box = {"width": 1024, "height": 4000, "padding": NO_PAD}
    frame = {"bounds": [-180, -10, 180, 10], "camera": None}
    assert first_zoom(frame, box, {"zoom": 5}) == 1.0
    assert first_zoom({**frame, "camera": {"lat": 35, "lon": 40, "zoom": 8.3}}, box, {"zoom": 5}) == 8.5
    assert first_zoom(frame, None, {"zoom": 5}) == 5.0
    assert first_zoom({"bounds": None, "camera": None}, box, {"zoom": 6.5}) == 6.5
    # Half levels, as the browser buckets its zoom (conflictmap.js reportView).
    z = fitted_zoom([35.0, 30.0, 42.0, 37.0], {"width": 900, "height": 600, "padding": NO_PAD})
    assert z is not None
    assert first_zoom(
        {"bounds": [35.0, 30.0, 42.0, 37.0], "camera": None}, {**box, "width": 900, "height": 600}, None
    ) == (round(z * 2) / 2)
    assert math.isfinite(z)
