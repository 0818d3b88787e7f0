"""CLI commands that need the app: ``serve`` and ``export``."""

from __future__ import annotations

import argparse
import errno
import socket
from pathlib import Path
from typing import Any

from conflictmap.errors import ConflictmapError


class PortUnavailableError(ConflictmapError):
    """The address to serve on is taken or cannot be bound."""


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

    from dashboard.exports.cli import register as register_export

    register_export(sub)


def check_port_free(host: str, port: int) -> None:
    """Bind and release ``host:port`` so a taken port is reported before Dash says it is running."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PortUnavailableError(f"cannot serve on --host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As the server will: SO_REUSEADDR lets a port in TIME_WAIT be reused, never one that is listening.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortUnavailableError(
                    f"port {port} on {host} is already in use (another `conflictmap serve`?); "
                    f"stop it or choose another port with --port"
                ) from None
            raise PortUnavailableError(f"cannot serve on {host}:{port}: {exc.strerror}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    import sys

    from conflictmap.paths import default_events_path
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

    check_port_free(args.host, args.port)
    events = args.events or default_events_path()
    app = create_app(events)
    check_port_free(args.host, args.port)  # loading took a moment: check again just before binding
    print(f"conflictmap: serving {events} at http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug, request_handler=QuietRequestHandler)
    return 0
