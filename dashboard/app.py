"""Build the Dash app for one dataset: wiring only.

The URL is the single source of truth for the view (filters, selected event,
lane mode, briefing step). The browser derives two small keys from it: the
filters alone and the selected event. A change of filters re-renders the
views on the server; a change of selection only re-renders the details
panel, and the emphasis (a ring on both views, the list row, the place's
outline) moves in the browser. Hover never leaves the browser. The map's
camera belongs to the analyst: after the first render the server only ever
patches the map's data, so zoom and centre survive every update; only "Fit"
and a briefing step move it, in the browser.

The dataset is loaded once and never mutated, so callbacks are pure functions
of their inputs and the app can run under several workers.
"""

from __future__ import annotations

import html as html_text
import json
import re
from pathlib import Path

from dash import ALL, ClientsideFunction, Dash, Input, Output, Patch, State, ctx, dcc, html, no_update
from flask import Response

from conflictmap.briefing import Briefing, briefing_files, load_briefing
from conflictmap.paths import default_events_path
from conflictmap.pipeline import load_dataset
from conflictmap.places import event_place_keys, story_places
from conflictmap.table import Dataset
from conflictmap.view import (
    ViewState,
    events_in_time_order,
    parse_view_state,
    passive_only,
    shown_events,
)
from dashboard.actions import (
    apply_action,
    briefing_action,
    briefing_for,
    current_step,
    iso_or_none,
    play_finished,
    play_tick,
    presented_state,
    selected_event_ids,
    step_camera,
)
from dashboard.controlpanel import ControlView, register_control_callbacks
from dashboard.detail import MORE_BUTTON, event_detail, shown_from_buttons
from dashboard.draftreview import attach as attach_draft_review
from dashboard.eventlist import LIST_PAGE, event_rows, passive_note
from dashboard.jobs import background_manager
from dashboard.layout import DOWNLOAD_FORMATS, layout
from dashboard.mapfigure import (
    LABEL_FOLLOWS_VIEW_FROM,
    frame_bounds,
    in_view,
    initial_zoom,
    labelled_places,
    map_figure,
    map_traces,
    placed_events,
)
from dashboard.mapstyle import map_style, url_source
from dashboard.markers import MAX_MARKERS
from dashboard.security import harden
from dashboard.timeline import axis_range, strip_figure, timeline_figure

ASSETS = Path(__file__).resolve().parent / "assets"
SUFFIX = {"timelinejs": "json"}  # download file suffix where it differs from the format name
STYLE_ROUTE = "map/style.json"
#: Past this many events the browser gets no per-event keys, and the map follows the viewport.
CLIENT_KEYS_LIMIT = MAX_MARKERS


def create_app(
    events: Path | str | None = None, dataset: Dataset | None = None, briefings: dict[str, Briefing] | None = None
) -> Dash:
    """The app for one events file; its briefings (``briefings/*.yaml`` beside it) are loaded and checked once."""
    if dataset is None:
        dataset = load_dataset(events or default_events_path())
    if briefings is None:
        source = Path(dataset.file)
        briefings = {path.stem: load_briefing(path, dataset) for path in briefing_files(source)}
    manager = background_manager(dataset.file)
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title=f"conflictmap — {html_text.escape(dataset.title)}",  # Dash puts the title into <title> as is
        update_title=None,
        serve_locally=True,
        background_callback_manager=manager,
    )
    keys = event_place_keys(dataset)
    places = story_places(dataset, keys=keys)
    style_url = app.get_relative_path("/" + STYLE_ROUTE)
    style_body: list[bytes] = []  # one style for every request: nothing in it comes from the request

    @app.server.route("/" + STYLE_ROUTE)
    def map_style_json():
        # Source URLs are relative to the app (never built from the request's Host header, which a
        # client chooses): the page's styleurls.js makes them absolute against its own address, as
        # MapLibre needs for the sprite and for the GeoJSON its worker fetches.
        if not style_body:
            style_body.append(json.dumps(map_style(places, url_source(app.get_asset_url("basemap/")))).encode())
        response = Response(style_body[0], mimetype="application/json")
        response.headers["Cache-Control"] = "no-cache"
        return response

    app.layout = layout(dataset, briefings, initial_zoom=initial_zoom(dataset), style_url=style_url)
    attach_draft_review(app, dataset)  # a draft from `conflictmap draft`: banner and review page; else nothing
    register_callbacks(app, dataset, briefings, keys, style_url, manager)
    # After the callbacks: the CSP hashes every inline script they add. A forged download format is a 400.
    # Pages: / and /briefing/NAME (an unknown name gets the page, with a notice naming the briefings).
    return harden(
        app,
        allowed_values={("download-format", "value"): tuple(DOWNLOAD_FORMATS)},
        page_paths=re.compile(r"(briefing(/[^/]*)?/?)?"),
    )


