"""The page: filters, map, timeline, details, the event list, and the briefing presenter panel.

Component ids are a public contract (README "Stable component ids"): tests
and embedding pages rely on them.
"""

from __future__ import annotations

from dash import dcc, html

from conflictmap.briefing import Briefing
from conflictmap.table import Dataset
from conflictmap.vocabulary import TYPE_LABELS
from dashboard.controlpanel import control_section
from dashboard.htmlprops import wildcard_props
from dashboard.legend import legend
from dashboard.plotconfig import LANES_CONFIG, MAP_CONFIG, STRIP_CONFIG
from dashboard.timeline import STRIP_HEIGHT

DOWNLOAD_FORMATS = {
    "html": "Offline page (HTML)",
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
# Inline SVG icons: they render with any font (a glyph like ⛶ is missing from Debian's fonts).
FULLSCREEN_ICON = "M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6"
FIT_ICON = "M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5M9 12h6M12 9v6"

# Until the first render sends the whole map: an empty, axis-less canvas in the sea's colour.
BLANK_MAP = {
    "data": [],
    "layout": {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "paper_bgcolor": "#cfe1ee",
        "plot_bgcolor": "#cfe1ee",
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
    },
}


def _options(pairs) -> list[dict]:
    return [{"label": label, "value": value} for value, label in pairs]


def icon(path: str, label: str) -> html.Img:
    from urllib.parse import quote

    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' width='20' height='20' fill='none' "
        f"stroke='%23222' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'><path d='{path}'/></svg>"
    )
    return html.Img(
        src="data:image/svg+xml;charset=utf-8," + quote(svg, safe="%/=:' "),
        alt=label,
        width=20,
        height=20,
        className="icon",
    )


def layout(dataset: Dataset, briefings: dict[str, Briefing], *, initial_zoom: float, style_url: str) -> html.Div:
    ev = dataset.events
    present = set(ev["type"].unique())
    types_present = [t for t in TYPE_LABELS if t in present]
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            # Derived from the URL in the browser: the filters alone (what the heavy render depends on)
            # and the selected event (what emphasis and the details depend on).
            dcc.Store(id="view-key"),
            dcc.Store(id="selected-event"),
            dcc.Store(id="map-view", data={"zoom": round(initial_zoom * 2) / 2}),
            dcc.Store(id="map-drawn", data=False),  # set by the browser once MapLibre has loaded
            # The map's size and frame padding, measured by the page before its first map (deriveKeys):
            # the first markers are laid out for the zoom the browser will frame, not drawn twice.
            dcc.Store(id="map-box"),
            dcc.Store(id="map-frame"),
            dcc.Store(id="map-selection", data=[]),
            dcc.Store(id="place-target"),
            dcc.Store(id="view-info"),
            dcc.Store(id="emphasis-done"),
            dcc.Store(id="list-page", data=1),
            # The event list's rows as data (dashboard/eventlist.py), drawn into #event-list by conflictmap.js.
            dcc.Store(id="event-list-rows", data=[]),
            # Bumped when the event list is drawn: what the selection's scroll-into-view listens to
            # (listening to the rows themselves makes Dash's renderer diff hundreds of them).
            dcc.Store(id="list-drawn", data=0),
            dcc.Interval(id="play-timer", interval=1500, disabled=True),
            html.Header(
                [
                    html.H1(["conflictmap ", html.Span(dataset.title, className="dataset-title")]),
                    html.Div(id="event-count", role="status", **wildcard_props({"aria-live": "polite"})),
                    _briefing_menu(briefings),
                ],
                className="topbar",
            ),
            html.Div(id="notices", role="alert"),
            html.Div(
                [
                    _filters(dataset, types_present),
                    _presenter(),
                    html.Main(
                        [
                            html.Div(
                                [
                                    dcc.Graph(
                                        id="map",
                                        figure=BLANK_MAP,
                                        config=MAP_CONFIG,
                                        className="map-graph",
                                        clear_on_unhover=True,
                                    ),
                                    html.Div(
                                        id="map-overlay",
                                        className="map-overlay",
                                        children=[
                                            html.Button(
                                                icon(FIT_ICON, "Fit"),
                                                id="fit-map",
                                                className="map-button",
                                                title="Fit the map to the events shown",
                                            ),
                                            html.Div(
                                                id="scale-bar",
                                                className="scale-bar",
                                                **wildcard_props({"aria-hidden": "true"}),
                                            ),
                                        ],
                                    ),
                                    legend(dataset),
                                ],
                                className="map-panel",
                                **wildcard_props({"data-style-url": style_url}),
                            ),
                            html.Div(
                                [
                                    dcc.Graph(
                                        id="timeline-strip",
                                        config=STRIP_CONFIG,
                                        className="strip-graph",
                                        style={"height": f"{STRIP_HEIGHT}px"},
                                    ),
                                    html.Div(
                                        dcc.Graph(
                                            id="timeline",
                                            config=LANES_CONFIG,
                                            className="timeline-graph",
                                            clear_on_unhover=True,
                                        ),
                                        id="lanes-scroll",
                                        className="lanes-scroll",
                                    ),
                                ],
                                className="timeline-panel",
                            ),
                        ],
                        className="views",
                    ),
                    html.Aside(
                        [
                            control_section(dataset),  # issue 17: who holds what (dashboard/controlpanel.py)
                            html.Section(
                                id="event-detail",
                                className="detail",
                                tabIndex="0",
                                **wildcard_props({"aria-label": "Event details"}),
                            ),
                            html.Section(
                                [
                                    html.H2("Events", id="event-list-heading"),
                                    html.Ol(
                                        id="event-list",
                                        className="event-list",
                                        role="listbox",
                                        **wildcard_props({"aria-labelledby": "event-list-heading"}),
                                    ),
                                    html.Div(id="event-list-more"),
                                ],
                                className="event-list-panel",
                            ),
                        ],
                        className="side",
                    ),
                ],
                className="body",
            ),
            html.Footer(
                [
                    "Sources: ",
                    html.Span("; ".join(f"{d.publisher}, {d.published}" for d in dataset.documents.itertuples())),
                    ". Base map: Natural Earth (public domain). Places: GeoNames (CC BY 4.0) and a cited supplement.",
                ],
                className="attribution",
            ),
        ],
        id="app-root",
        className="app",
    )


