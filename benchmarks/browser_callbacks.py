"""Every callback request the page makes, timed in headless Chromium: the figure issue 18 names.

    python benchmarks/browser_callbacks.py URL --store STORE [--runs 5]

(``benchmarks/app_scale.py`` calls :func:`browser_steps` on the server it started.)

The page is loaded and driven as a user does: the first view is a fresh page
load; a type filter and one- and three-month windows are URL changes inside the
page (``history.pushState`` and a ``popstate``, as the browser's back button
makes Dash's Location follow). For each step every ``_dash-update-component``
request the page sends is timed by the browser itself (PerformanceResourceTiming:
``startTime`` to ``responseEnd``, so the time a request waits for a free
connection or behind its siblings in the server counts), with its size
(``encodedBodySize``) and the callback it was for (the request body's
``output``, recorded by a wrapper around ``window.fetch`` installed before the
page's scripts run; it leaves the response alone). A step ends when every
request sent has ended and none has for a second, after the map has drawn.
A response ends when the page has read its last byte: a large one read while
the page is busy drawing (plotly, MapLibre in software WebGL) ends late, and
that is counted, as the user waits for it.

Each run uses another type and other months (the N-th most frequent type, the
N-th month from the middle of the data), so a run after the first is not an
answer the server already cached; the first view is the same state each run
(run 1 is the server's first answer, later runs may reuse its caches).
Nothing is asserted: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

# Installed before any page script: records each Dash callback request's output and start time, and how
# many are in flight (the step is over when none has been for a while).
FETCH_HOOK = """
(() => {
  const calls = window.__cmCalls = [];
  const fetch0 = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (url.includes('/_dash-update-component')) {
      let output = '?';
      try { output = JSON.parse(init.body).output; } catch (e) {}
      calls.push({output: output, start: performance.now()});
    }
    return fetch0(input, init);  // the response untouched: reading it is the page's work, timed as is
  };
  performance.setResourceTimingBufferSize(10000);
})();
"""

# Settled: the map drawn, the count shown, nothing loading, every request sent has its timing (a resource
# timing entry is made when the response has ended) and the last ended a while ago.
SETTLED_JS = """
const gd = document.querySelector('#map .js-plotly-plot');
const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot &&
            gd._fullLayout.map._subplot.map;
const count = document.getElementById('event-count');
const done = performance.getEntriesByType('resource').filter(e => e.name.includes('/_dash-update-component'));
const last = Math.max(0, ...done.map(e => e.responseEnd));
return !!(map && map.loaded() && count && count.textContent.includes('Showing')) &&
       done.length === window.__cmCalls.length && performance.now() - last > arguments[0] &&
       !document.querySelector("[data-dash-is-loading='true']");
"""

# The step's requests: resource timings of _dash-update-component, matched in start order to the outputs
# the fetch wrapper saw (the same requests, in the same order).
TAKE_JS = """
const entries = performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/_dash-update-component'))
  .sort((a, b) => a.startTime - b.startTime);
const calls = window.__cmCalls.splice(0).sort((a, b) => a.start - b.start);  // also the next step's count
performance.clearResourceTimings();
return entries.map((e, i) => ({
  output: calls[i] ? calls[i].output : '?',
  start: e.startTime, ms: e.responseEnd - e.startTime,
  wait: e.requestStart - e.startTime, server: e.responseStart - e.requestStart,
  bytes: e.encodedBodySize,
}));
"""

GO_JS = "window.history.pushState({}, '', arguments[0]); window.dispatchEvent(new PopStateEvent('popstate'));"


def settle(driver, quiet_ms: float = 1000, timeout: float = 180) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            if driver.execute_script(SETTLED_JS, quiet_ms):
                return
        except Exception:  # the page is mid-load
            pass
        time.sleep(0.1)
    raise TimeoutError("the page did not settle")


def browser_steps(url: str, types: list[str], months: list[tuple[str, str]], runs: int) -> dict[str, list[list[dict]]]:
    """Per step, per run, the requests the page made: output, ms (start -> response end), wait, bytes."""
    from benchmarks.app_scale import headless_chromium, three_months

    driver = headless_chromium()
    driver.set_page_load_timeout(180)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FETCH_HOOK})
    steps: dict[str, list[list[dict]]] = {"first view": [], "type filter": [], "one month": [], "three months": []}
    try:
        for run in range(runs):
            driver.get("about:blank")
            driver.get(url + "/")
            settle(driver)
            steps["first view"].append(driver.execute_script(TAKE_JS))
            month = months[run % len(months)]
            queries = {
                "type filter": f"?type={types[run % len(types)]}",
                "one month": f"?from={month[0]}&to={month[1]}",
                "three months": "?from={}&to={}".format(*three_months(months[(run + 1) % len(months)])),
            }
            for name, query in queries.items():
                driver.execute_script(GO_JS, "/" + query)
                settle(driver)
                steps[name].append(driver.execute_script(TAKE_JS))
    finally:
        driver.quit()
    return steps


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(steps: dict[str, list[list[dict]]], verbose: bool = False) -> None:
    """p50/p95 of every request of each step, requests per page change, the largest response."""
    print("  in Chromium, every _dash-update-component request (start -> response end):")
    for name, runs in steps.items():
        requests = [r for run in runs for r in run]
        if not requests:
            print(f"    {name:<14} no requests")
            continue
        ms = [r["ms"] for r in requests]
        counts = sorted({len(run) for run in runs})
        print(
            f"    {name:<14} p50 {statistics.median(ms):6.0f} ms  p95 {p95(ms):6.0f} ms  max {max(ms):6.0f} ms  "
            f"requests/run {'/'.join(map(str, counts))}  largest {max(r['bytes'] for r in requests) / 1e6:5.2f} MB"
        )
        if verbose:
            for k, run in enumerate(runs):
                t0 = min(r["start"] for r in run) if run else 0
                for r in run:
                    print(
                        f"      run {k + 1} +{r['start'] - t0:5.0f} ms {r['ms']:6.0f} ms (waited {r['wait']:4.0f}, "
                        f"server {r['server']:5.0f}) {r['bytes'] / 1e3:8.1f} kB  {r['output'][:70]}"
                    )


def main() -> int:
    from pathlib import Path

    from benchmarks.app_scale import months_of, types_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--store", type=Path, required=True, help="the store the server serves (for types, months)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="every request of every run")
    args = parser.parse_args()
    steps = browser_steps(args.url.rstrip("/"), types_of(args.store), months_of(args.store), args.runs)
    report(steps, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
