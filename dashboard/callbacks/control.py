"""The control panel and lanes: who holds each place as of the view's date (:mod:`dashboard.controlpanel`)."""

from __future__ import annotations

from dash import Dash

from conflictmap.view import ViewState, parse_view_state
from dashboard.callbacks.context import AppContext, presented_for, timeline_range
from dashboard.controlpanel import register_control_callbacks

# A lanes figure with nothing in it: enough for the control lanes to be drawn (and kept) on it.
_NO_LANES = {"data": [], "layout": {"yaxis": {"tickvals": [], "ticktext": [], "range": [0, 0]}}}


def register(app: Dash, context: AppContext) -> None:
    """The panel follows the state the URL presents (a briefing step's included)."""

    def presented_state(search: str | None, pathname: str | None) -> ViewState:
        return presented_for(context, search, pathname).state

    register_control_callbacks(app, context.control, presented_state)


def draw_first_lanes(context: AppContext) -> None:
    """Draw the first view's control lanes as the app starts (its warm-up), so the first view finds them kept.

    The lanes are kept per as-of date (every filter on the same date draws the same lanes); the first
    view's date is the last event's. At a million events sweeping the busiest places and writing their
    7,000 bars is 150-250 ms, paid here once instead of in the first view, beside its other callbacks.
    """
    state = parse_view_state("", context.dataset)
    context.control.with_lanes(_NO_LANES, state, timeline_range(context, state, "/"))
