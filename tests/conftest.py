"""Shared pytest configuration.

Browser tests use dash.testing's ``dash_duo`` fixture (installed by
``dash[testing]``) with Debian's Chromium and chromedriver, in a browser that
cannot resolve any host name except ``localhost``/``127.0.0.1``: whatever the
page tries to load from elsewhere fails at once with ERR_NAME_NOT_RESOLVED
and shows up as a SEVERE console entry.  Run them with ``pytest --headless``
(``--headless`` is also added automatically when there is no ``$DISPLAY``).

How dash.testing uses this hook (dash/testing/plugin.py, browser.py): the
``dash_duo`` fixture calls ``request.config.hook.pytest_setup_options()``;
pluggy returns the *list* of every implementation's non-None result, and
``Browser._get_wd_options`` takes element ``[0]``.  So this hook must return a
single ``Options`` object (a returned list would arrive as ``[[...]]``), and a
fresh one per call, because dash appends its own arguments to it
(``--headless`` with ``pytest --headless``, ``--no-sandbox``,
``--disable-gpu``, ``--disable-dev-shm-usage``, ``--remote-debugging-port=0``,
...) and then overwrites the ``goog:loggingPrefs`` capability with
``{"browser": "SEVERE"}``, which is what ``dash_duo.get_logs()`` reads
through ``driver.get_log("browser")`` (works with selenium 4.2 + chromedriver).
``DASH_TEST_CHROMEPATH``, if set, overrides ``binary_location``.

Chromium is ``$BROWSER_PATH``, else the first chromium/chrome on ``PATH``;
chromedriver is on ``PATH`` or beside it (Debian: packages ``chromium`` and
``chromium-driver``). Without them the browser tests fail with that message:
they never skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
from dash.testing.application_runners import BaseDashRunner, ThreadedRunner
from selenium.webdriver.chrome.options import Options

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MISSING_BROWSER = (
    "the browser tests need Chromium and chromedriver: on Debian/Ubuntu install the packages "
    "`chromium chromium-driver` (sudo apt-get install chromium chromium-driver), "
    "or set BROWSER_PATH to a Chrome/Chromium and put its chromedriver on PATH"
)


def find_chromium() -> str | None:
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if os.access(env, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromedriver(chromium: str | None) -> str | None:
    found = shutil.which("chromedriver")
    if found:
        return found
    if chromium:  # Debian keeps it beside the browser's real binary, in /usr/lib/chromium
        for folder in {os.path.dirname(chromium), os.path.dirname(os.path.realpath(chromium))}:
            candidate = os.path.join(folder, "chromedriver")
            if os.access(candidate, os.X_OK):
                return candidate
    return None


CHROMIUM = find_chromium()
CHROMEDRIVER = find_chromedriver(CHROMIUM)

# Only loopback resolves; every other host fails immediately (no DNS lookup).
HOST_RESOLVER_RULES = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"

CHROME_ARGS = (
    f"--host-resolver-rules={HOST_RESOLVER_RULES}",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1400,1000",
    # WebGL (the MapLibre map) in headless Chromium without a GPU: software rendering.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
)


def _ensure_chromedriver_on_path() -> None:
    # selenium 4.2 has no Selenium Manager: webdriver.Chrome() finds the
    # driver as `chromedriver` on PATH.
    if shutil.which("chromedriver") is None and CHROMEDRIVER:
        os.environ["PATH"] = os.path.dirname(CHROMEDRIVER) + os.pathsep + os.environ.get("PATH", "")


_ensure_chromedriver_on_path()


def pytest_setup_options():
    """dash.testing hook: the Chrome options for dash_duo / dash_br."""
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.fail(MISSING_BROWSER, pytrace=False)
    options = Options()
    options.binary_location = CHROMIUM
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        # No screen: run headless even without `pytest --headless` (a second
        # `--headless` from dash is harmless).
        options.add_argument("--headless")
    # dash.testing replaces this with {"browser": "SEVERE"}; set here as well
    # so the intent is visible and survives if that ever changes.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


# ---------------------------------------------------------------- dash.testing's server

DRAIN_SECONDS = 10.0  # longest a callback still running at the end of a test may take to finish


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DrainingThreadedRunner(ThreadedRunner):
    """dash.testing's threaded server, stopped only after the requests in flight are answered.

    ``ThreadedRunner.stop()`` raises SystemExit (ctypes ``PyThreadState_SetAsyncExc``)
    in every thread started since the server, werkzeug's request threads included.
    A callback still running when a test ends (the render that follows the test's
    last click, or a download) then dies mid-way, and pytest reports the SystemExit
    as ``PytestUnhandledThreadExceptionWarning``. ``dash_duo`` closes the browser
    before the server stops, so no new requests come: wait for those in flight,
    then stop the server thread alone, sparing unrelated threads started during the
    test (such as the exports' long-lived browser thread).

    It also starts dash's port counter at a free port rather than at 58050, so
    two pytest workers (and two checkouts on one machine) do not collide.
    """

    def start(self, app, start_timeout=3, **kwargs):
        # Through dash's own counter rather than a fixed ``port=``: when a slow start makes dash retry,
        # the retry takes the next port instead of the one the abandoned server may still hold.
        if "port" not in kwargs:
            BaseDashRunner._next_port = free_port()
        return super().start(app, start_timeout=start_timeout, **kwargs)

    def stop(self):
        server_thread = self.thread
        deadline = time.monotonic() + DRAIN_SECONDS
        for thread in threading.enumerate():
            if thread is not server_thread and "(process_request_thread)" in thread.name:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        # KillerThread.kill() spares the threads listed as older than the server: list every
        # thread but the server's own and any request thread that did not finish in time.
        server_thread._old_threads = [
            t.ident
            for t in threading.enumerate()
            if t is not server_thread and "(process_request_thread)" not in t.name
        ]
        super().stop()


@pytest.fixture
def dash_thread_server():
    """Replaces dash.testing's fixture of the same name (used by ``dash_duo``)."""
    with DrainingThreadedRunner() as runner:
        yield runner


# ---------------------------------------------------------------- parallel runs (pytest-xdist)

BROWSER_FIXTURES = {"dash_duo", "dash_br", "dash_thread_server"}


def pytest_collection_modifyitems(config, items):
    """Tests that drive Chromium through selenium run one after another on one xdist worker.

    The MapLibre map draws with software WebGL (SwiftShader); two such browsers at
    once on two cores starve each other past the tests' waits. With
    ``--dist loadgroup`` (scripts/dev.py) the other worker runs everything else.
    """
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("chromium"))
