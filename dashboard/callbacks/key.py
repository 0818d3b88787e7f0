"""The Key's factions follow the view: the URL's filters (a briefing step's included) and the map's bounds."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from conflictmap.view import shown_events
from dashboard.callbacks.context import AppContext, presented_for
from dashboard.keyview import faction_counts, faction_key


def key_factions(context: AppContext, search: str | None, pathname: str | None, map_view: dict | None) -> list:
    """The Key's faction rows for a URL and the map's last reported view (zoom bucket and bounds)."""
    visible = shown_events(context.dataset, presented_for(context, search, pathname).state)
    bounds = (map_view or {}).get("bounds")
    return faction_key(context.dataset, faction_counts(visible, bounds))


def register(app: Dash, context: AppContext) -> None:
    """The Key's faction list, on a new view or a new map view."""

    @app.callback(
        Output("map-key-factions", "children"),
        Input("view-key", "data"),
        Input("map-view", "data"),
        State("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def render_key_factions(_key, map_view, search, pathname):
        return key_factions(context, search, pathname, map_view)
