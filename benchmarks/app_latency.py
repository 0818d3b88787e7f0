"""How fast the app answers: first render in a browser, and callback latency.

    python benchmarks/app_latency.py [--runs 5] [--scale 100000]

Prints:
- time to first render (navigation start -> base map and timeline drawn) in
  headless Chromium against `conflictmap serve` on loopback, median of runs;
- browser round trip for a filter change (URL -> new count on screen);
- server-side cost of one render callback (filter + both figures + JSON) on
  the bundled file;
- the filter step on a synthetic table of --scale rows (the bundled events
  repeated with new ids; for timing only), against a naive baseline that
  filters a list of dicts row by row in the same process, and their ratio.
Numbers are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import plotly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conflictmap.pipeline import load_dataset
from conflictmap.table import Dataset, with_event_rows
from conflictmap.view import ViewState, filter_events, filter_mask
from dashboard.figures import map_figure, timeline_figure
from dashboard.towns import town_labels

DRAWN_JS = """
const done = arguments[0];
const t0 = performance.timeOrigin;
(function poll() {
  if (document.querySelector('#map .geo .layer.countries path') &&
      document.querySelector('#timeline .scatterlayer .point') &&
      !document.querySelector("[data-dash-is-loading='true']")) {
    done(performance.now());
  } else { setTimeout(poll, 10); }
})();
"""


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def server_side(dataset: Dataset, runs: int) -> None:
    towns = town_labels(dataset.events)
    states = {
        "no filter": ViewState(),
        "one faction": ViewState(factions=("syrian-government",)),
        "date window + event": ViewState(
            date_from=dt.date(2017, 10, 22), date_to=dt.date(2017, 10, 24), event="al-omar-oil-field-captured"
        ),
    }
    for name, state in states.items():

        def render(state=state):
            visible = filter_events(dataset, state)
            for fig in (map_figure(dataset, visible, state, towns), timeline_figure(dataset, visible, state)):
                json.dumps(fig.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder)

        print(f"  render callback, {name:<22} {median_ms(render, runs):8.1f} ms (median of {runs})")


def scaled(dataset: Dataset, n: int) -> Dataset:
    reps = -(-n // len(dataset.events))
    events = pd.concat([dataset.events.assign(id=dataset.events["id"] + f"-{k}") for k in range(reps)]).head(n)
    events.index = events["id"]
    actors = pd.concat([dataset.actors.assign(event_id=dataset.actors["event_id"] + f"-{k}") for k in range(reps)])
    actors = with_event_rows(actors[actors["event_id"].isin(set(events.index))], events)
    return Dataset(dataset.title, events, actors, dataset.sources, dataset.factions, dataset.documents, dataset.file)


def naive_filter(records: list[dict], actors_by_event: dict, state: ViewState) -> list[dict]:
    out = []
    for r in records:
        if state.factions and not (set(actors_by_event.get(r["id"], ())) & set(state.factions)):
            continue
        if state.date_from and r["date_end"] < pd.Timestamp(state.date_from):
            continue
        if state.date_to and r["date_start"] > pd.Timestamp(state.date_to):
            continue
        if state.query and not all(t in r["search_text"] for t in state.query.casefold().split()):
            continue
        out.append(r)
    return out


def filtering(dataset: Dataset, n: int, runs: int) -> None:
    big = scaled(dataset, n)
    records = big.events.to_dict(orient="records")
    actors_by_event: dict[str, list[str]] = {}
    for e, f in zip(big.actors["event_id"], big.actors["faction"]):
        actors_by_event.setdefault(e, []).append(f)
    state = ViewState(
        factions=("syrian-government",),
        date_from=dt.date(2017, 10, 20),
        date_to=dt.date(2017, 10, 24),
        query="government",
    )
    fast = median_ms(lambda: filter_mask(big, state), runs)
    slow = median_ms(lambda: naive_filter(records, actors_by_event, state), runs)
    assert int(filter_mask(big, state).sum()) == len(naive_filter(records, actors_by_event, state))
    print(
        f"  filter {n:,} rows: table (pandas) {fast:8.1f} ms | naive list of dicts {slow:8.1f} ms | "
        f"naive/table = {slow / fast:5.1f}x"
    )


def browser(runs: int) -> None:
    from scripts.screenshot import free_port, offline_chromium, serve_in_background

    port = free_port()
    server = serve_in_background(port)
    driver = offline_chromium()
    driver.set_script_timeout(60)
    try:
        first, trips = [], []
        for k in range(runs):
            driver.get(f"http://127.0.0.1:{port}/?r={k}")
            first.append(driver.execute_async_script(DRAWN_JS))
            t = time.perf_counter()
            driver.execute_script(
                "window.history.pushState({}, '', '/?faction=sdf'); "
                "window.dispatchEvent(new PopStateEvent('popstate'));"
            )
            while "of 14" not in driver.find_element("id", "event-count").text or not driver.find_element(
                "id", "event-count"
            ).text.startswith("Showing 2 "):
                time.sleep(0.005)
            trips.append((time.perf_counter() - t) * 1000)
        print(
            f"  time to first render (navigation -> map + timeline drawn): median {statistics.median(first):7.0f} ms "
            f"(min {min(first):.0f}, max {max(first):.0f}, {runs} loads)"
        )
        print(f"  URL change -> new count on screen (callback round trip): median {statistics.median(trips):7.0f} ms")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description="conflictmap app latency benchmark")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    dataset = load_dataset(ROOT / "events.yaml")
    print(f"conflictmap app benchmark on {ROOT / 'events.yaml'} ({len(dataset.events)} events)")
    if not args.no_browser:
        browser(args.runs)
    server_side(dataset, args.runs)
    filtering(dataset, args.scale, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
