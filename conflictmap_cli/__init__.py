"""The ``conflictmap`` command: a thin layer on top of the core and the app.

Layers, each importing only those below it::

    conflictmap_cli      the command line (this package)
    dashboard            the Dash app, its exports, and the serve/export commands
    conflictmap, geodata the core: events model, tables, geocoding, view state

Each subcommand parses arguments, calls one library function and turns typed
errors into ``FILE:LINE: field: message`` lines and an exit code. No
traceback reaches the user for bad input; a bug still shows one.
"""

from __future__ import annotations

import argparse
import sys

import conflictmap
from conflictmap.errors import ConflictmapError, EventsFileError
from conflictmap_cli.common import EXIT_INVALID, EXIT_OK

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from conflictmap_cli import data_commands

    parser = argparse.ArgumentParser(
        prog="conflictmap",
        description="Curated conflict events as a linked, offline map and timeline.",
        epilog="Run `conflictmap COMMAND --help` for a command's arguments.",
    )
    parser.add_argument("--version", action="version", version=f"conflictmap {conflictmap.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_commands.register(sub)
    from conflictmap_cli import draft_command

    draft_command.register(sub)
    from conflictmap.importers.command import register as register_import

    register_import(sub)
    from conflictmap_cli.control_command import register as register_control

    register_control(sub)
    _register_app_commands(sub)
    return parser


def _register_app_commands(sub: argparse._SubParsersAction) -> None:
    """``serve`` and ``export`` need the Dash app; registered here so --help lists them."""
    from dashboard.commands import register

    register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `conflictmap locate ... | head`: the reader left; not an error
        sys.stderr.close()
        return EXIT_OK
    except EventsFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except ConflictmapError as exc:
        print(f"conflictmap: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:
        if type(exc).__module__.startswith("geodata"):  # typed geocoding errors: a message, not a traceback
            print(f"conflictmap: {exc}", file=sys.stderr)
            return EXIT_INVALID
        raise
