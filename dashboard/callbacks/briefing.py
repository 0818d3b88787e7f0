"""Play over time, in the explorer and in a briefing's step: the timer and its button.

Stepping a briefing (first, previous, next, last) and play's tick move the URL,
as every control does: :func:`dashboard.callbacks.url.next_url`.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx

from conflictmap.view import parse_view_state
from dashboard.actions import briefing_for, play_finished
from dashboard.callbacks.context import AppContext

PAUSE = "⏸ Pause"
PLAY = "▶ Play over time"
PLAY_STEP = "▶ Play this step over time"


def play_controls(
    context: AppContext, trigger: Any, search: str | None, disabled: bool | None, pathname: str | None
) -> tuple[bool, str, str]:
    """(timer disabled, Play's label, the step's Play label) after a press or a new URL.

    A press toggles; a new URL stops play once the window reaches the end of the period (or of the step's).
    """
    if trigger == "url":
        state = parse_view_state(search, context.dataset)
        briefing = briefing_for(pathname, context.briefings)
        running = not disabled and not play_finished(context.dataset, briefing, state)
    else:
        running = bool(disabled)
    return (not running), (PAUSE if running else PLAY), (PAUSE if running else PLAY_STEP)


def register(app: Dash, context: AppContext) -> None:
    """Play and pause."""

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
        return play_controls(context, ctx.triggered_id, search, disabled, pathname)
