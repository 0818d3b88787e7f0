"""The app as a user meets it: a real Chromium that can reach only loopback.

Expected numbers are computed from the pipeline (the same filter functions
the app uses), never typed in, so the tests follow the events file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from browser_helpers import (
    click_point,
    count_text,
    drag,
    go_in_page,
    map_event_ids,
    non_loopback_resources,
    query_of,
    selected_on,
    serve,
    set_viewport,
    severe_logs,
    timeline_event_ids,
    wait_for,
    wait_idle,
)
from selenium.webdriver.common.keys import Keys

from conflictmap.describe import download_name
from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState, events_in_time_order, filter_events
from dashboard.app import create_app
from dashboard.callbacks import downloads

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")
TOTAL = len(DATASET.events)


def expected(**filters) -> int:
    return len(filter_events(DATASET, ViewState(**filters)))


@pytest.fixture(scope="module")
def served_url(module_dash_server):
    """The app on the bundled events, served once for the module (the tests only read it)."""
    module_dash_server.start(create_app(dataset=DATASET))
    return module_dash_server.url


@pytest.fixture
def app_url(dash_duo, served_url):
    """Every test opens its own URL first: the server's address, no page loaded yet."""
    return serve(dash_duo, url=served_url)


def open_page(dash_duo, query=""):
    dash_duo.driver.get(dash_duo.server_url + "/" + query)
    wait_idle(dash_duo.driver)
    return dash_duo.driver


def test_one_page_offline_hover_arrow_keys_and_clicks(dash_duo, app_url):
    """Five things an analyst does on one page, in an order that leaves each the state it needs
    (the page loads once: each load draws the map in software WebGL for seconds)."""
    driver = open_page(dash_duo)
    check_page_loads_offline_with_base_map_and_timeline(driver)
    check_hover_on_the_map_rings_the_event_on_the_timeline_without_redrawing_it(driver)
    check_arrow_keys_step_through_events_in_time_order(driver)
    check_clicking_a_timeline_point_opens_details_and_highlights_on_map(driver)
    check_clicking_a_map_marker_opens_details(driver)
    assert severe_logs(driver) == []


def check_page_loads_offline_with_base_map_and_timeline(driver):
    drawn = driver.execute_script("""
      const map = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;
      return [...new Set(map.queryRenderedFeatures().map(f => f.layer.id))];
    """)
    for layer in ("land", "borders", "rivers", "admin1-lines", "story-labels"):
        assert layer in drawn, (layer, drawn)
    assert driver.find_elements("css selector", "#timeline .scatterlayer .point")
    assert f"Showing {TOTAL} of {TOTAL} events" in count_text(driver)
    placed = DATASET.events["map_lat"].notna().sum()
    assert sorted(map_event_ids(driver)) == sorted(DATASET.events.index[DATASET.events["map_lat"].notna()])
    assert len(map_event_ids(driver)) == placed
    assert sorted(timeline_event_ids(driver)) == sorted(DATASET.events.index)
    assert non_loopback_resources(driver) == []
    assert severe_logs(driver) == []


def test_faction_filter_from_the_dropdown_changes_markers_count_and_url(dash_duo, app_url):
    driver = open_page(dash_duo)
    faction = "sdf"
    name = DATASET.factions.at[faction, "name"]
    choose_option(driver, "faction-filter", name)
    want = expected(factions=(faction,))
    assert 0 < want < TOTAL
    wait_for(lambda: f"Showing {want} of {TOTAL} events" in count_text(driver), message="count after filter")
    assert query_of(driver)["faction"] == [faction]
    wait_idle(driver)
    ids = set(timeline_event_ids(driver))
    involved = set(DATASET.actors.loc[DATASET.actors["faction"] == faction, "event_id"])
    assert ids == involved
    assert set(map_event_ids(driver)) <= involved
    assert severe_logs(driver) == []


def choose_option(driver, dropdown_id: str, label: str) -> None:
    """Open a Dash 4 dropdown (a button with a listbox popover) and tick one option."""
    driver.find_element("id", dropdown_id).click()
    option = wait_for(
        lambda: [
            o for o in driver.find_elements("css selector", "[role=listbox] [role=option]") if o.text.strip() == label
        ],
        message=f"option {label}",
    )[0]
    option.click()
    driver.find_element("tag name", "body").send_keys(Keys.ESCAPE)


def test_url_faction_shows_fewer_events(dash_duo, app_url):
    """A link with a faction opens the page filtered; the other factions' links are reached as the
    browser's history reaches them (one page load: each draws the map in software WebGL)."""
    first, *others = DATASET.factions.index
    driver = open_page(dash_duo, f"?faction={first}")
    for faction in [first, *others]:
        if faction != first:
            go_in_page(driver, f"/?faction={faction}")
        want = expected(factions=(faction,))
        wait_for(lambda w=want: f"Showing {w} of {TOTAL} events" in count_text(driver), message=faction)
        assert want < TOTAL


