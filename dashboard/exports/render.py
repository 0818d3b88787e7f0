"""Static rendering: one figure with the map above the timeline, drawn by kaleido in headless Chromium.

Offline by construction: the kaleido page loads plotly.js from the plotly
package (never the CDN), MathJax is off, and the base map TopoJSON bundled in
``dashboard/assets/topojson`` is preloaded into ``window.PlotlyGeoAssets``,
which plotly.js's geo subplot checks before it fetches ``topojsonURL``.

The browser is, in order: ``$BROWSER_PATH``, a chromium/chrome on ``PATH``,
``/usr/bin/chromium``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from conflictmap.table import Dataset
from conflictmap.view import ViewState
from dashboard.exports.common import TOPOJSON_DIR, attribution, placed
from dashboard.exports.errors import BrowserNotFoundError, ExportError, MissingDependencyError
from dashboard.figures import FONT, map_figure, timeline_figure

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
WIDTH = 1200
MAP_HEIGHT = 560
TOP, GAP, BOTTOM = 96, 44, 120  # px: title + legend, map-timeline gap, tick labels + attribution


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


@dataclass(frozen=True)
class Frame:
    """Fixed axes so the frames of an animation line up."""

    x_range: tuple | None = None
    lat_range: tuple | None = None
    lon_range: tuple | None = None
    timeline_height: int | None = None


def composite_figure(
    dataset: Dataset,
    visible: pd.DataFrame,
    state: ViewState,
    *,
    featured: tuple[str, ...] = (),
    title: str | None = None,
    subtitle: str | None = None,
    width: int = WIDTH,
    frame: Frame | None = None,
    towns: pd.DataFrame | None = None,
) -> go.Figure:
    """The map (top) and the timeline (bottom) of one view as one figure, with title and attribution."""
    from dashboard.towns import town_labels

    if towns is None:
        shown = placed(visible)
        towns = town_labels(shown if len(shown) else dataset.events)
    highlighted = (state.event,) if state.event else ()
    mfig = map_figure(dataset, visible, state, towns, highlighted=highlighted, featured=featured)
    tfig = timeline_figure(dataset, visible, state, highlighted=highlighted, featured=featured)
    scale = width / WIDTH
    map_h = int(MAP_HEIGHT * scale)
    tl_h = (
        frame.timeline_height if frame and frame.timeline_height else max(140, int((tfig.layout.height or 240) - 110))
    )
    plot_h = map_h + GAP + tl_h
    height = TOP + plot_h + BOTTOM
    split = tl_h / plot_h

    fig = go.Figure()
    for tr in mfig.data:
        fig.add_trace(tr)
    for tr in tfig.data:
        fig.add_trace(tr)
    mlay = mfig.layout.to_plotly_json()
    tlay = tfig.layout.to_plotly_json()
    geo = mlay["geo"]
    geo["domain"] = {"x": [0, 1], "y": [(tl_h + GAP) / plot_h, 1]}
    if frame and frame.lat_range:
        geo["lataxis"] = {"range": list(frame.lat_range)}
        geo["lonaxis"] = {"range": list(frame.lon_range)}
    xaxis = tlay.get("xaxis", {})
    xaxis.pop("rangeslider", None)
    xaxis.pop("rangeselector", None)
    xaxis.update(domain=[0, 1], anchor="y")
    if frame and frame.x_range:
        xaxis["range"] = list(frame.x_range)
    yaxis = tlay.get("yaxis", {})
    yaxis.update(domain=[0, split], anchor="x")
    annotations = []
    for a in tlay.get("annotations", []):  # "No events match the filters"
        a.update(xref="paper", yref="paper", x=0.5, y=split / 2)
        annotations.append(a)
    lines = attribution(dataset).lines(with_map=True)
    annotations.append(
        dict(
            text="<br>".join(_esc(line) for line in lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="top",
            yshift=-58,
            align="left",
            showarrow=False,
            font=dict(size=11, color="#444"),
        )
    )
    heading = _esc(title or dataset.title)
    if subtitle:
        heading += f"<br><span style='font-size:14px;color:#444'>{_esc(subtitle)}</span>"
    # An annotation rather than layout.title: a two-line title anchored at the
    # top was clipped by the page edge; this one is placed in the top margin.
    annotations.append(
        dict(
            text=heading,
            xref="paper",
            yref="paper",
            x=0,
            y=1 + (TOP - 8) / plot_h,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font=dict(size=20),
        )
    )
    fig.update_layout(
        geo=geo,
        xaxis=xaxis,
        yaxis=yaxis,
        shapes=tlay.get("shapes", []),
        annotations=annotations,
        legend={**mlay.get("legend", {}), "y": 1.0, "yanchor": "bottom", "x": 0},
        legend2={**mlay.get("legend2", {}), "y": (tl_h + GAP) / plot_h, "yanchor": "bottom", "x": 0},
        font=FONT,
        width=width,
        height=height,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=20, r=20, t=TOP, b=BOTTOM, autoexpand=True),
        showlegend=True,
    )
    return fig


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _geo_assets_script(folder: Path) -> Path:
    parts = [
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};",
        "window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};",
    ]
    for name in ("world_50m", "world_110m", "asia_50m", "asia_110m"):
        f = TOPOJSON_DIR / f"{name}.json"
        if f.exists():
            parts.append(f"window.PlotlyGeoAssets.topojson[{json.dumps(name)}] = {f.read_text(encoding='utf-8')};")
    if len(parts) == 2:
        raise ExportError(f"no base map TopoJSON in {TOPOJSON_DIR} (run python scripts/fetch_basemap.py)")
    path = folder / "plotly-geo-assets.js"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def render(figures: list[go.Figure], fmt: str, scale: float = 1.0) -> list[bytes]:
    """Render figures to ``fmt`` (png, svg, pdf, jpeg) in one browser session."""
    try:
        import kaleido
        from kaleido import PageGenerator
    except ImportError:
        raise MissingDependencyError("static exports need kaleido>=1: pip install 'kaleido>=1'") from None
    browser = find_browser()

    async def run(folder: Path) -> list[bytes]:
        page = PageGenerator(mathjax=False, others=[str(_geo_assets_script(folder))])
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
