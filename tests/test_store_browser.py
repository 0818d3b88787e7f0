"""An imported ACLED export served from its store, as an analyst meets it in the browser.

A synthetic ACLED-format CSV with bad rows at known lines goes through the
real command line (``conflictmap import ... --on-error skip``) and the real
``conflictmap serve STORE``; the page must show every kept event ("N of N"),
a one-month window must narrow it to the events of that month, and no
callback response may exceed 1.5 MB.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from browser_helpers import MAP_JS, count_text, set_viewport, severe_logs, wait_for, wait_idle
from label_overlaps import measure

from conflictmap.store import load_store
from conflictmap.view import ViewState, filter_events
from dashboard.keyview import KEY_FACTIONS, faction_counts

ROOT = Path(__file__).resolve().parent.parent
ROWS, BAD = 20_000, 12
MAX_RESPONSE = 1.5 * 1024 * 1024

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("acled")
    csv = folder / "acled.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "acled_synth.py"), "--rows", str(ROWS), "--bad-rows", str(BAD)]
        + ["-o", str(csv)],
        check=True,
        capture_output=True,
    )
    out = folder / "store"
    done = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "import", str(csv), "-o", str(out), "--on-error", "skip"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # Every bad line is reported as FILE:LINE, at the lines the generator spoiled.
    spoiled = pd.read_csv(f"{csv}.bad-rows.csv")
    reported = {int(m) for m in re.findall(rf"{re.escape(str(csv))}:(\d+):", done.stderr)}
    assert set(spoiled["line"]) <= reported, (sorted(spoiled["line"]), sorted(reported))
    return out


@pytest.fixture
def served(store):
    from test_serve import wait_http

    from benchmarks.loopback import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "conflictmap_cli", "serve", str(store), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", timeout=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def callback_bytes(driver) -> list[int]:
    return driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component')).map(e => e.decodedBodySize);"
    )


HISTOGRAM_SUMS_JS = """
const sum = a => Array.from(a || []).reduce((x, y) => x + y, 0);
const lanes = document.querySelector('#timeline .js-plotly-plot');
const strip = document.querySelector('#timeline-strip .js-plotly-plot');
return {lanes: sum(lanes.data.filter(d => d.meta === 'lane-histogram').map(d => sum(d.customdata))),
        strip: sum(strip.data.filter(d => d.meta === 'histogram').map(d => sum(d.y)))};
"""


def test_a_served_store_shows_every_event_and_a_month_narrows_it(store, served, dash_br):
    events = pd.read_parquet(store / "events.parquet", columns=["date_start"])
    report = json.loads((store / "manifest.json").read_text())["import"]
    total = len(events)
    assert (report["rows_read"], report["kept"], report["rejected"]) == (ROWS, ROWS - BAD, BAD) and total == ROWS - BAD
    driver = dash_br.driver
    set_viewport(driver, 1500, 950)
    driver.get(served + "/")
    wait_idle(driver, timeout=120)
    assert f"Showing {total:,} of {total:,} events" in count_text(driver)
    key_lists_the_factions_in_view(driver, load_store(store))
    # Issue 15: no label over another or over a mark, cluster badges included (their circles are read
    # from the figure: MapLibre's index holds only the invisible icon the app puts under each).
    placed = [o for o in measure(driver) if o.what in ("label/label", "label/mark")]
    assert placed == [], placed
    # The timeline's counts (conflictmap/timeline_data.py) as drawn: every event once in the lanes'
    # histograms and once in the strip.
    assert driver.execute_script(HISTOGRAM_SUMS_JS) == {"lanes": total, "strip": total}
    markers_follow_the_camera_only_past_what_they_cover(driver)
    # One month: the middle month of the data.
    dates = pd.to_datetime(events["date_start"]).sort_values()
    start = dates.iloc[len(dates) // 2].replace(day=1)
    end = start + pd.offsets.MonthEnd(1)
    # The app's rule (an event is in the window when its date span meets it) is unit-tested in
    # test_view.py; here the page must show what it gives on the served store.
    in_month = len(filter_events(load_store(store), ViewState(date_from=start.date(), date_to=end.date())))
    assert 0 < in_month < total
    driver.get(f"{served}/?from={start:%Y-%m-%d}&to={end:%Y-%m-%d}")
    wait_for(
        lambda: f"Showing {in_month:,} of {total:,} events" in count_text(driver),
        timeout=120,
        message="the month's count",
    )
    wait_idle(driver, timeout=120)
    assert driver.execute_script(HISTOGRAM_SUMS_JS)["strip"] == in_month
    sizes = callback_bytes(driver)
    assert sizes and max(sizes) <= MAX_RESPONSE, sorted(sizes)[-3:]
    assert severe_logs(driver) == []


CAMERA_JS = (
    MAP_JS
    + """
