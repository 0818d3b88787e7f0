"""The map an analyst briefs from, as they meet it in Chromium with the network blocked.

Labels, the analyst's camera, clusters, the event list, place search, the
timeline's size and axis, and the page at projector and phone sizes.
Expectations come from the pipeline and the data, never typed-in counts.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from browser_helpers import (
    MAP_JS,
    camera,
    click_at,
    count_text,
    go_in_page,
    non_loopback_resources,
    point_position,
    query_of,
    rect,
    rendered_labels,
    selected_on,
    serve,
    set_viewport,
    settle_first_page,
    severe_logs,
    wait_for,
    wait_idle,
)
from selenium.webdriver.common.keys import Keys

from conflictmap.pipeline import load_dataset
from conflictmap.places import story_places
from conflictmap.table import Dataset, with_event_rows
from conflictmap.view import ViewState, events_in_time_order, filter_events
from dashboard.app import create_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")
TOTAL = len(DATASET.events)


@pytest.fixture(scope="module")
def served_url(module_dash_server):
    """The app on the bundled events, served once for the module (the tests only read it)."""
    module_dash_server.start(create_app(dataset=DATASET))
    return module_dash_server.url


@pytest.fixture
def app(dash_duo, served_url):
    """Every test opens its own URL first: the server's address, no page loaded yet."""
    serve(dash_duo, url=served_url)
    return dash_duo


def open_page(dash_duo, query=""):
    dash_duo.driver.get(dash_duo.server_url + "/" + query)
    wait_idle(dash_duo.driver)
    return dash_duo.driver


def all_labels(driver) -> set[str]:
    return set(rendered_labels(driver, "")) - {None}


def test_one_page_labels_list_hover_key_and_place_search(app):
    """Four checks on one page, in an order that leaves each the state it needs (the page loads
    once: each load draws the map in software WebGL for seconds). The place search moves the
    camera, so it comes last."""
    driver = open_page(app)
    check_default_view_labels_every_place_the_events_name_in_their_spelling(driver)
    check_hover_on_a_list_row_rings_the_event_on_both_views(driver)
    check_key_explains_every_mark_and_the_scale_bar_measures(driver)
    check_place_search_flies_the_map_there(driver)


def check_default_view_labels_every_place_the_events_name_in_their_spelling(driver):
    labels = all_labels(driver)
    for name in story_places(DATASET)["label"]:
        assert name in labels, (name, sorted(labels))
    # GeoNames' romanisation of a story place is not drawn beside the file's spelling.
    assert "Ar Raqqah" not in labels
    # Labels appear at once, with no fade: each fade redrew the software-rendered map about 18 times.
    assert driver.execute_script(MAP_JS + "return map._fadeDuration;") == 0
    assert non_loopback_resources(driver) == []
    assert severe_logs(driver) == []


def test_zooming_in_brings_more_town_labels_without_overlaps(app):
    # A full-HD screen, and the Euphrates between Raqqa and Deir ez-Zor: villages with no events on them
    # (GeoNames has few places in this desert; round the Mekhan cluster the markers win the collisions).
    set_viewport(app.driver, 1920, 1080)
    driver = open_page(app)
    towns_before = set(rendered_labels(driver, "towns-"))
    driver.execute_script(MAP_JS + "map.jumpTo({center: [39.6, 35.75], zoom: 9.6}, {originalEvent: {type: 'test'}});")
    wait_idle(driver)
    towns_after = set(rendered_labels(driver, "towns-"))
    assert len(towns_after - towns_before) >= 3, (towns_before, towns_after)
    # MapLibre's collision detection: no two drawn labels' boxes overlap.
    boxes = driver.execute_script(
        MAP_JS
        + """
      const out = [];
      for (const f of map.queryRenderedFeatures()) {
        if (!f.layer.id.startsWith('towns-')) continue;
        const p = map.project(f.geometry.coordinates);
        out.push([f.properties.name, p.x, p.y]);
      }
      return out;
    """
    )
    names = [b[0] for b in boxes]
    assert len(names) == len(set(names)), "a town labelled twice"


