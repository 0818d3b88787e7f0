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
import threading
from urllib.parse import urlsplit

import pytest
from dash.testing.application_runners import BaseDashRunner
from dash.testing.browser import Browser
from dash.testing.composite import DashComposite
from hypothesis import settings
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

# No wall-clock deadline on any property test: the suite runs three pytest processes and two Chromiums on
# two cores, and an example that takes 1 ms alone took 285 ms once there (hypothesis' default deadline
# of 200 ms failed the run). Speed is measured by the benchmarks, never asserted in a unit test.
settings.register_profile("conflictmap", deadline=None)
settings.load_profile("conflictmap")

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
    "--window-size=1200,800",
    # One tab at a time, always in front; never let Chromium throttle its timers or renderer as a background tab's
    # (the session's Chromium opens a new tab per test and closes the old one).
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    # One CSS pixel, one device pixel: what the tests measure, and the least software rendering.
    "--force-device-scale-factor=1",
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


class SharedOrigin:
    """One loopback server per pytest process; the apps of the tests are served from it in turn.

    Chromium keys its HTTP and code caches by URL, port included. With a server
    (a port) per test, every test's first page fetched and compiled plotly.js, Dash's
    renderer and the base map again: about 1.7 s more CPU per load on this machine
    than a page whose scripts were cached. Here every app is served on one port, so
    the session's Chromium fetches and compiles them once per process.

    The apps are a stack: a module's shared app (``module_dash_server``) under the
    app a test starts for itself (``dash_duo.start_server``); requests go to the top
    one. pytest sets fixtures up and tears them down in stack order, one test at a
    time per process, so the top app is always the running test's.
    """

    def __init__(self):
        self._apps: list[SharedOriginRunner] = []
        self._lock = threading.Lock()
        # Port 0: the kernel's pick, bound at once. A port probed first and bound later can be taken in
        # between by an outgoing connection (a session of 42 browser tests failed on "Address already in use").
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="shared-origin", daemon=True)
        self._thread.start()

    def push(self, runner: SharedOriginRunner) -> None:
        with self._lock:
            self._apps.append(runner)

    def pop(self, runner: SharedOriginRunner) -> None:
        with self._lock:
            self._apps.remove(runner)

    def _dispatch(self, environ, start_response):
        with self._lock:
            runner = self._apps[-1] if self._apps else None
        if runner is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app is being served: the test that served one has ended"]
        return runner.answer(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SharedOriginRunner(BaseDashRunner):
    """dash.testing's runner API (``start``, ``stop``, ``url``) for an app served by :class:`SharedOrigin`.

    ``stop`` waits for the app's requests in flight (the render that follows a
    test's last click, a download) before the app leaves the stack, so no callback
    dies mid-way; ``dash_duo`` leaves the page first, so no new request comes.
    """

    def __init__(self, origin: SharedOrigin):
        super().__init__(keep_open=False, stop_timeout=DRAIN_SECONDS)
        self.origin = origin
        self.port = origin.port
        self._app = None
        self._in_flight = 0
        self._idle = threading.Condition()

    def start(self, app, start_timeout=3, **kwargs):
        if kwargs:
            raise TypeError(f"the shared test server takes no server options: {sorted(kwargs)}")
        app.scripts.config.serve_locally = True  # as dash.testing's runners: no CDN, ever
        app.css.config.serve_locally = True
        self._app = app
        self.origin.push(self)
        self.started = True

    def answer(self, environ, start_response):
        assert self._app is not None
        with self._idle:
            self._in_flight += 1
        try:
            body = self._app.server(environ, start_response)
        except BaseException:
            self._done()
            raise
        return ClosingIterator(body, [self._done])

    def _done(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def stop(self):
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=DRAIN_SECONDS)
        self.origin.pop(self)
        self._app = None
        self.started = False


@pytest.fixture(scope="session")
def shared_origin():
    origin = SharedOrigin()
    yield origin
    origin.close()


@pytest.fixture
def dash_thread_server(shared_origin):
    """Replaces dash.testing's fixture of the same name (used by ``dash_duo``): the app on the shared origin."""
    with SharedOriginRunner(shared_origin) as runner:
        yield runner


@pytest.fixture(scope="module")
def module_dash_server(shared_origin):
    """One Dash app for the tests of a module that share one app and its data.

    Start it once from a module-scoped fixture (``module_dash_server.start(app)``) and
    give each test's ``dash_duo`` its address with ``dash_duo.use_server(url)``: the
    app is built once, not once per test. Only for apps the tests do not change
    (nothing they do is written anywhere the next test would read).
    """
    with SharedOriginRunner(shared_origin) as runner:
        yield runner


# ---------------------------------------------------------------- one Chromium for the whole session


VISITED_ORIGINS = "return [location.origin, ...performance.getEntriesByType('resource').map(e => e.name)]"


class SessionChromium:
    """One Chromium (and chromedriver) for the session; each test gets a fresh tab in it.

    Starting Chromium and chromedriver cost every browser test a few seconds. A new
    tab is a fresh page target: no history, no scripts added with
    ``Page.addScriptToEvaluateOnNewDocument``, no ``Emulation`` overrides, its own
    download folder; the window is put back to its first size; the console buffer
    is drained; cookies and storage of the origins the page used are cleared when a
    test leaves (every test's app is served on one origin, :class:`SharedOrigin`).
    The HTTP cache stays: the app's scripts are fetched and compiled once per
    process, not once per test. If Chromium died in a test, or a test left it
    unusable (an open alert), the next test starts a new one.
    """

    def __init__(self, config: pytest.Config, download_dir: str):
        self.config = config
        self.download_dir = download_dir
        self.browser: Browser | None = None
        self.window_size: dict | None = None

    def _start(self) -> None:
        self.quit()
        self.browser = Browser(
            browser=self.config.getoption("webdriver"),
            remote=self.config.getoption("remote"),
            remote_url=self.config.getoption("remote_url"),
            headless=self.config.getoption("headless"),
            options=self.config.hook.pytest_setup_options(),
            download_path=self.download_dir,
            percy_run=False,
        )
        self.window_size = self.browser.driver.get_window_size()

    def _alive(self) -> bool:
        if self.browser is None:
            return False
        try:
            return bool(self.browser.driver.window_handles)
        except WebDriverException:
            return False

    def fresh_tab(self, download_path: str):
        """The driver, switched to a new blank tab, every other tab closed (in a new Chromium if need be)."""
        if not self._alive():
            self._start()
        try:
            return self._new_tab(download_path)
        except WebDriverException:  # the last test left Chromium unusable: start afresh
            self._start()
            return self._new_tab(download_path)

    def _new_tab(self, download_path: str):
        assert self.browser is not None and self.window_size is not None
        driver = self.browser.driver
        old = driver.window_handles
        driver.switch_to.new_window("tab")
        new = driver.current_window_handle
        for handle in old:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(new)
        driver.set_window_size(self.window_size["width"], self.window_size["height"])
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_path})
        driver.get_log("browser")  # what the last test's page logged is not this test's
        return driver

    def leave_tab(self) -> None:
        """Stop the page (no request reaches the server after this) and forget what it stored."""
        if not self._alive():
            return
        assert self.browser is not None
        driver = self.browser.driver
        try:
            origins = {
                f"{u.scheme}://{u.netloc}"
                for u in map(urlsplit, [driver.current_url, *driver.execute_script(VISITED_ORIGINS)])
                if u.scheme in ("http", "https")
            }
            driver.get("about:blank")
            driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
            for origin in origins:
                driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        except WebDriverException:
            self.quit()

    def quit(self) -> None:
        if self.browser is not None:
            browser, self.browser = self.browser, None
            browser.__exit__(None, None, None)


