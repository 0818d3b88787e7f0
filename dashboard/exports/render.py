"""Static rendering: the figure (``composite.py``) drawn in headless Chromium (``browser.py``).

Re-exports for callers that import from here: ``composite_figure`` and ``Frame``
build the map-above-timeline figure; ``render`` draws figures in the process's
one long-lived browser and ``find_browser`` says which browser that is.
"""

from __future__ import annotations

from dashboard.exports.browser import find_browser, render
from dashboard.exports.composite import Frame, composite_figure

__all__ = ["Frame", "composite_figure", "find_browser", "render"]
