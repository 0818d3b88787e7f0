"""Static rendering: one figure with the map above the timeline, drawn in headless Chromium.

The figure is built here; the browser that draws it (one per process, kept
alive) is :mod:`dashboard.exports.browser`, whose ``render`` and
``find_browser`` are re-exported for existing callers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from conflictmap.table import Dataset
from conflictmap.view import ViewState
from dashboard.exports.browser import find_browser, render
from dashboard.exports.common import attribution, placed
from dashboard.figures import FONT, map_figure, timeline_figure

__all__ = ["Frame", "composite_figure", "find_browser", "render"]
WIDTH = 1200
MAP_HEIGHT = 560
TOP, GAP, BOTTOM = 96, 44, 120  # px: title + legend, map-timeline gap, tick labels + attribution


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
