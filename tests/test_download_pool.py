"""The download pool (dashboard/jobs.py), with real processes and a real job store.

At most ``slots`` jobs run at once, across every process that shares the store; the others wait in
the order they came and their pages are told their place; a cancelled waiting job never starts; a
killed job frees its slot; a job's id is what Dash hands the page, and a forged one is nobody's.
"""

from __future__ import annotations

import itertools
import os
import signal
import time

import diskcache
import pytest

from dashboard.jobs import BUSY_MESSAGE, DownloadPool, download_slots, queued_message


def progress_key(key: str) -> str:
    return f"{key}-progress"


def sleeper(seconds: float):
    """A job that records when it ran (its start and end), then sleeps."""

    def job(key, _progress_key, args, _context):
        cache = diskcache.Cache(args["folder"])
        start = time.time()
        time.sleep(seconds)
        cache.set(key, (start, time.time()))

    return job


def wait_until(predicate, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def pool(tmp_path):
    cache = diskcache.Cache(str(tmp_path / "store"))
    return DownloadPool(cache, 1, tmp_path / "slots", progress_key), cache, str(tmp_path / "store")


def test_one_slot_runs_jobs_one_at_a_time_in_order_and_tells_places(pool):
    pool, cache, folder = pool
    jobs = [pool.submit(f"job{k}", sleeper(0.6), {"folder": folder}, None) for k in range(3)]
    assert cache.get(progress_key("job2")) == [queued_message(1)]  # one ahead: job1 (job0 runs)
    assert cache.get(progress_key("job1")) == [queued_message(0)]
    assert all(pool.running(job) for job in jobs)
    wait_until(lambda: all(cache.get(f"job{k}") for k in range(3)))
    spans = [cache.get(f"job{k}") for k in range(3)]
    for earlier, later in itertools.pairwise(spans):
        assert later[0] >= earlier[1] - 0.05, spans  # never two at once, in click order
    wait_until(lambda: not any(pool.running(job) for job in jobs))


def test_a_cancelled_waiting_job_never_starts(pool):
    pool, cache, folder = pool
    first = pool.submit("first", sleeper(0.8), {"folder": folder}, None)
    second = pool.submit("second", sleeper(0.1), {"folder": folder}, None)
    assert pool.cancel(second) is None  # it had no process yet
    assert not pool.running(second)
    wait_until(lambda: not pool.running(first))
    time.sleep(0.6)  # the dispatcher's next looks
    assert cache.get("second") is None


def test_a_killed_job_frees_its_slot(pool):
    pool, cache, folder = pool
    stuck = pool.submit("stuck", sleeper(600), {"folder": folder}, None)
    pool.submit("after", sleeper(0.1), {"folder": folder}, None)
    wait_until(lambda: pool.pid(stuck) is not None)
    time.sleep(0.5)
    assert cache.get("after") is None  # waiting for the slot
    os.kill(pool.pid(stuck), signal.SIGKILL)
    wait_until(lambda: cache.get("after") is not None)
    assert not pool.running(stuck)


@pytest.mark.parametrize("job", ["12345", "download-x", "download--1", None, 7, "download-99999"])
def test_a_forged_job_id_is_nobodys(pool, job):
    pool, _, _ = pool
    assert not pool.running(job)
    assert pool.cancel(job) is None


def test_two_pools_on_one_store_share_the_slots(tmp_path):
    """Two gunicorn workers: each its own pool object, one store, one slot between them."""
    folder = str(tmp_path / "store")
    a = DownloadPool(diskcache.Cache(folder), 1, tmp_path / "slots", progress_key)
    b = DownloadPool(diskcache.Cache(folder), 1, tmp_path / "slots", progress_key)
    a.submit("a", sleeper(0.8), {"folder": folder}, None)
    b.submit("b", sleeper(0.1), {"folder": folder}, None)
    cache = diskcache.Cache(folder)
    assert cache.get(progress_key("b")) == [queued_message(0)]
    wait_until(lambda: cache.get("a") and cache.get("b"))
    assert cache.get("b")[0] >= cache.get("a")[1] - 0.05


def test_slots_default_to_the_cores_and_follow_the_environment(monkeypatch):
    monkeypatch.delenv("CONFLICTMAP_DOWNLOAD_SLOTS", raising=False)
    assert download_slots() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("CONFLICTMAP_DOWNLOAD_SLOTS", "3")
    assert download_slots() == 3
    monkeypatch.setenv("CONFLICTMAP_DOWNLOAD_SLOTS", "zero")
    assert download_slots() == len(os.sched_getaffinity(0))


def test_past_the_most_waiting_a_click_is_turned_away_with_a_message(tmp_path):
    folder = str(tmp_path / "store")
    cache = diskcache.Cache(folder)
    pool = DownloadPool(cache, 1, tmp_path / "slots", progress_key, max_waiting=2)
    running = pool.submit("running", sleeper(1.0), {"folder": folder}, None)
    waiting = pool.submit("waiting", sleeper(0.1), {"folder": folder}, None)
    wait_until(lambda: pool.pid(running) is not None)
    extra = [pool.submit(f"extra{k}", sleeper(0.1), {"folder": folder}, None) for k in range(3)]
    assert pool.running(waiting)
    assert [pool.running(job) for job in extra] == [True, False, False]  # one more fits, then none
    assert cache.get(progress_key("extra2")) == [BUSY_MESSAGE]
    wait_until(lambda: cache.get("extra0") is not None)
    assert cache.get("extra1") is None and cache.get("extra2") is None


def test_a_forked_job_starts_without_the_parents_browser_session_or_its_held_lock():
    """A job forked while another thread of the worker holds the browser's lock (a render starting)
    gets a free lock and no session: the parent's browser thread does not exist in the child."""
    import threading

    from dashboard.exports import browser

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with browser._session_lock:
            held.set()
            release.wait(10)

    parent_session = browser._session
    browser._session = object()  # type: ignore[assignment]  # a stand-in the child must not inherit
    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        pid = os.fork()
        if pid == 0:  # the child: no session, and the lock free
            os._exit(0 if browser._session is None and browser._session_lock.acquire(timeout=5) else 1)
    finally:
        release.set()
        holder.join()
        browser._session = parent_session
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_job_that_ends_as_it_is_ended_is_no_error():
    """Dash kills a job as it hands over the result; a job that exits in between made psutil raise (a 500)."""
    import psutil

    from dashboard.jobs import end_process

    ended = []

    def gone(pid):
        raise psutil.NoSuchProcess(pid)

    end_process(12345, gone)  # no exception
    end_process(12345, ended.append)
    assert ended == [12345]
