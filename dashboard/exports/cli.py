"""``conflictmap export EVENTS --format FORMAT -o OUT [filters] [--briefing NAME]``.

The filter flags are composed into the app's URL query string and read by
``parse_view_state``, so an export shows exactly what the same link shows in
the app. Values the dataset does not know are an error here (exit 1), not a
notice: a script asked for them explicitly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

from dashboard.exports import FORMATS


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write the map and timeline (or a briefing) as html, images, slides or data",
        description="Export the events as " + ", ".join(FORMATS) + ".",
    )
    p.add_argument("events", type=Path, metavar="EVENTS", help="events file")
    p.add_argument(
        "--format", "-f", required=True, choices=FORMATS, metavar="FORMAT", help="one of: " + ", ".join(FORMATS)
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help="output file (png/pdf/svg with --briefing: OUT-stem-step01.png ...)",
    )
    p.add_argument("--briefing", metavar="NAME", help="tell a briefing (briefings/NAME.yaml beside EVENTS)")
    p.add_argument("--faction", metavar="ID,ID", help="only events involving these faction ids")
    p.add_argument("--type", metavar="T,T", help="only these event types")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="only events ending on or after this day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="only events starting on or before this day")
    p.add_argument("--q", metavar="TEXT", help="only events whose title, description or quotes contain every word")
    p.set_defaults(func=cmd_export)


def query_string(args: argparse.Namespace) -> str:
    params = [
        (name, value)
        for name, value in (
            ("faction", args.faction),
            ("type", args.type),
            ("from", args.date_from),
            ("to", args.date_to),
            ("q", args.q),
        )
        if value
    ]
    return urlencode(params, safe=",")


def cmd_export(args: argparse.Namespace) -> int:
    from conflictmap.briefing import briefing_path, load_briefing
    from conflictmap.pipeline import load_dataset
    from conflictmap.view import parse_view_state
    from dashboard.exports import export

    dataset = load_dataset(args.events)
    state = parse_view_state(query_string(args), dataset)
    if state.notices:
        for notice in state.notices:
            # The app ignores a stale link's unknown values; a command is told exactly, and refuses.
            problem = notice.replace("Ignored unknown", "unknown").replace("Ignored ", "").replace(" in the link", "")
            print(f"conflictmap export: {problem.rstrip('.')}; nothing written", file=sys.stderr)
        return 1
    briefing = load_briefing(briefing_path(args.briefing, args.events), dataset) if args.briefing else None
    written = export(dataset, args.format, args.output, state, briefing)
    for path in written:
        print(f"{path}: written ({args.format})")
    return 0
