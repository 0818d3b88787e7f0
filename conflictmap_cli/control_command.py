"""``conflictmap control``: who holds each place on a date (or over time), as CSV or GeoJSON.

A thin layer over :mod:`conflictmap.control`: parse, load, ask the model,
write. Bad input becomes one located line and exit 1, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

from conflictmap.errors import ConflictmapError
from conflictmap_cli.common import EXIT_OK

FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson"}


class ControlCommandError(ConflictmapError):
    """A bad option of ``conflictmap control`` (printed as ``conflictmap: control: ...``)."""


def register(sub: Any) -> None:
    from conflictmap.vocabulary import DEFAULT_STALE_AFTER_DAYS

    p = sub.add_parser(
        "control",
        help="who holds each place on a date, from the control changes (CSV or GeoJSON)",
        description="Derive who holds each place from the sourced control changes, control: statements and "
        "assertions: one row per place on the --at date (state held, changing, contested or unknown), or with "
        "--history every interval of every place. CSV to stdout unless -o names a .csv or .geojson file.",
    )
    p.add_argument("file", type=Path, metavar="EVENTS_OR_STORE", help="an events file or a store")
    p.add_argument("--at", metavar="YYYY-MM-DD", help="the day to answer for (required without --history)")
    p.add_argument(
        "--stale-after",
        type=int,
        default=DEFAULT_STALE_AFTER_DAYS,
        metavar="DAYS",
        help="a state whose latest evidence is older than this is stale, 'last known' "
        f"(default {DEFAULT_STALE_AFTER_DAYS})",
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write FILE.csv or FILE.geojson instead of stdout")
    p.add_argument(
        "--history",
        action="store_true",
        help="every interval of every place instead of one date (with --at: as known on that day)",
    )
    p.set_defaults(func=cmd_control)


def parse_day(text: str, option: str = "--at") -> dt.date:
    try:
        if len(text.strip()) == 10:
            return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ControlCommandError(f"control: {option}: {text!r} is not a date (write YYYY-MM-DD); nothing written")


def cmd_control(args: argparse.Namespace) -> int:
    from conflictmap.control import (
        control_at,
        control_geojson,
        control_history,
        control_rows,
        faction_names,
        model_for,
    )
    from conflictmap.output import atomic_path, check_target, input_files
    from conflictmap.pipeline import load_dataset

    if args.at is None and not args.history:
        raise ControlCommandError("control: give --at YYYY-MM-DD (or --history); nothing written")
    day = parse_day(args.at) if args.at is not None else None
    if args.stale_after < 0:
        raise ControlCommandError(f"control: --stale-after: {args.stale_after} is negative; nothing written")
    fmt = "csv"
    if args.output is not None:
        fmt = FORMATS.get(args.output.suffix.lower(), "")
        if not fmt:
            raise ControlCommandError(
                f"{args.output}: unknown output format {args.output.suffix!r} (use .csv or .geojson); nothing written"
            )
        check_target(args.output, [args.file])  # refused before the (slow) load
    dataset = load_dataset(args.file)
    model = model_for(dataset)
    names = faction_names(dataset)
    if args.history:
        states = control_history(model, args.stale_after, as_of=day)
    else:
        assert day is not None
        states = control_at(model, day, args.stale_after)
    text = (
        json.dumps(control_geojson(states, names), ensure_ascii=False, indent=1) + "\n"
        if fmt == "geojson"
        else csv_text(control_rows(states, names))
    )
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    with atomic_path(args.output, protect=input_files(dataset, extra=[args.file])) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    print(f"{args.output}: {len(states)} {'intervals' if args.history else 'places'} written as {fmt}", file=sys.stderr)
    return EXIT_OK


def csv_text(rows: list[dict]) -> str:
    """RFC 4180 CSV, formula-safe cells, ``stale`` as true/false."""
    from conflictmap.control import OUTPUT_COLUMNS
    from conflictmap.output import spreadsheet_safe

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OUTPUT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        cells = {k: ("true" if v else "false") if k == "stale" else ("" if v is None else v) for k, v in row.items()}
        writer.writerow({k: spreadsheet_safe(v) for k, v in cells.items()})
    return out.getvalue()


__all__ = ["cmd_control", "csv_text", "parse_day", "register"]
