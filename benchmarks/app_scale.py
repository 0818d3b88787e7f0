"""The app at ACLED scale: startup, callbacks, bytes, first paint, memory; against a naive app.

    python -m benchmarks.app_scale [--sizes 10000,100000,1000000] [--workdir /tmp/conflictmap-bench]
                                   [--runs 7] [--naive-max 100000]

For each size it uses (or makes, with acled_synth.py and ``conflictmap import``)
a store of that many synthetic ACLED events, starts ``conflictmap serve STORE``
as a real process, and measures:

- startup: process start -> the page answers;
- callbacks over HTTP, the bodies the browser sends: the first render (the
  whole figure), a filter (one faction), a one-month window, a zoom into one
  city (the map follows the viewport), the event list and the control table
  as of a date (issue 17); p50/p95 latency and response bytes;
- browser first paint: headless Chromium (software WebGL), navigation ->
  map loaded and the count on screen;
- in Chromium, every callback request of the first view, a type filter and
  one- and three-month windows, timed by the browser (issue 18; see
  benchmarks/browser_callbacks.py): p50/p95 per step and the requests per step;
- peak server memory (the process's VmHWM), over the whole run and per phase: the start, the
  HTTP steps, the first paint, the Chromium steps (the peak is reset between phases, Linux's
  ``clear_refs``).

The same steps run against benchmarks/naive_app.py (one trace with every
filtered point, one histogram of every date) in the same run, up to
``--naive-max`` events, and the ratios are printed. Nothing is asserted:
the figures depend on the machine; run it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from benchmarks.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CONFLICTMAP = [PY, "-m", "conflictmap_cli"]
ALEPPO_BOUNDS = [36.95, 36.05, 37.35, 36.35]
WHOLE_BOUNDS = [35.0, 29.0, 48.5, 37.5]


def ensure_store(size: int, workdir: Path) -> Path:
    from conflictmap.store import STORE_VERSION

    store = workdir / f"store-{size}"
    manifest = store / "manifest.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("version") == STORE_VERSION:
        return store  # a store of an older version is imported again (the server would refuse it)
    workdir.mkdir(parents=True, exist_ok=True)
    csv = workdir / f"acled-{size}.csv"
    if not csv.is_file():
        subprocess.run(
            [PY, str(ROOT / "benchmarks" / "acled_synth.py"), "--rows", str(size), "-o", str(csv)], check=True
        )
    subprocess.run(
        [*CONFLICTMAP, "import", str(csv), "-o", str(store), "--on-error", "skip"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return store


@contextmanager
def server(cmd: list[str], port: int):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    startup = None
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {' '.join(cmd)}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as r:
                if r.status == 200:
                    startup = time.perf_counter() - t0
                    break
        except OSError:
            time.sleep(0.1)
    try:
        yield url, startup, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def phase_peak_mb(pid: int) -> float:
    """The process's peak RSS since the last call (VmHWM, then reset to the current RSS)."""
    peak = peak_rss_mb(pid)
    with suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    return peak


def dependencies(url: str) -> list[dict]:
    with urllib.request.urlopen(url + "/_dash-dependencies", timeout=60) as r:
        return json.loads(r.read())


def split_outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def body(dep: dict, values: dict, changed: list[str]) -> dict:
    def items(kind):
        return [{**x, "value": values.get(f"{x['id']}.{x['property']}")} for x in dep[kind]]

    outputs = split_outputs(dep["output"])
    return {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": items("inputs"),
        "state": items("state"),
        "changedPropIds": changed,
    }


def post(url: str, payload: dict, timeout: float = 120) -> tuple[float, int]:
    data = json.dumps(payload).encode()
    req = urllib.request.Request(
        url + "/_dash-update-component", data=data, headers={"Content-Type": "application/json"}
    )
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        content = r.read()
        if r.status not in (200, 204):
            raise RuntimeError(f"status {r.status}")
    return time.perf_counter() - t, len(content)


def measure(fn, runs: int) -> dict:
    times, sizes = [], []
    for _ in range(runs):
        try:
            t, n = fn()
        except Exception as exc:  # a naive app may not answer at all: that is a result
            return {"error": f"{type(exc).__name__}: {exc}"[:80]}
        times.append(t)
        sizes.append(n)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "bytes": max(sizes),
    }


