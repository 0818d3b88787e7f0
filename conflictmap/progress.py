"""Progress bars for work that takes more than a couple of seconds.

Library code says what it is doing with :func:`task` and never decides where
(or whether) that is shown: a command turns reporting on around its work with
:func:`reporting`, which draws rich progress bars on stderr. Outside such a
block :func:`task` costs nothing, so the same functions run silently in tests,
in the Dash app and in scripts. The active reporter travels in a context
variable rather than as a parameter, so no signature between the command and
the slow loop has to carry it.

This is the one progress API: exports and geocoding count items, an import
counts the bytes of the file it reads (``task(..., unit="bytes")``, drawn as
sizes), lines said while bars run go through :func:`say` so they do not tear a
bar, and the app's download jobs report through :class:`ProgressMessages`.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Literal

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
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    class Amount(MofNCompleteColumn):
        """done/total as a count, or as sizes (1.2/50.0 MB) for a task counting bytes."""

        def __init__(self) -> None:
            super().__init__()
            self.sizes = DownloadColumn()

        def render(self, task):
            return self.sizes.render(task) if task.fields.get("unit") == "bytes" else super().render(task)

    console = Console(file=stream if stream is not None else sys.stderr)
    bars = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        Amount(),
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
def task(description: str, total: int | None = None, unit: Literal["items", "bytes"] = "items") -> Iterator[Advance]:
    """A named piece of work; yields ``advance(n=1)`` to call as items (or bytes) complete.

    ``total`` None draws a spinner with a running count instead of a bar.
    """
    bars = _progress.get()
    if bars is None:
        yield _nothing
        return
    fields = {"unit": unit} if unit != "items" else {}  # an items task asks no more of a reporter than before
    task_id = bars.add_task(description, total=total, **fields)

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


def advance_to(advance: Advance) -> Callable[[int], None]:
    """``advance`` for a reader that reports how far it has got (bytes read so far), not each step."""
    done = 0

    def to(position: int) -> None:
        nonlocal done
        if position > done:
            advance(position - done)
            done = position

    return to


def say(text: str) -> None:
    """A line on stderr that does not tear the bars being drawn (printed above them)."""
    bars = _progress.get()
    console = getattr(bars, "console", None)
    if console is not None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        print(text, file=sys.stderr)


@dataclass
class _Task:
    id: int
    description: str
    total: float | None
    completed: float = 0


@dataclass
class ProgressMessages:
    """Progress of tasks as one line of text (``show``), e.g. for the app's download page:
    a reporter for :func:`reporting_to` (duck-types the part of rich's Progress that :func:`task` uses)."""

    show: Callable[[str], None]
    tasks: list[_Task] = field(default_factory=list)

    def add_task(self, description: str, total: float | None = None, **fields: object) -> int:
        """``fields`` (rich's extra task fields, e.g. the unit) do not change the words."""
        self.tasks.append(_Task(len(self.tasks), description, total))
        self._say(self.tasks[-1])
        return self.tasks[-1].id

    def advance(self, task_id: int, n: float = 1) -> None:
        task = self.tasks[task_id]
        task.completed += n
        self._say(task)

    def update(self, task_id: int, total: float | None = None, completed: float | None = None) -> None:
        task = self.tasks[task_id]
        if total is not None:
            task.total = total
        if completed is not None:
            task.completed = completed

    def stop_task(self, task_id: int) -> None:
        return None

    def _say(self, task: _Task) -> None:
        done = int(task.completed)
        count = f" {done} of {int(task.total)}" if task.total else (f" {done}" if done else "")
        self.show(f"{task.description}…{count}")


def run_in_context(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` bound to the caller's context, for running in another thread with the same reporter."""
    ctx = contextvars.copy_context()
    return lambda: ctx.run(fn)
