"""The ``conflictmap`` command: a thin layer on top of the core and the app.

Layers, each importing only those below it::

    conflictmap_cli      the command line (this package)
    dashboard            the Dash app, its exports, serving it (no argument parsing)
    conflictmap, geodata the core: events model, tables, geocoding, view state

All command-line parsing of the product lives here, a module per command
family (``data_commands``: validate, geocode, locate; ``draft_command``,
``import_command``, ``control_command``, ``serve_command``, ``export_command``).
Each subcommand parses arguments and calls one library function that owns its
rules; ``common.report_error`` turns the typed errors it raises into
``FILE:LINE: field: message`` lines and an exit code. No traceback reaches the
user for bad input; a bug still shows one. ``serve`` and ``export`` import the
app only when they run, so ``conflictmap validate`` stays fast.
"""

from __future__ import annotations

import argparse

import conflictmap
from conflictmap_cli.common import report_error

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from conflictmap_cli import (
        control_command,
        data_commands,
        draft_command,
        import_command,
    )

    parser = argparse.ArgumentParser(
        prog="conflictmap",
        description="Curated conflict events as a linked, offline map and timeline.",
        epilog="Run `conflictmap COMMAND --help` for a command's arguments.",
    )
    parser.add_argument("--version", action="version", version=f"conflictmap {conflictmap.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_commands.register(sub)
    draft_command.register(sub)
    import_command.register(sub)
    control_command.register(sub)
    _register_app_commands(sub)
    return parser


def _register_app_commands(sub: argparse._SubParsersAction) -> None:
    """``serve`` and ``export``, the commands that run the app (imported only when they run)."""
    from conflictmap_cli import export_command, serve_command

    serve_command.register(sub)
    export_command.register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (Exception, KeyboardInterrupt) as exc:
        code = report_error(exc)
        if code is None:
            raise  # a bug: its traceback, not a message
        return code
