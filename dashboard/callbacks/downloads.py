"""*Download this view*: the current filters, exported by the same code as ``conflictmap export``, as a job.

With a background manager (:func:`dashboard.jobs.background_manager`) the export runs
as a Dash background job: progress in the status line, *Cancel*, the button disabled
while it runs; without one it runs inline.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, dcc, no_update

from conflictmap import progress
from conflictmap.describe import download_name
from conflictmap.progress import ProgressMessages
from conflictmap.table import Dataset
from conflictmap.view import parse_view_state, shown_events
from dashboard.callbacks.context import AppContext

SUFFIX = {"timelinejs": "json"}  # download file suffix where it differs from the format name
#: The most events a data format (csv, geojson, kml, timelinejs) is downloaded with from the page. The file
#: travels inside a callback's answer (base64 in JSON, held whole by the job store, the worker and the
#: browser): a million events' CSV made a 1.1 GB answer, and the job ended with no file and no message.
#: Past this the page says so and names the command, which writes any size to disk.
PAGE_DOWNLOAD_MAX_EVENTS = 100_000


def too_many_to_download(count: int, fmt: str) -> str:
    return (
        f"Download refused: this view has {count:,} events, and a {fmt} file from the page holds at most "
        f"{PAGE_DOWNLOAD_MAX_EVENTS:,}. Narrow the filters, or write it with `conflictmap export --format {fmt}` "
        "and the same filters (any size)."
    )


def export_download(
    dataset: Dataset, fmt: Any, search: str | None, set_progress: Callable[[str], None] | None = None
) -> tuple[Any, str]:
    """(dcc.Download data, status text) for one export of the view ``search`` shows."""
    from conflictmap.exports import DATA_FORMATS
    from dashboard.exports import FORMATS, ExportError, export  # the exporters load only when one is asked for

    if not isinstance(fmt, str) or fmt not in FORMATS:  # harden() answers such a request 400 before it gets here
        return no_update, "Download failed: unknown format"
    state = parse_view_state(search, dataset)
    if fmt in DATA_FORMATS:
        count = len(shown_events(dataset, state))
        if count > PAGE_DOWNLOAD_MAX_EVENTS:
            return no_update, too_many_to_download(count, fmt)
    report = ProgressMessages(lambda text: set_progress(text) if set_progress else None)
    with tempfile.TemporaryDirectory(prefix="conflictmap-download-") as tmp:  # removed however it ends
        target = Path(tmp) / download_name(dataset, state, SUFFIX.get(fmt, fmt))  # says what it holds
        try:
            with progress.reporting_to(report):
                written = export(dataset, fmt, target, state)
        except ExportError as exc:
            return no_update, f"Download failed: {exc}"
        return dcc.send_bytes(written[0].read_bytes(), written[0].name), f"Ready: {written[0].name}"


def register(app: Dash, context: AppContext) -> None:
    """The download button: a background job where the app has a job manager, else inline."""
    background = context.manager is not None

    @app.callback(
        Output("download", "data"),
        Output("download-status", "children"),
        Input("download-button", "n_clicks"),
        State("download-format", "value"),
        State("url", "search"),
        background=background,
        progress=[Output("download-status", "children")] if background else None,
        running=[
            (Output("download-button", "disabled"), True, False),
            (Output("download-cancel", "hidden"), False, True),
        ]
        if background
        else None,
        cancel=[Input("download-cancel", "n_clicks")] if background else None,
        prevent_initial_call=True,
    )
    def download(*args):
        """The current filtered view, exported by the same code as `conflictmap export`, as a job."""
        set_progress, (_clicks, fmt, search) = (args[0], args[1:]) if background else (None, args)
        return export_download(context.dataset, fmt, search, set_progress)
