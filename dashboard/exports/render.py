"""Static rendering: figures drawn by kaleido in headless Chromium.

Offline by construction: the kaleido page loads plotly.js from the plotly
package (never the CDN), MathJax is off, and the map's style carries its data
(see ``composite.py``), so MapLibre fetches nothing but the package's sprite.

The browser is, in order: ``$BROWSER_PATH``, a chromium/chrome on ``PATH``,
``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from pathlib import Path

import plotly.graph_objects as go

from dashboard.exports.composite import WIDTH, Frame, composite_figure
from dashboard.exports.errors import BrowserNotFoundError, MissingDependencyError

__all__ = ["Frame", "composite_figure", "find_browser", "render"]

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


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


def render(figures: list[go.Figure], fmt: str, scale: float = 1.0) -> list[bytes]:
    """Render figures to ``fmt`` (png, svg, pdf, jpeg) in one browser session."""
    try:
        import kaleido
        from kaleido import PageGenerator
    except ImportError:
        raise MissingDependencyError("static exports need kaleido>=1: pip install 'kaleido>=1'") from None
    browser = find_browser()

    async def run(folder: Path) -> list[bytes]:
        page = PageGenerator(mathjax=False)
        out = []
        try:
            async with kaleido.Kaleido(n=1, page_generator=page, path=browser, timeout=120) as k:
                for fig in figures:
                    lay = fig.layout
                    out.append(
                        await k.calc_fig(
                            fig, opts=dict(format=fmt, width=lay.width or WIDTH, height=lay.height or 800, scale=scale)
                        )
                    )
        except Exception as exc:
            if type(exc).__name__ in ("ChromeNotFoundError", "BrowserFailedError", "BrowserClosedError"):
                raise BrowserNotFoundError(f"could not start the browser {browser!r} for static export: {exc}") from exc
            raise
        return out

    with tempfile.TemporaryDirectory(prefix="conflictmap-render-") as folder:
        return _run_async(run(Path(folder)))


def _run_async(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result, error = [], []

    def target():
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if error:
        raise error[0]
    return result[0]
