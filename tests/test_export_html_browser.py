"""The exported HTML page, opened from disk in a Chromium that can reach no host.

The page is exported (with the bundled briefing) into a temporary folder and
opened as ``file://`` in headless Chromium with the host resolver rules of
tests/conftest.py, so any attempt to load a CDN script or the base map from
the network fails and shows up as a SEVERE console entry. The test asserts
that MapLibre (whose worker a file:// page must be able to start) draws the
inlined base map, the story's labels and the icons, that both views
have their event points, that the console is clean, that every resource
loaded came from the file itself, that clicking a timeline point shows its
details (with the quote and its publisher) and highlights the same event on
the map, that a faction checkbox hides that faction on both views, and that
the briefing's Next button moves to step 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.action_chains import ActionChains

from conflictmap.briefing import briefing_path, load_briefing
from conflictmap.pipeline import load_dataset
from dashboard.exports import export
from tests.browser_helpers import wait_for
from tests.conftest import CHROME_ARGS, CHROMIUM

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events.yaml"
CLICKED = "raqqa-falls-to-sdf"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    dataset = load_dataset(EVENTS)
    briefing = load_briefing(briefing_path("deir-ez-zor-october-2017", EVENTS), dataset)
    out = tmp_path_factory.mktemp("html") / "map.html"
    assert export(dataset, "html", out, briefing=briefing) == [out]
    options = Options()
    options.binary_location = os.environ.get("DASH_TEST_CHROMEPATH", CHROMIUM)
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument("--headless")
    options.add_argument("--allow-file-access-from-files")  # harmless; the page must not need it
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(out.as_uri())
        wait_for(
            lambda: driver.execute_script("return document.body.dataset.ready === 'true'"),
            30,
            message="page script finished",
        )
        wait_for(
            lambda: driver.execute_script(
                "const m = document.getElementById('map')._fullLayout.map._subplot.map;"
                "return m.loaded() && m.queryRenderedFeatures().some(f => f.layer.id === 'land');"
            ),
            60,
            message="base map drawn",
        )
        yield driver, dataset
    finally:
        driver.quit()


def _severe(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_base_map_and_points_drawn_offline(page):
    driver, dataset = page
    drawn = driver.execute_script("""
      const map = document.getElementById('map')._fullLayout.map._subplot.map;
      const layers = {}, labels = new Set();
      for (const f of map.queryRenderedFeatures()) {
        layers[f.layer.id] = (layers[f.layer.id] || 0) + 1;
        if (f.layer.id.startsWith('story') && f.properties.label) labels.add(f.properties.label);
      }
      return {layers, labels: [...labels]};""")
    for layer in ("land", "borders", "rivers", "story-labels"):
        assert drawn["layers"].get(layer), (layer, drawn["layers"])
    # Event markers are icons: their trace layers drew symbols (the sprite reached MapLibre).
    assert any(k.startswith("plotly-trace-layer") for k in drawn["layers"]), drawn["layers"]
    assert {"Raqqa", "Mekhan", "Boukamal"} <= set(drawn["labels"])
    # Every event is a point on the timeline, every placed one a marker on the map.
    tl_points = driver.find_elements("css selector", "#timeline .scatterlayer .trace .points path.point")
    assert len(tl_points) >= len(dataset.events)
    map_ids = driver.execute_script(
        "return document.getElementById('map').data.filter(t => t.meta === 'events').flatMap(t => t.customdata)"
    )
    assert sorted(map_ids) == sorted(dataset.events.index[dataset.events["map_lat"].notna()])
    assert _severe(driver) == []
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [r for r in resources if not r.startswith(("file:", "data:", "blob:"))] == []
    assert "Middle East Monitor" in driver.find_element("id", "attribution").text
    assert "Natural Earth" in driver.find_element("id", "attribution").text
    assert "GeoNames" in driver.find_element("id", "attribution").text


def test_click_timeline_point_shows_details_and_highlights_map(page):
    driver, dataset = page
    trace, k = driver.execute_script(
        """
      const gd = document.getElementById('timeline');
      for (let i = 0; i < gd.data.length; i++) {
        const k = gd.data[i].meta === 'events' ? gd.data[i].customdata.indexOf(arguments[0]) : -1;
        if (k >= 0) return [i, k];
      }
      return [-1, -1];""",
        CLICKED,
    )
    assert trace >= 0
    point = driver.execute_script(
        "return document.querySelectorAll('#timeline .scatterlayer .trace')[arguments[0]]"
        ".querySelectorAll('.points path.point')[arguments[1]]",
        trace,
        k,
    )
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", point)
    ActionChains(driver).move_to_element(point).pause(0.3).click().perform()
    wait_for(
        lambda: driver.execute_script("return document.body.dataset.selected") == CLICKED,
        10,
        message="the clicked event selected",
    )
    details = driver.find_element("id", "details").text
    row = dataset.events.loc[CLICKED]
    assert row["title"] in details
    assert "16 Oct" in details and "22 Oct 2017" in details  # the date range
    quote = dataset.sources.loc[dataset.sources["event_id"] == CLICKED, "quote"].iloc[0]
    assert quote.split()[0] in details and "Middle East Monitor" in details and "paragraph" in details
    # Linked: the map shows the same event selected (the ring is on it, the others dimmed).
    assert driver.execute_script("return document.body.dataset.selectedOnMap") == "true"
    ring = driver.execute_script(
        "const d = document.getElementById('map').data.find(t => t.meta === 'selected'); return [d.lat[0], d.lon[0]];"
    )
    assert ring[0] is not None and abs(ring[0] - row["map_lat"]) < 1 and abs(ring[1] - row["map_lon"]) < 1
    assert _severe(driver) == []


def test_faction_filter_and_briefing_steps(page):
    driver, dataset = page
    driver.find_element("id", "faction-sdf").click()
    hidden = driver.execute_script("""
      const names = gd => gd.data.filter(t => t.meta === 'events' && t.visible === false).map(t => t.name);
      return [names(document.getElementById('map')), names(document.getElementById('timeline'))];""")
    sdf = dataset.factions.at["sdf", "name"]
    assert hidden == [[sdf], [sdf]]
    driver.find_element("id", "faction-sdf").click()
    driver.find_element("id", "next-step").click()
    wait_for(lambda: driver.execute_script("return document.body.dataset.view") == "1", 15, message="step 1 shown")
    assert "Step 1" in driver.find_element("id", "step-label").text
    assert "Raqqa" in driver.find_element("id", "step-text").text
    assert _severe(driver) == []


def test_no_modebar_button_sends_anything_elsewhere(page):
    """plotly.js 4 offers "Share chart..." (an upload to a cloud service) unless told not to."""
    driver, _ = page
    found = driver.execute_script("""
      return {
        titles: [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title')),
        links: [...document.querySelectorAll('.modebar a[href]')].map(a => a.href),
        configs: ['map', 'timeline'].map(id => { const c = document.getElementById(id)._context;
          return [c.showSendToCloud, !!c.showEditInChartStudio, c.plotlyServerURL, c.displaylogo]; }),
      };""")
    assert found["titles"] and set(found["titles"]) <= {"Pan", "Box Select", "Lasso Select", "Zoom", "Reset axes"}, (
        found
    )
    assert found["links"] == []
    assert found["configs"] == [[False, False, "", False]] * 2
