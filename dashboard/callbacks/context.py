"""What every callback needs, built once per app, and what a URL presents.

The app is one dataset, loaded once and never mutated; the callbacks are pure
functions of it and of their inputs. :class:`AppContext` holds what they share
(the dataset, its briefings, the events' place keys, the map style's address,
the control view, the download job manager), frozen, so that nothing a
callback does can change what the next one sees, in this worker or another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd

from conflictmap.briefing import Briefing
from conflictmap.table import Dataset
from conflictmap.view import ViewState, parse_view_state
from dashboard.actions import briefing_for, current_step, presented_state, step_camera
from dashboard.controlpanel import ControlView
from dashboard.timeline import axis_range


@dataclass(frozen=True)
class AppContext:
    """What the callbacks of one app read: never written after :func:`dashboard.app.create_app` builds it."""

    dataset: Dataset
    briefings: dict[str, Briefing]
    #: ``place_key`` and ``dest_key`` per event (:func:`conflictmap.places.event_place_keys`).
    place_keys: pd.DataFrame
    #: The map style's address, relative to the app (the first figure names it).
    style_url: str
    control: ControlView
    #: Dash's background job manager for downloads, or None: downloads then run inline.
    manager: Any = None

    @property
    def total(self) -> int:
        """How many events the dataset holds (the count line's "of N")."""
        return len(self.dataset.events)


class Presented(NamedTuple):
    """What one URL shows: the view, and in presenter mode the step's parts."""

    state: ViewState
    featured: tuple[str, ...]
    #: Step counter, heading and text ("" each outside a briefing).
    parts: tuple[str, str, str]
    notices: list[str]
    #: The step's authored camera, if any.
    camera: dict | None
    #: The page root's class: "app", "app briefing".
    root: str


def presented(dataset: Dataset, briefings: dict[str, Briefing], search: str | None, pathname: str | None) -> Presented:
    """The state shown for a URL: its own, or in a briefing the step's (a notice if the step is out of range)."""
    state = parse_view_state(search, dataset)
    notices = list(state.notices)
    featured: tuple[str, ...] = ()
    camera: dict | None = None
    parts, root = ("", "", ""), "app"
    if (pathname or "/").startswith("/briefing/"):
        briefing = briefing_for(pathname, briefings)
        if briefing is None:
            name = (pathname or "").split("/", 2)[2] if (pathname or "").count("/") >= 2 else ""
            notices.append(f"No briefing named '{name}'. Available: {', '.join(briefings) or 'none'}.")
        else:
            root = "app briefing"
            number, step = current_step(briefing, state)
            if state.step is not None and state.step != number:
                notices.append(f"This briefing has {len(briefing.steps)} steps; showing step {number}.")
            state = presented_state(step, state)
            featured = step.events
            camera = step_camera(step)
            parts = (f"Step {number} of {len(briefing.steps)} · {briefing.title}", step.heading, step.text)
    return Presented(state, featured, parts, notices, camera, root)


def presented_for(context: AppContext, search: str | None, pathname: str | None) -> Presented:
    """:func:`presented` with the app's dataset and briefings."""
    return presented(context.dataset, context.briefings, search, pathname)


def timeline_range(context: AppContext, state: ViewState, pathname: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The timeline's axis: a briefing step's own window (steady while play sweeps it), else the view's."""
    briefing = briefing_for(pathname, context.briefings)
    if briefing is not None:
        return axis_range(context.dataset, current_step(briefing, state)[1].view_state())
    return axis_range(context.dataset, state)