def test_a_zoom_set_by_the_analyst_survives_stepping_to_the_next_event(app):
    driver = open_page(app)
    canvas = rect(driver, "#map canvas")
    # A mouse wheel over the map, as the analyst zooms in.
    origin_x, origin_y = canvas["left"] + canvas["width"] * 0.6, canvas["top"] + canvas["height"] * 0.5
    before = camera(driver)
    for _ in range(3):
        driver.execute_script(
            "const el = document.elementFromPoint(arguments[0], arguments[1]);"
            "el.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, clientX: arguments[0], clientY: arguments[1],"
            " bubbles: true, cancelable: true}));",
            origin_x,
            origin_y,
        )
        wait_for(lambda: not driver.execute_script(MAP_JS + "return map.isMoving();"), message="zoom done")
    wait_idle(driver)
    zoomed = camera(driver)
    assert zoomed["zoom"] > before["zoom"] + 0.5, (before, zoomed)
    order = events_in_time_order(DATASET.events)
    body = driver.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: query_of(driver).get("event") == [order[0]], message="next event")
    body.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: query_of(driver).get("event") == [order[1]], message="second event")
    wait_idle(driver)
    after = camera(driver)
    assert abs(after["zoom"] - zoomed["zoom"]) < 1e-6, (zoomed, after)
    assert abs(after["lat"] - zoomed["lat"]) < 1e-6 and abs(after["lon"] - zoomed["lon"]) < 1e-6


def test_filtering_and_selection_keep_the_camera_and_emphasis_follows_the_selection(app):
    driver = open_page(app)
    driver.execute_script(MAP_JS + "map.jumpTo({center: [40.6, 35.0], zoom: 8.25}, {originalEvent: {type: 'test'}});")
    wait_idle(driver)
    set_by_analyst = camera(driver)
    order = events_in_time_order(DATASET.events)
    body = driver.find_element("tag name", "body")
    for k in range(3):
        body.send_keys(Keys.ARROW_RIGHT)
        wait_for(lambda k=k: query_of(driver).get("event") == [order[k]], message=f"event {k}")
        eid = order[k]
        title = DATASET.events.at[eid, "title"]
        wait_for(lambda t=title: t in driver.find_element("id", "event-detail").text, message="details follow")
        wait_for(lambda e=eid: selected_on(driver, "timeline") == [e], message="timeline ring follows")
        if pd.notna(DATASET.events.at[eid, "map_lat"]):
            wait_for(lambda e=eid: selected_on(driver, "map") == [e], message="map ring follows")
        else:
            wait_for(lambda: selected_on(driver, "map") == [], message="no map ring for an unplaced event")
    # Filter by a side: the map stays where the analyst put it.
    go_in_page(driver, "/?side=US-backed")
    driver.execute_script(MAP_JS + "map.jumpTo({center: [40.6, 35.0], zoom: 8.25}, {originalEvent: {type: 'test'}});")
    wait_idle(driver)
    driver.find_element("id", "clear-all").click()
    wait_for(lambda: f"Showing {TOTAL} of {TOTAL}" in count_text(driver), message="cleared")
    wait_idle(driver)
    kept = camera(driver)
    assert abs(kept["zoom"] - set_by_analyst["zoom"]) < 1e-6 and abs(kept["lon"] - set_by_analyst["lon"]) < 1e-6