def test_url_date_window_shows_overlapping_events(dash_duo, app_url):
    driver = open_page(dash_duo, "?from=2017-10-22&to=2017-10-22")
    sunday = pd_ts("2017-10-22")
    overlapping = set(
        DATASET.events.index[(DATASET.events["date_start"] <= sunday) & (DATASET.events["date_end"] >= sunday)]
    )
    wait_for(lambda: f"Showing {len(overlapping)} of {TOTAL} events" in count_text(driver), message="date count")
    wait_idle(driver)
    assert set(timeline_event_ids(driver)) == overlapping
    assert "al-omar-oil-field-captured" in overlapping
    # The date pickers show the window from the URL.
    assert driver.find_element("id", "date-range").get_attribute("value") == "2017-10-22"


def pd_ts(s):
    import pandas as pd

    return pd.Timestamp(s)


def test_url_event_opens_details_with_source_quote(dash_duo, app_url):
    event_id = "mekhan-positions-captured"
    driver = open_page(dash_duo, f"?event={event_id}")
    detail = wait_for(lambda: driver.find_element("id", "event-detail").text, message="detail")
    row = DATASET.events.loc[event_id]
    assert row["title"] in detail
    for quote in DATASET.sources.loc[DATASET.sources["event_id"] == event_id, "quote"]:
        assert quote in detail
    assert "Middle East Monitor" in detail and "paragraph" in detail
    assert selected_on(driver, "map") == [event_id]
    assert selected_on(driver, "timeline") == [event_id]


def check_clicking_a_timeline_point_opens_details_and_highlights_on_map(driver):
    event_id = "al-omar-oil-field-captured"
    click_point(driver, "timeline", event_id)
    wait_for(lambda: query_of(driver).get("event") == [event_id], message="event in URL")
    wait_for(
        lambda: DATASET.events.at[event_id, "title"] in driver.find_element("id", "event-detail").text,
        message="detail panel",
    )
    wait_for(lambda: selected_on(driver, "map") == [event_id], message="map highlight")


def check_clicking_a_map_marker_opens_details(driver):
    event_id = "raqqa-falls-to-sdf"
    click_point(driver, "map", event_id)
    wait_for(lambda: query_of(driver).get("event") == [event_id], message="event in URL")
    wait_for(lambda: selected_on(driver, "timeline") == [event_id], message="timeline highlight")


def test_permalink_round_trips_and_back_button_restores(dash_duo, app_url):
    link = "?faction=syrian-government&type=movement&q=south"
    driver = open_page(dash_duo, link)
    want = expected(factions=("syrian-government",), types=("movement",), query="south")
    wait_for(lambda: f"Showing {want} of {TOTAL} events" in count_text(driver), message="restored count")
    assert "Syrian government" in driver.find_element("id", "faction-filter").text
    assert driver.find_element("css selector", "#search").get_attribute("value") == "south"
    # Change the view from the page: clear all filters.
    driver.find_element("id", "clear-all").click()
    wait_for(lambda: f"Showing {TOTAL} of {TOTAL} events" in count_text(driver), message="cleared")
    assert "faction" not in query_of(driver)
    driver.back()
    wait_for(lambda: f"Showing {want} of {TOTAL} events" in count_text(driver), message="back restores")
    assert query_of(driver)["faction"] == ["syrian-government"]
    wait_for(
        lambda: "Syrian government" in driver.find_element("id", "faction-filter").text, message="control restored"
    )


def test_unknown_url_values_show_a_notice_not_an_error(dash_duo, app_url):
    driver = open_page(dash_duo, "?faction=nobody,sdf&from=2017-13-01&type=picnic&event=nope")
    notices = wait_for(lambda: driver.find_element("id", "notices").text, message="notices")
    assert "nobody" in notices and "2017-13-01" in notices and "picnic" in notices and "nope" in notices
    want = expected(factions=("sdf",))
    wait_for(lambda: f"Showing {want} of {TOTAL} events" in count_text(driver), message="known values kept")
    assert severe_logs(driver) == []


def check_arrow_keys_step_through_events_in_time_order(driver):
    """From no selection: → selects the first event, → the second, ← the first again; Escape clears."""
    order = events_in_time_order(DATASET.events)
    body = driver.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: query_of(driver).get("event") == [order[0]], message="first event")
    body.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: query_of(driver).get("event") == [order[1]], message="second event")
    body.send_keys(Keys.ARROW_LEFT)
    wait_for(lambda: query_of(driver).get("event") == [order[0]], message="back to first")
    body.send_keys(Keys.ESCAPE)
    wait_for(lambda: "event" not in query_of(driver), message="Escape clears")
    wait_idle(driver)


def test_brushing_the_timeline_filters_the_map(dash_duo, app_url):
    driver = open_page(dash_duo)
    # Drag across the plot area from the Friday 20th to Monday 23rd (a box select along x).
    box = driver.execute_script("""
      const gd = document.querySelector('#timeline .js-plotly-plot');
      gd.scrollIntoView({block: 'center'});
      const xa = gd._fullLayout.xaxis;
      const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
      const x0 = xa.d2p('2017-10-20 06:00'), x1 = xa.d2p('2017-10-23 18:00');
      return [r.left + x0, r.left + x1, r.top + r.height * 0.5];
    """)
    drag(driver, box[0], box[2], box[1], box[2] + 4)
    wait_for(lambda: "from" in query_of(driver), message="brushed window in URL")
    q = query_of(driver)
    date_from, date_to = dt.date.fromisoformat(q["from"][0]), dt.date.fromisoformat(q["to"][0])
    assert date_from == dt.date(2017, 10, 20) and date_to == dt.date(2017, 10, 23)
    want = expected(date_from=date_from, date_to=date_to)
    wait_for(lambda: f"Showing {want} of {TOTAL} events" in count_text(driver), message="brushed count")


