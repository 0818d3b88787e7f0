"""A naive Dash app over the same store, for app_scale.py to compare against.

What a first attempt looks like: read the events table, and on every filter
change send one scattermap trace with every filtered point, and a histogram of
every filtered event's date. No level of detail, no viewport, no caching.

    python benchmarks/naive_app.py STORE --port 8061
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

ROOT = Path(__file__).resolve().parent.parent


def create_naive_app(store: Path) -> Dash:
    events = pd.read_parquet(
        store / "events.parquet", columns=["id", "title", "date_start", "primary_faction", "map_lat", "map_lon"]
    )
    events["date_start"] = pd.to_datetime(events["date_start"])  # the store's date32 reads as datetime.date
    factions = sorted(f for f in events["primary_faction"].dropna().unique())
    app = Dash(__name__, serve_locally=True)
    app.layout = html.Div(
        [
            dcc.Dropdown(id="faction", options=factions, multi=True),
            dcc.DatePickerRange(id="dates"),
            html.Div(id="count"),
            dcc.Graph(id="map", style={"height": "600px"}),
            dcc.Graph(id="timeline"),
        ]
    )

    @app.callback(
        Output("map", "figure"),
        Output("timeline", "figure"),
        Output("count", "children"),
        Input("faction", "value"),
        Input("dates", "start_date"),
        Input("dates", "end_date"),
    )
    def render(faction, start, end):
        shown = events
        if faction:
            shown = shown[shown["primary_faction"].isin(faction)]
        if start:
            shown = shown[shown["date_start"] >= pd.Timestamp(start)]
        if end:
            shown = shown[shown["date_start"] <= pd.Timestamp(end)]
        codes = shown["primary_faction"].astype("category").cat.codes
        fig = go.Figure(
            go.Scattermap(
                lat=shown["map_lat"],
                lon=shown["map_lon"],
                text=shown["title"],
                mode="markers",
                marker={"color": codes, "size": 6},
            )
        )
        fig.update_layout(
            map={"style": "white-bg", "center": {"lat": 35, "lon": 40}, "zoom": 5},
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
        )
        timeline = go.Figure(go.Histogram(x=shown["date_start"]))
        return fig, timeline, f"Showing {len(shown):,} of {len(events):,} events"

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--port", type=int, default=8061)
    args = parser.parse_args()
    create_naive_app(args.store).run(host="127.0.0.1", port=args.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
