"""``conflictmap export EVENTS --format FORMAT -o OUT [filters] [--briefing NAME]``.

The filter flags are composed into the app's URL query string and read by
``parse_view_state``, so an export shows exactly what the same link shows in
the app. Values the dataset does not know are an error here (exit 1), not a
notice: a script asked for them explicitly. So is an option the format would
silently ignore.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from conflictmap.view import LANE_MODES
from dashboard.exports import FORMATS

#: Formats that tell a briefing (its steps, or its title for TimelineJS).
BRIEFING_FORMATS = ("html", "png", "pdf", "svg", "pptx", "timelinejs")
#: With --briefing these show each step's own filters, so the view options do not apply.
STEP_VIEW_FORMATS = ("png", "pdf", "svg", "pptx")
#: Formats that draw the timeline, where --lanes means something.
DRAWN_FORMATS = ("html", "png", "pdf", "svg", "gif", "mp4", "pptx")
#: Formats that show progress bars (rendered in headless Chromium).
RENDERED_FORMATS = ("png", "pdf", "svg", "gif", "mp4", "pptx")

FILTER_OPTIONS = (
    ("faction", "--faction"),
    ("side", "--side"),
    ("type", "--type"),
    ("date_from", "--from"),
    ("date_to", "--to"),
    ("q", "--q"),
)

EPILOG = """\
Filters are the app's URL parameters: the export shows what the same link shows.
Options that a format would ignore are refused: --briefing applies to html, png, pdf,
svg, pptx and timelinejs; with --briefing, png/pdf/svg/pptx show each step's own
filters, so --faction/--side/--type/--from/--to/--q/--lanes are refused there;
--lanes applies to the formats that draw the timeline (html, images, gif, mp4, pptx)."""


class OptionError(Exception):
    """An option that does not apply to the chosen format, or a value that does not exist."""


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
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress bars on stderr (default: only when stderr is a terminal)",
    )
    p.set_defaults(func=cmd_export)


def query_string(args: argparse.Namespace) -> str:
    """The app's URL query for these options (each list item quoted on its own, as the app writes it)."""
    params: list[tuple[str, str]] = []
    if args.faction:
        params.append(("faction", args.faction))
    if getattr(args, "side", None):
        params.append(("side", ",".join(quote(s.strip(), safe="") for s in args.side)))
    if args.type:
        params.append(("type", args.type))
    if args.date_from:
        params.append(("from", quote(args.date_from, safe="")))
    if args.date_to:
        params.append(("to", quote(args.date_to, safe="")))
    if args.q:
        params.append(("q", quote(args.q, safe="")))
    if getattr(args, "lanes", None):
        params.append(("lanes", args.lanes))
    return "&".join(f"{k}={v}" for k, v in params)


def check_options(args: argparse.Namespace) -> None:
    """Refuse options that ``args.format`` would silently ignore."""
    fmt = args.format
    if args.briefing and fmt not in BRIEFING_FORMATS:
        raise OptionError(f"--briefing does not apply to {fmt} (it applies to {', '.join(BRIEFING_FORMATS)})")
    if args.lanes and fmt not in DRAWN_FORMATS:
        raise OptionError(f"--lanes does not apply to {fmt}: it draws no timeline")
    if args.briefing and fmt in STEP_VIEW_FORMATS:
        given = [flag for dest, flag in FILTER_OPTIONS if getattr(args, dest, None)]
        if args.lanes:
            given.append("--lanes")
        if given:
            raise OptionError(
                f"{', '.join(given)} cannot be combined with --briefing for {fmt}: each step shows its own view"
            )


def resolve_briefing(name: str, events: Path) -> Path:
    """The briefing file for NAME; an unknown name lists the briefings that exist."""
    from conflictmap.briefing import briefing_files, briefing_path

    path = briefing_path(name, events)
    if path.exists():
        return path
    known = [p.stem for p in briefing_files(events)]
    where = Path(events).resolve().parent / "briefings"
    listing = f"known: {', '.join(known)}" if known else f"there are none in {where}"
    raise OptionError(f"no briefing {name!r} beside {events} ({listing})")


def _unknown_values(state_notices: tuple[str, ...], dataset: Any) -> list[str]:
    """The app's notices for a stale link, reworded for a command that asked for exactly these values."""
    known = {
        "faction": sorted(dataset.factions.index),
        "side": sorted(set(dataset.factions["side"])),
        "event type": None,
    }
    out = []
    for notice in state_notices:
        problem = notice.replace("Ignored unknown", "unknown").replace("Ignored ", "").replace(" in the link", "")
        problem = problem.rstrip(".")
        for label, values in known.items():
            if values and problem.startswith(f"unknown {label} "):
                problem += f" (known: {', '.join(values)})"
        out.append(problem)
    return out


def cmd_export(args: argparse.Namespace) -> int:
    from conflictmap import progress
    from conflictmap.briefing import load_briefing
    from conflictmap.pipeline import load_dataset
    from conflictmap.view import parse_view_state
    from dashboard.exports import export

    try:
        check_options(args)
        briefing_file = resolve_briefing(args.briefing, args.events) if args.briefing else None
    except OptionError as exc:
        print(f"conflictmap export: {exc}; nothing written", file=sys.stderr)
        return 1
    rendered = args.format in RENDERED_FORMATS
    if rendered:
        from dashboard.exports.browser import start_browser, stop_browser

        start_browser()  # Chromium starts while the events file is read (and fails now if missing)
    try:
        with progress.reporting(progress.should_show(args.progress) and rendered):
            with progress.task(f"Reading {args.events.name}"):
                dataset = load_dataset(args.events)
            state = parse_view_state(query_string(args), dataset)
            if state.notices:
                for problem in _unknown_values(state.notices, dataset):
                    print(f"conflictmap export: {problem}; nothing written", file=sys.stderr)
                return 1
            briefing = load_briefing(briefing_file, dataset) if briefing_file else None
            written = export(dataset, args.format, args.output, state, briefing)
    finally:
        if rendered:
            stop_browser()
    for path in written:
        print(f"{path}: written ({args.format})")
    return 0