def test_escape_empty_map_click_and_clear_all_clear_the_selection(app):
    eid = "mekhan-positions-captured"
    driver = open_page(app, f"?event={eid}")
    wait_for(lambda: selected_on(driver, "map") == [eid], message="selected")
    driver.find_element("tag name", "body").send_keys(Keys.ESCAPE)
    wait_for(lambda: "event" not in query_of(driver), message="Escape clears")
    wait_for(lambda: selected_on(driver, "map") == [] and selected_on(driver, "timeline") == [], message="rings gone")
    go_in_page(driver, f"/?event={eid}")  # selected again, back in the browser's history (no reload)
    wait_for(lambda: selected_on(driver, "map") == [eid], message="selected again")
    driver.execute_script("document.getElementById('map-key').open = false")
    # Empty sea west of the coast: nothing drawn there.
    empty = driver.execute_script(
        MAP_JS
        + """
      const p = map.project([30.0, 34.0]); const r = map.getCanvas().getBoundingClientRect();
      return [r.left + Math.min(Math.max(p.x, 20), r.width - 20), r.top + Math.min(Math.max(p.y, 20), r.height - 60)];
    """
    )
    click_at(driver, *empty)
    wait_for(lambda: "event" not in query_of(driver), message="empty-map click clears")
    go_in_page(driver, f"/?event={eid}&faction=syrian-government")
    driver.find_element("id", "clear-all").click()
    wait_for(lambda: query_of(driver) == {}, message="Clear all clears filters and the selection")
    wait_for(lambda: selected_on(driver, "map") == [], message="no ring")


LIST_QUERIES = ["", "?faction=sdf", "?type=statement", "?from=2017-10-22&to=2017-10-24", "?q=zzzz"]


def test_event_list_has_one_row_per_counted_event_and_selects(app):
    """For each filter: a row per counted event, in time order, and a row's click selects its event.
    The page loads once; the other filters are reached as the browser's history reaches them."""
    driver = open_page(app, LIST_QUERIES[0])
    for query in LIST_QUERIES:
        if query != LIST_QUERIES[0]:
            go_in_page(driver, "/" + query)
        check_list_rows_match_the_count_and_select(driver, query)


def check_list_rows_match_the_count_and_select(driver, query: str) -> None:
    text = count_text(driver)
    shown = int(text.split("Showing ")[1].split(" of ")[0].replace(",", ""))
    rows = driver.find_elements("css selector", "#event-list [data-event-id]")
    assert len(rows) == shown, (query, text, len(rows))
    if not rows:
        return
    ids = [r.get_attribute("data-event-id") for r in rows]
    visible = filter_events(DATASET, ViewState())
    assert ids == [i for i in events_in_time_order(visible) if i in set(ids)], query  # time order
    target = rows[-1]
    target_id = target.get_attribute("data-event-id")
    driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", target)
    target.click()
    wait_for(lambda: query_of(driver).get("event") == [target_id], message=f"row click selects ({query})")
    wait_for(lambda: selected_on(driver, "timeline") == [target_id], message="timeline ring")
    wait_for(
        lambda: (
            driver.find_element("css selector", f"#event-list [data-event-id='{target_id}']").get_attribute(
                "aria-selected"
            )
            == "true"
        ),
        message="row marked",
    )
    wait_idle(driver)


def test_selected_row_scrolls_into_view(app):
    order = events_in_time_order(DATASET.events)
    last = order[-1]
    driver = open_page(app, f"?event={last}")

    def row_visible():
        return driver.execute_script(
            """
          const row = document.querySelector("#event-list [data-event-id='" + arguments[0] + "']");
          const list = document.getElementById('event-list');
          const r = row.getBoundingClientRect(), l = list.getBoundingClientRect();
          return r.top >= l.top - 1 && r.bottom <= l.bottom + 1;
        """,
            last,
        )

    wait_for(row_visible, message="selected row in view")


def test_timeline_height_follows_its_lanes(app):
    driver = open_page(app)
    all_height = rect(driver, "#timeline")["height"]
    smallest = min(DATASET.factions.index, key=lambda f: len(filter_events(DATASET, ViewState(factions=(f,)))))
    go_in_page(driver, f"/?faction={smallest}")
    wait_for(lambda: rect(driver, "#timeline")["height"] < all_height * 0.7, message="shorter timeline")


