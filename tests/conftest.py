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
"""

from __future__ import annotations

import os
import shutil

from selenium.webdriver.chrome.options import Options

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

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
    if shutil.which("chromedriver") is None and os.path.exists(CHROMEDRIVER):
        os.environ["PATH"] = os.path.dirname(CHROMEDRIVER) + os.pathsep + os.environ.get("PATH", "")


_ensure_chromedriver_on_path()


def pytest_setup_options():
    """dash.testing hook: the Chrome options for dash_duo / dash_br."""
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