def test_phone_width_stacks_the_layout(dash_duo, app_url):
    driver = dash_duo.driver
    set_viewport(driver, 400, 900)  # the tab is the test's own: the next test opens another
    open_page(dash_duo)
    rects = driver.execute_script("""
      return ['#map', '#timeline', '#event-detail', '.filters'].map(s => {
        const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.top, r.width]; });
    """)
    tops = [r[1] for r in rects]
    assert tops == sorted(tops), rects  # one column: map first, then timeline, details, filters
    assert all(r[2] <= 400 for r in rects)
    assert driver.find_elements("css selector", "#timeline .scatterlayer .point")


def hover_ring(driver, graph: str):
    """The hover ring's centre over ``graph``, or None when hidden (drawn over the view, not in it)."""
    return driver.execute_script(
        """
      const ring = document.querySelector('#' + arguments[0] + ' > .hover-ring');
      if (!ring || ring.style.display === 'none') return null;
      const r = ring.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    """,
        graph,
    )


def check_hover_on_the_map_rings_the_event_on_the_timeline_without_redrawing_it(driver):
    from browser_helpers import move_to, point_position

    event_id = "al-omar-oil-field-captured"
    driver.execute_script(
        "window.__redraws = 0; document.querySelector('#timeline .js-plotly-plot')"
        ".on('plotly_afterplot', () => window.__redraws++);"
    )
    move_to(driver, *point_position(driver, "map", event_id))
    ring = wait_for(lambda: hover_ring(driver, "timeline"), message="hover ring on the timeline")
    x, y = point_position(driver, "timeline", event_id)
    assert abs(ring[0] - x) < 3 and abs(ring[1] - y) < 3, (ring, (x, y))
    assert driver.execute_script("return window.__redraws") == 0


def test_box_select_on_the_map_highlights_on_the_timeline(dash_duo, app_url):
    from browser_helpers import drag, point_position

    driver = open_page(dash_duo)
    # Choose the modebar's box select, then drag a box around Raqqa's markers.
    driver.execute_script("document.getElementById('map-key').open = false")  # the key must not catch the drag
    driver.execute_script("document.querySelector('#map .modebar-btn[data-val=select]').click()")
    raqqa = [e for e in DATASET.events.index if DATASET.events.at[e, "place_name"] == "Raqqa"]
    xs, ys = zip(*[point_position(driver, "map", e) for e in raqqa])
    drag(driver, min(xs) - 25, min(ys) - 25, max(xs) + 25, max(ys) + 25)

    def bright_on_timeline():
        return driver.execute_script("""
          const gd = document.querySelector('#timeline .js-plotly-plot');
          return gd.data.filter(t => t.meta === 'events')
                        .flatMap(t => t.customdata.filter((id, k) => t.marker.opacity[k] === 1));
        """)

    wait_for(lambda: set(bright_on_timeline()) == set(raqqa), message="timeline highlights the selection")


def test_download_button_exports_the_filtered_view(dash_duo, app_url, tmp_path, monkeypatch):
    import json

    driver = open_page(dash_duo, "?faction=us-coalition")
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    choose_option(driver, "download-format", "GeoJSON")
    driver.find_element("id", "download-button").click()
    files = wait_for(lambda: [p for p in tmp_path.iterdir() if p.suffix == ".geojson"], timeout=30, message="download")
    collection = json.loads(files[0].read_text(encoding="utf-8"))
    # Named for what it holds (title and filter), not conflictmap.geojson.
    assert files[0].name == download_name(DATASET, ViewState(factions=("us-coalition",)), "geojson")
    assert files[0].name.endswith("_us-coalition.geojson")
    shown = filter_events(DATASET, ViewState(factions=("us-coalition",)))
    placed = set(shown.index[shown["map_lat"].notna()])
    assert {f["id"] for f in collection["features"]} == placed
    assert "Middle East Monitor" in json.dumps(collection)
    # Past the page's limit (a million events' CSV was a 1.1 GB answer that never arrived) the page
    # says so, with the count and the command, and no file comes.
    monkeypatch.setattr(downloads, "PAGE_DOWNLOAD_MAX_EVENTS", len(shown) - 1)
    choose_option(driver, "download-format", "Table (CSV)")
    driver.find_element("id", "download-button").click()
    status = wait_for(
        lambda: (t := driver.find_element("id", "download-status").text).startswith("Download refused") and t,
        timeout=30,
        message="the refusal in the status line",
    )
    assert f"this view has {len(shown):,} events" in status and "conflictmap export --format csv" in status
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".csv"]