@pytest.fixture(scope="session")
def session_chromium(request, tmp_path_factory):
    chromium = SessionChromium(request.config, str(tmp_path_factory.mktemp("session-downloads")))
    yield chromium
    chromium.quit()


class TabOfSessionChromium:
    """dash.testing's Browser API on a fresh tab of the session's Chromium instead of a new Chromium."""

    def __init__(self, chromium: SessionChromium, **kwargs):
        self._session_chromium = chromium
        super().__init__(**kwargs)  # type: ignore[call-arg]

    def get_webdriver(self):
        return self._session_chromium.fresh_tab(self._download_path)  # type: ignore[attr-defined]

    def __exit__(self, exc_type, exc_val, traceback):
        self._session_chromium.leave_tab()


class SessionDashComposite(TabOfSessionChromium, DashComposite):
    """``dash_duo``: the test's Dash server and a tab of the session's Chromium."""

    def start_server(self, app, navigate=True, **kwargs):
        """As dash's, and with ``navigate=False`` the server's address is still known (the test loads it)."""
        super().start_server(app, navigate=navigate, **kwargs)
        if not navigate:
            self.use_server(self.server.url)

    def use_server(self, url: str) -> None:
        """Aim this tab at a server already running (``module_dash_server``) without loading a page."""
        self._url = url


class SessionBrowser(TabOfSessionChromium, Browser):
    """``dash_br``: a tab of the session's Chromium."""


def _browser_kwargs(request, tmpdir) -> dict:
    return dict(
        browser=request.config.getoption("webdriver"),
        remote=request.config.getoption("remote"),
        remote_url=request.config.getoption("remote_url"),
        headless=request.config.getoption("headless"),
        download_path=tmpdir.mkdir("download").strpath,
        percy_assets_root=request.config.getoption("percy_assets"),
        percy_finalize=request.config.getoption("nopercyfinalize"),
        pause=request.config.getoption("pause"),
    )


@pytest.fixture
def dash_duo(request, dash_thread_server, tmpdir, session_chromium):
    """Replaces dash.testing's ``dash_duo``: same API, on a tab of the session's Chromium."""
    with SessionDashComposite(session_chromium, server=dash_thread_server, **_browser_kwargs(request, tmpdir)) as dc:
        yield dc


@pytest.fixture
def dash_br(request, tmpdir, session_chromium):
    """Replaces dash.testing's ``dash_br``: same API, on a tab of the session's Chromium."""
    with SessionBrowser(session_chromium, **_browser_kwargs(request, tmpdir)) as browser:
        yield browser


# ---------------------------------------------------------------- parallel runs (pytest-xdist)

BROWSER_FIXTURES = {
    "dash_duo",
    "dash_br",
    "dash_thread_server",
    "module_dash_server",
    "session_chromium",
    "shared_origin",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: `-m browser` / `-m "not browser"` split exactly here
def pytest_collection_modifyitems(config, items):
    """Tests that drive a page in Chromium are marked ``browser``, whether or not their module says so.

    ``scripts/dev.py test`` runs ``-m browser`` (in two xdist workers) and ``-m "not browser"``
    as two pytest processes side by side. A whole-suite ``pytest -n 2 --dist loadgroup``
    keeps the browser tests on one worker (the ``chromium`` group) and the rest on the other.
    """
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("chromium"))
