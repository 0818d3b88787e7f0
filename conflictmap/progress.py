"""Progress bars for work that takes more than a couple of seconds.

Library code says what it is doing with :func:`task` and never decides where
(or whether) that is shown: a command turns reporting on around its work with
:func:`reporting`, which draws rich progress bars on stderr. Outside such a
block :func:`task` costs nothing, so the same functions run silently in tests,
in the Dash app and in scripts. The active reporter travels in a context
variable rather than as a parameter, so no signature between the command and
the slow loop has to carry it.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

Advance = Callable[..., None]

_progress: contextvars.ContextVar[Any] = contextvars.ContextVar("conflictmap_progress", default=None)


def should_show(requested: bool | None, stream: IO[str] | None = None) -> bool:
    """Shown when asked (True), hidden when asked (False), else only if ``stream`` is a terminal."""
    if requested is not None:
        return requested
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def reporting(enabled: bool, stream: IO[str] | None = None) -> Iterator[None]:
    """Draw the progress of every :func:`task` in this block on ``stream`` (stderr by default).

    On a terminal the bars update in place and disappear when done; elsewhere
    (a log file, when asked with ``--progress``) each task's final line is printed.
    """
    if not enabled:
        token = _progress.set(None)
        try:
            yield
        finally:
            _progress.reset(token)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=stream if stream is not None else sys.stderr)
    bars = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=console.is_terminal,
    )
    token = _progress.set(bars)
    try:
        with bars:
            yield
    finally:
        _progress.reset(token)


@contextmanager
def reporting_to(reporter: Any) -> Iterator[None]:
    """Report every :func:`task` in this block to ``reporter`` (anything with rich.Progress's
    add_task, advance, update, stop_task and tasks), e.g. the app's download job."""
    token = _progress.set(reporter)
    try:
        yield
    finally:
        _progress.reset(token)


@contextmanager
def task(description: str, total: int | None = None) -> Iterator[Advance]:
    """A named piece of work; yields ``advance(n=1)`` to call as items complete.

    ``total`` None draws a spinner with a running count instead of a bar.
    """
    bars = _progress.get()
    if bars is None:
        yield _nothing
        return
    task_id = bars.add_task(description, total=total)

    def advance(n: int = 1) -> None:
        bars.advance(task_id, n)

    try:
        yield advance
    finally:
        if total is None:  # the count is the total now that it is known
            done = next(t.completed for t in bars.tasks if t.id == task_id)
            bars.update(task_id, total=max(done, 1), completed=max(done, 1))
        else:
            bars.update(task_id, completed=total)
        bars.stop_task(task_id)


def _nothing(n: int = 1) -> None:
    return None


def run_in_context(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` bound to the caller's context, for running in another thread with the same reporter."""
    ctx = contextvars.copy_context()
    return lambda: ctx.run(fn)
