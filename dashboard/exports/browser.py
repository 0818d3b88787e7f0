"""One headless Chromium per process, kept alive to render every figure of every export.

Starting Chromium costs seconds; drawing a figure in it costs about one. So
the browser (a ``kaleido.Kaleido``, which drives the system Chromium) is
started once, on first use, in a background thread with its own event loop,
and then renders every frame of an animation, every slide of a deck and
every later export of the same process (the app's download button). It is
closed when the process exits, or after ``IDLE_SECONDS`` without work.

Why not ``kaleido.start_sync_server()``: if Chromium fails to start, its
server thread dies and the caller waits forever; here every wait has a
timeout and a failed browser is replaced on the next call.

Figures are handed over as they are built, so the browser draws figure k
while Python builds figure k+1. The browser starts with one tab (a single
image pays for no more); a batch of several figures opens a second tab,
where there are two cores, so that two figures are drawn at once.

Offline by construction: the kaleido page loads plotly.js from the plotly
package (never the CDN), MathJax is off, and the map's style carries its data
(see ``composite.py``), so MapLibre fetches nothing but the package's sprite.

The browser is, in order: ``$BROWSER_PATH``, a chromium/chrome on ``PATH``,
``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conflictmap import progress
from conflictmap.exports.errors import BrowserNotFoundError, MissingDependencyError

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1200, 800
START_TIMEOUT = 90.0  # s for Chromium to start and load the page
FIGURE_TIMEOUT = 120.0  # s for one figure
IDLE_SECONDS = 300.0  # an unused browser is closed after this long
_BROWSER_ERRORS = ("ChromeNotFoundError", "BrowserFailedError", "BrowserDepsError", "BrowserClosedError")
#: The loggers of kaleido and of choreographer, its Chromium driver.
DRIVER_LOGGERS = ("choreographer", "kaleido")


def quiet_driver_logs() -> None:
    """Keep the browser driver's own log off stderr, unless a program set its level.

    choreographer logs a traceback for a message from Chromium it cannot decode
    and then ignores ("JSONError decoding message. Ignoring"). With no logging
    set up, Python prints that to stderr: an mp4 export that succeeded ended on
    a traceback (seen once in the suite). The driver's real failures reach the
    exports as exceptions, which say what to do; its log adds nothing for a user.
    """
    for name in DRIVER_LOGGERS:
        log = logging.getLogger(name)
        if log.level == logging.NOTSET:
            log.setLevel(logging.CRITICAL)


def find_browser() -> str:
    env = os.environ.get("BROWSER_PATH")
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise BrowserNotFoundError(
            f"BROWSER_PATH={env!r} is not an executable browser; "
            "static exports (png, svg, pdf, gif, mp4, pptx) need Chromium or Chrome"
        )
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    raise BrowserNotFoundError(
        "static exports (png, svg, pdf, gif, mp4, pptx) need Chromium or Chrome: "
        "install it (e.g. apt-get install chromium) or set BROWSER_PATH to its executable"
    )


def _tabs() -> int:
    """Two tabs draw two figures at once where there are two cores to do it."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