def test_presenter_mode_fits_a_projector(app):
    driver = app.driver
    for width, height in ((1280, 720), (1920, 1080)):
        set_viewport(driver, width, height)
        driver.get(app.server_url + "/briefing/deir-ez-zor-october-2017?step=4")
        wait_idle(driver)
        view = {"width": width, "height": height}
        text = rect(driver, "#step-text")
        assert text["top"] >= 0 and text["bottom"] <= view["height"], text
        m = rect(driver, "#map")
        assert m["left"] >= 0 and m["top"] >= 0 and m["right"] <= view["width"] and m["bottom"] <= view["height"], m
        assert m["width"] >= 600 and m["height"] >= 250, m
        # Labels at least 16 px on the projector.
        size = driver.execute_script(MAP_JS + "return map.getLayoutProperty('story-labels', 'text-size');")
        assert size >= 16
        # The full-screen control draws with the fonts Debian ships: an SVG icon, no missing glyph.
        assert driver.find_elements("css selector", "#fullscreen img.icon")
    set_viewport(driver, 1400, 1000)


def test_presenter_dims_everything_not_featured_arrows_included(app):
    from conflictmap.briefing import briefing_path, load_briefing

    briefing = load_briefing(briefing_path("deir-ez-zor-october-2017", ROOT / "events.yaml"), DATASET)
    step = next(k for k, s in enumerate(briefing.steps, 1) if s.events)
    featured = set(briefing.steps[step - 1].events)
    driver = app.driver
    driver.get(app.server_url + f"/briefing/deir-ez-zor-october-2017?step={step}")
    wait_idle(driver)
    traces = driver.execute_script(
        "return document.querySelector('#map .js-plotly-plot').data"
        ".filter(t => t.meta === 'events').map(t => [t.customdata, t.marker.opacity]);"
    )
    assert traces
    for ids, opacity in traces:
        if set(ids) <= featured:
            assert opacity == 1, ids
        else:
            assert opacity < 0.5 and not set(ids) & featured, (ids, opacity)
    layers = driver.execute_script("return document.querySelector('#map .js-plotly-plot').layout.map.layers")
    moves = DATASET.events[DATASET.events["dest_lat"].notna() & DATASET.events["place_lat"].notna()]
    if len(moves.index.difference(list(featured))):
        assert any(layer["opacity"] < 0.5 for layer in layers if layer.get("type") == "line")


def test_a_step_whose_events_have_no_place_gives_the_timeline_the_stage(app):
    from conflictmap.briefing import briefing_path, load_briefing

    briefing = load_briefing(briefing_path("deir-ez-zor-october-2017", ROOT / "events.yaml"), DATASET)
    unplaced_steps = [
        k
        for k, step in enumerate(briefing.steps, 1)
        if step.events and all(pd.isna(DATASET.events.at[e, "map_lat"]) for e in step.events)
    ]
    assert unplaced_steps, "the bundled briefing has a step of statements (no places)"
    driver = app.driver
    driver.get(app.server_url + f"/briefing/deir-ez-zor-october-2017?step={unplaced_steps[0]}")
    wait_idle(driver)
    assert "timeline-stage" in driver.find_element("id", "app-root").get_attribute("class")
    assert rect(driver, "#timeline")["height"] > 100


def check_place_search_flies_the_map_there(driver):
    box = driver.find_element("id", "place-search")
    box.send_keys("Al Mayadeen" + Keys.ENTER)
    wait_for(
        lambda: (
            "Mayādīn" in driver.find_element("id", "place-result").text
            or "Mayadin" in driver.find_element("id", "place-result").text
        ),
        message="result",
    )

    def near():
        c = camera(driver)
        return abs(c["lat"] - 35.02) < 0.05 and abs(c["lon"] - 40.45) < 0.05 and c["zoom"] > 7

    wait_for(near, message="map centred on Al Mayadin")
    box.clear()
    box.send_keys("Nowhereville Xq" + Keys.ENTER)
    wait_for(lambda: "not in the offline gazetteer" in driver.find_element("id", "place-result").text, message="miss")


def test_phone_puts_the_map_first_on_most_of_the_screen(app):
    driver = app.driver
    set_viewport(driver, 390, 844)
    try:
        open_page(app)
        m = rect(driver, "#map")
        assert m["top"] < 150 and m["height"] >= 0.6 * 844, m
        assert m["width"] >= 350  # the whole width, less a scroll bar
        assert driver.execute_script("return document.getElementById('map-key').open") is False
        tl, side, filters = rect(driver, "#timeline"), rect(driver, ".side"), rect(driver, ".filters")
        assert m["top"] < tl["top"] < side["top"] < filters["top"]
    finally:
        set_viewport(driver, 1400, 1000)


