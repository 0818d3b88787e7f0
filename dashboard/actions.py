"""What each user action does to the view state, as plain functions.

The app's callbacks only unpack Dash's inputs and call these, so every
transition (a click, a brushed range, a briefing step, a play tick) is tested
without a browser.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from conflictmap.briefing import Briefing, BriefingStep
from conflictmap.table import Dataset
from conflictmap.view import ViewState, events_in_time_order, filter_events, parse_view_state


def apply_action(dataset: Dataset, state: ViewState, trigger: str, values: dict) -> ViewState:
    """The view state after one user action; a plain function so it is tested without a browser."""
    if trigger == "clear-all":  # filters and the selection: back to everything, nothing emphasised
        return ViewState(lanes=state.lanes, step=state.step)
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
    def day(v):
        return dt.date.fromisoformat(v[:10]) if v else None

    new = ViewState(
        factions=tuple(values["faction-filter"] or ()),
        sides=tuple(values["side-filter"] or ()),
        types=tuple(values["type-filter"] or ()),
        date_from=day(values["start"]),
        date_to=day(values["end"]),
        query=(values["search"] or "").strip(),
        event=state.event,
        lanes=values["lane-mode"] or "faction",
        step=state.step,
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


def step_camera(step: BriefingStep) -> dict | None:
    """A step's own camera (centre and web-map zoom level); None means fit to its events."""
    if step.view.fit or step.view.lat is None or step.view.lon is None:
        return None
    return {"lat": step.view.lat, "lon": step.view.lon, "zoom": step.view.zoom}


def play_period(dataset: Dataset, briefing: Briefing | None, state: ViewState) -> tuple[dt.date, dt.date]:
    """The dates play sweeps: a briefing step's window, else the whole dataset's period."""
    first = dataset.events["date_start"].min().date()
    last = dataset.events["date_end"].max().date()
    if briefing is not None:
        _, step = current_step(briefing, state)
        return step.date_from or first, step.date_to or last
    return first, last


def play_finished(dataset: Dataset, briefing: Briefing | None, state: ViewState) -> bool:
    return state.date_to is not None and state.date_to >= play_period(dataset, briefing, state)[1]


def _next_day(state: ViewState, start: dt.date, end: dt.date) -> dt.date:
    if state.date_to is None or state.date_to >= end or state.date_to < start:
        return start
    return state.date_to + dt.timedelta(days=1)


def briefing_action(dataset: Dataset, briefing: Briefing, state: ViewState, trigger: str) -> ViewState:
    number, _step = current_step(briefing, state)
    last = len(briefing.steps)
    if trigger == "play-timer":
        start, end = play_period(dataset, briefing, state)
        return ViewState(step=number, date_from=start, date_to=_next_day(state, start, end))
    target = {"first-step": 1, "prev-step": number - 1, "next-step": number + 1, "last-step": last}[trigger]
    return ViewState(step=min(max(target, 1), last))


def play_tick(dataset: Dataset, state: ViewState) -> ViewState:
    """One day forward: the window grows from the first event's start to the next day."""
    start, end = play_period(dataset, None, state)
    return state.replace(date_from=start, date_to=_next_day(state, start, end), event=None)


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


def iso_or_none(d) -> str | None:
    """A date as the ISO text Dash date pickers take, or None."""
    return d.isoformat() if d else None
