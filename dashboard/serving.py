"""Serving the app on this machine: the checks before binding, then Dash's server.

The ``conflictmap serve`` command (``conflictmap_cli.serve_command``) reads its
options and calls :func:`serve`; the rules about what may be served where live here.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from conflictmap.errors import ConflictmapError

if TYPE_CHECKING:
    from dash import Dash


class PortUnavailableError(ConflictmapError):
    """The address to serve on is taken or cannot be bound."""


class UnsafeDebugError(ConflictmapError):
    """Debug mode (which runs code for anyone who reaches it) asked for on an address others can reach."""


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


def serve(events: Path | None, host: str, port: int, debug: bool, debug_on_public_interface: bool) -> None:
    """Serve the app of ``events`` (default: ./events.yaml, else the bundled example) until interrupted.

    Refuses, before loading anything, debug mode on an address other machines can
    reach unless ``debug_on_public_interface``, and a port that is taken.
    """
    from conflictmap.paths import default_events_path

    if debug and not debug_on_public_interface:
        from dashboard.security import is_loopback

        if not is_loopback(host):
            raise UnsafeDebugError(
                f"refusing --debug on --host {host}: debug mode lets anyone who can reach "
                "the server run code on this machine. Use --host 127.0.0.1, or add --debug-on-public-interface "
                "if every machine that can reach this address is trusted."
            )
    check_port_free(host, port)
    path = events or default_events_path()
    app = served_app(path, warm_up_in_background=True)
    check_port_free(host, port)  # loading took a moment: check again just before binding
    from dashboard.security import QuietRequestHandler

    print(f"conflictmap: serving {path} at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    app.run(host=host, port=port, debug=debug, request_handler=QuietRequestHandler)


def served_app(path: Path | str, warm_up_in_background: bool = False) -> Dash:
    """The app of an events file or a store, built as a server starts (``serve`` and the WSGI entry point).

    A store's Parquet files are read in a thread (mostly without the GIL) while Python imports Dash
    and the app. The collector waits until all of it is built (imports, the dataset and the app all
    stay alive). ``warm_up_in_background``: the app's warm-up (:func:`dashboard.app.warm_up`) runs
    while the server answers; never where the process forks after (gunicorn's ``--preload``), as
    a thread does not survive a fork and could leave a lock held in the children.
    """
    from conflictmap.collector import paused_gc
    from conflictmap.store import limit_malloc_arenas, load_store_in_background

    limit_malloc_arenas()  # before the load's thread and the warm-up's: each would otherwise take its own arena
    with paused_gc():
        loading = load_store_in_background(path)
        from dashboard.app import create_app, keep_for_the_process

        dataset = None if loading is None else loading.result()
        return keep_for_the_process(create_app(path, dataset=dataset, warm_up_in_background=warm_up_in_background))
