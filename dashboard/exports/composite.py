"""One figure for a static image: the map above the timeline, a key, title and credits.

Rendered by kaleido in headless Chromium, which draws the MapLibre map too:
the style travels inside the figure (its sources inlined, the icon sprite read
from the package folder), so nothing is fetched. What the app shows in the
browser by interaction (which places' uncertainty is drawn, the selected
event's outline) is baked into the style here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from conflictmap.exports.common import attribution
from conflictmap.places import keys_of, place_keys, story_places
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from conflictmap.vocabulary import TYPE_LABELS
from conflictmap.wording import faction_colour, faction_label
from dashboard.exports.flatmap import base_map_figure, flat_map
from dashboard.figures import FONT, esc
from dashboard.mapfigure import frame_points, map_traces, placed_events
from dashboard.mapstyle import BASEMAP_DIR, inline_source, map_style
from dashboard.markers import zoom_for_bounds
from dashboard.symbols import TYPE_SYMBOLS
from dashboard.timeline import LANE_LABEL_PX, axis_range, timeline_figure

WIDTH = 1200
MAP_HEIGHT = 560
TOP = 92  # title and subtitle
GAP = 34  # between the map and the timeline
TICKS = 44  # the timeline's date labels, below its axis
KEY = 84  # faction and type key (up to three rows)
CREDITS = 70  # attribution lines
MAX_TIMELINE = 640
MARGIN_L, MARGIN_R = 12, 16


@dataclass(frozen=True)
class Frame:
    """Fixed camera, date range and timeline height, so the frames of an animation line up."""

    x_range: tuple | None = None
    centre: tuple[float, float] | None = None
    zoom: float | None = None
    timeline_height: int | None = None


def export_style(dataset: Dataset, visible: pd.DataFrame, selected: str | None, bbox=None) -> dict:
    """The map style with its data inside (only what reaches ``bbox``), showing only what this view shows."""

    def source(name: str):
        return (BASEMAP_DIR / "sprite").as_uri() if name == "sprite" else inline_source(name, bbox)

    emphasised = []
    if selected and selected in dataset.events.index:
        row = dataset.events.loc[[selected]]
        emphasised = [k for k in (place_keys(row, "place").iloc[0], place_keys(row, "dest").iloc[0]) if k]
    return map_style(story_places(dataset), source, visible_keys=keys_of(visible), emphasised=emphasised)


def view_box(centre, zoom: float, width: int, height: int, margin: float = 0.3):
    """(west, south, east, north) a map of ``width`` x ``height`` px shows at ``centre`` and ``zoom``."""
    from dashboard.markers import project, unproject

    x, y = project([centre[0]], [centre[1]], zoom)
    half_w, half_h = width * (0.5 + margin), height * (0.5 + margin)
    north, west = unproject(x - half_w, y - half_h, zoom)
    south, east = unproject(x + half_w, y + half_h, zoom)
    return float(west[0]), float(south[0]), float(east[0]), float(north[0])


def camera_for(dataset: Dataset, visible: pd.DataFrame, featured=(), width=WIDTH, height=MAP_HEIGHT):
    """(centre, zoom) framing the featured events, else the visible ones, else the dataset."""
    frame_on = placed_events(visible)
    if featured and frame_on.index.isin(list(featured)).any():
        frame_on = frame_on[frame_on.index.isin(list(featured))]
    if frame_on.empty:
        frame_on = placed_events(dataset.events)
    lats, lons = frame_points(frame_on)
    zoom = zoom_for_bounds(lats, lons, width, height, padding_px=70)
    if not lats:
        return (34.5, 40.0), zoom
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2), zoom


def with_control(dataset: Dataset, state: ViewState, traces: list[dict], lanes: dict, x_range):
    """The control layer under the event marks and the control lanes, as the app draws them."""
    from dashboard.controlpanel import LAYER_ON, ControlView

    control = ControlView.of(dataset)
    return control.map_traces(state, [LAYER_ON]) + traces, control.with_lanes(lanes, state, x_range)


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
    base_map: bytes | None = None,
) -> go.Figure:
    """The map (top) and the timeline (bottom) of one view as one figure, with a key and credits.

    With ``base_map`` (a PNG from ``base_map_png_figure`` at ``frame``'s camera) the events are drawn
    over that picture instead of on a live map: see ``flatmap.py``.
    """
    scale = width / WIDTH
    map_h = int(MAP_HEIGHT * scale)
    if base_map is not None and not (frame and frame.centre is not None and frame.zoom is not None):
        raise ValueError("a base-map picture needs the frame's camera it was drawn at")
    if frame and frame.zoom is not None and frame.centre is not None:
        centre, zoom = frame.centre, frame.zoom
    else:
        centre, zoom = camera_for(dataset, visible, featured, width, map_h)
    x_range = frame.x_range if frame and frame.x_range else axis_range(dataset, state)
    highlighted = (state.event,) if state.event else ()
    traces, layers = map_traces(dataset, visible, zoom=zoom, featured=featured, highlighted=(), selected=state.event)
    lanes = timeline_figure(dataset, visible, state, highlighted, featured, x_range=x_range)
    traces, lanes = with_control(dataset, state, traces, lanes, x_range)  # issue 17: as the view shows it
    lanes_h = (
        frame.timeline_height if frame and frame.timeline_height else min(MAX_TIMELINE, int(lanes["layout"]["height"]))
    )
    plot_h = map_h + GAP + lanes_h
    height = TOP + plot_h + TICKS + KEY + CREDITS
    split = lanes_h / plot_h
    label_frac = LANE_LABEL_PX / width

    map_domain_y = ((lanes_h + GAP) / plot_h, 1.0)
    flat_layout: dict = {}
    if base_map is not None:
        data, flat_layout = flat_map(
            traces, layers, base_map, centre, zoom, (width - MARGIN_L - MARGIN_R, map_h), map_domain_y
        )
    else:
        data = [{**t, "subplot": "map"} for t in traces]
    data += [{**t, "xaxis": "x", "yaxis": "y"} for t in lanes["data"]]
    data += _key_traces(dataset, visible)
    lay = lanes["layout"]
    xaxis = {
        **lay["xaxis"],
        "domain": [label_frac, 1],
        "anchor": "y",
        "showticklabels": True,
        "ticks": "outside",
        "showline": True,
        "tickformat": "%d %b\n%Y",
    }
    yaxis = {**lay.get("yaxis", {}), "domain": [0, split], "anchor": "x"}
    if "range" in yaxis and yaxis["range"] and lanes_h < lay["height"]:
        yaxis["range"] = [lanes_h, 0]  # past the cap the lanes are cut, as they scroll in the app
    shapes = []
    for shape in lay.get("shapes", []):
        shape = dict(shape)
        if shape.get("xref") == "paper":
            shape["xref"] = "x domain"
        if shape.get("yref") == "paper":
            shape["yref"] = "y domain"
        shapes.append(shape)
    annotations = []
    for a in lay.get("annotations", []):  # "No events match the filters"
        annotations.append({**a, "xref": "paper", "yref": "paper", "x": 0.5, "y": split / 2})
    lines = attribution(dataset).lines(with_map=True)
    annotations.append(
        {
            "text": "<br>".join(esc(line) for line in lines),
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 0,
            "xanchor": "left",
            "yanchor": "top",
            "yshift": -(TICKS + KEY),
            "align": "left",
            "showarrow": False,
            "font": {"size": 11, "color": "#444"},
        }
    )
    heading = esc(title or dataset.title)
    if subtitle:
        heading += f"<br><span style='font-size:14px;color:#444'>{esc(subtitle)}</span>"
    annotations.append(
        {
            "text": heading,
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 1,
            "yshift": TOP - 10,
            "xanchor": "left",
            "yanchor": "top",
            "align": "left",
            "showarrow": False,
            "font": {"size": 20},
        }
    )
    if base_map is None:
        flat_layout = {
            "map": {
                "style": export_style(dataset, visible, state.event, view_box(centre, zoom, width, map_h)),
                "center": {"lat": centre[0], "lon": centre[1]},
                "zoom": zoom,
                "layers": layers,
                "domain": {"x": [0, 1], "y": list(map_domain_y)},
            }
        }
    layout = {
        **flat_layout,
        "xaxis": xaxis,
        "yaxis": yaxis,
        "shapes": shapes,
        "annotations": annotations,
        "font": FONT,
        "width": width,
        "height": height,
        "paper_bgcolor": "white",
        "plot_bgcolor": "rgba(0,0,0,0)",  # the paper's white; a base-map picture shows through
        "margin": {"l": MARGIN_L, "r": MARGIN_R, "t": TOP, "b": TICKS + KEY + CREDITS, "autoexpand": False},
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 0,
            "yanchor": "top",
            "yref": "paper",
            "xanchor": "left",
            "font": {"size": 12},
            "bgcolor": "rgba(255,255,255,0)",
            "traceorder": "normal",
        },
        "hovermode": False,
    }
    figure = go.Figure({"data": data, "layout": layout}, skip_invalid=False, _validate=False)
    figure.layout.legend.y = -TICKS / plot_h
    return figure


def base_map_png_figure(dataset: Dataset, visible: pd.DataFrame, frame: Frame, width: int = WIDTH) -> go.Figure:
    """The base map alone at ``frame``'s camera, the size of the map area of ``composite_figure(width=...)``.

    ``visible``: every event the frames will show (their places are labelled, their uncertainty drawn).
    """
    assert frame.centre is not None and frame.zoom is not None
    map_w, map_h = width - MARGIN_L - MARGIN_R, int(MAP_HEIGHT * width / WIDTH)
    style = export_style(dataset, visible, None, view_box(frame.centre, frame.zoom, width, map_h))
    marks, _ = map_traces(dataset, visible, zoom=frame.zoom)  # where the frames draw marks: labels keep clear
    return go.Figure(base_map_figure(style, frame.centre, frame.zoom, map_w, map_h, marks), _validate=False)


def _key_traces(dataset: Dataset, visible: pd.DataFrame) -> list[dict]:
    """Legend-only traces: a swatch per faction shown, a shape per event type shown."""
    out = []
    factions = [f for f in dataset.factions.index if (visible["primary_faction"] == f).any()]
    for faction in factions:
        out.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "name": esc(faction_label(dataset, faction)),
                "marker": {"symbol": "square", "size": 12, "color": faction_colour(dataset, faction)},
                "showlegend": True,
                "hoverinfo": "skip",
            }
        )
    for event_type in TYPE_LABELS:
        if (visible["type"] == event_type).any():
            out.append(
                {
                    "type": "scatter",
                    "x": [None],
                    "y": [None],
                    "mode": "markers",
                    "name": esc(TYPE_LABELS[event_type]),
                    "marker": {"symbol": TYPE_SYMBOLS[event_type], "size": 12, "color": "#444"},
                    "showlegend": True,
                    "hoverinfo": "skip",
                }
            )
    if len(visible):
        out.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "name": "hollow: date known only to a range, deadline or report",
                "marker": {"symbol": "square-open", "size": 12, "color": "#444", "line": {"width": 2}},
                "showlegend": True,
                "hoverinfo": "skip",
            }
        )
    return out
