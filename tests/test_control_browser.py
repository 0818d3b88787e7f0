"""The control panel and layer in a real Chromium, offline (network blocked but loopback).

One page per file; the URL then changes in the page (as back/forward or a
pasted link would), so each date costs a callback, not a page load. The
expected rows come from the core model, and are checked against the facts
the fixture and the article state (who holds Hawija inside its window, Raqqa
on 19 October): a row must never name a holder that only a later change gives.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from browser_helpers import (
    assert_clean_console,
    click_at,
    go_in_page,
    non_loopback_resources,
    settle_first_page,
    wait_for,
)

from conflictmap.control import control_at, control_claims, model_for
from conflictmap.pipeline import load_dataset
from dashboard.app import create_app
from dashboard.controllayer import holder_text

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "control" / "events.yaml"

ROWS_JS = """
return [...document.querySelectorAll('#control tbody tr')].map(tr => ({
  place: tr.dataset.place, state: tr.dataset.state, holder: tr.dataset.holder,
  text: tr.querySelector('.control-holder').textContent,
}));
"""
CAPTION_JS = "const c = document.querySelector('#control caption'); return c ? c.textContent : '';"
LAYER_JS = """
const gd = document.querySelector('#map .js-plotly-plot');
const t = gd && gd.data ? gd.data.findIndex(d => d.meta === 'control') : -1;
const events = gd && gd.data ? gd.data.findIndex(d => d.meta === 'events') : -1;
return {index: t, events: events, n: t >= 0 ? gd.data[t].lat.length : 0,
        colours: t >= 0 ? gd.data[t].marker.color : []};
"""
LANES_JS = """
const lanes = document.querySelector('#timeline .js-plotly-plot');
const strip = document.querySelector('#timeline-strip .js-plotly-plot');
const mark = (strip.layout.shapes || []).find(s => s.name === 'control-as-of');
return {ticks: lanes.layout.yaxis.ticktext, bars: lanes.data.filter(d => d.meta === 'control-lane').length,
        mark: mark ? mark.x0 : null};
