"""What every command shares: exit codes, the progress flag, output folders."""

from __future__ import annotations

import argparse
from pathlib import Path

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


def ensure_parent(path: Path) -> None:
    """``-o out/x.csv`` with no ``out/`` yet: create it (the write itself stays atomic)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
