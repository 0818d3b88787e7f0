"""The views: map, timeline lanes and strip, the count line and the page's frame, from the URL.

A change of filters re-renders them on the server. The map's camera belongs
to the analyst: after the first render the server only patches the map's
data (a :class:`dash.Patch`), so zoom and centre survive every update; only
*Fit* and a briefing step move it, in the browser (``frameMap``). Emphasis
(the ring on both views, the list row, the place's outline) moves in the
browser too (``emphasize``).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, Patch, State, html, no_update

from conflictmap.view import ViewState, passive_only, shown_events
from dashboard.actions import selected_event_ids
from dashboard.callbacks.context import AppContext, Presented, presented_for, timeline_range
from dashboard.eventlist import passive_note
from dashboard.mapfigure import (
    LABEL_FOLLOWS_VIEW_FROM,
    frame_bounds,
    in_view,
    labelled_places,
    map_figure,
    map_traces,
    placed_events,
    widened,
)
from dashboard.markers import MAX_MARKERS, fitted_zoom
from dashboard.timeline import strip_figure, timeline_figure

#: Past this many events the browser gets no per-event keys, and the map follows the viewport.
CLIENT_KEYS_LIMIT = MAX_MARKERS
DEFAULT_ZOOM = 5
#: The views' answers kept per app, for links asked for again (see ``register``).
RENDERED_KEPT = 4


def highlighted_ids(visible: pd.DataFrame, map_selection: list | None) -> tuple[str, ...]:
    """The events boxed or lassoed on the map that the view still shows."""
    return tuple(i for i in (map_selection or []) if i in visible.index)


def view_zoom(map_view: dict | None) -> float:
    """The zoom the browser reported (the markers are spread for it), else the default."""
    return float((map_view or {}).get("zoom") or DEFAULT_ZOOM)


def first_zoom(frame: dict, map_box: dict | None, map_view: dict | None) -> float:
    """The zoom the page's first markers are laid out for: the one ``frameMap`` will frame.

    The browser rounds its zoom to half levels and asks again when the markers were laid out
    for another (conflictmap.js); a first map laid out for the server's estimate was drawn
    twice. An authored camera gives its own zoom; a frame gives the fit of its bounds in the
    map's measured box; without a box (or bounds), the layout's estimate.
    """
    camera = frame.get("camera") or {}
    zoom = camera.get("zoom") if isinstance(camera, dict) else None
    if not isinstance(zoom, (int, float)):
        zoom = fitted_zoom(frame.get("bounds"), map_box)
    if zoom is None:
        return view_zoom(map_view)
    return round(float(zoom) * 2) / 2


def map_patch(
    context: AppContext,
    visible: pd.DataFrame,
    featured: tuple[str, ...],
    zoom: float,
    highlighted: tuple[str, ...],
    selected: str | None,
    bounds: list | None = None,
    control_layer: list[dict] | tuple = (),
) -> Patch:
    """The map's data and layers, replaced; its camera (layout.map's centre and zoom) left alone."""
    # Level of detail: past the marker limit only what the viewport (and a margin) holds is drawn,
    # one marker per event when few enough are in view, else counted cells; never the whole table.
    meta: dict[str, Any] = {"markersZoom": zoom}  # what the markers were laid out for (conflictmap.js)
    if len(visible) > MAX_MARKERS and bounds:
        visible = in_view(visible, bounds)
        meta["markersBounds"] = widened(bounds)  # none: every event of the view
    traces, layers = map_traces(
        context.dataset, visible, zoom=zoom, featured=featured, highlighted=highlighted, selected=selected
    )
    patch = Patch()
    patch["data"] = list(control_layer) + traces  # the control layer under the event marks
    patch["layout"]["map"]["layers"] = layers
    patch["layout"]["meta"] = meta
    return patch


def count_line(context: AppContext, state: ViewState, visible: pd.DataFrame) -> list:
    """ "Showing N of M events", with those that have no place and those kept only as affected."""
    count: list = [html.Strong(f"Showing {len(visible):,} of {context.total:,} events")]
    unplaced = int(visible["map_lat"].isna().sum())
    if unplaced:
        count.append(html.Span(f" ({unplaced:,} with no place: timeline only)", className="muted"))
    passive = passive_only(context.dataset, state, visible)
    if len(passive):
        count.append(html.Span(passive_note(context.dataset, passive), className="muted passive-note"))
    return count


def map_frame(placed: pd.DataFrame, featured: tuple[str, ...], camera: dict | None, token: str) -> dict:
    """What ``frameMap`` frames: the featured events' places (else all shown), or the step's own camera."""
    framed = placed[placed.index.isin(list(featured))] if featured else placed
    return {"bounds": frame_bounds(framed if len(framed) else placed), "camera": camera, "token": token}


def view_info(context: AppContext, visible: pd.DataFrame) -> dict:
    """What the browser needs for emphasis: each visible event's place keys (small views only)."""
    total = context.total
    info: dict[str, Any] = {"count": len(visible), "total": total, "aggregated": len(visible) > CLIENT_KEYS_LIMIT}
    if len(visible) <= CLIENT_KEYS_LIMIT:
        shown = context.place_keys.loc[visible.index]
        place_keys = {
            eid: [k for k in (p, d) if isinstance(k, str)]
            for eid, p, d in zip(shown.index, shown["place_key"], shown["dest_key"], strict=True)
        }
        info["placeKeys"] = place_keys
        info["keys"] = sorted({k for ks in place_keys.values() for k in ks})
    if total > LABEL_FOLLOWS_VIEW_FROM:
        info["labelKeys"] = labelled_places(visible)  # shown_events carries the place keys
    return info


