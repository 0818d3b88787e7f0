"""Whole-view exports of a large store: CPU time, wall time and peak memory per format.

    python benchmarks/export_scale.py STORE [--formats csv,geojson,kml,timelinejs] [--limit N]

Each format runs in its own child process (so one format's peak memory is not
another's), exporting the unfiltered view (``--limit N``: the first N events
of the store only, for the slow formats or the code before the join). Nothing
is asserted: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(store: str, fmt: str, limit: int) -> None:
    from dataclasses import replace

    from conflictmap.exports import export  # the data formats: the core, no Dash or plotly loaded
    from conflictmap.pipeline import load_dataset

    dataset = load_dataset(store)
    if limit:
        dataset = replace(dataset, events=dataset.events.iloc[:limit])
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"view.{'json' if fmt == 'timelinejs' else fmt}"
        c, w = time.process_time(), time.perf_counter()
        export(dataset, fmt, out)
        cpu, wall = time.process_time() - c, time.perf_counter() - w
        size = out.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"| {fmt} | {len(dataset.events):,} | {cpu:.1f} s | {wall:.1f} s | {size / 1e6:,.0f} MB | "
        f"{rss_loaded:,.0f} MB | {peak:,.0f} MB |",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--formats", default="csv,geojson,kml,timelinejs")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.store, args.one, args.limit)
        return 0
    print(f"# whole-view exports of {args.store} ({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f})")
    print("\n| format | events | CPU | wall | file | peak after load | peak |\n|---|---|---|---|---|---|---|")
    for fmt in args.formats.split(","):
        cmd = [sys.executable, "-m", "benchmarks.export_scale", args.store, "--one", fmt, "--limit", str(args.limit)]
        subprocess.run(cmd, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
