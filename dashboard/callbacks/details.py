"""The details panel: the selected event's date, place, actors and sources, long fields a step at a time."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from dashboard.callbacks.context import AppContext
from dashboard.detail import MORE_BUTTON, event_detail, shown_from_buttons


def longer_detail(
    context: AppContext, clicks: list | None, event_id: str | None, clicked: Any, button_ids: list[dict]
) -> list | Any:
    """*Show more* on a long field: the panel again, that field longer (the next bounded step).

    ``clicked`` is the button's id; ``button_ids`` every such button's on the page (they carry what each
    field shows now). A click left from an event no longer selected changes nothing.
    """
    if not any(clicks or []) or not isinstance(clicked, dict) or clicked.get("event") != event_id:
        return no_update
    return event_detail(context.dataset, event_id, shown_from_buttons(button_ids, clicked))


def register(app: Dash, context: AppContext) -> None:
    """The panel for the selected event, and its *Show more* buttons."""

    @app.callback(Output("event-detail", "children"), Input("selected-event", "data"))
    def render_detail(event_id):
        return event_detail(context.dataset, event_id)

    @app.callback(
        Output("event-detail", "children", allow_duplicate=True),
        Input({"type": MORE_BUTTON, "event": ALL, "field": ALL, "shown": ALL}, "n_clicks"),
        State("selected-event", "data"),
        prevent_initial_call=True,
    )
    def more_detail(clicks, event_id):
        buttons = [item["id"] for item in ctx.inputs_list[0]] if ctx.inputs_list else []
        return longer_detail(context, clicks, event_id, ctx.triggered_id, buttons)
