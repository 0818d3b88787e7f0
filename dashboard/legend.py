"""The map's key: every mark the map draws, explained, as page HTML (never clipped by the map).

Built once per dataset from what it holds (the event types it uses), with the
same shapes as the map's icons (``symbols.py``); its factions follow the view
(``keyview.py``): those the map colours now, most events first, then "N more".
"""

from __future__ import annotations

from urllib.parse import quote

from dash import html

from conflictmap.table import Dataset
from conflictmap.vocabulary import TYPE_LABELS
from dashboard.keyview import faction_counts, faction_key
from dashboard.mapstyle import AREA, RIVER, STORY_INK
from dashboard.symbols import TYPE_SYMBOLS, svg_path

INK = "#333333"


def _svg(body: str, size: int = 22) -> html.Img:
    box = f"width='{size}' height='{size}' viewBox='0 0 {size} {size}'"
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' {box}>{body}</svg>"
    return html.Img(
        src="data:image/svg+xml;charset=utf-8," + quote(svg), width=size, height=size, alt="", className="key-icon"
    )


def shape_icon(shape: str, colour: str = INK, hollow: bool = False, size: int = 22) -> html.Img:
    d = svg_path(shape, size)
    if hollow:
        return _svg(f"<path d='{d}' fill='none' stroke='{colour}' stroke-width='2.4'/>", size)
    return _svg(f"<path d='{d}' fill='{colour}'/>", size)


def _row(icon, text: str) -> html.Li:
    return html.Li([icon, html.Span(text)], className="key-row")


def _control_key(dataset: Dataset) -> list:
    from dashboard.controllayer import control_key
    from dashboard.controlpanel import ControlView

    return control_key(ControlView.of(dataset).has_control)


def legend(dataset: Dataset) -> html.Details:
    ev = dataset.events
    used = set(ev["type"].unique())  # the distinct types, not a million values iterated (0.2 s)
    # The factions the map colours now (dashboard/keyview.py follows the view); at first the whole file's.
    factions = html.Div(faction_key(dataset, faction_counts(ev)), id="map-key-factions")
    types = [_row(shape_icon(TYPE_SYMBOLS[t]), TYPE_LABELS[t]) for t in TYPE_LABELS if t in used]
    marks = [
        _row(shape_icon("square"), "Filled: the day is known"),
        _row(
            shape_icon("square", hollow=True),
            "Hollow: known only to a range, a deadline (“by”) or the day it was reported",
        ),
        _row(
            _svg(f"<circle cx='11' cy='11' r='8' fill='{AREA}' fill-opacity='0.12' stroke='{AREA}'/>"),
            "Ring: where in the town or site is unknown (grows with the uncertainty)",
        ),
        _row(
            _svg(
                f"<rect x='2' y='4' width='18' height='14' fill='{AREA}' fill-opacity='0.1' stroke='{AREA}' "
                "stroke-dasharray='4 2' stroke-width='1.5'/>"
            ),
            "Dashed outline: the place is known only as an area or region (its boundary)",
        ),
        _row(
            _svg(
                f"<path d='M2 16 C 8 4, 14 18, 20 6' stroke='{RIVER}' stroke-opacity='0.45' stroke-width='6' "
                "fill='none' stroke-linecap='round'/>"
            ),
            "Band: a corridor, such as a river valley",
        ),
        _row(
            _svg(
                f"<path d='M3 17 L 15 7' stroke='{INK}' stroke-width='2.5' stroke-dasharray='3 2'/>"
                f"<path d='{svg_path('arrow', 12)}' transform='translate(12 1) rotate(50 6 6)' fill='{INK}'/>"
            ),
            "Arrow: a movement to its destination (dashed: the date is vague)",
        ),
        _row(
            _svg(
                f"<circle cx='6' cy='16' r='2' fill='{INK}'/><path d='M6 16 L 16 6' stroke='{INK}'/>"
                f"<path d='{svg_path('diamond', 10)}' transform='translate(11 1)' fill='{INK}'/>"
            ),
            "Leader line: markers spread so none hides another; the line leads to the true place",
        ),
        _row(
            _svg(
                "<circle cx='11' cy='11' r='10' fill='#0072B2' fill-opacity='0.88'/>"
                "<text x='11' y='15' font-size='11' text-anchor='middle' fill='white' "
                "font-family='DejaVu Sans, sans-serif' font-weight='bold'>12</text>"
            ),
            "Badge: that many events, coloured by the most frequent faction; click to zoom in",
        ),
        _row(
            _svg(
                f"<path d='M3 18 L 19 4' stroke='{INK}' stroke-width='2.5' stroke-dasharray='1 3' "
                "stroke-linecap='round'/>"
            ),
            "Dotted path: a briefing step's events in time order",
        ),
        _row(
            _svg(
                f"<path d='{svg_path('place', 12)}' transform='translate(0 5)' fill='{STORY_INK}'/>"
                f"<text x='13' y='16' font-size='12' font-weight='bold' fill='{STORY_INK}' "
                "font-family='DejaVu Sans, sans-serif'>A</text>"
            ),
            "Bold name: a place the events name, in the events file's spelling; others appear as you zoom",
        ),
    ]
    return html.Details(
        [
            html.Summary("Key"),
            html.Div(
                [
                    html.H3("Factions in view (colour)"),
                    factions,
                    html.H3("Event types (shape)"),
                    html.Ul(types, className="key-list"),
                    *_control_key(dataset),  # issue 17: the control layer (dashboard/controllayer.py)
                    html.Details(
                        [html.Summary("What the other marks mean"), html.Ul(marks, className="key-list")],
                        id="map-key-marks",
                        className="key-marks",
                    ),
                ],
                className="key-body",
            ),
        ],
        id="map-key",
        className="map-key",
        open=True,
    )
