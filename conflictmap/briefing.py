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
from conflictmap.schema import BriefingModel, MapCentre, References
from conflictmap.table import Dataset
from conflictmap.validation import validate_model
from conflictmap.view import ViewState
from conflictmap.yamlsource import load_yaml


@dataclass(frozen=True)
class MapView:
    """Where the map looks: fit to the step's events, or a centre and a web-map zoom level (5 a country, 10 a town)."""

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


_DECLARES_BRIEFING = re.compile(r"^(?:format:\s*[\"']?conflictmap/briefing@|steps\s*:)", re.M)


def is_briefing_file(path: Path | str) -> bool:
    """A file in a ``briefings/`` folder, or one that says it is a briefing (its format, or top-level steps).

    ``conflictmap validate story.yaml --events events.yaml`` then checks a
    briefing kept anywhere; only the first 64 KB are looked at.
    """
    path = Path(path)
    if path.parent.name == "briefings":
        return True
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(_DECLARES_BRIEFING.search(head))


def load_briefing(path: Path | str, dataset: Dataset) -> Briefing:
    """Read and check a briefing against the dataset it tells; EventsFileError lists every problem."""
    path = Path(path)
    doc = load_yaml(path)
    references = References(
        events=frozenset(str(i) for i in dataset.events.index),
        factions=frozenset(str(f) for f in dataset.factions.index),
    )
    model, problems = validate_model(BriefingModel, doc, references)
    problems = list(doc.problems) + problems
    if problems or model is None:
        raise EventsFileError(problems)
    steps = tuple(
        BriefingStep(
            heading=step.heading,
            text=step.text,
            events=tuple(step.events),
            date_from=step.date_from,
            date_to=step.date_to,
            factions=tuple(step.factions),
            view=_view(step.view),
            line=doc.line(("steps", i)),
        )
        for i, step in enumerate(model.steps)
    )
    return Briefing(name=path.stem, title=model.title, steps=steps, path=path, summary=model.summary or "")


def _view(view: MapCentre | str | None) -> MapView:
    if isinstance(view, MapCentre):
        return MapView(fit=False, lat=view.lat, lon=view.lon, zoom=view.zoom)
    return MapView()


def _problem(name, message):
    from conflictmap.errors import Problem

    return Problem(str(name), 0, "", message)