const b = map.getBounds();
return {meta: gd.layout.meta, view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
        marks: map.queryRenderedFeatures().filter(f => String(f.layer.id).startsWith('plotly-trace-layer')).length};
"""
)


def markers_follow_the_camera_only_past_what_they_cover(driver) -> None:
    """The first map's markers cover every event at their zoom: its framed camera asks for no second
    layout (its meta has no area). Zoomed in, the markers cover the view and a margin; a jump past that
    area at the same zoom lays them out again there, and marks are drawn in the new view."""
    first = driver.execute_script(CAMERA_JS)
    assert "markersBounds" not in first["meta"], first["meta"]
    zoom = first["meta"]["markersZoom"] + 2
    areas = []
    for lon, lat in ((37.16, 36.2), (40.14, 35.33)):  # Aleppo, then Deir ez-Zor: far apart at this zoom
        # As an analyst's gesture (an originalEvent): plotly keeps the camera instead of restoring its own.
        driver.execute_script(
            MAP_JS + f"map.jumpTo({{center: [{lon}, {lat}], zoom: {zoom}}}, {{originalEvent: {{type: 'test'}}}});"
        )
        wait_idle(driver, timeout=120)
        now = driver.execute_script(CAMERA_JS)
        area, (w, s, e, n) = now["meta"].get("markersBounds"), now["view"]
        assert now["meta"]["markersZoom"] == zoom and area, now["meta"]
        assert area[0] <= w and area[1] <= s and area[2] >= e and area[3] >= n, (area, now["view"])
        assert now["marks"] > 0, now
        areas.append(area)
    assert areas[0] != areas[1]
    # Markers laid out around another camera than the map's now (a filter's answer that lands after a
    # pan): once the map is idle the page asks for the view's own.
    driver.execute_script(
        MAP_JS + "gd.layout.meta = Object.assign({}, gd.layout.meta, {markersBounds: [0, 0, 1, 1]});"
        "map.triggerRepaint();"
    )

    def healed():
        now = driver.execute_script(CAMERA_JS)
        area, (w, s, e, n) = now["meta"].get("markersBounds") or [0, 0, 1, 1], now["view"]
        return now if area[0] <= w and area[1] <= s and area[2] >= e and area[3] >= n else None

    assert wait_for(healed, timeout=60, message="markers laid out for the view again")["marks"] > 0


def key_lists_the_factions_in_view(driver, dataset) -> None:
    """Issue 15: with an import's many factions the Key lists those the map colours in its bounds,
    most events first, and folds the rest behind "N more" (never a long list over the map)."""
    bounds = driver.execute_script(
        MAP_JS + "const b = map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];"
    )
    expected = faction_counts(dataset.events, bounds)
    assert len(expected) > KEY_FACTIONS, expected  # the import has more factions in view than the Key shows

    def listed():
        return driver.execute_script(
            "const k = document.getElementById('map-key-factions');"
            "return [[...k.querySelectorAll('.key-factions .key-row')].map(r => r.textContent),"
            " (k.querySelector('.key-more > summary') || {}).textContent || ''];"
        )

    names = [str(dataset.factions.at[f, "name"]) if f else "Unattributed" for f in expected.index[:KEY_FACTIONS]]
    want = [
        [f"{name}{n:,}" for name, n in zip(names, expected.iloc[:KEY_FACTIONS])],
        f"{len(expected) - KEY_FACTIONS:,} more",
    ]
    wait_for(lambda: listed() == want, timeout=60, message=f"the Key's factions: {listed()} != {want}")
