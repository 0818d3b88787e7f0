"""Downloads as background jobs: the request that starts one returns at once.

A pptx, gif or mp4 takes tens of seconds to draw; run inside a request it
ties up a server worker (gunicorn kills a worker after 30 s) and makes other
users wait. Dash's background callbacks run the export in a separate
process, report progress to the page, and can be cancelled; the job store is
a disk cache that every worker of the same app shares (so any worker can
answer the page's polling), kept under the user's cache folder.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def jobs_folder(dataset_file: str) -> Path:
    """One job store per events file, shared by the workers that serve it."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conflictmap" / "jobs"
    key = hashlib.sha256(str(Path(dataset_file).resolve()).encode()).hexdigest()[:12] if dataset_file else "memory"
    return base / key


def background_manager(dataset_file: str):
    """Dash's disk-cache job manager, or None where its packages are missing (downloads then run inline)."""
    try:
        import diskcache
        from dash import DiskcacheManager
    except ImportError:
        return None

    class OneJobPerClick(DiskcacheManager):
        """Dash keys a job by a hash of the callback and its arguments, so two analysts downloading the
        same view in the same format would share one result: the first page to poll reads it (and Dash
        deletes it), the second gets no file. A random part makes every click its own job."""

        def build_cache_key(self, *args, **kwargs):
            return f"{super().build_cache_key(*args, **kwargs)}-{uuid.uuid4().hex}"

    folder = jobs_folder(dataset_file)
    folder.mkdir(parents=True, exist_ok=True)
    # Results are read once by the page (and then deleted); an abandoned one is dropped after a day.
    return OneJobPerClick(diskcache.Cache(str(folder)), expire=24 * 3600)


@dataclass
class _Task:
    id: int
    description: str
    total: float | None
    completed: float = 0


@dataclass
class ProgressMessages:
    """Progress of export tasks as one line of text for the page (duck-types rich's Progress)."""

    show: Callable[[str], None]
    tasks: list[_Task] = field(default_factory=list)

    def add_task(self, description: str, total: float | None = None) -> int:
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


def _forget_parent_browser() -> None:
    """A forked job starts its own Chromium: the parent's browser thread does not exist in it."""
    import sys
    import threading

    browser = sys.modules.get("dashboard.exports.browser")
    if browser is not None:
        browser._session = None
        browser._session_lock = threading.Lock()  # it may have been held by another thread at the fork


os.register_at_fork(after_in_child=_forget_parent_browser)
