"""An export asked for by name: a format, an output and the app's filters, checked before any work.

The filters are composed into the app's URL query string and read by
``parse_view_state``, so an export shows exactly what the same link shows in
the app. Values the dataset does not know are an error here, not a notice: the
caller asked for them explicitly. So is an option the format would silently
ignore. The rules live here, beside the formats they are about; the command
line (``conflictmap_cli.export_command``) only reads the options into an
:class:`ExportRequest` and calls :func:`run_export`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from conflictmap.errors import ConflictmapError
from conflictmap.table import Dataset
from conflictmap.view import MAX_NOTICES, ViewNotice, ViewState

#: Formats that tell a briefing (its steps, or its title for TimelineJS).
BRIEFING_FORMATS = ("html", "png", "pdf", "svg", "pptx", "timelinejs")
#: With a briefing these show each step's own filters, so the view options do not apply.
STEP_VIEW_FORMATS = ("png", "pdf", "svg", "pptx")
#: Formats that draw the timeline, where lanes mean something.
DRAWN_FORMATS = ("html", "png", "pdf", "svg", "gif", "mp4", "pptx")
#: Formats that show progress bars (rendered in headless Chromium).
RENDERED_FORMATS = ("png", "pdf", "svg", "gif", "mp4", "pptx")

#: (ExportRequest attribute, the option that sets it), for messages naming what the user typed.
FILTER_OPTIONS = (
    ("faction", "--faction"),
    ("side", "--side"),
    ("type", "--type"),
    ("date_from", "--from"),
    ("date_to", "--to"),
    ("q", "--q"),
)

#: How an unknown value of each link parameter is named in a message.
PARAMETER_LABELS = {"faction": "faction", "side": "side", "type": "event type", "event": "event"}


class ExportRequestError(ConflictmapError):
    """An option that does not apply to the chosen format, or a value the dataset does not know.

    ``problems`` holds one message per problem; nothing has been written.
    """

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the command's options, as values."""

    events: Path
    format: str
    output: Path
    briefing: str | None = None
    faction: str | None = None  # comma-separated ids, as in the link
    side: Sequence[str] | None = None  # each side on its own (a side's name may hold a comma)
    type: str | None = None  # comma-separated types
    date_from: str | None = None
    date_to: str | None = None
    q: str | None = None
    lanes: str | None = None
    progress: bool | None = None  # None: progress bars only when stderr is a terminal

    @property
    def rendered(self) -> bool:
        return self.format in RENDERED_FORMATS


def query_string(request) -> str:
    """The app's URL query for these options (each list item quoted on its own, as the app writes it).

    ``request`` is an :class:`ExportRequest` or anything with its filter attributes.
    """
    params: list[tuple[str, str]] = []
    if request.faction:
        params.append(("faction", request.faction))
    if getattr(request, "side", None):
        params.append(("side", ",".join(quote(s.strip(), safe="") for s in request.side)))
    if request.type:
        params.append(("type", request.type))
    if request.date_from:
        params.append(("from", quote(request.date_from, safe="")))
    if request.date_to:
        params.append(("to", quote(request.date_to, safe="")))
    if request.q:
        params.append(("q", quote(request.q, safe="")))
    if getattr(request, "lanes", None):
        params.append(("lanes", request.lanes))
    return "&".join(f"{k}={v}" for k, v in params)


def check_options(request: ExportRequest) -> None:
    """Refuse options that ``request.format`` would silently ignore."""
    fmt = request.format
    if request.briefing and fmt not in BRIEFING_FORMATS:
        raise ExportRequestError([f"--briefing does not apply to {fmt} (it applies to {', '.join(BRIEFING_FORMATS)})"])
    if request.lanes and fmt not in DRAWN_FORMATS:
        raise ExportRequestError([f"--lanes does not apply to {fmt}: it draws no timeline"])
    if request.briefing and fmt in STEP_VIEW_FORMATS:
        given = [flag for attribute, flag in FILTER_OPTIONS if getattr(request, attribute, None)]
        if request.lanes:
            given.append("--lanes")
        if given:
            raise ExportRequestError(
                [f"{', '.join(given)} cannot be combined with --briefing for {fmt}: each step shows its own view"]
            )


def resolve_briefing(name: str, events: Path) -> Path:
    """The briefing file for NAME; an unknown name lists the briefings that exist."""
    from conflictmap.briefing import briefing_files, briefing_path

    path = briefing_path(name, events)
    if path.exists():
        return path
    known = [p.stem for p in briefing_files(events)]
    where = Path(events).resolve().parent / "briefings"
    listing = f"known: {', '.join(known)}" if known else f"there are none in {where}"
    raise ExportRequestError([f"no briefing {name!r} beside {events} ({listing})"])


def _problem(notice: ViewNotice, dataset: Dataset) -> str:
    """A view notice worded for a caller that asked for exactly these values."""
    from conflictmap.view import drawable_dates

    if notice.kind == "unknown" and notice.parameter in PARAMETER_LABELS:
        problem = f"unknown {PARAMETER_LABELS[notice.parameter]} '{notice.value}'"
        known = {"faction": sorted(dataset.factions.index), "side": sorted(set(dataset.factions["side"]))}
        if notice.parameter in known:
            problem += f" (known: {', '.join(known[notice.parameter])})"
        return problem
    if notice.kind == "unknown" and notice.parameter == "lanes":
        return f"lanes '{notice.value}' (use faction or side)"
    if notice.kind == "unknown" and notice.parameter == "step":
        return f"step '{notice.value}' (steps are numbered from 1)"
    if notice.kind == "not-a-date":
        return f"'{notice.parameter}={notice.value}': not a date (YYYY-MM-DD)"
    if notice.kind == "moved":
        earliest, latest = drawable_dates(dataset)
        return (
            f"Moved '{notice.parameter}' from {notice.value} to {notice.detail}: "
            f"the timeline shows {earliest.isoformat()} to {latest.isoformat()}"
        )
    if notice.kind == "swapped":
        return f"Swapped the dates: 'from' {notice.value} was after 'to' {notice.detail}"
    if notice.kind == "cut":
        return f"the link beyond its first {int(notice.value):,} characters"
    if notice.kind == "too-many":
        from conflictmap.view import MAX_VALUES_PER_PARAMETER

        return f"{int(notice.value):,} more '{notice.parameter}' values (at most {MAX_VALUES_PER_PARAMETER} are read)"
    return notice.text  # a kind added to the view later: its own sentence, rather than nothing


def requested_view(request: ExportRequest, dataset: Dataset) -> ViewState:
    """The view the request's filters show; any value the link would ignore is an :class:`ExportRequestError`."""
    from conflictmap.view import parse_view_state

    state = parse_view_state(query_string(request), dataset)
    if state.ignored:
        problems = [_problem(n, dataset) for n in state.ignored[:MAX_NOTICES]]
        if len(state.ignored) > MAX_NOTICES:
            problems.append(f"… and {len(state.ignored) - MAX_NOTICES:,} more ignored")
        raise ExportRequestError(problems)
    return state


def run_export(request: ExportRequest) -> list[Path]:
    """Check the request, read the events, write the export; the files written.

    Raises :class:`ExportRequestError` before anything is read or written for an
    option the format would ignore or an unknown briefing, and before anything is
    written for a value the dataset does not know.
    """
    from conflictmap import progress
    from conflictmap.briefing import load_briefing
    from conflictmap.pipeline import load_dataset
    from dashboard.exports import export

    check_options(request)
    briefing_file = resolve_briefing(request.briefing, request.events) if request.briefing else None
    if request.rendered:
        from dashboard.exports.browser import start_browser, stop_browser

        start_browser()  # Chromium starts while the events file is read (and fails now if missing)
    try:
        with progress.reporting(progress.should_show(request.progress) and request.rendered):
            with progress.task(f"Reading {request.events.name}"):
                dataset = load_dataset(request.events)
            state = requested_view(request, dataset)
            briefing = load_briefing(briefing_file, dataset) if briefing_file else None
            return export(dataset, request.format, request.output, state, briefing)
    finally:
        if request.rendered:
            stop_browser()