def presented(dataset: Dataset, briefings, search: str | None, pathname: str | None):
    """(state shown, featured events, step parts, notices, step camera, root class) for a URL."""
    state = parse_view_state(search, dataset)
    notices = list(state.notices)
    featured, camera, parts, root = (), None, ("", "", ""), "app"
    if (pathname or "/").startswith("/briefing/"):
        briefing = briefing_for(pathname, briefings)
        if briefing is None:
            name = (pathname or "").split("/", 2)[2] if (pathname or "").count("/") >= 2 else ""
            notices.append(f"No briefing named '{name}'. Available: {', '.join(briefings) or 'none'}.")
        else:
            root = "app briefing"
            number, step = current_step(briefing, state)
            if state.step is not None and state.step != number:
                notices.append(f"This briefing has {len(briefing.steps)} steps; showing step {number}.")
            state = presented_state(step, state)
            featured = step.events
            camera = step_camera(step)
            parts = (f"Step {number} of {len(briefing.steps)} · {briefing.title}", step.heading, step.text)
    return state, featured, parts, notices, camera, root


def export_download(dataset: Dataset, fmt: str, search: str | None, set_progress=None):
    """(dcc.Download data, status text) for one export of the view ``search`` shows."""
    import tempfile

    from conflictmap import progress
    from conflictmap.describe import download_name
    from conflictmap.progress import ProgressMessages
    from dashboard.exports import FORMATS, ExportError, export

    if not isinstance(fmt, str) or fmt not in FORMATS:  # harden() answers such a request 400 before it gets here
        return no_update, "Download failed: unknown format"
    state = parse_view_state(search, dataset)
    report = ProgressMessages(lambda text: set_progress(text) if set_progress else None)
    with tempfile.TemporaryDirectory(prefix="conflictmap-download-") as tmp:  # removed however it ends
        target = Path(tmp) / download_name(dataset, state, SUFFIX.get(fmt, fmt))  # says what it holds
        try:
            with progress.reporting_to(report):
                written = export(dataset, fmt, target, state)
        except ExportError as exc:
            return no_update, f"Download failed: {exc}"
        return dcc.send_bytes(written[0].read_bytes(), written[0].name), f"Ready: {written[0].name}"


