"""CLI commands that need the app: ``serve`` and ``export``."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the map and timeline in the browser (offline by default)")
    p.add_argument(
        "events",
        nargs="?",
        type=Path,
        default=None,
        metavar="EVENTS",
        help="events file (default: ./events.yaml, else the bundled one)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument(
        "--debug", action="store_true", help="Dash debug mode (reloader, error overlay); never in production"
    )
    p.add_argument(
        "--debug-on-public-interface",
        action="store_true",
        help="allow --debug with a --host other networks can reach (the debugger runs code for anyone who reaches it)",
    )
    p.set_defaults(func=cmd_serve)

    from dashboard.exports.cli import register as register_export

    register_export(sub)


def cmd_serve(args: argparse.Namespace) -> int:
    import sys

    from conflictmap.cli import default_events_path
    from dashboard.security import QuietRequestHandler, is_loopback

    if args.debug and not is_loopback(args.host) and not args.debug_on_public_interface:
        print(
            f"conflictmap serve: refusing --debug on --host {args.host}: debug mode lets anyone who can reach "
            "the server run code on this machine. Use --host 127.0.0.1, or add --debug-on-public-interface "
            "if every machine that can reach this address is trusted.",
            file=sys.stderr,
        )
        return 1
    from dashboard.app import create_app

    events = args.events or default_events_path()
    app = create_app(events)
    print(f"conflictmap: serving {events} at http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug, request_handler=QuietRequestHandler)
    return 0
