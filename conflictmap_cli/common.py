"""What every command shares: exit codes, the one ``--progress`` flag, and typed errors as messages.

:func:`report_error` is the one mapping from the library's typed errors to what
the user reads and the exit code. The error classes it knows are looked up only
when their module is already loaded (an error of a module never imported cannot
have been raised), so ``conflictmap validate`` never imports the app or pyarrow
to report a mistake.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 130


def add_progress_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress bars on stderr (default: only when stderr is a terminal)",
    )


def progress_for(args: argparse.Namespace) -> bool:
    from conflictmap.progress import should_show

    return should_show(getattr(args, "progress", None))


def _loaded(module: str, name: str) -> type | None:
    """The class ``module.name`` if its module is loaded, else None."""
    loaded = sys.modules.get(module)
    found = getattr(loaded, name, None) if loaded is not None else None
    return found if isinstance(found, type) else None


def _is(exc: BaseException, module: str, name: str) -> bool:
    cls = _loaded(module, name)
    return cls is not None and isinstance(exc, cls)


def _say(*lines: Any) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def report_error(exc: BaseException) -> int | None:
    """Tell the user about ``exc`` on stderr and return the exit code; None for a bug (the caller re-raises).

    Most specific first: each typed error has its own words, then any
    ``ConflictmapError`` or geocoding error is one ``conflictmap: message`` line.
    """
    from conflictmap.errors import ConflictmapError, EventsFileError

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):  # e.g. `conflictmap locate ... | head`: the reader left; not an error
        sys.stderr.close()
        return EXIT_OK
    if isinstance(exc, EventsFileError):
        _say(*exc.problems)
    elif _is(exc, "conflictmap.importers.run", "BadRowError"):
        problems = exc.problems  # type: ignore[attr-defined]
        _say(
            *problems,
            f"conflictmap: stopped at the first bad row, line {problems[0].line} (--on-error fail); "
            f"nothing was written. --on-error skip imports the other rows and lists every bad one.",
        )
    elif _is(exc, "conflictmap.importers.rows", "ImportInputError"):
        _say(exc.problem)  # type: ignore[attr-defined]
    elif _is(exc, "dashboard.exports.request", "ExportRequestError"):
        _say(*(f"conflictmap export: {problem}; nothing written" for problem in exc.problems))  # type: ignore[attr-defined]
    elif _is(exc, "dashboard.serving", "UnsafeDebugError"):
        _say(f"conflictmap serve: {exc}")
    elif isinstance(exc, ConflictmapError) or type(exc).__module__.startswith("geodata"):
        _say(f"conflictmap: {exc}")  # typed errors of the core and geocoding: a message, not a traceback
    else:
        return None
    return EXIT_INVALID
