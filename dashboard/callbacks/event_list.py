"""The event list: the events shown, in time order, a page at a time (*Show N more*)."""

from __future__ import annotations

from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, html, no_update

from conflictmap.view import events_in_time_order, passive_only, shown_events
from dashboard.callbacks.context import AppContext, presented_for
from dashboard.eventlist import LIST_PAGE, event_rows


def list_page(
    context: AppContext, page: int | None, search: str | None, pathname: str | None
) -> tuple[list[dict], html.Button | None]:
    """(the rows, as data, and the *Show more* button or None) for the first ``page`` pages.

    Only the earliest rows shown are sorted (``nsmallest``), so a million-event view lists its first page
    without ordering the whole table. The page draws the rows (``drawList`` in conflictmap.js).
    """
    shown_state = presented_for(context, search, pathname).state
    visible = shown_events(context.dataset, shown_state)
    pages = max(1, int(page or 1))
    shown = pages * LIST_PAGE
    order = (
        events_in_time_order(visible)
        if len(visible) <= shown
        else events_in_time_order(visible.nsmallest(shown, ["date_start"]))
    )
    rows = event_rows(context.dataset, order[:shown], passive_only(context.dataset, shown_state, visible))
    more = None
    if len(visible) > shown:
        more = html.Button(
            f"Show {min(LIST_PAGE, len(visible) - shown):,} more (of {len(visible):,})",
            id={"type": "list-more", "page": int(page or 1)},
            className="button list-more",
        )
    return rows, more


def next_page(clicks: list | None, page: int | None) -> int | Any:
    """The page after ``page`` once a *Show more* button was really clicked (not merely drawn)."""
    if not any(clicks or []):
        return no_update
    return int(page or 1) + 1


def register(app: Dash, context: AppContext) -> None:
    """The list on a new view or page, its *Show more* button, and the page drawing its rows."""

    @app.callback(
        Output("event-list-rows", "data"),
        Output("event-list-more", "children"),
        Input("view-key", "data"),
        Input("list-page", "data"),
        State("url", "search"),
        State("url", "pathname"),
    )
    def render_list(_key, page, search, pathname):
        return list_page(context, page, search, pathname)

    # The draw count changes on every drawing: ``emphasize`` waits for it to mark the selected row.
    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="drawList"),
        Output("list-drawn", "data"),
        Input("event-list-rows", "data"),
        State("list-drawn", "data"),
    )

    @app.callback(
        Output("list-page", "data", allow_duplicate=True),
        Input({"type": "list-more", "page": ALL}, "n_clicks"),
        State("list-page", "data"),
        prevent_initial_call=True,
    )
    def more_rows(clicks, page):
        return next_page(clicks, page)