def find(deps: list[dict], output_has: str, input_has: str | None = None) -> dict:
    for d in deps:
        if output_has in d["output"] and (
            input_has is None or any(f"{i['id']}.{i['property']}" == input_has for i in d["inputs"])
        ):
            return d
    raise LookupError(output_has)


def three_months(month: tuple[str, str]) -> tuple[str, str]:
    """The month before ``month`` to the month after it."""
    import pandas as pd

    start = pd.Timestamp(month[0]) - pd.offsets.MonthBegin(1)
    end = pd.Timestamp(month[1]) + pd.offsets.MonthEnd(1)
    return start.date().isoformat(), end.date().isoformat()


def conflictmap_steps(url: str, dataset_factions: list[str], month: tuple[str, str], event_type: str) -> dict:
    deps = dependencies(url)
    views = find(deps, "timeline-strip.figure")
    markers = find(deps, "map.figure", "map-view.data")
    rows = find(deps, "event-list-rows.data")
    control = find(deps, "control-rows.data")
    base = {
        "url.pathname": "/",
        "map-selection.data": [],
        "map-drawn.data": True,
        "map-view.data": {"zoom": 5.5, "bounds": WHOLE_BOUNDS},
        "list-page.data": 1,
    }

    def views_call(search, drawn=True):
        values = {**base, "view-key.data": search, "url.search": search, "map-drawn.data": drawn}
        return lambda: post(url, body(views, values, ["view-key.data"]))

    faction = dataset_factions[0]
    return {
        "first render": views_call("", drawn=False),
        "filter: one faction": views_call(f"?faction={faction}"),
        "filter: one type": views_call(f"?type={event_type}"),
        "filter: one month": views_call(f"?from={month[0]}&to={month[1]}"),
        "filter: three months": views_call("?from={}&to={}".format(*three_months(month))),
        "zoom into a city": lambda: post(
            url,
            body(
                markers,
                {**base, "url.search": "", "map-view.data": {"zoom": 10.5, "bounds": ALEPPO_BOUNDS}},
                ["map-view.data"],
            ),
        ),
        "event list": lambda: post(url, body(rows, {**base, "view-key.data": "", "url.search": ""}, ["view-key.data"])),
        # Issue 17: who holds each place on the month's last day (the control table; the layer and the
        # lanes ride on the views' callback above).
        "control as of a date": lambda: post(
            url, body(control, {**base, "url.search": f"?to={month[1]}"}, ["url.search"])
        ),
    }


def naive_steps(url: str, factions: list[str], month: tuple[str, str]) -> dict:
    deps = dependencies(url)
    dep = find(deps, "map.figure")

    def call(faction, start, end):
        values = {"faction.value": faction, "dates.start_date": start, "dates.end_date": end}
        return lambda: post(url, body(dep, values, ["faction.value"]))

    return {
        "first render": call(None, None, None),
        "filter: one faction": call([factions[0]], None, None),
        "filter: one month": call(None, month[0], month[1]),
    }


def headless_chromium():
    """Chromium as the tests drive it: headless, software WebGL, every host but loopback unreachable."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--window-size=1500,950",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def first_paint(url: str, naive: bool, timeout: float = 180) -> float | None:
    driver = headless_chromium()
    ready = """
      const gd = document.querySelector('#map .js-plotly-plot');
      const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot &&
                  gd._fullLayout.map._subplot.map;
      const count = document.getElementById(arguments[0]);
      return !!(map && map.loaded() && map.isStyleLoaded() && count && count.textContent.includes('Showing'))
        ? performance.now() : null;
    """
    try:
        driver.set_page_load_timeout(timeout)
        driver.get(url + "/")
        end = time.time() + timeout
        while time.time() < end:
            t = driver.execute_script(ready, "count" if naive else "event-count")
            if t:
                return t / 1000
            time.sleep(0.1)
        return None
    finally:
        driver.quit()


def month_of(store: Path) -> tuple[str, str]:
    import pandas as pd

    dates = pd.read_parquet(store / "events.parquet", columns=["date_start"])["date_start"]
    middle = pd.Timestamp(dates.sort_values().iloc[len(dates) // 2])  # a date32 column reads as datetime.date
    start = middle.replace(day=1)
    end = start + pd.offsets.MonthEnd(1)
    return start.date().isoformat(), end.date().isoformat()


def type_of(store: Path) -> str:
    """The most frequent event type of the store."""
    return types_of(store)[0]


def types_of(store: Path, n: int = 5) -> list[str]:
    """The store's ``n`` most frequent event types, most frequent first."""
    import pandas as pd

    counts = pd.read_parquet(store / "events.parquet", columns=["type"])["type"].value_counts()
    return [str(t) for t in counts.index[:n]]


