"""Downloads as background jobs: the request that starts one returns at once.

A pptx, gif or mp4 takes tens of seconds to draw; run inside a request it
ties up a server worker (gunicorn kills a worker after 30 s) and makes other
users wait. Dash's background callbacks run the export in a separate
process, report progress to the page, and can be cancelled; the job store is
a disk cache that every worker of the same app shares (so any worker can
answer the page's polling), kept under the user's cache folder.

Jobs run in a bounded pool: at most :func:`download_slots` at once (the core
count) across every worker of the server, in the order the clicks arrived;
the rest wait, and their pages say "Queued, 2 ahead of yours". Without it
every click started a process, and every image its own Chromium: 20 HTML
downloads at once took 2.6 GB, 3 PNGs started 27 Chromium processes. A slot
is a lock on a file (``slots/N.lock`` in the job store) held by the job's
process for as long as it lives, so a job that crashes or is killed frees its
slot, and workers share slots with no server of their own. A waiting job is
no process at all, only an entry in the shared queue and in the memory of
the worker that received it, whose dispatcher thread starts it when its turn
comes and a slot is free.

A job's process is forked from a worker that has other threads (the
dispatcher, a threaded server's request threads), and a lock one of them held
at the fork stays held for ever in the child, where that thread does not
exist. Seen: a child stuck at its start in ``sqlite3Malloc``, on SQLite's
memory mutex, which the test's main thread held while reading the job store.
So the child first frees what it can (stdout and stderr taken afresh, import
locks of half-done imports dropped, the parent's SQLite connections put aside
unclosed: :func:`_free_inherited_locks`), then
proves SQLite usable by reading the job store, which takes SQLite's global
and per-file mutexes; a child that has not done so within
``start_seconds`` is stuck on one of them: it is killed and the job forked
again (a held lock is released the moment its thread goes on, so a later
fork finds it free). The parent never waits for a job's process at exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import select
import signal
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata.cache import cache_dir

QUEUE_KEY = "conflictmap-download-queue"  # ticket -> pid of the worker holding the job, shared
TICKET_KEY = "conflictmap-download-ticket"
JOB_PREFIX = "download-"  # job ids handed to Dash: "download-<ticket>"
POLL_SECONDS = 0.2  # how often a waiting worker looks for a free slot
MAX_WAITING = 200  # downloads waiting at once, all workers together; past it a click is turned away
BUSY_MESSAGE = "Too many downloads are waiting: try again in a minute."
STARTING_MESSAGE = "Starting…"
START_SECONDS = 20.0  # the longest wait for a job's process to start; the first waits 1 s, each next twice as long
START_ATTEMPTS = 6  # forks of one job before its page is told it could not start
START_FAILED_MESSAGE = "Download failed: its process could not start; try again."


def download_slots() -> int:
    """Downloads that may run at once: ``$CONFLICTMAP_DOWNLOAD_SLOTS``, else the cores this process may use."""
    configured = os.environ.get("CONFLICTMAP_DOWNLOAD_SLOTS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def queued_message(ahead: int) -> str:
    """What a waiting page shows."""
    return f"Queued, {ahead} ahead of yours…" if ahead else "Queued, next to start…"


def end_process(pid: int, terminate: Callable[[int], object]) -> None:
    """``terminate(pid)`` (Dash's: kill the job's process and its children), where the job may end by itself
    meanwhile. Dash kills a job as it hands over its result, just as the job exits: its check that the
    process exists and its ``psutil.Process(pid)`` race, and the lost race was a 500 for the page that
    had asked for the file (seen once in the download burst test)."""
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):  # it ended by itself: nothing left to end
        terminate(pid)


def jobs_folder(dataset_file: str) -> Path:
    """One job store per events file, shared by the workers that serve it."""
    base = cache_dir() / "jobs"
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

    class BoundedJobs(OneJobPerClick):
        """Dash's job manager with the pool: Dash's job id is a ticket, mapped to a process once started."""

        def __init__(self, cache, expire: int, slots: int, folder: Path):
            super().__init__(cache, expire=expire)
            self.pool = DownloadPool(cache, slots, folder / "slots", self._make_progress_key)

        def call_job_fn(self, key, job_fn, args, context):
            return self.pool.submit(key, job_fn, args, context)

        def job_running(self, job):
            return self.pool.running(job)

        def terminate_job(self, job):
            pid = self.pool.cancel(job)
            if pid is not None:
                end_process(pid, super().terminate_job)

        def terminate_unhealthy_job(self, job):
            pid = self.pool.pid(job)
            return super().terminate_unhealthy_job(pid) if pid is not None else False

    folder = jobs_folder(dataset_file)
    folder.mkdir(parents=True, exist_ok=True)
    # Results are read once by the page (and then deleted); an abandoned one is dropped after a day.
    return BoundedJobs(diskcache.Cache(str(folder)), expire=24 * 3600, slots=download_slots(), folder=folder)


@dataclass
class _Waiting:
    ticket: int
    key: str
    job_fn: Callable
    args: Any
    context: Any
    told: int | None = None  # the place last shown to the page


class DownloadPool:
    """At most ``slots`` jobs at once across every process sharing ``cache``; the rest wait in order.

    ``cache`` is the job store (a diskcache.Cache, safe across processes); ``progress_key(key)`` is
    where Dash reads a job's progress, so a waiting page can be told its place.
    """

    def __init__(
        self,
        cache,
        slots: int,
        slot_folder: Path,
        progress_key: Callable[[str], str],
        max_waiting: int = MAX_WAITING,
        start_seconds: float = START_SECONDS,
    ):
        self.cache = cache
        self.slots = slots
        self.max_waiting = max_waiting
        self.start_seconds = start_seconds
        self.slot_folder = slot_folder
        self.progress_key = progress_key
        slot_folder.mkdir(parents=True, exist_ok=True)
        self._waiting: deque[_Waiting] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._children: set[int] = set()  # job processes this process forked and has not reaped

    # -- the shared queue

    def _queue(self) -> dict[int, int]:
        queue = self.cache.get(QUEUE_KEY, {})
        return queue if isinstance(queue, dict) else {}

    def _edit_queue(self, change: Callable[[dict[int, int]], object]) -> None:
        """Apply ``change`` to the shared queue in one transaction (what it returns is ignored)."""
        with self.cache.transact():
            queue = self._queue()
            change(queue)
            self.cache.set(QUEUE_KEY, queue)

    def _pid_key(self, ticket: int) -> str:
        return f"conflictmap-download-pid-{ticket}"

    @staticmethod
    def ticket_of(job) -> int | None:
        text = str(job)
        number = text[len(JOB_PREFIX) :] if text.startswith(JOB_PREFIX) else ""
        return int(number) if number.isdigit() else None

    # -- what Dash asks

    def submit(self, key: str, job_fn: Callable, args, context) -> str:
        """Queue one job; its id for Dash. It starts now if it is first and a slot is free.

        Past ``max_waiting`` waiting jobs the queue itself would grow without bound: the job is not
        queued, its page is told why, and Dash, finding it neither waiting nor running, ends it."""
        ticket = int(self.cache.incr(TICKET_KEY))
        queued: list[bool] = []

        def join(queue: dict[int, int]) -> None:
            if len(queue) < self.max_waiting:
                queue[ticket] = os.getpid()
                queued.append(True)

        self._edit_queue(join)
        if not queued:
            self.cache.set(self.progress_key(key), [BUSY_MESSAGE], expire=3600)
            return f"{JOB_PREFIX}{ticket}"
        with self._lock:
            self._waiting.append(_Waiting(ticket, key, job_fn, args, context))
            self._ensure_dispatcher()
        self._dispatch()  # at once when there is room: no wait for the thread's next look
        self._wake.set()
        return f"{JOB_PREFIX}{ticket}"

    def pid(self, job) -> int | None:
        ticket = self.ticket_of(job)
        if ticket is None:
            return None
        pid = self.cache.get(self._pid_key(ticket))
        return int(pid) if isinstance(pid, int) else None

    def running(self, job) -> bool:
        """Waiting counts as running (the page keeps polling); a started job while its process lives."""
        import psutil

        ticket = self.ticket_of(job)
        if ticket is None:
            return False
        self._reap()
        if ticket in self._queue():
            return True
        pid = self.pid(job)
        if not pid or not psutil.pid_exists(pid):
            return False
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def cancel(self, job) -> int | None:
        """Take a waiting job out of the queue; the pid of a started one (for Dash to end it)."""
        ticket = self.ticket_of(job)
        if ticket is None:
            return None
        self._edit_queue(lambda queue: queue.pop(ticket, None))
        self._wake.set()
        return self.pid(job)

    # -- starting jobs

    def _ensure_dispatcher(self) -> None:
        if self._thread is not None and self._thread_pid == os.getpid() and self._thread.is_alive():
            return
        self._thread_pid = os.getpid()  # a forked worker has the attribute but not the thread
        self._thread = threading.Thread(target=self._run, name="conflictmap-downloads", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            try:
                self._reap()
                self._dispatch()
            except Exception:  # a broken cache must not end the thread: the next look retries
                logging.getLogger(__name__).exception("download queue")

    def _reap(self) -> None:
        """Collect the exit status of this process's finished jobs (else each stays a zombie while it lives)."""
        for pid in list(self._children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (Dash's terminate_job waits for the process it kills)
                done = pid
            if done:
                self._children.discard(pid)

    def _dispatch(self) -> None:
        """Start this process's waiting jobs while they are first in the shared queue and a slot is free."""
        with self._lock:
            while self._waiting:
                head = self._waiting[0]
                queue = self._live(self._queue())
                if head.ticket not in queue:  # cancelled
                    self._waiting.popleft()
                    continue
                ahead = sum(1 for t in queue if t < head.ticket)
                slot = self._free_slot() if ahead == 0 else None
                if slot is None:
                    self._tell_places(queue)
                    return
                self._waiting.popleft()
                self._start(head, slot)

    def _live(self, queue: dict[int, int]) -> dict[int, int]:
        """The queue without the tickets of workers that are gone (they can never start them)."""
        import psutil

        dead = [t for t, pid in queue.items() if not psutil.pid_exists(pid)]
        if dead:
            self._edit_queue(lambda q: [q.pop(t, None) for t in dead])
            queue = {t: pid for t, pid in queue.items() if t not in dead}
        return queue

    def _tell_places(self, queue: dict[int, int]) -> None:
        for waiting in self._waiting:
            ahead = sum(1 for t in queue if t < waiting.ticket)
            if ahead != waiting.told:
                waiting.told = ahead
                self.cache.set(self.progress_key(waiting.key), [queued_message(ahead)], expire=3600)

    def _free_slot(self) -> int | None:
        """An open file holding one slot's lock, or None when every slot is taken."""
        for number in range(self.slots):
            fd = os.open(self.slot_folder / f"{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            return fd
        return None

    def _start(self, job: _Waiting, slot_fd: int) -> None:
        """Fork the job's process; it inherits the slot's lock and keeps it until it exits.

        The ticket leaves the queue only once the process is known, so a page polling in between
        never finds its job neither waiting nor running (Dash would take it as cancelled). A process
        that does not start (:meth:`_fork_job`) is forked again, up to ``START_ATTEMPTS`` times; then
        the page is told, and Dash, finding the job neither waiting nor running, ends it."""
        try:
            self.cache.set(self.progress_key(job.key), [STARTING_MESSAGE], expire=3600)
            for attempt in range(START_ATTEMPTS):
                pid = self._fork_job(job, slot_fd, min(self.start_seconds, 2.0**attempt))
                if pid is not None:
                    self.cache.set(self._pid_key(job.ticket), pid, expire=24 * 3600)
                    return
            self.cache.set(self.progress_key(job.key), [START_FAILED_MESSAGE], expire=3600)
        except Exception:
            logging.getLogger(__name__).exception("download %s did not start", job.ticket)
        finally:
            os.close(slot_fd)  # the child's copy holds the lock now (or, if it never started, nobody)
            self._edit_queue(lambda queue: queue.pop(job.ticket, None))

    def _fork_job(self, job: _Waiting, slot_fd: int, wait: float) -> int | None:
        """The pid of a job's process that has started, or None (it was stuck at its start and is killed).

        The child reads the job store before it tells the parent it runs: that takes SQLite's global
        mutexes and those of the store's files, the locks another thread of this process may have held
        at the fork (and then holds for ever in the child). A read, not a write: writers busy on the
        store would delay a write, never a read (the store is in WAL mode). A child that has not read it
        within ``wait`` seconds is killed: one stuck waits for ever, and a healthy one that was slow is
        given longer at the next fork."""
        progress_key = self.progress_key(job.key)
        ready_read, ready_write = os.pipe()
        pid = os.fork()  # at-fork handlers: logging's locks renewed, no browser session (below)
        if pid == 0:  # the job's process: never returns
            code = 1
            try:
                os.close(ready_read)
                _free_inherited_locks()
                self.cache.get(progress_key)  # SQLite's mutexes, global and the store's: free, or stuck here
                os.write(ready_write, b"1")
                os.close(ready_write)
                _run_job(job.job_fn, job.key, progress_key, job.args, job.context)
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    with contextlib.suppress(Exception):  # a closed or broken stream: nothing more to say
                        stream.flush()
                os._exit(code)
        self._children.add(pid)
        os.close(ready_write)
        try:
            readable, _, _ = select.select([ready_read], [], [], wait)
            started = bool(readable) and os.read(ready_read, 1) == b"1"
        finally:
            os.close(ready_read)
        if started:
            return pid
        logging.getLogger(__name__).warning("download %s: process %s did not start; forked again", job.ticket, pid)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self._children.discard(pid)
        return None


_abandoned: list[Any] = []  # in a job: inherited stdio objects and SQLite connections, never flushed nor closed


def _free_inherited_locks() -> None:
    """In a forked job's process, before anything else: put aside the locks other threads may have held.

    ``sys.stdout`` and ``sys.stderr`` lock their buffer while writing, and Python does not renew
    those locks in a forked child: a thread of the parent caught writing a log line would leave every
    later print of the job waiting. They are opened afresh on the same descriptors (with the logging
    handlers that wrote to them); what the old buffers held is dropped. A module another thread was
    importing holds its import lock in the child too: the half-run module is dropped with its lock, so
    the job imports it anew. (Logging's own locks Python renews itself; SQLite's mutexes are checked
    by the first read of the job store, in :meth:`DownloadPool._fork_job`.)"""
    import io

    for name in ("stdout", "stderr"):
        old = getattr(sys, name)
        try:
            fd = old.fileno()
        except (AttributeError, OSError, ValueError):  # no descriptor (a test's capture): nothing to reopen
            continue
        try:
            new = io.TextIOWrapper(
                io.BufferedWriter(io.FileIO(fd, "w", closefd=False)),
                encoding=getattr(old, "encoding", None) or "utf-8",
                errors=getattr(old, "errors", None) or "backslashreplace",
                line_buffering=True,
            )
        except OSError:
            continue
        _abandoned.append(old)
        setattr(sys, name, new)
        for ref in list(getattr(logging, "_handlerList", [])):
            handler = ref()
            if isinstance(handler, logging.StreamHandler) and handler.stream is old:
                handler.stream = new  # not setStream: it would flush the old stream
    _abandon_inherited_diskcache_connections()
    try:
        sys.stdin.close()
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115  # as multiprocessing's children: nothing to read
    except (AttributeError, OSError, ValueError):
        pass
    try:
        import importlib._bootstrap as bootstrap

        me = threading.get_ident()
        module_locks: dict[str, Any] = getattr(bootstrap, "_module_locks", {})
        for module, ref in list(module_locks.items()):
            lock = ref()
            if lock is None or not getattr(lock, "count", 0) or getattr(lock, "owner", me) == me:
                continue
            module_locks.pop(module, None)
            half = sys.modules.get(module)
            if half is not None and getattr(getattr(half, "__spec__", None), "_initializing", False):
                del sys.modules[module]
        blocking = getattr(bootstrap, "_blocking_on", None)
        if isinstance(blocking, dict):
            for tid in [tid for tid in blocking if tid != me]:
                blocking.pop(tid, None)
    except Exception:  # another Python's import internals: leave them
        pass


def _abandon_inherited_diskcache_connections() -> None:
    """diskcache closes, in a forked child, the SQLite connection the parent's thread had opened (its pid
    check); closing one takes the mutexes of its file's shared memory, which a thread of the parent may
    have held at the fork (seen: a child stuck in ``sqlite3WalClose``). In the child such a connection
    is put aside, never closed; the child opens its own."""
    core = sys.modules.get("diskcache.core")
    cache_class = getattr(core, "Cache", None)
    if cache_class is None or getattr(cache_class.close, "keeps_inherited_connections", False):
        return
    close = cache_class.close

    def close_but_keep_inherited(self) -> None:
        local = self._local
        if getattr(local, "pid", None) != os.getpid() and getattr(local, "con", None) is not None:
            _abandoned.append(local.con)
            del local.con
            return
        close(self)

    close_but_keep_inherited.keeps_inherited_connections = True  # type: ignore[attr-defined]
    cache_class.close = close_but_keep_inherited


def _run_job(job_fn: Callable, key: str, progress_key: str, args, context) -> None:
    """In the job's process: the export, then its Chromium (if it started one) closed before exiting.

    Dash's job processes end with os._exit, which skips atexit: without this the browser would outlive
    the job and hold its memory."""
    try:
        job_fn(key, progress_key, args, context)
    finally:
        import sys

        browser = sys.modules.get("dashboard.exports.browser")
        if browser is not None:
            browser.stop_browser()


def _forget_parent_browser() -> None:
    """A forked job starts its own Chromium: the parent's browser thread does not exist in it."""
    import sys

    browser = sys.modules.get("dashboard.exports.browser")  # only if loaded: a job that never renders skips it
    if browser is not None:
        browser.forget_session_after_fork()


os.register_at_fork(after_in_child=_forget_parent_browser)
