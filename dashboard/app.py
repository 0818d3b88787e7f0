"""Build the Dash app for one dataset: wiring only.

The URL is the single source of truth for the view (filters, selected event,
lane mode, briefing step). The browser derives two small keys from it: the
filters alone and the selected event. A change of filters re-renders the
views on the server; a change of selection only re-renders the details
panel, and the emphasis (a ring on both views, the list row, the place's
outline) moves in the browser. Hover never leaves the browser. The map's
camera belongs to the analyst: after the first render the server only ever
patches the map's data, so zoom and centre survive every update; only "Fit"
and a briefing step move it, in the browser.

The dataset is loaded once and never mutated, so callbacks are pure functions
of their inputs and the app can run under several workers. They live by
feature in :mod:`dashboard.callbacks`; this module builds the app, its one
extra route (the map style) and the context the callbacks share.
"""

from __future__ import annotations

import gc
import html as html_text
import json
import re
import threading
from dataclasses import replace
from pathlib import Path

from dash import Dash
from flask import Response

from conflictmap.briefing import Briefing, briefing_files, load_briefing
from conflictmap.collector import paused_gc
from conflictmap.paths import default_events_path
from conflictmap.pipeline import load_dataset
from conflictmap.places import event_place_keys, story_places
from conflictmap.store import is_store, limit_malloc_arenas, release_free_memory
from conflictmap.table import Dataset
from conflictmap.view import build_faction_index
from dashboard.callbacks import AppContext, register_callbacks
from dashboard.callbacks.control import draw_first_lanes
from dashboard.controlpanel import ControlView
from dashboard.idletrim import trim_when_idle
from dashboard.jobs import background_manager
from dashboard.layout import DOWNLOAD_FORMATS, layout
from dashboard.mapfigure import initial_zoom
from dashboard.mapstyle import map_style, url_source
from dashboard.security import harden

ASSETS = Path(__file__).resolve().parent / "assets"
#: The events' columns that frame the first view (dashboard.mapfigure.frame_points reads these).
FRAME_COLUMNS = r"^(map|place|dest)_(lat|lon|radius_km)$"
STYLE_ROUTE = "map/style.json"


def keep_for_the_process(app: Dash) -> Dash:
    """Take the app and its data out of the garbage collector's full passes, for a process that serves it.

    At a million events the store and the app hold millions of Python objects for the life of the
    process; a full collection pass walked them all (about 150-200 ms) inside whichever callback
    allocated past the threshold, a three-month window's p95 422 ms instead of 229 ms in process
    (README, fifth pass). Not in ``create_app``: tests and exports build apps that must be freed.
    """
    gc.collect()
    gc.freeze()
    limit_malloc_arenas()
    return app


def create_app(
    events: Path | str | None = None,
    dataset: Dataset | None = None,
    briefings: dict[str, Briefing] | None = None,
    warm_up_in_background: bool = False,
) -> Dash:
    """The app for one events file; its briefings (``briefings/*.yaml`` beside it) are loaded and checked once.

    Built with the collector paused: the control model, its lanes and the layout are objects that live
    as long as the app (at a million events 206,000 the collector tracks; built in 1.30 s, not 2.27 s).
    Then warmed up (:func:`warm_up`), in a thread with ``warm_up_in_background`` (a server that answers
    while it warms up), else before it returns (tests; gunicorn's master, which forks after).
    """
    with paused_gc():
        app, context = _build_app(events, dataset, briefings)
        if not warm_up_in_background:
            warm_up(context)
    if warm_up_in_background:
        threading.Thread(target=_warm_up_and_keep, args=(context,), name="conflictmap-warm-up", daemon=True).start()
    return app


def _warm_up_and_keep(context: AppContext) -> None:
    """The warm-up of a server's app (a thread), its work then taken out of the collector's passes as
    :func:`keep_for_the_process` took the rest: the sweeps and lanes live as long as the process."""
    warm_up(context)
    gc.freeze()


