"""Load and validate an events file into a checked model.

Validation collects every problem with its line instead of stopping at the
first, and checks what a careful analyst relies on: ids unique, factions
known, dates real and ordered, coordinates on the globe, and every quoted
source sentence actually present in the cited document and paragraph. What
the file may contain is defined once, by the models in
:mod:`conflictmap.schema` (which also give the published JSON Schema); this
module reads the source documents the rules need and turns a valid model
into the plain values the table is built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictmap.collector import paused_gc
from conflictmap.errors import EventsFileError, Problem
from conflictmap.schema import EventsFileModel, Place, References, Source
from conflictmap.seeds import SourceDocument, load_source_document
from conflictmap.validation import bidi_warnings, validate_model
from conflictmap.yamlsource import YamlDocument, dotted, load_yaml


@dataclass
class EventsFile:
    """A validated events file: plain values, ready to become a table."""

    path: Path
    title: str
    documents: dict[str, dict[str, Any]]
    factions: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]
    lines: dict[str, int] = field(default_factory=dict)  # event id -> line
    places: dict[str, dict[str, Any]] = field(default_factory=dict)  # story places, by id
    place_lines: dict[str, int] = field(default_factory=dict)  # place id -> line
    warnings: list[Problem] = field(default_factory=list)  # worth a look, not wrong (validate prints them)
    # Sourced "FACTION held PLACE on DATE" statements (the file's top-level `control:`).
    control: list[dict[str, Any]] = field(default_factory=list)
    control_lines: dict[str, int] = field(default_factory=dict)  # assertion id -> line


def load_events(path: Path | str) -> EventsFile:
    """Read and validate ``path``; raise EventsFileError listing every problem."""
    path = Path(path)
    doc = load_yaml(path)
    return validate(doc, path.parent)


def validate(doc: YamlDocument, base_dir: Path) -> EventsFile:
    """Check the values of an events file; raise EventsFileError listing every problem."""
    problems: list[Problem] = list(doc.problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    documents = _read_documents(data.get("documents"), base_dir, doc, problems)
    factions = data.get("factions")
    references = References(
        factions=frozenset(k for k in factions if isinstance(k, str)) if isinstance(factions, dict) else None,
        documents=documents,
        gazetteer_has=_gazetteer_has,
    )
    model, found = validate_model(EventsFileModel, doc, references)
    problems += found
    problems += _duplicate_event_ids(doc)
    if problems or model is None:
        raise EventsFileError(problems)
    with paused_gc():  # a large tree of new plain values, as in reading
        events_file = _events_file(model, doc)
    events_file.warnings = bidi_warnings(doc)
    return events_file


def _events_file(model: EventsFileModel, doc: YamlDocument) -> EventsFile:
    return EventsFile(
        path=Path(doc.file),
        title=model.title or Path(doc.file).stem,
        documents={key: d.model_dump() for key, d in model.documents.items()},
        factions={key: f.model_dump() for key, f in model.factions.items()},
        events=[_event_values(e) for e in model.events],
        lines={e.id: doc.line(("events", i)) for i, e in enumerate(model.events)},
        places={
            key: _known_place_values(p) | {"sources": _sources_values(p.sources)} for key, p in model.places.items()
        },
        place_lines={key: doc.line(("places", key)) for key in model.places},
        control=[_assertion_values(a) for a in model.control],
        control_lines={a.id: doc.line(("control", i)) for i, a in enumerate(model.control)},
    )


def _read_documents(value: Any, base_dir: Path, doc: YamlDocument, problems: list[Problem]) -> dict | None:
    """Each cited document's text (None where it cannot be read), so quotes can be checked."""
    if not isinstance(value, dict):
        return None
    out: dict[str, SourceDocument | None] = {}
    for key, entry in value.items():
        out[str(key)] = None
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(file, str) or not file.strip():
            continue  # the model reports a missing or malformed file
        try:
            out[str(key)] = load_source_document(base_dir / file.strip())
        except EventsFileError as exc:
            path = ("documents", key, "file")
            problems.append(
                Problem(
                    doc.file,
                    doc.line(path),
                    dotted(path),
                    f"cannot read source document {file.strip()}: {exc.problems[0].message}",
                )
            )
    return out


def _duplicate_event_ids(doc: YamlDocument) -> list[Problem]:
    """Event ids and control assertion ids are one namespace: both are cited as evidence."""
    data = doc.data if isinstance(doc.data, dict) else {}
    entries = [
        (section, i, entry)
        for section in ("events", "control")
        if isinstance(data.get(section), list)
        for i, entry in enumerate(data[section])
    ]
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for section, i, event in entries:
        event_id = event.get("id") if isinstance(event, dict) else None
        if not isinstance(event_id, str):
            continue
        path = (section, i, "id")
        if event_id in first:
            problems.append(
                Problem(
                    doc.file,
                    doc.line(path),
                    dotted(path),
                    f"duplicate id {event_id!r} (first used on line {first[event_id]})",
                )
            )
        else:
            first[event_id] = doc.line(path)
    return problems


def _gazetteer_has(gazetteer_id: str) -> bool:
    """Whether a pinned id exists; the gazetteer is loaded only when a file pins one."""
    from geodata.gazetteer import default_gazetteer

    return default_gazetteer().by_id(gazetteer_id) is not None


def _event_values(event) -> dict[str, Any]:
    start, end = event.date.span()
    return {
        "id": event.id,
        "title": event.title,
        "date": {"start": start, "end": end, "precision": event.date.precision, "basis": event.date.basis},
        "type": event.type,
        "sub_type": event.sub_type,
        "actors": [{"faction": a.faction, "role": a.role, "note": a.note} for a in event.actors],
        "place": _place_values(event.place),
        "destination": _place_values(event.destination),
        "description": event.description,
        "sources": _sources_values(event.sources),
        "confidence": event.confidence,
        "notes": event.notes,
        "control": None
        if event.control is None
        else {
            "result": event.control.result,
            "holder": event.control.holder,
            "sources": _sources_values(event.control.sources),
            "note": event.control.note,
        },
    }


def _assertion_values(assertion) -> dict[str, Any]:
    start, end = assertion.date.span()
    return {
        "id": assertion.id,
        "faction": assertion.faction,
        "place": _place_values(assertion.place),
        "date": {"start": start, "end": end, "precision": assertion.date.precision, "basis": assertion.date.basis},
        "sources": _sources_values(assertion.sources),
        "note": assertion.note,
    }


def _place_values(place: Place | None) -> dict[str, Any] | None:
    return None if place is None else _known_place_values(place)


def _known_place_values(place: Place) -> dict[str, Any]:
    coords = place.coordinates
    return {
        "name": place.name,
        "precision": place.precision,
        "country": place.country,
        "gazetteer_id": place.gazetteer_id,
        "coordinates": None
        if coords is None
        else {
            "lat": float(coords.lat),
            "lon": float(coords.lon),
            "radius_km": coords.radius_km,
            "source": coords.source,
        },
        "note": place.note,
    }


def _sources_values(sources: list[Source]) -> list[dict[str, Any]]:
    return [{"document": s.document, "paragraph": s.paragraph, "quote": s.quote, "note": s.note} for s in sources]


__all__ = ["EventsFile", "load_events", "validate"]
