"""Reading and validating large events files, against a naive YAML load in the same process.

    python -m benchmarks.load_events [--sizes 1000 10000 100000]

Each size is the bundled file's events repeated with unique ids (quotes stay
real, so every source is checked against the article). For each size it
prints: reading the YAML into values and lines (conflictmap.yamlsource), full
validation (conflictmap.events.validate, pydantic models and quote checks),
and the naive baseline ``yaml.load(text, CSafeLoader)`` that gives neither
lines nor checks; with the ratios. Peak memory is not measured here (run one
size under ``/usr/bin/time -v`` for that).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

from conflictmap.events import validate
from conflictmap.yamlsource import parse_yaml

REPO = Path(__file__).resolve().parents[1]


def events_text(n: int) -> str:
    """The bundled file with its events repeated to ``n``, ids made unique, documents by absolute path."""
    text = (REPO / "events.yaml").read_text(encoding="utf-8")
    head, events = text.split("\nevents:\n", 1)
    head = head.replace("file: seeds/", f"file: {REPO}/seeds/")
    blocks = re.split(r"\n(?=  - id: )", events.strip("\n"))
    out = [head, "\nevents:\n"]
    for i in range(n):
        block = re.sub(r"^  - id: (\S+)", lambda m, i=i: f"  - id: {m.group(1)}-{i}", blocks[i % len(blocks)])
        out.append(block + "\n")
    return "".join(out)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    args = ap.parse_args(argv)
    print(f"{'events':>8} {'MB':>6} {'read':>8} {'validate':>9} {'naive yaml.load':>16} {'read/naive':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            text = events_text(n)
            doc, read = timed(lambda text=text: parse_yaml(text, "events.yaml"))
            ef, check = timed(lambda doc=doc: validate(doc, Path(folder)))
            assert len(ef.events) == n
            _, naive = timed(lambda text=text: yaml.load(text, Loader=yaml.CSafeLoader))
            size = len(text.encode()) / 1e6
            print(f"{n:>8,} {size:>6.1f} {read:>7.2f}s {check:>8.2f}s {naive:>15.2f}s {read / naive:>10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