def warm_up(context: AppContext) -> None:
    """What the first view's callbacks would otherwise each pay once, done as the app starts.

    At a million events about 1.1 s: the events' hash of their ids (0.2-0.26 s; the event list, the
    details and the exports find events by id), each place's control sweep (0.25-0.3 s), the first
    view's control lanes (0.15-0.25 s) and the faction filter's index (about 0.5 s, mostly without
    the GIL; the first faction filter's answer took 0.6-0.8 s with it). A server runs it in a thread
    once it can answer: the page and its scripts load meanwhile, and a callback that comes first
    computes what it needs itself (the same answer; the work is kept by whichever finishes). It does not
    pause the collector itself: in a thread, a pause would be the whole process's, and would end
    whenever the other thread's did.
    """
    context.dataset.events.index.get_indexer(context.dataset.events.index[:1])
    context.control.warm_up()
    draw_first_lanes(context)
    build_faction_index(context.dataset)
    release_free_memory()  # the sweeps' and the lanes' temporaries


def _build_app(
    events: Path | str | None, dataset: Dataset | None, briefings: dict[str, Briefing] | None
) -> tuple[Dash, AppContext]:
    if dataset is None:
        dataset = load_dataset(events or default_events_path())
    if briefings is None:
        source = Path(dataset.file)
        briefings = {path.stem: load_briefing(path, dataset) for path in briefing_files(source)}
    manager = background_manager(dataset.file)
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title=f"conflictmap — {html_text.escape(dataset.title)}",  # Dash puts the title into <title> as is
        update_title="",  # no "Updating..." in the tab: the renderer skips an empty title as it did None
        serve_locally=True,
        background_callback_manager=manager,
    )
    keys = event_place_keys(dataset)
    places = story_places(dataset, keys=keys)
    style_url = app.get_relative_path("/" + STYLE_ROUTE)
    style_body: list[bytes] = []  # one style for every request: nothing in it comes from the request

    @app.server.route("/" + STYLE_ROUTE)
    def map_style_json():
        # Source URLs are relative to the app (never built from the request's Host header, which a
        # client chooses): the page's styleurls.js makes them absolute against its own address, as
        # MapLibre needs for the sprite and for the GeoJSON its worker fetches.
        if not style_body:
            style_body.append(json.dumps(map_style(places, url_source(app.get_asset_url("basemap/")))).encode())
        response = Response(style_body[0], mimetype="application/json")
        response.headers["Cache-Control"] = "no-cache"
        return response

    # The frame needs only the coordinates: framing the whole table copied every column of a million
    # events (about 100 MB kept by the allocator, 0.3 s).
    framing = replace(dataset, events=dataset.events.filter(regex=FRAME_COLUMNS))
    app.layout = layout(dataset, briefings, initial_zoom=initial_zoom(framing), style_url=style_url)
    if not is_store(dataset.file):  # a store (a folder) is never a draft: no need to import the draft reader
        from dashboard.draftreview import attach as attach_draft_review

        attach_draft_review(app, dataset)  # a draft from `conflictmap draft`: banner and review page; else nothing
    context = AppContext(
        dataset=dataset,
        briefings=briefings,
        place_keys=keys,
        style_url=style_url,
        control=ControlView.of(dataset),
        manager=manager,
    )
    register_callbacks(app, context)
    trim_when_idle(app.server)
    release_free_memory()  # what building the app freed (the control model's claims, the layout's counts)
    # After the callbacks: the CSP hashes every inline script they add. A forged download format is a 400.
    # Pages: / and /briefing/NAME (an unknown name gets the page, with a notice naming the briefings).
    app = harden(
        app,
        allowed_values={("download-format", "value"): tuple(DOWNLOAD_FORMATS)},
        page_paths=re.compile(r"(briefing(/[^/]*)?/?)?"),
    )
    return app, context
