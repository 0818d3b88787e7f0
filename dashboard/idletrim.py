"""Freed memory given back to the system once the server is idle.

A filter's callbacks copy and free tens of MB at a million events, and glibc keeps the pages they
freed: over a session of filters in the browser the server's resident memory climbed from about
1.0 to 1.27 GB, of which 150 MB was free memory held (README, issue 18). Trimming after every
callback delayed the next one of the same burst (the page sends a URL change's callbacks in
chains), so the trim waits until no callback has run for :data:`IDLE_SECONDS`.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, g, request

from conflictmap.store import release_free_memory
from dashboard.security import CALLBACK_PATH

#: Seconds with no callback running before freed memory is given back.
IDLE_SECONDS = 0.5


class IdleTrimmer:
    """Counts the callbacks in flight; a thread trims once they have all ended and none came for a while."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, trim=release_free_memory):
        self.idle_seconds = idle_seconds
        self.trim = trim
        self._lock = threading.Lock()
        self._running = 0
        self._last_end = 0.0
        self._dirty = False  # a callback ended since the last trim
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def started(self) -> None:
        with self._lock:
            self._running += 1

    def ended(self) -> None:
        with self._lock:
            self._running -= 1
            self._last_end = time.monotonic()
            self._dirty = True
            if self._thread is None or not self._thread.is_alive():  # none yet, or a forked process
                self._thread = threading.Thread(target=self._run, name="conflictmap-trim", daemon=True)
                self._thread.start()
        self._wake.set()

    def _due_in(self) -> float | None:
        """Seconds until a trim is due; 0 when it is due now, None when there is nothing to give back."""
        with self._lock:
            if not self._dirty:
                return None
            if self._running:
                return self.idle_seconds
            return max(0.0, self._last_end + self.idle_seconds - time.monotonic())

    def _run(self) -> None:
        while True:
            wait = self._due_in()
            if wait is None:
                self._wake.wait()
                self._wake.clear()
                continue
            if wait > 0:
                time.sleep(wait)
                continue
            with self._lock:
                self._dirty = False
            self.trim()


def trim_when_idle(server: Flask, trimmer: IdleTrimmer | None = None) -> IdleTrimmer:
    """Count ``server``'s callback requests in flight and give freed memory back when they are done."""
    trimmer = trimmer or IdleTrimmer()

    @server.before_request
    def count_in() -> None:
        if request.path.endswith(CALLBACK_PATH):
            g.conflictmap_trim_counted = True
            trimmer.started()

    @server.teardown_request
    def count_out(_exc: BaseException | None) -> None:  # runs whatever the request's fate
        if g.get("conflictmap_trim_counted"):
            trimmer.ended()

    return trimmer