def check_key_explains_every_mark_and_the_scale_bar_measures(driver):
    key = driver.find_element("id", "map-key")
    # The Key starts folded where it would cover the map (every desktop size): the analyst opens it.
    assert driver.execute_script("return document.getElementById('map-key').open") is False
    driver.find_element("css selector", "#map-key > summary").click()
    driver.execute_script("document.getElementById('map-key-marks').open = true")
    text = key.text
    for phrase in ("Hollow", "Ring", "Dashed outline", "Band", "Arrow", "Leader line", "Badge", "Dotted path"):
        assert phrase in text, phrase
    for name in DATASET.factions["name"]:
        assert name in text
    k, m = rect(driver, "#map-key"), rect(driver, "#map")
    assert k["bottom"] <= m["bottom"] and k["right"] <= m["right"]  # inside the map panel, not clipped
    bar = driver.find_element("id", "scale-bar").text
    assert bar.endswith("km") or bar.endswith(" m")


def cluster_dataset(copies: int = 30) -> Dataset:
    """The bundled events, with Raqqa's fall repeated (new ids) so the map must cluster."""
    ev = DATASET.events
    base = ev.loc["raqqa-falls-to-sdf"]
    extra = pd.DataFrame([base] * copies)
    extra["id"] = [f"raqqa-copy-{k}" for k in range(copies)]
    extra.index = extra["id"]
    events = pd.concat([ev, extra])
    actors = DATASET.actors[DATASET.actors["event_id"] == "raqqa-falls-to-sdf"]
    more = pd.concat([actors.assign(event_id=i) for i in extra.index])
    all_actors = with_event_rows(pd.concat([DATASET.actors, more], ignore_index=True), events)
    return Dataset(
        DATASET.title, events, all_actors, DATASET.sources, DATASET.factions, DATASET.documents, DATASET.file
    )


def test_clicking_a_cluster_zooms_in_and_stays(dash_duo):
    dash_duo.start_server(create_app(dataset=cluster_dataset(), briefings={}))
    settle_first_page(dash_duo.driver)
    driver = dash_duo.driver
    driver.execute_script("document.getElementById('map-key').open = false")
    badge = wait_for(
        lambda: driver.execute_script(
            MAP_JS
            + """
      const t = gd.data.find(tr => tr.meta === 'cluster');
      if (!t) return null;
      const p = map.project([t.lon[0], t.lat[0]]); const r = map.getCanvas().getBoundingClientRect();
      return [r.left + p.x, r.top + p.y, t.customdata[0][0]];
    """
        ),
        message="a cluster badge",
    )
    before = camera(driver)["zoom"]
    click_at(driver, badge[0], badge[1])
    wait_for(lambda: camera(driver)["zoom"] > before + 0.9, message="zoomed in on the cluster")
    wait_idle(driver)
    import time

    time.sleep(3)  # long enough for any server redraw to have snapped the camera back
    assert camera(driver)["zoom"] > before + 0.9
    assert "event" not in query_of(driver)  # a badge is not an event


def check_hover_on_a_list_row_rings_the_event_on_both_views(driver):
    eid = "mekhan-positions-captured"
    row = driver.find_element("css selector", f"#event-list [data-event-id='{eid}']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", row)
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).move_to_element(row).perform()

    def ring(graph):
        return driver.execute_script(
            "const r = document.querySelector('#' + arguments[0] + ' > .hover-ring');"
            "return r && r.style.display !== 'none' ? (b => [b.left + b.width / 2, b.top + b.height / 2])"
            "(r.getBoundingClientRect()) : null;",
            graph,
        )

    at = wait_for(lambda: ring("map"), message="ring on the map")
    x, y = point_position(driver, "map", eid)
    assert math.hypot(at[0] - x, at[1] - y) < 3
