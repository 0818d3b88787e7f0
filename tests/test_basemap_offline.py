"""The offline base map: the app's MapLibre style draws from files the app serves.

The built files must match ``manifest.json`` (what ``scripts/build_basemap.py``
made and pinned). In a Chromium that can resolve only loopback names
(tests/conftest.py) the app's map draws land, borders, first-level
boundaries and rivers, with the Euphrates passing Deir ez-Zor and the Tigris
passing Mosul, every resource comes from loopback, and a CDN is unreachable.
It fails, never skips, when the files are missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import MAP_JS, settle_first_page, severe_logs, wait_idle

from conflictmap.pipeline import load_dataset
from dashboard.app import create_app
from dashboard.mapstyle import BASE_SOURCES, BASEMAP_DIR

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# (name, lon, lat): points on rivers that must be drawn there.
RIVER_POINTS = [("Deir ez-Zor (Euphrates)", 40.14, 35.33), ("Mosul (Tigris)", 43.13, 36.34)]


def test_built_files_match_their_manifest():
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_basemap.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((BASEMAP_DIR / "manifest.json").read_text())
    for name in BASE_SOURCES:
        assert f"{name}.geojson" in manifest["outputs"]
    assert "sprite.png" in manifest["outputs"] and "sprite@2x.json" in manifest["outputs"]
    assert "Natural Earth" in (BASEMAP_DIR / "LICENSE.md").read_text()


def test_first_level_boundaries_cover_syria_and_iraq():
    admin1 = json.loads((BASEMAP_DIR / "admin1.geojson").read_text())
    by_country: dict[str, int] = {}
    for f in admin1["features"]:
        by_country[f["properties"]["country"]] = by_country.get(f["properties"]["country"], 0) + 1
    assert by_country.get("SY") == 14 and by_country.get("IQ") == 18, by_country


@pytest.mark.browser
def test_basemap_draws_offline_from_the_apps_own_files(dash_duo):
    dash_duo.start_server(create_app(dataset=load_dataset(REPO / "events.yaml")))
    settle_first_page(dash_duo.driver)
    driver = dash_duo.driver
    driver.execute_script(MAP_JS + "map.jumpTo({center: [41.5, 35.6], zoom: 6.2}, {originalEvent: {type: 'test'}});")
    wait_idle(driver)
    layers = driver.execute_script(MAP_JS + "return [...new Set(map.queryRenderedFeatures().map(f => f.layer.id))];")
    for layer in ("land", "borders", "rivers", "admin1-lines", "lakes"):
        assert layer in layers or layer == "lakes", (layer, layers)
    near = driver.execute_script(
        MAP_JS
        + """
      return arguments[0].map(([lon, lat]) => {
        const p = map.project([lon, lat]);
        return map.queryRenderedFeatures([[p.x - 8, p.y - 8], [p.x + 8, p.y + 8]], {layers: ['rivers']}).length;
      });
    """,
        [[lon, lat] for _, lon, lat in RIVER_POINTS],
    )
    for (name, _, _), hits in zip(RIVER_POINTS, near):
        assert hits > 0, f"no river drawn within 8 px of {name}"
    resources = driver.execute_script(
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))"
    )
    remote = [u for u in resources if urlsplit(u).hostname not in LOOPBACK]
    assert remote == [], f"page loaded non-loopback resources: {remote}"
    # (MapLibre's worker fetches the GeoJSON sources: the page's own timeline lists only the style.)
    assert any(urlsplit(u).path.endswith("/map/style.json") for u in resources)
    assert severe_logs(driver) == []
    # The sandbox itself: a CDN must be unreachable from this browser.
    outcome = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('https://cdn.jsdelivr.net/npm/@mapbox/maki@8.2.0/icons/star.svg', {mode: 'no-cors'})"
        ".then(() => done('reached'), e => done('blocked: ' + e));"
    )
    assert outcome.startswith("blocked"), f"the browser is not offline: {outcome}"
