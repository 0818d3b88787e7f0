"""Wall time of each export format on the bundled events file, and its ratio to a PNG export.

    python -m benchmarks.export_times [--briefing deir-ez-zor-october-2017] [--warm] [FORMAT ...]

The formats drawn in Chromium (png, pdf, svg, gif, mp4, pptx) share one
browser per process (dashboard/exports/browser.py). "cold" stops it before
each of them, so the time includes starting Chromium, as one
`conflictmap export` run pays it (less Python start-up and reading the
events file, printed once as load_dataset). With --warm each is timed again
with the browser already running, as the app's download button pays it.
The ratio column divides by the PNG time measured the same way in this run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from conflictmap.briefing import briefing_path, load_briefing
from conflictmap.pipeline import load_dataset
from dashboard.exports import FORMATS, export
from dashboard.exports.browser import stop_browser

REPO = Path(__file__).resolve().parents[1]

SUFFIX = {"timelinejs": "json"}
RENDERED = ("png", "pdf", "svg", "gif", "mp4", "pptx")


def timed_export(dataset, fmt: str, folder: Path, briefing, *, cold: bool) -> tuple[float, list[Path]]:
    if cold:
        stop_browser()
    out = folder / f"export-{'cold' if cold else 'warm'}.{SUFFIX.get(fmt, fmt)}"
    t = time.perf_counter()
    written = export(dataset, fmt, out, briefing=briefing)
    return time.perf_counter() - t, written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("formats", nargs="*", default=list(FORMATS), help="formats to time (default: all)")
    ap.add_argument("--events", type=Path, default=REPO / "events.yaml", help="events file (default: the bundled one)")
    ap.add_argument("--briefing", default=None, help="also pass this briefing (png/pdf/svg/pptx/html/timelinejs)")
    ap.add_argument("--warm", action="store_true", help="also time each rendered format with the browser running")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    dataset = load_dataset(args.events)
    print(f"load_dataset: {time.perf_counter() - t:.2f} s ({len(dataset.events)} events)")
    briefing = load_briefing(briefing_path(args.briefing, args.events), dataset) if args.briefing else None
    formats = list(dict.fromkeys(args.formats))
    if any(f in RENDERED for f in formats) and "png" not in formats:
        formats.insert(0, "png")  # the yardstick
    formats.sort(key=lambda f: f != "png")
    png: dict[str, float] = {}
    header = f"{'format':<11} {'cold':>8} {'x png':>6}"
    if args.warm:
        header += f" {'warm':>8} {'x png':>6}"
    print(header + "  output")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for fmt in formats:
            rendered = fmt in RENDERED
            fmt_briefing = briefing if fmt not in ("gif", "mp4", "csv", "geojson", "kml") else None
            cold, written = timed_export(dataset, fmt, folder, fmt_briefing, cold=rendered)
            row = {"cold": cold}
            if args.warm and rendered:
                row["warm"], _ = timed_export(dataset, fmt, folder, fmt_briefing, cold=False)
            if fmt == "png":
                png = dict(row)
            size = sum(p.stat().st_size for p in written)
            line = f"{fmt:<11} {row['cold']:7.2f}s {_ratio(row, png, 'cold')}"
            if args.warm:
                line += f" {row['warm']:7.2f}s {_ratio(row, png, 'warm')}" if "warm" in row else " " * 16
            print(f"{line}  {len(written)} file(s), {size / 1024:,.0f} KiB", flush=True)
    stop_browser()
    return 0


def _ratio(row: dict[str, float], png: dict[str, float], key: str) -> str:
    if key not in row or not png.get(key):
        return f"{'':>6}"
    return f"{row[key] / png[key]:5.1f}x"


if __name__ == "__main__":
    sys.exit(main())
