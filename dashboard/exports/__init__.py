"""Exports: the view (or a briefing) as files that travel without the app.

The data formats (csv, geojson, kml, timelinejs) are written by the core,
``conflictmap.exports``, which needs neither Dash nor plotly; this package adds
the formats drawn with plotly or Chromium and passes the others through.

``export(dataset, fmt, out, state, briefing)`` writes one format and returns
the files written. Every write is atomic and refuses to overwrite the events
file; every file credits the article, the base map (where one is drawn) and
GeoNames.

=========== ============================================================
html        one self-contained page: linked map + timeline, offline
png/svg/pdf the map above the timeline (kaleido + Chromium); with a
            briefing one file per step: OUT-stem-step01.png ...
gif/mp4     the events appearing day by day
pptx        title slide, a slide per briefing step (or event), credits
csv         the events table with its source quotes
geojson     RFC 7946 FeatureCollection of placed events
kml         KML 2.2 placemarks with TimeStamp/TimeSpan
timelinejs  TimelineJS3 JSON
=========== ============================================================
"""

from __future__ import annotations

from pathlib import Path

from conflictmap.briefing import Briefing
from conflictmap.exports import export as export_data
from conflictmap.exports.errors import BrowserNotFoundError, ExportError, MissingDependencyError
from conflictmap.output import check_target, input_files
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from conflictmap.vocabulary import DATA_FORMATS, EXPORT_FORMATS

FORMATS = EXPORT_FORMATS

__all__ = ["FORMATS", "BrowserNotFoundError", "ExportError", "MissingDependencyError", "export"]


def export(
    dataset: Dataset, fmt: str, out: Path, state: ViewState | None = None, briefing: Briefing | None = None
) -> list[Path]:
    """Write ``dataset`` (as ``state`` shows it, or as ``briefing`` tells it) to ``out`` in ``fmt``."""
    state = state or ViewState()
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (use one of: {', '.join(FORMATS)})")
    if fmt in DATA_FORMATS:
        return export_data(dataset, fmt, out, state, briefing)
    out = Path(out)
    protect = input_files(dataset, briefing)  # the events file, its documents and briefings
    check_target(out, protect)  # refused before minutes of rendering, not after
    if fmt == "html":
        from dashboard.exports.page import write_html

        return write_html(dataset, out, state, briefing, protect)
    if fmt in ("png", "svg", "pdf"):
        from dashboard.exports.static import write_static

        return write_static(dataset, fmt, out, state, briefing, protect)
    if fmt in ("gif", "mp4"):
        from dashboard.exports.animation import write_animation

        return write_animation(dataset, fmt, out, state, protect)
    from dashboard.exports.deck import write_pptx

    return write_pptx(dataset, out, state, briefing, protect)
