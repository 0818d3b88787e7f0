"""The control panel (``id="control"``): who holds each place as of the view's date, with the evidence.

The as-of date is the URL's ``asof=``, else the end of the date window
(``to``; in presenter mode the step's), else the last event's day. The
answer is the core model's (:mod:`conflictmap.control`), which uses only
what can have happened by then, so no row names a holder that only a later
change gives. Each event cited as evidence is a link that selects it (its
details show the quote); an assertion's quote is shown in the row.

This module owns the panel's layout block, its callbacks and the model the
app asks (:class:`ControlView`: the layer's traces, the lanes, the strip's
mark); the app calls :func:`register_control_callbacks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html, no_update

from conflictmap.control import ControlModel, PlaceControl, control_at, faction_names, last_day, model_for
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from dashboard.controllanes import add_control_lanes, clicked_lane_event
from dashboard.controllayer import control_traces, holder_text, since_text
from dashboard.htmlprops import wildcard_props

LAYER_ON = "on"
MAX_ROWS = 100  # rows in the table: a store may hold thousands of places (`conflictmap control` lists all)
KEEP_VIEWS = 4  # datasets whose model stays built (an app has one; tests make many)
_VIEWS: dict[int, ControlView] = {}


class ControlView:
    """The control model of one dataset, built once when the app starts, and what the app asks of it."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.model: ControlModel = model_for(dataset)
        self.names = faction_names(dataset)
        factions = dataset.factions
        self.colours = {str(k): str(v) for k, v in factions["colour"].items()} if "colour" in factions else {}
        # The events among the claims (the rest are the file's assertions): what a lane bar or an evidence
        # link can select. Asked of the events' index instead, the first question built its hash table of
        # every id (0.25 s at a million events) for the few thousand ids the claims name.
        self.event_ids = frozenset(
            c.id for claims in self.model.claims.values() for c in claims if c.kind != "assertion"
        )
        self.default_day = last_day(dataset)
        statements = dataset.control
        self.quotes = (
            {}
            if statements.empty
            else {
                row["id"]: row["quote"]
                for row in statements[statements["kind"] == "assertion"].to_dict(orient="records")
            }
        )

    @classmethod
    def of(cls, dataset: Dataset) -> ControlView:
        """The one view of a dataset (the layout, the Key and the callbacks share it; built once)."""
        view = _VIEWS.get(id(dataset))
        if view is None or view.dataset is not dataset:
            view = _VIEWS[id(dataset)] = cls(dataset)
            while len(_VIEWS) > KEEP_VIEWS:
                del _VIEWS[next(iter(_VIEWS))]
        return view

    def warm_up(self) -> None:
        """Sweep each place once (for the default day), so that no first answer for a date does it.

        At a million events 0.25-0.3 s; done by the app's warm-up (:func:`dashboard.app.warm_up`).
        """
        if self.default_day is not None and not self.model.empty:
            control_at(self.model, self.default_day)

    @property
    def has_control(self) -> bool:
        return not self.model.empty

    def as_of(self, state: ViewState) -> dt.date | None:
        return state.as_of or state.date_to or self.default_day

    def states(self, state: ViewState) -> tuple[dt.date | None, list[PlaceControl]]:
        day = self.as_of(state)
        if day is None or self.model.empty:
            return day, []
        return day, control_at(self.model, day)

    def map_traces(self, state: ViewState, layer: list[str] | None) -> list[dict]:
        """The layer's traces, to go under the event marks; none when toggled off or nothing is held."""
        if not self.has_control or LAYER_ON not in (layer or []):
            return []
        day, states = self.states(state)
        if day is None:
            return []
        return control_traces(states, self.colours, highlight=state.factions)

    def with_as_of(self, strip: dict, state: ViewState) -> dict:
        """The histogram strip with the as-of date marked (where the file has control changes)."""
        day = self.as_of(state)
        if not self.has_control or day is None:
            return strip
        layout = strip.get("layout", {})
        return {**strip, "layout": {**layout, "shapes": [*layout.get("shapes", []), as_of_mark(day)]}}

    def with_lanes(self, figure: dict, state: ViewState, x_range) -> dict:
        """The timeline's lanes with a control lane per place (the history as known on the as-of date)."""
        if not self.has_control:
            return figure
        return add_control_lanes(
            figure, self.model, self.as_of(state), self.colours, self.names, x_range, self.event_ids
        )


def as_of_mark(day: dt.date) -> dict:
    """A line on the histogram strip at the as-of date (the middle of that day), labelled."""
    middle = f"{day.isoformat()}T12:00:00"
    return {
        "type": "line",
        "xref": "x",
        "yref": "y domain",
        "x0": middle,
        "x1": middle,
        "y0": 0,
        "y1": 1,
        "line": {"width": 2, "color": "#444444", "dash": "dot"},
        "name": "control-as-of",
        "label": {"text": f"control as of {day:%d %b}", "textposition": "end", "font": {"size": 11}},
    }


