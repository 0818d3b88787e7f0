"""The URL is the state: every control action becomes a new URL; a new URL resets the controls.

The browser derives two small keys from the URL (the filters alone, the
selected event: ``deriveKeys`` in ``assets/``), so a change of selection
re-renders only the details and a change of filters the views.
"""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from conflictmap.view import ViewState, parse_view_state
from dashboard.actions import apply_action, briefing_action, briefing_for, iso_or_none, play_tick
from dashboard.callbacks.context import AppContext

#: The filter controls, in the order of the callback's outputs after the URL.
CONTROLS = ("faction-filter", "side-filter", "type-filter", "start", "end", "search", "lane-mode")
STEP_BUTTONS = ("first-step", "prev-step", "next-step", "last-step")


def with_controls(new: ViewState) -> tuple:
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


def next_url(
    context: AppContext,
    trigger: Any,
    search: str | None,
    pathname: str | None,
    controls: dict[str, Any],
    lane_brush: dict | None = None,
    strip_brush: dict | None = None,
) -> tuple:
    """(URL search, the seven controls) after ``trigger``: a control, a brush, a step button, play's tick or the URL.

    ``controls`` holds the controls' values by the names in :data:`CONTROLS`. A new URL (load, back,
    forward, a link) only sets the controls to what it says; the URL is then left as it is.
    """
    dataset = context.dataset
    state = parse_view_state(search, dataset)
    briefing = briefing_for(pathname, context.briefings)
    if briefing is not None and trigger in (*STEP_BUTTONS, "play-timer"):
        return with_controls(briefing_action(dataset, briefing, state, trigger))
    if trigger == "play-timer":
        return with_controls(play_tick(dataset, state))
    if trigger in (None, "url"):
        return (no_update, *with_controls(state)[1:])
    if trigger in ("timeline", "timeline-strip"):
        action, brush = "timeline-selection", (lane_brush if trigger == "timeline" else strip_brush)
    else:
        action, brush = trigger, None
    new = apply_action(dataset, state, action, {**controls, "timeline-selection": brush})
    if briefing is not None and action != "timeline-selection":
        new = new.replace(step=state.step)
    return with_controls(new)


def register(app: Dash, context: AppContext) -> None:
    """The URL's two keys (in the browser) and the callback that turns every control action into a URL."""
    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="deriveKeys"),
        Output("view-key", "data"),
        Output("selected-event", "data"),
        Output("map-box", "data"),
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
        controls = dict(zip(CONTROLS, (factions, sides, types, start, end, query, lanes), strict=True))
        return next_url(context, ctx.triggered_id, search, pathname, controls, lane_brush, strip_brush)
