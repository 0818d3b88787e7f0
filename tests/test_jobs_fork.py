"""A download job's process is forked from a worker with other threads (dashboard/jobs.py).

A lock another thread holds at the fork stays held for ever in the child, where that thread does not
exist. Seen once in about fifteen runs of tests/test_download_pool.py: a child stuck at its start in
``sqlite3Malloc``, on SQLite's memory mutex, which the test's main thread held while reading the job
store; the job never ran. Each scenario here runs in its own Python process with a deadline, so a
child stuck for ever fails the test (and kills what it started) instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 150  # seconds for one scenario; each takes a few when the pool is right

PRELUDE = textwrap.dedent(
    """
    import os, sys, tempfile, threading, time
    from pathlib import Path

    import diskcache

    from dashboard.jobs import DownloadPool

    def progress_key(key):
        return f"{key}-progress"

    def store_job(key, _progress_key, args, _context):
        diskcache.Cache(args["folder"]).set(key, os.getpid())

    def wait_for(keys, cache, seconds=60):
        end = time.time() + seconds
        while time.time() < end and not all(cache.get(k) for k in keys):
            time.sleep(0.05)
        missing = [k for k in keys if not cache.get(k)]
        print("missing", missing, flush=True)
        os._exit(1 if missing else 0)

    tmp = Path(tempfile.mkdtemp(prefix="conflictmap-fork-"))
    folder = str(tmp / "store")
    cache = diskcache.Cache(folder)
    """
)


def run_scenario(body: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``PRELUDE + body`` in a new process group; past the deadline kill the group and fail."""
    script = tmp_path / "scenario.py"
    script.write_text(PRELUDE + textwrap.dedent(body), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the scenario and every job process it forked
        out, _ = proc.communicate()
        raise AssertionError(f"a job's process hung (scenario killed after {DEADLINE} s):\n{out}") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # a job left behind never outlives its test
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def test_a_job_forked_while_another_thread_holds_sqlites_memory_mutex_still_runs(tmp_path):
    """The hang as seen, made certain: at the first fork another thread holds SQLite's memory mutex
    (``sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_MEM)``), so the first child would wait on it for ever.
    The pool finds that child stuck at its start, kills it and forks again."""
    result = run_scenario(
        """
        import ctypes
        import _sqlite3

        sqlite = ctypes.CDLL(_sqlite3.__file__)  # its symbols, or libsqlite3's it links to
        sqlite.sqlite3_mutex_alloc.restype = ctypes.c_void_p
        sqlite.sqlite3_mutex_enter.argtypes = [ctypes.c_void_p]
        sqlite.sqlite3_mutex_leave.argtypes = [ctypes.c_void_p]
        memory_mutex = ctypes.c_void_p(sqlite.sqlite3_mutex_alloc(3))  # SQLITE_MUTEX_STATIC_MEM
        assert memory_mutex.value, "SQLite without mutexes"

        grab, grabbed, release, released = (threading.Event() for _ in range(4))
        armed = [True]

        def holder():
            while True:
                grab.wait()
                grab.clear()
                sqlite.sqlite3_mutex_enter(memory_mutex)  # a thread inside sqlite3Malloc
                grabbed.set()
                release.wait()
                release.clear()
                sqlite.sqlite3_mutex_leave(memory_mutex)
                released.set()

        def before_fork():
            if armed[0] and threading.current_thread() is not holding:
                grab.set()
                grabbed.wait()

        def after_fork_in_parent():
            if armed[0] and threading.current_thread() is not holding:
                armed[0] = False
                release.set()
                released.wait()

        holding = threading.Thread(target=holder, daemon=True)
        holding.start()
        os.register_at_fork(before=before_fork, after_in_parent=after_fork_in_parent)
        pool = DownloadPool(cache, 1, tmp / "slots", progress_key, start_seconds=3)
        pool.submit("job", store_job, {"folder": folder}, None)
        wait_for(["job"], cache)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout
    assert "did not start; forked again" in result.stdout, result.stdout  # the stuck child was replaced


def test_a_job_forked_while_another_thread_writes_to_stderr_can_still_print(tmp_path):
    """A thread caught inside a write to ``sys.stderr`` holds its buffer's lock, which Python does not
    renew in a forked child: the job's own print would wait for ever. The job gets a fresh stderr."""
    result = run_scenario(
        """
        import io

        gate = threading.Event()

        class SlowFile(io.FileIO):
            def write(self, data):
                gate.wait()  # the buffer's lock is held meanwhile
                return super().write(data)

        log = tmp / "stderr.log"
        sys.stderr = io.TextIOWrapper(
            io.BufferedWriter(SlowFile(str(log), "w"), buffer_size=16), line_buffering=True
        )

        def printing_job(key, _progress_key, args, _context):
            print("the job prints", file=sys.stderr)
            diskcache.Cache(args["folder"]).set(key, os.getpid())

        writer = threading.Thread(target=lambda: print("x" * 100, file=sys.stderr), daemon=True)
        writer.start()
        time.sleep(0.3)  # the writer is inside the write, holding the lock
        pool = DownloadPool(cache, 1, tmp / "slots", progress_key, start_seconds=10)
        pool.submit("job", printing_job, {"folder": folder}, None)
        end = time.time() + 60
        while time.time() < end and not cache.get("job"):
            time.sleep(0.05)
        done = bool(cache.get("job"))
        gate.set()
        print("done" if done else "the job never finished", flush=True, file=sys.__stdout__)
        os._exit(0 if done else 1)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout


def test_many_jobs_forked_while_threads_read_the_job_store_all_run(tmp_path):
    """As the pool's tests do (their main thread reads the store 20 times a second), harder: two
    threads read the store without pause while 40 jobs are forked two at a time. Before the fix a
    run of this left a child stuck two times in three."""
    result = run_scenario(
        """
        stop = threading.Event()

        def reader():
            store = diskcache.Cache(folder)
            while not stop.is_set():
                store.get("anything")

        for _ in range(2):
            threading.Thread(target=reader, daemon=True).start()
        pool = DownloadPool(cache, 2, tmp / "slots", progress_key, start_seconds=3)
        keys = [f"job{k}" for k in range(40)]
        for key in keys:
            pool.submit(key, store_job, {"folder": folder}, None)
        wait_for(keys, cache, seconds=100)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout
