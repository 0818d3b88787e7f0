"""The data exports: the view as files for spreadsheets, GIS and timelines, with no Dash or plotly.

``export(dataset, fmt, out, state, briefing)`` writes one of :data:`DATA_FORMATS`
and returns the files written; the CLI, the benchmarks and the app's
downloads (``dashboard.exports``, which adds the formats drawn with plotly or
Chromium) all call it. Every write is atomic and refuses to overwrite the
events file, its documents and briefings; every file credits the article and
GeoNames.

=========== ============================================================
csv         the events table with its source quotes
geojson     RFC 7946 FeatureCollection of placed events
kml         KML 2.2 placemarks with TimeStamp/TimeSpan
timelinejs  TimelineJS3 JSON
=========== ============================================================
"""

from __future__ import annotations

from pathlib import Path

from conflictmap.briefing import Briefing
from conflictmap.exports.errors import ExportError
from conflictmap.output import check_target, input_files
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from conflictmap.vocabulary import DATA_FORMATS

__all__ = ["DATA_FORMATS", "ExportError", "export"]


def export(
    dataset: Dataset, fmt: str, out: Path, state: ViewState | None = None, briefing: Briefing | None = None
) -> list[Path]:
    """Write the events ``state`` shows to ``out`` in ``fmt`` (a briefing only titles the TimelineJS file)."""
    state = state or ViewState()
    fmt = fmt.lower().lstrip(".")
    if fmt not in DATA_FORMATS:
        raise ExportError(f"unknown data export format {fmt!r} (use one of: {', '.join(DATA_FORMATS)})")
    out = Path(out)
    protect = input_files(dataset, briefing)  # the events file, its documents and briefings
    check_target(out, protect)
    from conflictmap.exports.common import visible_events

    visible = visible_events(dataset, state)
    if fmt == "csv":
        from conflictmap.exports.tables import write_csv

        return write_csv(dataset, visible, out, protect)
    if fmt == "geojson":
        from conflictmap.exports.tables import write_geojson

        return write_geojson(dataset, visible, out, protect)
    if fmt == "kml":
        from conflictmap.exports.kml import write_kml

        return write_kml(dataset, visible, out, protect)
    from conflictmap.exports.timelinejs import write_timelinejs

    return write_timelinejs(dataset, visible, out, protect, title=briefing.title if briefing else None)