def _filters(dataset: Dataset, types_present) -> html.Aside:
    ev = dataset.events
    return html.Aside(
        [
            html.Label("Find a place", htmlFor="place-search"),
            html.Div(
                [
                    dcc.Input(
                        id="place-search",
                        type="search",
                        debounce=True,
                        placeholder="e.g. Al Mayadin, الرقة",
                        className="search",
                        autoComplete="off",
                    ),
                ],
                className="place-search",
            ),
            html.Div(id="place-result", className="hint", role="status"),
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
            dcc.Input(id="search", type="search", debounce=True, placeholder="e.g. oil", className="search"),
            html.Label("Timeline lanes"),
            dcc.RadioItems(
                id="lane-mode",
                options=_options([("faction", "by faction"), ("side", "by side")]),
                value="faction",
                inline=True,
            ),
            html.Button(
                "Clear all filters", id="clear-all", className="button", title="Clear every filter and the selection"
            ),
            html.Div(
                [
                    html.Button("◀ Previous", id="prev-event", className="button", title="Previous event in time (←)"),
                    html.Button("Next ▶", id="next-event", className="button", title="Next event in time (→)"),
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
            html.Div(
                [
                    html.Span(id="download-status", role="status", **wildcard_props({"aria-live": "polite"})),
                    html.Button("Cancel", id="download-cancel", className="button", hidden=True),
                ],
                className="download-job hint",
            ),
            dcc.Download(id="download"),
            html.P(
                "Keys: ← → step through events; Esc clears the selection; F full screen. Drag across the "
                "timeline to pick dates; scroll to zoom the map.",
                className="hint",
            ),
        ],
        className="filters",
        **wildcard_props({"aria-label": "Filters"}),
    )


def _briefing_menu(briefings: dict[str, Briefing]) -> html.Details | None:
    """The way into presenter mode, in the header so no screen has to scroll to find it."""
    if not briefings:
        return None
    return html.Details(
        [
            html.Summary(
                f"Briefings ({len(briefings)})", id="briefings-menu", title="Present a briefing, step by step"
            ),
            html.Ul([html.Li(dcc.Link(b.title, href=f"/briefing/{name}")) for name, b in briefings.items()]),
        ],
        className="briefing-menu",
    )


def _presenter() -> html.Aside:
    return html.Aside(
        [
            html.Div(id="step-counter", className="step-counter", role="status"),
            html.H2(id="step-heading"),
            dcc.Markdown(id="step-text", className="step-text"),  # raw HTML is not rendered
            html.Div(
                [
                    html.Button("« First", id="first-step", className="button", title="First step (Home)"),
                    html.Button("◀ Previous", id="prev-step", className="button", title="Previous step (←)"),
                    html.Button("Next ▶", id="next-step", className="button", title="Next step (→ or space)"),
                    html.Button("Last »", id="last-step", className="button", title="Last step (End)"),
                ],
                className="stepper",
            ),
            html.Button("▶ Play this step over time", id="play-step", className="button"),
            html.Button(
                [icon(FULLSCREEN_ICON, ""), " Full screen (F)"],
                id="fullscreen",
                className="button",
                title="Full screen for the projector; Esc leaves",
            ),
            dcc.Link("Leave the briefing: explore all events", href="/", className="leave"),
        ],
        className="presenter",
        **wildcard_props({"aria-label": "Briefing"}),
    )
