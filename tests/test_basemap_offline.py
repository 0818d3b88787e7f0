"""The offline base map: plotly's geo layers drawn from our own TopoJSON.

A minimal Dash app (built here; it uses nothing from the repo but the assets
folder) shows a Scattergeo over Syria/Iraq with the `topojsonURL` config
pointed at ``dashboard/assets/topojson/``.  In a Chromium that can resolve
only loopback names (tests/conftest.py) the test asserts that land,
countries, coastlines and rivers are drawn, that the river layer passes by
Deir ez-Zor (Euphrates) and Mosul (Tigris), that the console has no SEVERE
entry, and that every resource the page loaded came from loopback.

It fails, and never skips, when the TopoJSON files are missing
(run ``python scripts/fetch_basemap.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import plotly.graph_objects as go
import pytest
from dash import Dash, dcc, html

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "dashboard" / "assets"
SCOPE, RESOLUTION = "world", 50
TOPOJSON = f"{SCOPE}_{RESOLUTION}m.json"  # what plotly.js requests
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

# (name, lon, lat): points on the rivers that must be drawn.
RIVER_POINTS = [("Deir ez-Zor (Euphrates)", 40.14, 35.33), ("Mosul (Tigris)", 43.13, 36.34)]

LAYER_STATS_JS = """
const out = {};
for (const name of arguments[0]) {
  const paths = document.querySelectorAll('#map .geo .layer.' + name + ' path');
  out[name] = Array.from(paths, p => (p.getAttribute('d') || '').length);
}
return out;
"""

# For each (lon, lat): [distance in px from the projected point to the drawn
# rivers path, px length of 0.1 degree of longitude there (~9 km at 35N)],
# both in the geo layer's own coordinates.
RIVER_DISTANCE_JS = """
const gd = document.querySelector('#map .js-plotly-plot');
const proj = gd._fullLayout.geo._subplot.projection;
const path = document.querySelector('#map .geo .layer.rivers path');
const total = path.getTotalLength();
const samples = [];
for (let s = 0; s <= total; s += 0.5) samples.push(path.getPointAtLength(s));
return arguments[0].map(([lon, lat]) => {
  const [x, y] = proj([lon, lat]);
  let best = Infinity;
  for (const p of samples) best = Math.min(best, Math.hypot(p.x - x, p.y - y));
  const [x2, y2] = proj([lon + 0.1, lat]);
  return [best, Math.hypot(x2 - x, y2 - y)];
});
"""


def make_app() -> Dash:
    app = Dash(__name__, assets_folder=str(ASSETS))
    fig = go.Figure(
        go.Scattergeo(
            lon=[p[1] for p in RIVER_POINTS],
            lat=[p[2] for p in RIVER_POINTS],
            text=[p[0] for p in RIVER_POINTS],
            mode="markers",
        )
    )
    fig.update_geos(
        scope=SCOPE,
        resolution=RESOLUTION,
        showland=True,
        showcountries=True,
        showcoastlines=True,
        showrivers=True,
        showlakes=True,
        lonaxis_range=[32, 50],
        lataxis_range=[28, 40],
    )
    fig.update_layout(height=700, margin=dict(l=0, r=0, t=0, b=0))
    app.layout = html.Div(
        [
            dcc.Graph(
                id="map",
                figure=fig,
                # Trailing slash optional: plotly.js appends one if missing.
                config={"topojsonURL": app.get_asset_url("topojson/")},
            )
        ]
    )
    return app


@pytest.mark.browser
def test_basemap_draws_offline_from_local_topojson(dash_duo):
    assert (ASSETS / "topojson" / TOPOJSON).is_file(), (
        f"{ASSETS / 'topojson' / TOPOJSON} is missing: run python scripts/fetch_basemap.py"
    )
    t0 = time.monotonic()
    dash_duo.start_server(make_app())

    # plotly draws the geo subplot only once the TopoJSON has loaded; a
    # failed fetch shows up as SEVERE console entries instead.  (get_logs()
    # drains chromedriver's log buffer, so keep what it returns.)
    layers = ["land", "countries", "coastlines", "rivers"]
    stats, severe = {}, []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = dash_duo.driver.execute_script(LAYER_STATS_JS, layers)
        if all(stats.get(name) and max(stats[name]) > 1000 for name in layers):
            break
        severe += dash_duo.get_logs()
        if severe:
            break
        time.sleep(0.25)
    assert severe == [], f"browser console errors while drawing the map: {severe}"
    for name in layers:
        assert stats.get(name) and max(stats[name]) > 1000, f"geo layer {name!r} not drawn: path d lengths {stats}"
    assert len(dash_duo.find_elements("#map .scattergeo .point")) == len(RIVER_POINTS)

    distances = dash_duo.driver.execute_script(RIVER_DISTANCE_JS, [[lon, lat] for _, lon, lat in RIVER_POINTS])
    for (name, _, _), (dist, tenth_degree) in zip(RIVER_POINTS, distances):
        assert dist < tenth_degree, (
            f"no river drawn within ~9 km of {name}: nearest is {dist:.1f}px away, 0.1 degree = {tenth_degree:.1f}px"
        )

    severe += dash_duo.get_logs()  # SEVERE browser console entries
    assert severe == [], f"browser console errors: {severe}"

    resources = dash_duo.driver.execute_script(
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))"
    )
    remote = [u for u in resources if urlsplit(u).hostname not in LOOPBACK]
    assert remote == [], f"page loaded non-loopback resources: {remote}"
    topo = [u for u in resources if urlsplit(u).path.endswith(f"/assets/topojson/{TOPOJSON}")]
    assert topo, f"{TOPOJSON} was not loaded from the assets folder: {resources}"

    # The sandbox itself: a CDN plotly would otherwise use must be unreachable.
    outcome = dash_duo.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('https://cdn.plot.ly/un/world_50m.json', {mode: 'no-cors'})"
        ".then(() => done('reached'), e => done('blocked: ' + e));"
    )
    assert outcome.startswith("blocked"), f"the browser is not offline: {outcome}"
    print(
        f"basemap drawn and checked in {time.monotonic() - t0:.1f}s; "
        f"path d lengths {stats}; river distances px {distances}"
    )
