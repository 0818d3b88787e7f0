"""Wall time of each export format on the bundled events file.

    python benchmarks/export_times.py [--briefing deir-ez-zor-october-2017] [FORMAT ...]

Static formats start one headless Chromium per export (kaleido), so their
times include browser start-up (~2-3 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conflictmap.briefing import briefing_path, load_briefing
from conflictmap.pipeline import load_dataset
from dashboard.exports import FORMATS, export

SUFFIX = {"timelinejs": "json"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("formats", nargs="*", default=list(FORMATS))
    ap.add_argument("--events", type=Path, default=REPO / "events.yaml")
    ap.add_argument("--briefing", default=None, help="also pass this briefing (png/pdf/svg/pptx/html)")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    dataset = load_dataset(args.events)
    print(f"load_dataset: {time.perf_counter() - t:.2f} s ({len(dataset.events)} events)")
    briefing = load_briefing(briefing_path(args.briefing, args.events), dataset) if args.briefing else None
    with tempfile.TemporaryDirectory() as folder:
        for fmt in args.formats:
            out = Path(folder) / f"export.{SUFFIX.get(fmt, fmt)}"
            t = time.perf_counter()
            written = export(dataset, fmt, out, briefing=briefing)
            dt = time.perf_counter() - t
            size = sum(p.stat().st_size for p in written)
            print(f"{fmt:<11} {dt:7.2f} s  {len(written)} file(s), {size / 1024:,.0f} KiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