"""

LANE_POINT_JS = """
const gd = document.querySelector('#timeline .js-plotly-plot');
for (const tr of gd.data) {
  if (tr.meta !== 'control-lane' || !tr.customdata) continue;
  const k = tr.customdata.findIndex(c => c && c[1] === arguments[0]);
  if (k < 0) continue;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = document.getElementById('lanes-scroll');
  const y = ya.d2p(tr.y[k]) + gd._fullLayout.margin.t;
  if (box) box.scrollTop = y - box.clientHeight / 2;
  const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return [r.left + xa.d2p(tr.x[k]), r.top + ya.d2p(tr.y[k])];
}
return null;
"""


def panel_rows(driver, day: dt.date) -> list[dict]:
    wait_for(lambda: f"{day:%d %b %Y}" in driver.execute_script(CAPTION_JS), message=f"control table as of {day}")
    return driver.execute_script(ROWS_JS)


def expected_rows(dataset, day: dt.date) -> list[dict]:
    model = model_for(dataset)
    names = {str(k): str(v) for k, v in dataset.factions["name"].items()}
    return [
        {"place": s.place.name, "state": s.state, "holder": s.holder or ""}
        | {"text": holder_text(s, names) + (" (last known)" if s.stale else "")}
        for s in control_at(model, day)
    ]


def assert_no_holder_from_a_later_change(dataset, day: dt.date, rows: list[dict]) -> None:
    claims = control_claims(dataset)
    for row in rows:
        if not row["holder"]:
            continue
        here = [c for c in claims if c.place.name == row["place"]]
        possible = [c for c in here if c.earliest is None or c.earliest <= day]
        first = min(here, key=lambda c: c.start)
        givers = {c.gainer for c in possible} | ({first.loser} if first.kind != "assertion" else set())
        assert row["holder"] in givers, (day, row)


@pytest.fixture
def fixture_page(dash_duo):
    dataset = load_dataset(FIXTURE)
    dash_duo.start_server(create_app(dataset=dataset))
    settle_first_page(dash_duo.driver)
    return dash_duo.driver, dataset


def test_the_panel_follows_the_date_in_the_link_on_the_two_country_fixture(fixture_page):
    driver, dataset = fixture_page
    facts = {
        "2017-05-09": {"Tabqa": ("held", "daesh"), "Hawija": ("held", "daesh"), "Al-Qaim": ("held", "iraqi-forces")},
        "2017-05-10": {"Tabqa": ("held", "sdf")},
        "2017-09-28": {"Hawija": ("changing", "iraqi-forces"), "Al-Qaim": ("held", "daesh")},
        "2017-10-06": {"Hawija": ("held", "iraqi-forces")},
        "2017-11-02": {"Al-Qaim": ("changing", "iraqi-forces")},
        "2017-11-06": {"Al-Qaim": ("held", "iraqi-forces")},
    }
    for iso, want in facts.items():
        day = dt.date.fromisoformat(iso)
        go_in_page(driver, f"/?to={iso}")
        rows = panel_rows(driver, day)
        assert rows == expected_rows(dataset, day), iso
        got = {r["place"]: (r["state"], r["holder"]) for r in rows}
        assert {k: got[k] for k in want} == want, iso
        assert_no_holder_from_a_later_change(dataset, day, rows)
    # Inside the recapture's week the row says who is losing it and who is gaining it.
    go_in_page(driver, "/?to=2017-11-02")
    qaim = next(r for r in panel_rows(driver, dt.date(2017, 11, 2)) if r["place"] == "Al-Qaim")
    assert qaim["text"] == "changing: Daesh (Islamic State) → Iraqi forces"
    # Stale: Tabqa has had no news since May.
    go_in_page(driver, "/?to=2017-09-28")
    tabqa = next(r for r in panel_rows(driver, dt.date(2017, 9, 28)) if r["place"] == "Tabqa")
    assert tabqa["text"] == "Syrian Democratic Forces (last known)"
    # asof= sets the date on its own, whatever the window.
    go_in_page(driver, "/?asof=2017-05-10")
    assert {r["place"]: r["holder"] for r in panel_rows(driver, dt.date(2017, 5, 10))}["Tabqa"] == "sdf"
    assert non_loopback_resources(driver) == []
    assert_clean_console(driver)


def test_bundled_file_panel_layer_toggle_and_key(dash_duo):
    dataset = load_dataset(ROOT / "events.yaml")
    dash_duo.start_server(create_app(dataset=dataset))
    settle_first_page(dash_duo.driver)
    driver = dash_duo.driver
    expected = {"2017-10-10": ("held", "daesh"), "2017-10-19": ("changing", "sdf"), "2017-10-26": ("held", "sdf")}
    for iso, want in expected.items():
        day = dt.date.fromisoformat(iso)
        go_in_page(driver, f"/?to={iso}")
        rows = panel_rows(driver, day)
        assert rows == expected_rows(dataset, day)
        raqqa = next(r for r in rows if r["place"] == "Raqqa")
        assert (raqqa["state"], raqqa["holder"]) == want
        assert_no_holder_from_a_later_change(dataset, day, rows)
    on_26 = {r["place"]: r for r in panel_rows(driver, dt.date(2017, 10, 26))}
    # The timeline: a control lane per painted place, and the strip marks the date.
    wait_for(lambda: driver.execute_script(LANES_JS)["bars"] > 0, message="control lanes drawn")
    lanes = driver.execute_script(LANES_JS)
    assert lanes["ticks"][-3:] == ["Raqqa", "Al-Omar oil field", "Mekhan"]
    assert lanes["mark"] == "2017-10-26T12:00:00"
    # A click on a lane's bar selects the event it rests on: its details show the quote.
    click_at(driver, *driver.execute_script(LANE_POINT_JS, "raqqa-falls-to-sdf"))
    wait_for(lambda: "event=raqqa-falls-to-sdf" in driver.current_url, message="event selected from the lane")
    detail = driver.find_element("css selector", "#event-detail")
    wait_for(lambda: "fell to the US-backed" in detail.get_attribute("textContent"), message="the quote shown")
    # The table's evidence link selects its event within the page (no reload), keeping the date.
    driver.execute_script("window.__samePage = true;")
    link = driver.find_element("css selector", "#control tr[data-place='Al-Omar oil field'] a.evidence")
    assert link.text == "al-omar-oil-field-captured"
    link.click()
    wait_for(lambda: "event=al-omar-oil-field-captured" in driver.current_url, message="event selected from the table")
    assert "to=2017-10-26" in driver.current_url and driver.execute_script("return window.__samePage === true")
    wait_for(lambda: "Al-Omar" in detail.get_attribute("textContent"), message="its details shown")
    assert on_26["Al-Omar oil field"]["text"] == "US-led coalition"
    assert on_26["Mekhan"]["text"] == "contested"
    # The layer: under the event marks, one disc per painted place (the governorate rows are not painted).
    painted = [s for s in control_at(model_for(dataset), dt.date(2017, 10, 26)) if s.place.painted]
    wait_for(lambda: driver.execute_script(LAYER_JS)["n"] == len(painted), message="control layer drawn")
    layer = driver.execute_script(LAYER_JS)
    assert 0 <= layer["index"] < layer["events"]
    assert dataset.factions.at["sdf", "colour"] in layer["colours"]
    # Toggled off in the sidebar: the discs go, the table stays.
    driver.find_element("css selector", "#control-layer input[type=checkbox]").click()
    wait_for(lambda: driver.execute_script(LAYER_JS)["index"] == -1, message="control layer removed")
    assert driver.execute_script(ROWS_JS)
    # The Key explains it.
    key = driver.find_element("css selector", "#map-key").get_attribute("textContent")
    assert "Control" in key and "changing hands" in key
    assert non_loopback_resources(driver) == []
    assert_clean_console(driver)