def lanes_figure(
    context: AppContext,
    visible: pd.DataFrame,
    state: ViewState,
    highlighted: tuple[str, ...],
    featured: tuple[str, ...],
    x_range: tuple[pd.Timestamp, pd.Timestamp],
) -> dict:
    """The timeline's lanes over ``x_range``, with the control lanes when the layer is on."""
    figure = timeline_figure(context.dataset, visible, state, highlighted, featured, x_range=x_range)
    return context.control.with_lanes(figure, state, x_range)


def rendered_views(
    context: AppContext,
    search: str | None,
    pathname: str | None,
    map_view: dict | None,
    map_selection: list | None,
    map_drawn: Any,
    control_layer: list[str] | None,
    map_box: dict | None = None,
    first_map_zoom: float | None = None,
) -> tuple:
    """The twelve outputs of a new view: map (a figure the first time, a patch after), lanes, strip, count,
    notices, root class, the step's three parts, the frame, the browser's view info, the list's first page.

    ``first_map_zoom``: the zoom of the page's first map where the caller has worked it out
    (:func:`page_first_zoom`), else worked out here from ``map_box``.
    """
    shown = presented_for(context, search, pathname)
    state, featured, root = shown.state, shown.featured, shown.root
    visible = shown_events(context.dataset, state)
    highlighted = highlighted_ids(visible, map_selection)
    placed = placed_events(visible)
    if featured and not placed.index.isin(list(featured)).any():
        root += " timeline-stage"  # a step whose events have no place: the timeline takes the stage
    frame = shown_frame(shown, placed, pathname)
    if map_drawn:
        zoom = view_zoom(map_view)
    else:
        zoom = first_map_zoom if first_map_zoom is not None else first_zoom(frame, map_box, map_view)
    under = context.control.map_traces(state, control_layer)
    x_range = timeline_range(context, state, pathname)
    map_update: Patch | dict
    if map_drawn:
        bounds = (map_view or {}).get("bounds")
        map_update = map_patch(context, visible, featured, zoom, highlighted, state.event, bounds, under)
    else:
        # The page's first map: the whole figure at once. A second plot call while MapLibre is
        # still loading the style would fail ("Style is not done loading"), so there is none.
        map_update = map_figure(
            context.dataset,
            visible,
            style=context.style_url,
            zoom=zoom,
            featured=featured,
            highlighted=highlighted,
            selected=state.event,
        )
        map_update["data"] = under + map_update["data"]
    return (
        map_update,
        lanes_figure(context, visible, state, highlighted, featured, x_range),
        context.control.with_as_of(strip_figure(context.dataset, visible, state, x_range=x_range), state),
        count_line(context, state, visible),
        [html.P(n, className="notice") for n in shown.notices],
        root,
        *shown.parts,
        frame,
        view_info(context, visible),
        1,
    )


def shown_frame(shown: Presented, placed: pd.DataFrame, pathname: str | None) -> dict:
    """What ``frameMap`` frames for what a URL presents, given its placed events (see :func:`map_frame`)."""
    token = f"{pathname or '/'}#{shown.state.step or ''}" if shown.featured or shown.camera else "explore"
    return map_frame(placed, shown.featured, shown.camera, token)


def view_frame(context: AppContext, search: str | None, pathname: str | None) -> dict:
    """What ``frameMap`` frames for the view the URL presents."""
    shown = presented_for(context, search, pathname)
    return shown_frame(shown, placed_events(shown_events(context.dataset, shown.state)), pathname)


def page_first_zoom(
    context: AppContext, search: str | None, pathname: str | None, map_view: dict | None, map_box: dict | None
) -> float:
    """The zoom the page's first map is laid out for: all the first render takes from the map's measured
    box, so that two loads of a link whose boxes differ by a few pixels (the Key's width) get one answer."""
    return first_zoom(view_frame(context, search, pathname), map_box, map_view)


