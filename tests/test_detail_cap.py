"""A huge field is never sent whole: the details panel shows its start and brings the rest on demand.

An events file (up to 64 MB) or a store can hold a 50 MB description or quote. Selecting its event
used to push the whole field through the details callback into the page. Now each free-text field
stops at TEXT_LIMIT characters, with "… N more characters" and a *Show more* button that brings the
next TEXT_STEP, up to TEXT_MOST in the page.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from browser_helpers import assert_clean_console, settle_first_page, wait_for, wait_idle

from conflictmap.pipeline import load_dataset
from dashboard.app import create_app
from dashboard.detail import TEXT_LIMIT, TEXT_MOST, TEXT_STEP, event_detail, shown_from_buttons

ROOT = Path(__file__).resolve().parent.parent
EVENT = "raqqa-falls-to-sdf"
HUGE = 50 * 1024 * 1024  # characters: the 50 MB field


@cache
def huge_dataset():
    dataset = load_dataset(ROOT / "events.yaml")
    words = "fell to the SDF after months of fighting " * (HUGE // 41 + 1)
    dataset.events.loc[EVENT, "description"] = "START " + words[: HUGE - 10] + " END"
    first_quote = dataset.sources.index[dataset.sources["event_id"] == EVENT][0]
    dataset.sources.loc[first_quote, "quote"] = "Q" * (TEXT_LIMIT + 10)
    return dataset


def panel_json(children) -> str:
    return json.dumps(children, default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def test_a_50_mb_description_renders_as_a_few_kilobytes():
    dataset = huge_dataset()
    text = panel_json(event_detail(dataset, EVENT))
    assert len(text) < 3 * TEXT_LIMIT + 20_000, len(text)
    assert "START fell to the SDF" in text and " END" not in text
    remaining = len(dataset.events.at[EVENT, "description"]) - TEXT_LIMIT
    assert f"… {remaining:,} more characters" in text
    assert f"Show {TEXT_STEP:,} more" in text
    # The quote, just over the limit, gets its own button for its last ten characters.
    assert "… 10 more characters" in text and "Show 10 more" in text


def test_show_more_brings_one_bounded_step_and_stops_at_the_most():
    dataset = huge_dataset()
    shown = shown_from_buttons([], {"field": "description", "shown": TEXT_LIMIT + TEXT_STEP})
    text = panel_json(event_detail(dataset, EVENT, shown))
    assert TEXT_LIMIT + TEXT_STEP <= len(text) < TEXT_LIMIT + TEXT_STEP + 3 * TEXT_LIMIT + 20_000
    forged = shown_from_buttons([], {"field": "description", "shown": 10**12})  # a forged button id
    most = panel_json(event_detail(dataset, EVENT, forged))
    assert len(most) < TEXT_MOST + 3 * TEXT_LIMIT + 20_000
    assert "too long to show here" in most and "Show " not in most.split("too long")[1][:200]


@pytest.mark.parametrize(
    "ids, clicked",
    [
        ([{"field": 3, "shown": "x"}], {"field": ["x"], "shown": True}),
        (None, None),
        ("text", "text"),
        ([{"field": "title", "shown": -5}], {"field": "title", "shown": -1}),
    ],
)
def test_forged_button_ids_never_fail_and_never_show_less_than_the_limit(ids, clicked):
    shown = shown_from_buttons(ids, clicked)
    assert all(TEXT_LIMIT <= n <= TEXT_MOST for n in shown.values())
    event_detail(huge_dataset(), EVENT, shown)


def test_an_event_id_of_the_wrong_type_shows_the_empty_panel():
    assert "Select an event" in panel_json(event_detail(huge_dataset(), {"forged": 1}))  # type: ignore[arg-type]


@pytest.mark.browser
def test_selecting_the_event_in_the_browser_stays_small_and_shows_more_on_demand(dash_duo):
    dash_duo.start_server(create_app(dataset=huge_dataset()))
    settle_first_page(dash_duo.driver)
    driver = dash_duo.driver
    driver.get(dash_duo.server_url + f"/?event={EVENT}")
    wait_idle(driver)

    def description() -> str:
        return driver.execute_script(
            "const d = document.querySelector('#event-detail .description'); return d ? d.textContent : '';"
        )

    wait_for(lambda: description().startswith("START"), message="the description shown")
    assert len(description()) < TEXT_LIMIT + 200
    largest = "return Math.max(0, ...performance.getEntriesByType('resource')" + (
        ".filter(e => e.name.includes('_dash-update-component')).map(e => e.encodedBodySize));"
    )
    assert driver.execute_script(largest) < 200_000
    driver.find_element("css selector", "#event-detail .description .detail-more").click()
    wait_for(lambda: len(description()) > TEXT_LIMIT + TEXT_STEP, message="the next part shown")
    assert len(description()) < TEXT_LIMIT + TEXT_STEP + 200
    assert driver.execute_script(largest) < TEXT_LIMIT + TEXT_STEP + 200_000
    assert_clean_console(driver)


def test_each_actor_is_named_and_coloured_by_its_faction_and_one_the_table_lacks_reads_unattributed():
    dataset = load_dataset(ROOT / "events.yaml")
    actor = dataset.actors.index[dataset.actors["event_id"] == EVENT][0]
    faction = dataset.actors.at[actor, "faction"]
    name, colour = dataset.factions.at[faction, "name"], dataset.factions.at[faction, "colour"]
    panel = panel_json(event_detail(dataset, EVENT))
    assert f'"{name} "' in panel and f'"background": "{colour}"' in panel
    dataset.actors.loc[actor, "faction"] = "no-such-faction"  # a store's actor outside its factions table
    assert '"Unattributed "' in panel_json(event_detail(dataset, EVENT))