class BrowserSession:
    """A running Chromium with one kaleido tab (up to ``tabs`` for batches), served by an event loop in a thread."""

    def __init__(self, browser: str, tabs: int = 1) -> None:
        self.browser = browser
        self.tabs = tabs
        self._open_tabs = 1
        self.failed: BaseException | None = None
        self.closed = False
        self._busy = 0
        self._last_used = time.monotonic()
        self._lock = threading.Lock()
        # A scratch folder made before Chromium's own: tempfile's clean-up at exit is then registered
        # before stop_browser's, so it runs after it (see _register_stop_at_exit).
        self._scratch = tempfile.TemporaryDirectory(prefix="conflictmap-render-")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="conflictmap-browser", daemon=True)
        self._thread.start()
        self._kaleido: Any = None
        self._ready = self._submit(self._open())

    def _submit(self, coro: Any) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _open(self) -> None:
        quiet_driver_logs()
        import kaleido

        page = kaleido.PageGenerator(mathjax=False)
        k = kaleido.Kaleido(n=1, page_generator=page, path=self.browser, timeout=FIGURE_TIMEOUT)
        await k.open()
        self._kaleido = k

    async def _add_tab(self) -> None:
        """Another tab on the same page, which then takes figures from the same queue.

        kaleido opens its ``n`` tabs only when it starts; a later one is added with the
        method kaleido itself uses for that. Without it (another kaleido) one tab does all.
        """
        add = getattr(self._kaleido, "_create_kaleido_tab", None)
        if add is not None:
            await add()

    async def _render_one(self, figure: Any, opts: dict) -> bytes:
        return await self._kaleido.calc_fig(figure, opts=opts)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait_ready(self) -> None:
        try:
            self._ready.result(timeout=START_TIMEOUT)
        except concurrent.futures.TimeoutError:
            self.failed = BrowserNotFoundError(f"the browser {self.browser!r} did not start in {START_TIMEOUT:.0f} s")
            raise self.failed from None
        except Exception as exc:
            self.failed = exc
            if type(exc).__name__ in _BROWSER_ERRORS:
                raise BrowserNotFoundError(f"could not start the browser {self.browser!r}: {exc}") from exc
            raise

    def render(
        self, figures: Iterable[Any], fmt: str, scale: float, advance: progress.Advance, total: int | None = None
    ) -> list[bytes]:
        """Each figure's image, in order; each is handed to the browser as soon as it is built."""
        with self._lock:
            self._busy += 1
        futures: list[concurrent.futures.Future] = []
        try:
            for fig in figures:  # a generator builds the next figure while the browser draws this one
                lay = fig.layout
                opts = dict(
                    format=fmt, width=lay.width or DEFAULT_WIDTH, height=lay.height or DEFAULT_HEIGHT, scale=scale
                )
                if not futures:
                    self.wait_ready()
                    if (total is None or total > 1) and self._open_tabs < self.tabs:
                        self._open_tabs += 1
                        self._submit(self._add_tab())  # opens while the first tab draws
                future = self._submit(self._render_one(fig, opts))
                future.add_done_callback(lambda _f: advance())
                futures.append(future)
            return [f.result(timeout=FIGURE_TIMEOUT * len(futures)) for f in futures]
        except Exception as exc:
            for f in futures:
                f.cancel()
            if type(exc).__name__ in _BROWSER_ERRORS:
                self.failed = exc
                raise BrowserNotFoundError(f"the browser {self.browser!r} failed while rendering: {exc}") from exc
            raise
        finally:
            with self._lock:
                self._busy -= 1
                self._last_used = time.monotonic()
            if not self.closed:
                self._loop.call_soon_threadsafe(self._loop.call_later, IDLE_SECONDS + 1, self._close_if_idle)

    def _close_if_idle(self) -> None:
        with self._lock:
            idle = self._busy == 0 and time.monotonic() - self._last_used >= IDLE_SECONDS
            if idle:
                self.closed = True
        if idle:
            self._loop.create_task(self._shutdown())

    async def _shutdown(self) -> None:
        try:
            if self._kaleido is not None:
                await self._kaleido.close()
        finally:
            self._loop.call_soon(self._loop.stop)

    def close(self, timeout: float = 20.0) -> None:
        """Close Chromium and stop the thread (idempotent)."""
        with self._lock:
            already, self.closed = self.closed, True
        if not already and self._thread.is_alive():
            try:
                self._submit(self._shutdown()).result(timeout=timeout)
            except Exception:  # a browser that died or never started: nothing left to close
                self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=timeout)
        if not self._thread.is_alive():
            self._loop.close()
        self._scratch.cleanup()


_session: BrowserSession | None = None
_session_lock = threading.Lock()
_stop_at_exit = False


def _current_session() -> BrowserSession:
    global _session
    with _session_lock:
        if _session is None or _session.closed or _session.failed is not None or not _session.alive:
            if _session is not None:
                _session.close()
            try:
                import kaleido  # noqa: F401
            except ImportError:
                raise MissingDependencyError("static exports need kaleido>=1: pip install 'kaleido>=1'") from None
            _session = BrowserSession(find_browser(), _tabs())
            _register_stop_at_exit()
        return _session


def _register_stop_at_exit() -> None:
    """Close Chromium at exit, before the temporary folders it writes in are removed.

    atexit runs handlers last-registered-first, and tempfile's folders are removed
    by weakref's atexit handler, registered when the first one was made. The session
    has made its scratch folder by now, so registering here runs this handler first.
    """
    global _stop_at_exit
    if not _stop_at_exit:
        atexit.register(stop_browser)
        _stop_at_exit = True


def start_browser() -> None:
    """Start the browser now, in the background, so it is ready when the first figure is (e.g. while loading data).

    Raises BrowserNotFoundError at once when no browser is installed.
    """
    _current_session()


def stop_browser() -> None:
    """Close the process's browser (the next render starts a new one); for benchmarks and tests."""
    global _session
    with _session_lock:
        session, _session = _session, None
    if session is not None:
        session.close()


def forget_session_after_fork() -> None:
    """In a forked child: drop the parent's session without closing it (its thread is not in this process).

    The lock is replaced too: another thread of the parent may have held it at the fork, and
    nothing in the child would ever release it."""
    global _session, _session_lock
    _session = None
    _session_lock = threading.Lock()


def render(
    figures: Iterable[Any], fmt: str, scale: float = 1.0, *, label: str | None = None, total: int | None = None
) -> list[bytes]:
    """Render figures to ``fmt`` (png, svg, pdf, jpeg) in the process's browser, in order.

    ``figures`` may be a generator: each figure is drawn while the next is
    built. ``label`` and ``total`` describe the work for the progress bar.
    """
    if total is None and isinstance(figures, (list, tuple)):
        total = len(figures)
    with progress.task(label or f"Rendering {fmt}", total=total) as advance:
        session = _current_session()
        try:
            return session.render(figures, fmt, scale, advance, total)
        except BrowserNotFoundError:
            stop_browser()
            raise