def control_section(dataset: Dataset) -> html.Section:
    """The sidebar block: the layer toggle and the table (filled by the callback)."""
    view = ControlView.of(dataset)
    return html.Section(
        [
            html.H2("Control", id="control-heading"),
            dcc.Checklist(
                id="control-layer",
                options=[{"label": " Show control on the map", "value": LAYER_ON}],
                value=[LAYER_ON] if view.has_control else [],
                className="control-toggle",
            ),
            html.P(id="control-asof", className="hint", role="status"),
            dcc.Store(id="control-rows"),  # the table as data (control_table), drawn into control-body
            dcc.Store(id="control-drawn"),  # drawControl's output (a clientside callback needs one); read by none
            html.Div(id="control-body", className="control-body"),
        ],
        className="control-panel",
        hidden=not view.has_control,
        **wildcard_props({"aria-labelledby": "control-heading"}),
    )


def control_table(
    view: ControlView, day: dt.date | None, states: list[PlaceControl], state: ViewState, search: str, pathname: str
) -> dict:
    """The table as data, one row per place (past MAX_ROWS places, the latest changes), which
    ``conflictmap.js`` (``drawControl``) draws as a ``<table>``: text nodes and attributes, never HTML.

    ``{"caption", "rows": [{"place", "region", "holder", "since", "className", "state", "holderId",
    "evidence": [{"id", "href", "quote"}]}]}``; an evidence item with an ``href`` is an event of the
    file (the link selects it), one without is an assertion, shown with its quote. As data, not Dash
    components: Dash's renderer mounts each component at a cost that grows with the components
    already on the page, and 100 rows are about 600 of them.
    """
    highlight = set(state.factions)
    total = len(states)
    if total > MAX_ROWS:  # a store: the most recent changes (a faction's first when filtered), by name
        recent = sorted(
            states, key=lambda s: (not (highlight and s.holder in highlight), -(s.since or dt.date.min).toordinal())
        )
        kept = {id(s) for s in recent[:MAX_ROWS]}
        states = [s for s in states if id(s) in kept]
    rows = []
    for s in states:
        holder = holder_text(s, view.names)
        if s.stale:
            holder += " (last known)"
        classes = ["control-row", f"control-{s.state}"]
        if s.stale:
            classes.append("control-stale")
        if highlight and s.holder in highlight:
            classes.append("control-highlight")
        rows.append(
            {
                "place": s.place.name,
                "region": not s.place.painted,
                "holder": holder,
                "since": since_text(s),
                "className": " ".join(classes),
                "state": s.state,
                "holderId": s.holder or "",
                "evidence": _evidence(view, s, search, pathname),
            }
        )
    caption = f"Who holds what, as of {day:%a %d %b %Y}" if day else "Who holds what"
    if total > len(states):
        caption += f" (the {len(states):,} latest changes of {total:,} places; `conflictmap control` lists all)"
    return {"caption": caption, "rows": rows}


def _evidence(view: ControlView, s: PlaceControl, search: str, pathname: str) -> list[dict]:
    """The row's evidence: events of the file (a link that selects them) and assertions (with their quote)."""
    out: list[dict] = []
    for evidence_id in s.evidence:
        if evidence_id in view.event_ids:
            out.append({"id": evidence_id, "href": _with_event(search, pathname, evidence_id), "quote": None})
        else:
            out.append({"id": evidence_id, "href": None, "quote": view.quotes.get(evidence_id)})
    return out


def _with_event(search: str, pathname: str, event_id: str) -> str:
    params = [(k, v) for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=True) if k != "event"]
    params.append(("event", event_id))
    return f"{pathname or '/'}?{urlencode(params, safe=',')}"


def register_control_callbacks(
    app: Dash, view: ControlView, presented_state: Callable[[str | None, str | None], ViewState]
) -> None:
    """The panel follows the URL (filters, ``to``, ``asof``, the briefing step)."""

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("timeline", "clickData"),
        State("url", "search"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def select_from_lane(click, search, pathname):
        """A click on a control-lane bar selects the event it rests on (its details show the quote)."""
        event_id = clicked_lane_event(click)
        if event_id is None or event_id not in view.event_ids:
            return no_update
        return "?" + _with_event(search or "", pathname or "/", event_id).split("?", 1)[1]

    @app.callback(
        Output("control-rows", "data"),
        Output("control-asof", "children"),
        Input("url", "search"),
        Input("url", "pathname"),
    )
    def render_control(search, pathname):
        if not view.has_control:
            return None, ""
        state = presented_state(search, pathname)
        day, states = view.states(state)
        if day is None:
            return None, ""
        where = "the end of the date window" if (state.date_to and not state.as_of) else "the date in the link"
        if not state.date_to and not state.as_of:
            where = "the last event's day"
        note = f"As of {day:%d %b %Y} ({where}); {len(states)} place(s)."
        return control_table(view, day, states, state, search or "", pathname or "/"), note

    app.clientside_callback(
        ClientsideFunction(namespace="conflictmap", function_name="drawControl"),
        Output("control-drawn", "data"),
        Input("control-rows", "data"),
    )


__all__ = ["ControlView", "control_section", "control_table", "register_control_callbacks"]
