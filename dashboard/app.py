"""Build the Dash app for one dataset.

The URL query string is the single source of truth for the view (filters,
selected event, lane mode): one callback turns user actions into a new URL,
another derives the map, timeline, count and details from the URL. The
dataset is loaded once and never mutated, so callbacks are pure functions of
their inputs and the app can run under several workers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from conflictmap.briefing import Briefing, briefing_files, load_briefing
from conflictmap.pipeline import load_dataset
from conflictmap.table import Dataset
from conflictmap.view import filter_events, parse_view_state
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
    step_frame,
)
from dashboard.detail import event_detail
from dashboard.figures import map_figure, prepare_view, timeline_figure
from dashboard.layout import layout
from dashboard.towns import town_labels

ASSETS = Path(__file__).resolve().parent / "assets"
SUFFIX = {"timelinejs": "json"}  # download file suffix where it differs from the format name


def create_app(
    events: Path | str | None = None, dataset: Dataset | None = None, briefings: dict[str, Briefing] | None = None
) -> Dash:
    """The app for one events file; its briefings (``briefings/*.yaml`` beside it) are loaded and checked once."""
    if dataset is None:
        from conflictmap.bundled import default_events_path

        events = events or default_events_path()
        dataset = load_dataset(events)
    if briefings is None:
        source = Path(dataset.file)
        briefings = {path.stem: load_briefing(path, dataset) for path in briefing_files(source)}
    towns = town_labels(dataset.events)
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title=f"conflictmap — {dataset.title}",
        update_title=None,
        serve_locally=True,
    )
    app.layout = layout(app, dataset, briefings)
    register_callbacks(app, dataset, towns, briefings)
    return app


def register_callbacks(app: Dash, dataset: Dataset, towns: pd.DataFrame, briefings: dict[str, Briefing]) -> None:
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
        Input("map", "clickData"),
        Input("timeline", "clickData"),
        Input("timeline", "selectedData"),
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
        map_click,
        timeline_click,
        timeline_selection,
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
        """Every user action becomes a new URL; a new URL (load, back, forward) resets the controls."""
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
        prop = next(iter(ctx.triggered_prop_ids), "")
        action = {
            "map.clickData": "map",
            "timeline.clickData": "timeline",
            "timeline.selectedData": "timeline-selection",
        }.get(prop, trigger)
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
                "map": map_click,
                "timeline": timeline_click,
                "timeline-selection": timeline_selection,
            },
        )
        return with_controls(new)

    def with_controls(new):
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

    @app.callback(
        Output("map", "figure"),
        Output("timeline", "figure"),
        Output("event-count", "children"),
        Output("event-detail", "children"),
        Output("notices", "children"),
        Output("app-root", "className"),
        Output("step-counter", "children"),
        Output("step-heading", "children"),
        Output("step-text", "children"),
        Input("url", "search"),
        Input("url", "pathname"),
        Input("map-selection", "data"),
    )
    def render(search, pathname, map_selection):
        state = parse_view_state(search, dataset)
        notices = list(state.notices)
        featured, frame, step_parts = (), None, ("", "", "")
        root_class = "app"
        if (pathname or "/").startswith("/briefing/"):
            briefing = briefing_for(pathname, briefings)
            if briefing is None:
                notices.append(
                    f"No briefing named '{pathname.split('/', 2)[2]}'. Available: {', '.join(briefings) or 'none'}."
                )
            else:
                root_class = "app briefing"
                number, step = current_step(briefing, state)
                if state.step is not None and state.step != number:
                    notices.append(f"This briefing has {len(briefing.steps)} steps; showing step {number}.")
                state = presented_state(step, state)
                featured = step.events
                frame = step_frame(step)
                step_parts = (f"Step {number} of {len(briefing.steps)} · {briefing.title}", step.heading, step.text)
        visible = filter_events(dataset, state)
        highlighted = tuple(i for i in (map_selection or []) if i in visible.index)
        count = [html.Strong(f"Showing {len(visible)} of {len(dataset.events)} events")]
        unplaced = int(visible["map_lat"].isna().sum())
        if unplaced:
            count.append(html.Span(f" ({unplaced} with no place: timeline only)", className="muted"))
        view = prepare_view(visible)
        return (
            map_figure(dataset, view, state, towns, highlighted, featured, frame),
            timeline_figure(dataset, view, state, highlighted, featured),
            count,
            event_detail(dataset, state.event),
            [html.P(n, className="notice") for n in notices],
            root_class,
            *step_parts,
        )

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
        Output("notices", "children", allow_duplicate=True),
        Input("download-button", "n_clicks"),
        State("download-format", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def download(_clicks, fmt, search):
        """The current filtered view, exported by the same code as `conflictmap export`."""
        import tempfile

        from dashboard.exports import ExportError, export

        state = parse_view_state(search, dataset)
        with tempfile.TemporaryDirectory(prefix="conflictmap-") as tmp:
            target = Path(tmp) / f"conflictmap.{SUFFIX.get(fmt, fmt)}"
            try:
                written = export(dataset, fmt, target, state)
            except ExportError as exc:
                return no_update, [html.P(f"Download failed: {exc}", className="notice")]
            return dcc.send_bytes(written[0].read_bytes(), written[0].name), no_update

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="linkHover"),
        Output("hovered-event", "data"),
        Input("map", "hoverData"),
        Input("timeline", "hoverData"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="expandCluster"),
        Output("cluster-zoom", "data"),
        Input("map", "clickData"),
        prevent_initial_call=True,
    )

    @app.callback(Output("map-selection", "data"), Input("map", "selectedData"), prevent_initial_call=True)
    def remember_map_selection(selected):
        return selected_event_ids(selected)