def months_of(store: Path, n: int = 5) -> list[tuple[str, str]]:
    """``n`` months from the middle of the data on (the first is :func:`month_of`), as (first, last day)."""
    import pandas as pd

    first = pd.Timestamp(month_of(store)[0])
    starts = [first + pd.DateOffset(months=k) for k in range(n)]
    return [(s.date().isoformat(), (s + pd.offsets.MonthEnd(1)).date().isoformat()) for s in starts]


def factions_of(store: Path) -> list[str]:
    import pandas as pd

    ev = pd.read_parquet(store / "events.parquet", columns=["primary_faction"])
    return list(ev["primary_faction"].value_counts().index[:3])


def fmt_s(v) -> str:
    return "-" if v is None else f"{v:6.2f} s"


def run_size(size: int, args) -> None:
    store = ensure_store(size, args.workdir)
    month, factions = month_of(store), factions_of(store)
    print(f"\n## {size:,} events (store {store})\n")
    results = {}
    port = free_port()
    phases: dict[str, float] = {}
    with server([*CONFLICTMAP, "serve", str(store), "--port", str(port)], port) as (url, startup, proc):
        phases["start"] = phase_peak_mb(proc.pid)
        steps = {
            name: measure(fn, args.runs) for name, fn in conflictmap_steps(url, factions, month, type_of(store)).items()
        }
        phases["HTTP steps"] = phase_peak_mb(proc.pid)
        paint = first_paint(url, naive=False)
        phases["first paint"] = phase_peak_mb(proc.pid)
        if args.browser_runs:
            from benchmarks.browser_callbacks import browser_steps

            browser = browser_steps(url, types_of(store), months_of(store), args.browser_runs)
            phases["Chromium steps"] = phase_peak_mb(proc.pid)
        results["conflictmap"] = (startup, steps, paint, max(phases.values()))
    if size <= args.naive_max:
        port = free_port()
        with server([PY, str(ROOT / "benchmarks" / "naive_app.py"), str(store), "--port", str(port)], port) as (
            url,
            startup,
            proc,
        ):
            steps = {
                name: measure(fn, max(3, args.runs // 2)) for name, fn in naive_steps(url, factions, month).items()
            }
            paint = first_paint(url, naive=True)
            results["naive"] = (startup, steps, paint, peak_rss_mb(proc.pid))
    for who, (startup, steps, paint, rss) in results.items():
        print(f"{who}: startup {fmt_s(startup)}, browser first paint {fmt_s(paint)}, server peak {rss:,.0f} MB")
        for name, r in steps.items():
            if "error" in r:
                print(f"  {name:<22} {r['error']}")
            else:
                print(
                    f"  {name:<22} p50 {r['p50'] * 1000:8.0f} ms  p95 {r['p95'] * 1000:8.0f} ms  "
                    f"{r['bytes'] / 1e6:7.2f} MB"
                )
    print("conflictmap server peak per phase: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in phases.items()))
    if args.browser_runs:
        from benchmarks.browser_callbacks import report

        report(browser, args.verbose)
    if "naive" in results:
        ours, naive = results["conflictmap"][1], results["naive"][1]
        print("  ratios (naive / conflictmap):")
        for name in naive:
            if "error" in ours.get(name, {"error": 1}) or "error" in naive[name]:
                continue
            print(
                f"    {name:<22} time {naive[name]['p50'] / ours[name]['p50']:6.1f}x  "
                f"bytes {naive[name]['bytes'] / max(ours[name]['bytes'], 1):6.1f}x"
            )
        if results["naive"][2] and results["conflictmap"][2]:
            print(f"    {'first paint':<22} {results['naive'][2] / results['conflictmap'][2]:6.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/conflictmap-bench"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--naive-max",
        type=int,
        default=100_000,
        help="run the naive app up to this size (past it, it sends every point: tens of MB)",
    )
    parser.add_argument(
        "--browser-runs",
        type=int,
        default=5,
        help="page loads in Chromium timing every callback request (first view, type, months); 0: none",
    )
    parser.add_argument("--verbose", action="store_true", help="print every Chromium request of every run")
    args = parser.parse_args()
    print(f"# conflictmap at scale ({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start)")
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
