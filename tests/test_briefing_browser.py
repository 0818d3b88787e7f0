"""Presenter mode as a briefing officer uses it: URL step, keyboard, featured events."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_helpers import (
    assert_clean_console,
    count_text,
    go_in_page,
    non_loopback_resources,
    serve,
    severe_logs,
    wait_for,
    wait_idle,
)
from selenium.webdriver.common.keys import Keys

from conflictmap.briefing import briefing_path, load_briefing
from conflictmap.pipeline import load_dataset
from conflictmap.view import filter_events
from dashboard.app import create_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")
NAME = "deir-ez-zor-october-2017"
BRIEFING = load_briefing(briefing_path(NAME, ROOT / "events.yaml"), DATASET)


def step_of(driver) -> int:
    return int(parse_qs(urlsplit(driver.current_url).query)["step"][0])


def featured_on_map(driver) -> list[str]:
    """Ids drawn at full opacity on the map (the others are dimmed)."""
    return driver.execute_script("""
      const gd = document.querySelector('#map .js-plotly-plot');
      return gd.data.filter(t => t.meta === 'events' && t.marker.opacity === 1).flatMap(t => t.customdata);
    """)


@pytest.fixture(scope="module")
def served_url(module_dash_server):
    """The app on the bundled events, served once for the module (the tests only read it)."""
    module_dash_server.start(create_app(dataset=DATASET))
    return module_dash_server.url


@pytest.fixture
def page(dash_duo, served_url):
    serve(dash_duo, url=served_url)

    def open_(query):
        dash_duo.driver.get(f"{dash_duo.server_url}/briefing/{NAME}{query}")
        wait_idle(dash_duo.driver)
        return dash_duo.driver

    return open_


def test_url_step_opens_that_step_and_right_arrow_goes_to_the_next(page):
    driver = page("?step=3")
    step = BRIEFING.steps[2]
    wait_for(lambda: driver.find_element("id", "step-heading").text == step.heading, message="step 3 heading")
    assert f"Step 3 of {len(BRIEFING.steps)}" in driver.find_element("id", "step-counter").text
    want = len(filter_events(DATASET, step.view_state()))
    assert f"Showing {want} of {len(DATASET.events)} events" in count_text(driver)
    placed_featured = [e for e in step.events if DATASET.events.at[e, "map_lat"] == DATASET.events.at[e, "map_lat"]]
    assert sorted(featured_on_map(driver)) == sorted(placed_featured)
    driver.find_element("tag name", "body").send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: step_of(driver) == 4, message="step 4 in URL")
    wait_for(
        lambda: driver.find_element("id", "step-heading").text == BRIEFING.steps[3].heading, message="step 4 heading"
    )
    assert non_loopback_resources(driver) == []
    assert_clean_console(driver)


def test_keyboard_home_end_space_and_left(page):
    driver = page("?step=2")
    body = driver.find_element("tag name", "body")
    body.send_keys(Keys.END)
    wait_for(lambda: step_of(driver) == len(BRIEFING.steps), message="End -> last step")
    body.send_keys(Keys.ARROW_LEFT)
    wait_for(lambda: step_of(driver) == len(BRIEFING.steps) - 1, message="Left -> previous step")
    body.send_keys(Keys.HOME)
    wait_for(lambda: step_of(driver) == 1, message="Home -> first step")
    body.send_keys(Keys.SPACE)
    wait_for(lambda: step_of(driver) == 2, message="Space -> next step")
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    wait_for(lambda: step_of(driver) == 1, message="stays on step 1")


def test_out_of_range_step_and_unknown_briefing_show_notices(page):
    driver = page("?step=99")
    wait_for(
        lambda: f"Step {len(BRIEFING.steps)} of" in driver.find_element("id", "step-counter").text, message="clamped"
    )
    assert "steps" in driver.find_element("id", "notices").text
    go_in_page(driver, "/briefing/no-such-briefing")  # a link followed within the page (no reload)
    wait_for(
        lambda: "No briefing named 'no-such-briefing'" in driver.find_element("id", "notices").text, message="notice"
    )
    assert severe_logs(driver) == []


def test_step_one_renders_markdown_goes_full_screen_and_plays(page):
    """Three things on one page (one load): the step's Markdown, the full-screen button, then play."""
    driver = page("?step=1")
    wait_for(lambda: driver.find_elements("css selector", "#step-text strong"), message="bold from Markdown")
    assert "Syrian Democratic Forces" in driver.find_element("css selector", "#step-text strong").text

    driver.find_element("id", "fullscreen").click()
    wait_for(lambda: driver.execute_script("return !!document.fullscreenElement"), message="full screen")
    driver.find_element("id", "fullscreen").click()
    wait_for(lambda: driver.execute_script("return !document.fullscreenElement"), message="left full screen")

    driver.find_element("id", "play-step").click()
    step = BRIEFING.steps[0]

    def window():
        q = parse_qs(urlsplit(driver.current_url).query)
        return q.get("to", [None])[0]

    first = wait_for(window, message="play started")
    wait_for(lambda: window() not in (None, first), timeout=10, message="window moved")
    assert first >= step.date_from.isoformat()
    driver.find_element("id", "play-step").click()  # pause