def marker_patch(
    context: AppContext,
    map_view: dict | None,
    map_selection: list | None,
    control_layer: list[str] | None,
    search: str | None,
    pathname: str | None,
    map_drawn: Any,
    camera_moved: bool = True,
) -> Patch | Any:
    """The analyst zoomed (markers re-spread, clusters split) or box-selected (others dim); nothing before the
    first map is drawn.

    Nothing either when only the camera moved (``camera_moved``) and the page says the markers it has
    cover the new view (``map_view["covered"]``: laid out for its zoom, over every event or an area
    holding the view): the first camera of a large view, framed after the first map, needs no second
    layout of a million events, nor does a small pan.
    """
    if not map_drawn or (camera_moved and (map_view or {}).get("covered") is True):
        return no_update
    shown = presented_for(context, search, pathname)
    visible = shown_events(context.dataset, shown.state)
    highlighted = highlighted_ids(visible, map_selection)
    bounds = (map_view or {}).get("bounds")
    under = context.control.map_traces(shown.state, control_layer)
    return map_patch(
        context, visible, shown.featured, view_zoom(map_view), highlighted, shown.state.event, bounds, under
    )


def highlighted_lanes(
    context: AppContext, map_selection: list | None, search: str | None, pathname: str | None
) -> dict:
    """A box or lasso on the map highlights the same events on the timeline."""
    shown = presented_for(context, search, pathname)
    visible = shown_events(context.dataset, shown.state)
    x_range = timeline_range(context, shown.state, pathname)
    return lanes_figure(context, visible, shown.state, highlighted_ids(visible, map_selection), shown.featured, x_range)


def register(app: Dash, context: AppContext) -> None:
    """The views on a new URL, the markers on zoom or box selection, and the browser's emphasis and framing."""

    @app.callback(
        Output("map", "figure"),
        Output("timeline", "figure"),
        Output("timeline-strip", "figure"),
        Output("event-count", "children"),
        Output("notices", "children"),
        Output("app-root", "className"),
        Output("step-counter", "children"),
        Output("step-heading", "children"),
        Output("step-text", "children"),
        Output("map-frame", "data"),
        Output("view-info", "data"),
        Output("list-page", "data"),
        Input("view-key", "data"),
        State("url", "search"),
        State("url", "pathname"),
        State("map-view", "data"),
        State("map-selection", "data"),
        State("map-drawn", "data"),
        State("control-layer", "value"),
        State("map-box", "data"),
    )
    def render_views(_key, search, pathname, map_view, map_selection, map_drawn, control_layer, map_box):
        # Before the first map the box matters only through the zoom it gives; after, only the camera.
        zoom = None if map_drawn else page_first_zoom(context, search, pathname, map_view, map_box)
        camera = map_view if map_drawn else None
        inputs = [search, pathname, camera, map_selection, map_drawn, control_layer, None, zoom]
        return answered(json.dumps(inputs, sort_keys=True))

    # The views are a pure function of their inputs: a link every analyst opens (and every reload of
    # it) is answered from memory after the first time. At a million events the first render costs
    # about 300 ms; the answers are Dash components and dicts, only ever read when serialised.
    @functools.lru_cache(maxsize=RENDERED_KEPT)
    def answered(inputs: str) -> tuple:
        return rendered_views(context, *json.loads(inputs))

    # The markers for a new camera, and for a box selection or the control layer: two callbacks, because
    # Dash drops the answer of a callback still running when the same one is called again, and a camera
    # the markers already cover is answered with nothing: one callback for both, a small pan would have
    # thrown away the control layer being drawn.
    @app.callback(
        Output("map", "figure", allow_duplicate=True),
        Input("map-view", "data"),
        State("map-selection", "data"),
        State("control-layer", "value"),
        State("url", "search"),
        State("url", "pathname"),
        State("map-drawn", "data"),
        prevent_initial_call=True,
    )
    def render_markers(map_view, map_selection, control_layer, search, pathname, map_drawn):
        return marker_patch(context, map_view, map_selection, control_layer, search, pathname, map_drawn, True)

    @app.callback(
        Output("map", "figure", allow_duplicate=True),
        Input("map-selection", "data"),
        Input("control-layer", "value"),
        State("map-view", "data"),
        State("url", "search"),
        State("url", "pathname"),
        State("map-drawn", "data"),
        prevent_initial_call=True,
    )
    def render_marked(map_selection, control_layer, map_view, search, pathname, map_drawn):
        return marker_patch(context, map_view, map_selection, control_layer, search, pathname, map_drawn, False)

    @app.callback(
        Output("timeline", "figure", allow_duplicate=True),
        Input("map-selection", "data"),
        State("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def highlight_timeline(map_selection, search, pathname):
        return highlighted_lanes(context, map_selection, search, pathname)

    @app.callback(Output("map-selection", "data"), Input("map", "selectedData"), prevent_initial_call=True)
    def remember_map_selection(selected):
        return selected_event_ids(selected)

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="emphasize"),
        Output("emphasis-done", "data"),
        Input("selected-event", "data"),
        Input("map", "figure"),
        Input("timeline", "figure"),
        Input("view-info", "data"),
        Input("list-drawn", "data"),
    )

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="graphHeight"),
        Output("timeline", "style"),
        Input("timeline", "figure"),
    )

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="frameMap"),
        Output("map-frame", "data", allow_duplicate=True),
        Input("map-frame", "data"),
        Input("fit-map", "n_clicks"),
        prevent_initial_call=True,
    )
