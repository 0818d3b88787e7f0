"""How fast the app answers an analyst: first render, selection, hover, bytes per update.

    python -m benchmarks.app_latency [--runs 5] [--size 10000]

On the bundled events file and on a synthetic ACLED-shaped store of --size
events (made with acled_synth.py and `conflictmap import` if missing), with
`conflictmap serve` on loopback and headless Chromium (software WebGL), it prints:

- first render: navigation -> map loaded, markers laid out for its zoom, the count on screen;
- selection: a click on an event-list row -> the details panel shows the event and both views
  carry its ring (the ring is moved in the browser; the details come from the server);
- hover: pointing at markers and list rows -> the longest main-thread task (PerformanceObserver
  'longtask', tasks over 50 ms) while the rings move;
- bytes per update on the server's callbacks (filters, zoom, details);

and, in the same run, the same steps for benchmarks/naive_app.py (one trace with every
point, no selection or hover of its own), with ratios. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

from benchmarks.app_scale import (
    CONFLICTMAP,
    PY,
    body,
    dependencies,
    ensure_store,
    find,
    first_paint,
    headless_chromium,
    measure,
    post,
    server,
)
from benchmarks.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent

LONGTASKS = """
window.__longest = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
}).observe({type: 'longtask', buffered: false});
"""


def settle(driver, timeout=120):
    """The test suite's own "Dash idle, map drawn" wait, read from its file: tests/ is no package."""
    spec = importlib.util.spec_from_file_location("browser_helpers", ROOT / "tests" / "browser_helpers.py")
    assert spec is not None and spec.loader is not None
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    helpers.wait_idle(driver, timeout)


def selection_ms(driver, runs: int) -> float:
    """Click list rows; time until details and both rings show the clicked event."""
    ids = driver.execute_script(
        "return Array.from(document.querySelectorAll('#event-list [data-event-id]')).map(r => r.dataset.eventId)"
    )
    placed = driver.execute_script("""
      const gd = document.querySelector('#map .js-plotly-plot');
      return gd.data.filter(t => t.meta === 'events').flatMap(t => t.customdata);""")
    targets = [i for i in ids if i in set(placed)][:runs] or ids[:runs]
    times = []
    for eid in targets:
        t = driver.execute_script(
            """
          const row = document.querySelector("#event-list [data-event-id='" + arguments[0] + "']");
          row.scrollIntoView({block: 'nearest'});
          window.__t0 = performance.now(); row.click(); return window.__t0;""",
            eid,
        )
        end = time.time() + 30
        while time.time() < end:
            done = driver.execute_script(
                """
              const id = arguments[0];
              const ring = g => { const gd = document.querySelector('#' + g + ' .js-plotly-plot');
                const t = gd.data.find(tr => tr.meta === 'selected'); return t && t.customdata[0] === id; };
              const detail = document.getElementById('event-detail').textContent;
              return ring('map') && ring('timeline') && detail.includes('Event id: ' + id) ? performance.now() : null;
            """,
                eid,
            )
            if done:
                times.append(done - t)
                break
            time.sleep(0.005)
    return statistics.median(times) if times else float("nan")


def hover_longest_task(driver) -> float:
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script(LONGTASKS)
    rows = driver.find_elements("css selector", "#event-list [data-event-id]")[:15]
    points = driver.execute_script("""
      const gd = document.querySelector('#map .js-plotly-plot');
      const map = gd._fullLayout.map._subplot.map; const r = map.getCanvas().getBoundingClientRect();
      return gd.data.filter(t => t.meta === 'events').flatMap(t => t.lat.map((la, k) => {
        const p = map.project([t.lon[k], la]); return [r.left + p.x, r.top + p.y]; }))
        .filter(([x, y]) => x > r.left && x < r.right && y > r.top && y < r.bottom).slice(0, 15);""")
    chain = ActionChains(driver)
    for row in rows:
        chain.move_to_element(row).pause(0.15)
    chain.perform()
    for x, y in points:
        chain = ActionChains(driver)
        chain.w3c_actions.pointer_action.move_to_location(int(x), int(y))
        chain.pause(0.15)
        chain.perform()
    time.sleep(0.5)
    return driver.execute_script("return window.__longest")


def update_bytes(url: str, some_event: str) -> dict:
    deps = dependencies(url)
    views = find(deps, "timeline-strip.figure")
    markers = find(deps, "map.figure", "map-view.data")
    detail = find(deps, "event-detail.children")
    base = {
        "url.pathname": "/",
        "map-selection.data": [],
        "map-drawn.data": True,
        "list-page.data": 1,
        "map-view.data": {"zoom": 6.5, "bounds": [36.0, 33.0, 43.0, 37.0]},
    }
    steps = {
        "filter (views)": lambda: post(
            url, body(views, {**base, "view-key.data": "?type=battle", "url.search": "?type=battle"}, ["view-key.data"])
        ),
        "zoom (markers)": lambda: post(
            url,
            body(
                markers,
                {**base, "url.search": "", "map-view.data": {"zoom": 9.0, "bounds": [37.0, 36.0, 37.4, 36.3]}},
                ["map-view.data"],
            ),
        ),
        "selection (details)": lambda: post(
            url, body(detail, {"selected-event.data": some_event}, ["selected-event.data"])
        ),
    }
    return {name: measure(fn, 5) for name, fn in steps.items()}


def run(label: str, source: Path, runs: int) -> None:
    print(f"\n## {label}\n")
    port = free_port()
    with server([*CONFLICTMAP, "serve", str(source), "--port", str(port)], port) as (url, startup, _proc):
        paint = first_paint(url, naive=False)
        driver = headless_chromium()
        try:
            driver.get(url + "/")
            settle(driver)
            select = selection_ms(driver, runs)
            longest = hover_longest_task(driver)
            some = driver.execute_script("return document.querySelector('#event-list [data-event-id]').dataset.eventId")
        finally:
            driver.quit()
        sizes = update_bytes(url, some)
    print(
        f"conflictmap: startup {startup:.1f} s; first render {paint:.2f} s; selection -> details and both rings "
        f"{select:.0f} ms (median of {runs}); hover: longest main-thread task {longest:.0f} ms"
    )
    for name, r in sizes.items():
        print(f"  {name:<22} p50 {r['p50'] * 1000:6.0f} ms  {r['bytes'] / 1000:8.1f} kB")
    if source.is_dir():
        port = free_port()
        with server([PY, str(ROOT / "benchmarks" / "naive_app.py"), str(source), "--port", str(port)], port) as (
            url,
            startup,
            _proc,
        ):
            naive_paint = first_paint(url, naive=True)
            deps = dependencies(url)
            dep = find(deps, "map.figure")
            r = measure(lambda: post(url, body(dep, {"faction.value": None}, ["faction.value"])), 3)
        print(
            f"naive app:   startup {startup:.1f} s; first render {naive_paint:.2f} s; every update "
            f"{r['p50'] * 1000:.0f} ms, {r['bytes'] / 1000:.1f} kB (no selection, no hover of its own)"
        )
        print(
            f"  ratios: first render {naive_paint / paint:.1f}x, bytes per update "
            f"{r['bytes'] / max(sizes['filter (views)']['bytes'], 1):.1f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/conflictmap-bench"))
    args = parser.parse_args()
    run("bundled events.yaml (14 events)", ROOT / "events.yaml", args.runs)
    run(f"{args.size:,} synthetic ACLED events (store)", ensure_store(args.size, args.workdir), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
