"""Briefings: an ordered story told with the events of one events file.

A briefing file (``briefings/NAME.yaml``) holds no facts of its own: each step
names event ids, a date window and the factions to show, so the events file
stays the single source of truth and every step keeps its sources. The step
text is Markdown, rendered by the app with raw HTML disabled.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from conflictmap.errors import EventsFileError
from conflictmap.events import _Checker
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from conflictmap.yamlsource import load_yaml


@dataclass(frozen=True)
class MapView:
    """Where the map looks: fit to the step's events, or a centre and zoom (1 = region, larger = closer)."""

    fit: bool = True
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None


@dataclass(frozen=True)
class BriefingStep:
    heading: str
    text: str
    events: tuple[str, ...]
    date_from: dt.date | None
    date_to: dt.date | None
    factions: tuple[str, ...]
    view: MapView
    line: int

    def view_state(self, event: str | None = None) -> ViewState:
        """The filters this step shows: its window and factions; its first featured event selected."""
        return ViewState(
            factions=self.factions,
            date_from=self.date_from,
            date_to=self.date_to,
            event=event if event is not None else (self.events[0] if self.events else None),
        )


@dataclass(frozen=True)
class Briefing:
    name: str
    title: str
    steps: tuple[BriefingStep, ...]
    path: Path
    summary: str = ""


def briefing_path(name: str, events_path: Path | str) -> Path:
    """``briefings/NAME.yaml`` beside the events file; NAME may also be a path."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise EventsFileError([_problem(name, "not a briefing name (letters, digits, - and _)")])
    return Path(events_path).resolve().parent / "briefings" / f"{name}.yaml"


def briefing_files(events_path: Path | str) -> list[Path]:
    """The briefing files beside an events file (``briefings/*.yaml`` and ``*.yml``), by name."""
    folder = Path(events_path).resolve().parent / "briefings"
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()), key=lambda p: p.name)


def is_briefing_file(path: Path | str) -> bool:
    path = Path(path)
    return path.parent.name == "briefings"


def load_briefing(path: Path | str, dataset: Dataset) -> Briefing:
    """Read and check a briefing against the dataset it tells; EventsFileError lists every problem."""
    path = Path(path)
    doc = load_yaml(path)
    c = _Checker(doc)
    root = c.mapping(doc.data, (), required=("title", "steps"), optional=("format", "summary"))
    if root is None:
        raise EventsFileError(c.problems)
    if root.get("format") not in (None, "conflictmap/briefing@1"):
        c.add(("format",), f"unsupported format {root.get('format')!r} (this version reads conflictmap/briefing@1)")
    title = c.text(root.get("title"), ("title",))
    summary = c.text(root.get("summary"), ("summary",), required=False)
    steps = []
    raw_steps = root.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        if raw_steps is not None:
            c.add(("steps",), "must be a non-empty list of steps")
        raw_steps = []
    for i, entry in enumerate(raw_steps):
        p = ("steps", i)
        m = c.mapping(entry, p, required=("heading", "text"), optional=("events", "from", "to", "factions", "view"))
        if m is None:
            continue
        events = _id_list(c, m.get("events"), p + ("events",), set(dataset.events.index), "event")
        factions = _id_list(c, m.get("factions"), p + ("factions",), set(dataset.factions.index), "faction")
        date_from, date_to = c.date(m.get("from"), p + ("from",)), c.date(m.get("to"), p + ("to",))
        if date_from and date_to and date_from > date_to:
            c.add(p + ("to",), f"'to' {date_to} is before 'from' {date_from}")
        steps.append(
            BriefingStep(
                heading=c.text(m.get("heading"), p + ("heading",)) or "",
                text=c.text(m.get("text"), p + ("text",)) or "",
                events=events,
                date_from=date_from,
                date_to=date_to,
                factions=factions,
                view=_view(c, m.get("view"), p + ("view",)),
                line=doc.line(p),
            )
        )
    if c.problems:
        raise EventsFileError(c.problems)
    return Briefing(name=path.stem, title=title or path.stem, steps=tuple(steps), path=path, summary=summary or "")


def _id_list(c: _Checker, value, path, known: set[str], label: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.add(path, f"must be a list of {label} ids")
        return ()
    for k, v in enumerate(value):
        if v not in known:
            c.add(path + (k,), f"unknown {label} id {v!r}")
    return tuple(v for v in value if v in known)


def _view(c: _Checker, value, path) -> MapView:
    if value is None or value == "fit":
        return MapView()
    m = c.mapping(value, path, required=("lat", "lon", "zoom"))
    if m is None:
        return MapView()
    return MapView(
        fit=False,
        lat=c.number(m.get("lat"), path + ("lat",), -90, 90),
        lon=c.number(m.get("lon"), path + ("lon",), -180, 180),
        zoom=c.number(m.get("zoom"), path + ("zoom",), 0.5, 200),
    )


def _problem(name, message):
    from conflictmap.errors import Problem

    return Problem(str(name), 0, "", message)
