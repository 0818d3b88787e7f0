"""*Find a place*: any spelling the offline geocoder understands; the map flies there (in the browser)."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output

from dashboard.callbacks.context import AppContext
from dashboard.placesearch import find_place


def place_target(text: str | None) -> tuple[dict | None, str]:
    """(where the map flies, the line saying what was found); (None, "") when nothing was."""
    result = find_place(text)
    if result is None:
        return None, ""
    return result.target(), result.message()


def register(app: Dash, context: AppContext) -> None:
    """The search box's answer, and the flight to it."""
    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="flyTo"),
        Output("place-target", "data", allow_duplicate=True),
        Input("place-target", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("place-target", "data"),
        Output("place-result", "children"),
        Input("place-search", "value"),
        prevent_initial_call=True,
    )
    def search_place(text):
        return place_target(text)