def register_callbacks(
    app: Dash, dataset: Dataset, briefings: dict[str, Briefing], keys, style_url: str, manager=None
) -> None:
    total = len(dataset.events)

    def timeline_range(state: ViewState, pathname: str | None):
        """The timeline's axis: a briefing step's own window (steady while play sweeps it), else the view's."""
        briefing = briefing_for(pathname, briefings)
        if briefing is not None:
            return axis_range(dataset, current_step(briefing, state)[1].view_state())
        return axis_range(dataset, state)

    control = ControlView.of(dataset)
    register_control_callbacks(
        app, control, lambda search, pathname: presented(dataset, briefings, search, pathname)[0]
    )

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="deriveKeys"),
        Output("view-key", "data"),
        Output("selected-event", "data"),
        Input("url", "search"),
        Input("url", "pathname"),
        State("view-key", "data"),
        State("selected-event", "data"),
    )

    @app.callback(
        Output("url", "search"),
        Output("faction-filter", "value"),
        Output("side-filter", "value"),
        Output("type-filter", "value"),
        Output("date-range", "start_date"),
        Output("date-range", "end_date"),
        Output("search", "value"),
        Output("lane-mode", "value"),
        Input("url", "search"),
        Input("faction-filter", "value"),
        Input("side-filter", "value"),
        Input("type-filter", "value"),
        Input("date-range", "start_date"),
        Input("date-range", "end_date"),
        Input("search", "value"),
        Input("lane-mode", "value"),
        Input("timeline", "selectedData"),
        Input("timeline-strip", "selectedData"),
        Input("prev-event", "n_clicks"),
        Input("next-event", "n_clicks"),
        Input("clear-all", "n_clicks"),
        Input("first-step", "n_clicks"),
        Input("prev-step", "n_clicks"),
        Input("next-step", "n_clicks"),
        Input("last-step", "n_clicks"),
        Input("play-timer", "n_intervals"),
        State("url", "pathname"),
    )
    def sync_state(
        search,
        factions,
        sides,
        types,
        start,
        end,
        query,
        lanes,
        lane_brush,
        strip_brush,
        _prev,
        _next,
        _clear,
        _first,
        _prev_step,
        _next_step,
        _last,
        _tick,
        pathname,
    ):
        """Every control action becomes a new URL; a new URL (load, back, forward, a click) resets the controls."""
        state = parse_view_state(search, dataset)
        trigger = ctx.triggered_id
        briefing = briefing_for(pathname, briefings)
        if briefing is not None and trigger in ("first-step", "prev-step", "next-step", "last-step", "play-timer"):
            return with_controls(briefing_action(dataset, briefing, state, trigger))
        if trigger == "play-timer":
            return with_controls(play_tick(dataset, state))
        if trigger in (None, "url"):
            return (
                no_update,
                list(state.factions),
                list(state.sides),
                list(state.types),
                iso_or_none(state.date_from),
                iso_or_none(state.date_to),
                state.query,
                state.lanes,
            )
        if trigger in ("timeline", "timeline-strip"):
            action, brush = "timeline-selection", (lane_brush if trigger == "timeline" else strip_brush)
        else:
            action, brush = trigger, None
        new = apply_action(
            dataset,
            state,
            action,
            {
                "faction-filter": factions,
                "side-filter": sides,
                "type-filter": types,
                "start": start,
                "end": end,
                "search": query,
                "lane-mode": lanes,
                "timeline-selection": brush,
            },
        )
        if briefing is not None and action != "timeline-selection":
            new = new.replace(step=state.step)
        return with_controls(new)

    def with_controls(new: ViewState):
        """The new URL and the controls showing it (a callback's own outputs don't re-trigger it)."""
        query_string = new.to_query()
        return (
            ("?" + query_string) if query_string else "",
            list(new.factions),
            list(new.sides),
            list(new.types),
            iso_or_none(new.date_from),
            iso_or_none(new.date_to),
            new.query,
            new.lanes,
        )

    def map_patch(visible, featured, zoom, highlighted, selected, bounds=None, control_layer=()) -> Patch:
        # Level of detail: past the marker limit only what the viewport (and a margin) holds is drawn,
        # one marker per event when few enough are in view, else counted cells; never the whole table.
        if len(visible) > MAX_MARKERS and bounds:
            visible = in_view(visible, bounds)
        traces, layers = map_traces(
            dataset, visible, zoom=zoom, featured=featured, highlighted=highlighted, selected=selected
        )
        patch = Patch()
        patch["data"] = list(control_layer) + traces  # the control layer under the event marks
        patch["layout"]["map"]["layers"] = layers
        patch["layout"]["meta"] = {"markersZoom": zoom}  # which zoom the markers were laid out for
        return patch

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
    )
    def render_views(_key, search, pathname, map_view, map_selection, map_drawn, control_layer):
        state, featured, parts, notices, camera, root = presented(dataset, briefings, search, pathname)
        visible = shown_events(dataset, state)
        highlighted = tuple(i for i in (map_selection or []) if i in visible.index)
        zoom = float((map_view or {}).get("zoom") or 5)
        count = [html.Strong(f"Showing {len(visible):,} of {total:,} events")]
        unplaced = int(visible["map_lat"].isna().sum())
        if unplaced:
            count.append(html.Span(f" ({unplaced:,} with no place: timeline only)", className="muted"))
        passive = passive_only(dataset, state, visible)
        if len(passive):
            count.append(html.Span(passive_note(dataset, passive), className="muted passive-note"))
        placed = placed_events(visible)
        if featured and not placed.index.isin(list(featured)).any():
            root += " timeline-stage"  # a step whose events have no place: the timeline takes the stage
        framed = placed[placed.index.isin(list(featured))] if featured else placed
        frame = {
            "bounds": frame_bounds(framed if len(framed) else placed),
            "camera": camera,
            "token": f"{pathname or '/'}#{state.step or ''}" if featured or camera else "explore",
        }
        x_range = timeline_range(state, pathname)
        under = control.map_traces(state, control_layer)
        if map_drawn:
            bounds = (map_view or {}).get("bounds")
            map_update = map_patch(visible, featured, zoom, highlighted, state.event, bounds, under)
        else:
            # The page's first map: the whole figure at once. A second plot call while MapLibre is
            # still loading the style would fail ("Style is not done loading"), so there is none.
            map_update = map_figure(
                dataset,
                visible,
                style=style_url,
                zoom=zoom,
                featured=featured,
                highlighted=highlighted,
                selected=state.event,
            )
            map_update["data"] = under + map_update["data"]
        return (
            map_update,
            control.with_lanes(
                timeline_figure(dataset, visible, state, highlighted, featured, x_range=x_range), state, x_range
            ),
            control.with_as_of(strip_figure(dataset, visible, state, x_range=x_range), state),
            count,
            [html.P(n, className="notice") for n in notices],
            root,
            *parts,
            frame,
            view_info(visible, state),
            1,
        )

    def view_info(visible, state: ViewState) -> dict:
        """What the browser needs for emphasis: each visible event's place keys (small views only)."""
        info = {"count": len(visible), "total": total, "aggregated": len(visible) > CLIENT_KEYS_LIMIT}
        if len(visible) <= CLIENT_KEYS_LIMIT:
            shown = keys.loc[visible.index]
            info["placeKeys"] = {
                eid: [k for k in (p, d) if isinstance(k, str)]
                for eid, p, d in zip(shown.index, shown["place_key"], shown["dest_key"])
            }
            info["keys"] = sorted({k for ks in info["placeKeys"].values() for k in ks})
        if total > LABEL_FOLLOWS_VIEW_FROM:
            info["labelKeys"] = labelled_places(visible)  # shown_events carries the place keys
        return info

    @app.callback(
        Output("map", "figure", allow_duplicate=True),
        Input("map-view", "data"),
        Input("map-selection", "data"),
        Input("control-layer", "value"),
        State("url", "search"),
        State("url", "pathname"),
        State("map-drawn", "data"),
        prevent_initial_call=True,
    )
    def render_markers(map_view, map_selection, control_layer, search, pathname, map_drawn):
        """The analyst zoomed (markers re-spread, clusters split) or box-selected (others dim)."""
        if not map_drawn:
            return no_update
        state, featured, *_ = presented(dataset, briefings, search, pathname)
        visible = shown_events(dataset, state)
        highlighted = tuple(i for i in (map_selection or []) if i in visible.index)
        zoom = float((map_view or {}).get("zoom") or 5)
        bounds = (map_view or {}).get("bounds")
        under = control.map_traces(state, control_layer)
        return map_patch(visible, featured, zoom, highlighted, state.event, bounds, under)

    @app.callback(
        Output("timeline", "figure", allow_duplicate=True),
        Input("map-selection", "data"),
        State("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def highlight_timeline(map_selection, search, pathname):
        """A box or lasso on the map highlights the same events on the timeline."""
        state, featured, *_ = presented(dataset, briefings, search, pathname)
        visible = shown_events(dataset, state)
        highlighted = tuple(i for i in (map_selection or []) if i in visible.index)
        x_range = timeline_range(state, pathname)
        return control.with_lanes(
            timeline_figure(dataset, visible, state, highlighted, featured, x_range=x_range), state, x_range
        )

    @app.callback(
        Output("event-list", "children"),
        Output("event-list-more", "children"),
        Output("list-drawn", "data"),
        Input("view-key", "data"),
        Input("list-page", "data"),
        State("url", "search"),
        State("url", "pathname"),
        State("list-drawn", "data"),
    )
    def render_list(_key, page, search, pathname, drawn):
        state, *_ = presented(dataset, briefings, search, pathname)
        visible = shown_events(dataset, state)
        shown = max(1, int(page or 1)) * LIST_PAGE
        order = (
            events_in_time_order(visible)
            if len(visible) <= shown
            else events_in_time_order(visible.nsmallest(shown, ["date_start"]))
        )
        rows = event_rows(dataset, order[:shown], passive_only(dataset, state, visible))
        more = None
        if len(visible) > shown:
            more = html.Button(
                f"Show {min(LIST_PAGE, len(visible) - shown):,} more (of {len(visible):,})",
                id={"type": "list-more", "page": int(page or 1)},
                className="button list-more",
            )
        return rows, more, int(drawn or 0) + 1

    @app.callback(
        Output("list-page", "data", allow_duplicate=True),
        Input({"type": "list-more", "page": ALL}, "n_clicks"),
        State("list-page", "data"),
        prevent_initial_call=True,
    )
    def more_rows(clicks, page):
        if not any(clicks or []):
            return no_update
        return int(page or 1) + 1

    @app.callback(Output("event-detail", "children"), Input("selected-event", "data"))
    def render_detail(event_id):
        return event_detail(dataset, event_id)

    @app.callback(
        Output("event-detail", "children", allow_duplicate=True),
        Input({"type": MORE_BUTTON, "event": ALL, "field": ALL, "shown": ALL}, "n_clicks"),
        State("selected-event", "data"),
        prevent_initial_call=True,
    )
    def more_detail(clicks, event_id):
        """*Show more* on a long field: the panel again, that field longer (the next bounded step)."""
        clicked = ctx.triggered_id
        if not any(clicks or []) or not isinstance(clicked, dict) or clicked.get("event") != event_id:
            return no_update
        buttons = [item["id"] for item in ctx.inputs_list[0]] if ctx.inputs_list else []
        return event_detail(dataset, event_id, shown_from_buttons(buttons, clicked))

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

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="flyTo"),
        Output("place-target", "data", allow_duplicate=True),
        Input("place-target", "data"),
        prevent_initial_call=True,
    )

    @app.callback(Output("map-selection", "data"), Input("map", "selectedData"), prevent_initial_call=True)
    def remember_map_selection(selected):
        return selected_event_ids(selected)

    @app.callback(
        Output("place-target", "data"),
        Output("place-result", "children"),
        Input("place-search", "value"),
        prevent_initial_call=True,
    )
    def find_place(text):
        """Any spelling the offline geocoder understands; the map flies there."""
        from dashboard.placesearch import find_place as lookup

        result = lookup(text)
        if result is None:
            return None, ""
        return result.target(), result.message()

    @app.callback(
        Output("play-timer", "disabled"),
        Output("play", "children"),
        Output("play-step", "children"),
        Input("play", "n_clicks"),
        Input("play-step", "n_clicks"),
        Input("url", "search"),
        State("play-timer", "disabled"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def toggle_play(_play, _play_step, search, disabled, pathname):
        """Play runs until pressed again or the window reaches the end of the period (or the step's)."""
        if ctx.triggered_id == "url":
            state = parse_view_state(search, dataset)
            running = not disabled and not play_finished(dataset, briefing_for(pathname, briefings), state)
        else:
            running = bool(disabled)
        label = "⏸ Pause" if running else "▶ Play over time"
        return (not running), label, ("⏸ Pause" if running else "▶ Play this step over time")

    @app.callback(
        Output("download", "data"),
        Output("download-status", "children"),
        Input("download-button", "n_clicks"),
        State("download-format", "value"),
        State("url", "search"),
        background=manager is not None,
        progress=[Output("download-status", "children")] if manager is not None else None,
        running=[
            (Output("download-button", "disabled"), True, False),
            (Output("download-cancel", "hidden"), False, True),
        ]
        if manager is not None
        else None,
        cancel=[Input("download-cancel", "n_clicks")] if manager is not None else None,
        prevent_initial_call=True,
    )
    def download(*args):
        """The current filtered view, exported by the same code as `conflictmap export`, as a job."""
        set_progress, (_clicks, fmt, search) = (args[0], args[1:]) if manager is not None else (None, args)
        return export_download(dataset, fmt, search, set_progress)
