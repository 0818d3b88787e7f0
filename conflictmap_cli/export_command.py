"""``conflictmap export EVENTS --format FORMAT -o OUT [filters] [--briefing NAME]``.

Reads the options into a ``dashboard.exports.request.ExportRequest`` and runs
it; which options apply to which format, and which values exist, are the
request's rules (an ``ExportRequestError`` otherwise, exit 1, nothing written).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conflictmap.vocabulary import EXPORT_FORMATS as FORMATS
from conflictmap.vocabulary import LANE_MODES
from conflictmap_cli.common import EXIT_OK, add_progress_flag

EPILOG = """\
Filters are the app's URL parameters: the export shows what the same link shows.
Options that a format would ignore are refused: --briefing applies to html, png, pdf,
svg, pptx and timelinejs; with --briefing, png/pdf/svg/pptx show each step's own
filters, so --faction/--side/--type/--from/--to/--q/--lanes are refused there;
--lanes applies to the formats that draw the timeline (html, images, gif, mp4, pptx)."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="write the map and timeline (or a briefing) as html, images, slides or data",
        description="Export the events as " + ", ".join(FORMATS) + ".",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("events", type=Path, metavar="EVENTS", help="the events file to export")
    p.add_argument(
        "--format", "-f", required=True, choices=FORMATS, metavar="FORMAT", help="one of: " + ", ".join(FORMATS)
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help="output file; missing folders are created (png/pdf/svg with --briefing: OUT-step01.png ...)",
    )
    p.add_argument(
        "--briefing",
        metavar="NAME",
        help="tell a briefing: briefings/NAME.yaml beside EVENTS, or a briefing file's path",
    )
    p.add_argument("--faction", metavar="ID,ID", help="only events involving these faction ids (comma-separated)")
    p.add_argument(
        "--side",
        action="append",
        metavar="SIDE",
        help="only events involving a faction of this side; repeat for several (--side A --side B)",
    )
    p.add_argument("--type", metavar="T,T", help="only these event types (comma-separated)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="only events ending on or after this day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="only events starting on or before this day")
    p.add_argument("--q", metavar="TEXT", help="only events whose title, description or quotes contain every word")
    p.add_argument("--lanes", choices=LANE_MODES, help="timeline lanes: one per faction (the default) or one per side")
    add_progress_flag(p)
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from dashboard.exports.request import ExportRequest, run_export

    request = ExportRequest(
        events=args.events,
        format=args.format,
        output=args.output,
        briefing=args.briefing,
        faction=args.faction,
        side=args.side,
        type=args.type,
        date_from=args.date_from,
        date_to=args.date_to,
        q=args.q,
        lanes=args.lanes,
        progress=args.progress,
    )
    for path in run_export(request):
        print(f"{path}: written ({args.format})")
    return EXIT_OK
