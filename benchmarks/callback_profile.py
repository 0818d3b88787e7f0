"""The app's server work at scale, measured in-process: store load and each callback, in CPU time.

    python benchmarks/callback_profile.py STORE [--runs 5] [--profile STEP]

On a shared machine wall times say more about the neighbours than about the
code, so this measures CPU time of this process (``time.process_time``) and
memory (the process's peak RSS, and the RSS after the load), with the
callbacks posted through Flask's test client exactly as the browser sends
them (the same bodies as benchmarks/app_scale.py): first view, a type filter,
one- and three-month windows, a faction filter, a zoom into a city, the event
list, an event's details and a text search (a store's search text, description and notes stay
in its file: the search reads the search text, the details one event's description). Each step is
posted ``--runs`` times with different states in between, so a cache only helps where the browser would
repeat a state (the four callbacks of one URL change), never across runs:
each run of a step clears the view cache first (``--warm`` keeps it).

``--profile STEP`` prints the 25 costliest functions of that step (cProfile).
Nothing is asserted: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path

from benchmarks.app_scale import ALEPPO_BOUNDS, WHOLE_BOUNDS, body, factions_of, find, month_of

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def three_months(month: tuple[str, str]) -> tuple[str, str]:
    import pandas as pd

    start = pd.Timestamp(month[0]) - pd.offsets.MonthBegin(1)
    end = pd.Timestamp(month[1]) + pd.offsets.MonthEnd(1)
    return start.date().isoformat(), end.date().isoformat()


def clear_cache(warm: bool) -> None:
    if warm:
        return
    try:
        from conflictmap.view import clear_view_cache
    except ImportError:
        return
    clear_view_cache(indexes=False)
    try:
        from dashboard.mapfigure import _LAST_FRAME
    except ImportError:
        pass
    else:
        _LAST_FRAME[0] = None  # the map's frame, kept per view object: first time too
    try:
        from conflictmap.timeline_data import clear_counts_cache
    except ImportError:
        return
    clear_counts_cache()


def dump_responses(folder: Path, step: str, responses: list[bytes]) -> None:
    """A step's last responses as JSON, to compare two versions' figures (same traces, same counts)."""
    folder.mkdir(parents=True, exist_ok=True)
    bodies = [json.loads(r) if r else None for r in responses]
    (folder / f"{step.split(' (')[0].replace(' ', '-')}.json").write_text(json.dumps(bodies, indent=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default=None, help="step names to profile, comma-separated (cProfile)")
    parser.add_argument("--steps", default=None, help="only steps whose names contain one of these (comma-separated)")
    parser.add_argument("--warm", action="store_true", help="keep the view cache between runs")
    parser.add_argument(
        "--dump",
        type=Path,
        default=None,
        help="write each step's last responses to DIR/STEP.json (to compare versions)",
    )
    args = parser.parse_args()

    from conflictmap.pipeline import load_dataset

    print(f"# {args.store} ({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f})")
    gc.collect()
    t0c, t0w = time.process_time(), time.perf_counter()
    dataset = load_dataset(args.store)
    load_cpu, load_wall = time.process_time() - t0c, time.perf_counter() - t0w
    print(
        f"load_dataset: CPU {load_cpu:.2f} s, wall {load_wall:.2f} s, RSS {rss_mb():,.0f} MB, peak {peak_mb():,.0f} MB"
    )

    from dashboard.app import create_app

    t0c = time.process_time()
    app = create_app(dataset=dataset)
    print(f"create_app: CPU {time.process_time() - t0c:.2f} s, RSS {rss_mb():,.0f} MB")
    client = app.server.test_client()
    deps = json.loads(client.get("/_dash-dependencies").data)
    views = find(deps, "timeline-strip.figure")
    markers = find(deps, "map.figure", "map-view.data")
    rows = find(deps, "event-list-rows.data")
    details = find(deps, "event-detail.children")
    month = month_of(args.store)
    quarter = three_months(month)
    faction = factions_of(args.store)[0]
    event_type = str(dataset.events["type"].value_counts().index[0])
    some_event = str(dataset.events.index[len(dataset.events) // 2])
    search_word = str(dataset.events["place_name"].iloc[len(dataset.events) // 3]).split()[0].casefold()
    base = {
        "url.pathname": "/",
        "map-selection.data": [],
        "map-drawn.data": True,
        "map-view.data": {"zoom": 5.5, "bounds": WHOLE_BOUNDS},
        "list-page.data": 1,
    }

    responses: list[bytes] = []

    def post(dep, values, changed):
        response = client.post("/_dash-update-component", json=body(dep, values, changed))
        if response.status_code not in (200, 204):
            raise RuntimeError(f"{response.status_code}: {response.data[:300]!r}")
        responses.append(response.data)
        return len(response.data)

    def url_change(search, drawn=True):
        """One URL change: the callbacks the browser posts for it (views, list), the same state."""
        values = {**base, "view-key.data": search, "url.search": search, "map-drawn.data": drawn}

        def run():
            return post(views, values, ["view-key.data"]) + post(rows, values, ["view-key.data"])

        return run

    steps = {
        "first view (views + list)": url_change("", drawn=False),
        "type filter": url_change(f"?type={event_type}"),
        "one month": url_change(f"?from={month[0]}&to={month[1]}"),
        "three months": url_change(f"?from={quarter[0]}&to={quarter[1]}"),
        "one faction": url_change(f"?faction={faction}"),
        "text search (a place's name)": url_change(f"?q={search_word}"),
        # What the page asks once the first map reports its camera: the markers for the whole view.
        "first view's camera (markers)": lambda: post(
            markers, {**base, "url.search": "", "control-layer.value": ["on"]}, ["map-view.data"]
        ),
        "zoom into a city (markers)": lambda: post(
            markers,
            {**base, "url.search": "", "map-view.data": {"zoom": 10.5, "bounds": ALEPPO_BOUNDS}},
            ["map-view.data"],
        ),
        "event list page 2": lambda: post(rows, {**base, "url.search": "", "list-page.data": 2}, ["list-page.data"]),
        "details of one event": lambda: post(details, {"selected-event.data": some_event}, ["selected-event.data"]),
    }

    print("\n| step | CPU p50 | CPU p95 | wall p50 | bytes |\n|---|---|---|---|---|")
    for name, fn in steps.items():
        if args.steps and not any(p and p in name for p in args.steps.split(",")):
            continue
        cpu, wall = [], []
        size = 0
        for _ in range(args.runs):
            clear_cache(args.warm)
            responses.clear()
            c, w = time.process_time(), time.perf_counter()
            size = fn()
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
        if args.dump:
            dump_responses(args.dump, name, responses)
        cpu.sort()
        p95 = cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))]
        print(
            f"| {name} | {statistics.median(cpu) * 1000:.0f} ms | {p95 * 1000:.0f} ms | "
            f"{statistics.median(wall) * 1000:.0f} ms | {size / 1e6:.2f} MB |"
        )
        if args.profile and any(p and p in name for p in args.profile.split(",")):
            clear_cache(args.warm)
            prof = cProfile.Profile()
            prof.runcall(fn)
            stats = pstats.Stats(prof)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("cumulative").print_callers("to_numpy|_get_codes_for_values|get_indexer")
    print(f"\nRSS after the steps {rss_mb():,.0f} MB, peak {peak_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
