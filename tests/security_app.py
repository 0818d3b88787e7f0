"""A small Dash app for the security tests: a MapLibre map, a server callback and a clientside one.

The server callback checks its arguments' types the way the real app's
callbacks should (a TypeError for a value the page could never send), so the
tests can tell "a malformed request answered 400" from "a bug answered 500".
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dcc, html

from dashboard.security import harden


def map_figure() -> go.Figure:
    fig = go.Figure(
        go.Scattermap(lat=[35.95, 35.33], lon=[39.01, 40.14], mode="markers", text=["Raqqa", "Deir ez-Zor"])
    )
    # white-bg needs no tiles, sprites or glyphs: the map draws with no network.
    fig.update_layout(map=dict(style="white-bg", center=dict(lat=35.5, lon=39.5), zoom=5), height=400)
    return fig


def build_app() -> Dash:
    app = Dash(__name__, serve_locally=True, title="security test")
    app.layout = html.Div(
        [
            dcc.Dropdown(id="factions", options=["sdf", "daesh"], value=["sdf"], multi=True),
            dcc.Input(id="query", value="raqqa"),
            html.Div(id="count"),
            dcc.Graph(id="map", figure=map_figure()),
            html.Button("Click", id="button"),
            html.Div(id="client-out"),
        ]
    )

    @app.callback(Output("count", "children"), Input("factions", "value"), State("query", "value"))
    def count(factions, query):
        if factions is not None and not isinstance(factions, list):
            raise TypeError(f"factions must be a list, not {type(factions).__name__}")
        names = ", ".join(factions or [])  # a non-text item is a TypeError too
        return f"{len(factions or [])} selected ({names}); search {query.strip()!r}"

    app.clientside_callback(
        "function(n) { return 'clicked ' + (n || 0); }",
        Output("client-out", "children"),
        Input("button", "n_clicks"),
    )
    return harden(app)
