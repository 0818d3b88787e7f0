"""The control panel and lanes: who holds each place as of the view's date (:mod:`dashboard.controlpanel`)."""

from __future__ import annotations

from dash import Dash

from conflictmap.view import ViewState
from dashboard.callbacks.context import AppContext, presented_for
from dashboard.controlpanel import register_control_callbacks


def register(app: Dash, context: AppContext) -> None:
    """The panel follows the state the URL presents (a briefing's step included)."""

    def presented_state(search: str | None, pathname: str | None) -> ViewState:
        return presented_for(context, search, pathname).state

    register_control_callbacks(app, context.control, presented_state)
