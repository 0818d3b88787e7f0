"""What every command shares: exit codes and the progress flag."""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_INVALID = 0, 1


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
