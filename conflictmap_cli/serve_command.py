"""``conflictmap serve [EVENTS]``: the options of ``dashboard.serving.serve``.

The app (Dash, plotly) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conflictmap_cli.common import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the map and timeline in the browser (offline by default)",
        description="Serve the linked map and timeline of an events file (and its briefings) on this machine.",
    )
    p.add_argument(
        "events",
        nargs="?",
        type=Path,
        default=None,
        metavar="EVENTS",
        help="events file (default: ./events.yaml, else the bundled example)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")
    p.add_argument(
        "--debug", action="store_true", help="Dash debug mode (reloader, error overlay); never in production"
    )
    p.add_argument(
        "--debug-on-public-interface",
        action="store_true",
        help="allow --debug with a --host other networks can reach (the debugger runs code for anyone who reaches it)",
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """A refused --debug or a taken port are typed errors (UnsafeDebugError, PortUnavailableError)."""
    from dashboard.serving import serve

    serve(args.events, args.host, args.port, args.debug, args.debug_on_public_interface)
    return EXIT_OK
