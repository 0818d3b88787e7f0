"""Flatten a validated events file into tables.

Everything downstream (geocoding, filtering, figures, exports) works on these
pandas tables, never on the YAML structure, so a future importer (ACLED's CSV,
a database) only has to produce the same columns. Actors and sources are kept
in long tables keyed by event id rather than as lists inside cells: that is
what filters and joins need at a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from conflictmap.controlstatements import empty_statements, statements_table
from conflictmap.events import EventsFile
from conflictmap.vocabulary import ACLED_LABEL, TYPE_LABELS

# Roles that make a faction "the one doing it", in order of preference.
PRIMARY_ROLES = ("actor", "claimant", "subject", "affected", "target")

EVENT_COLUMNS = [
    "id",
    "title",
    "type",
    "type_label",
    "sub_type",
    "acled_type",
    "date_start",
    "date_end",
    "date_precision",
    "date_basis",
    "confidence",
    "description",
    "notes",
    "primary_faction",
    "side",
    "factions",
    "place_name",
    "place_precision",
    "place_country",
    "place_gazetteer_id",
    "place_note",
    "place_lat",
    "place_lon",
    "place_radius_km",
    "place_coord_source",
    "dest_name",
    "dest_precision",
    "dest_country",
    "dest_gazetteer_id",
    "dest_note",
    "dest_lat",
    "dest_lon",
    "dest_radius_km",
    "dest_coord_source",
    "search_text",
    "source_line",
]


@dataclass(frozen=True)
class Dataset:
    """The tables one events file becomes. ``events`` is indexed by event id."""

    title: str
    events: pd.DataFrame
    actors: pd.DataFrame  # event_id, faction, role, event_row (position in events)
    sources: pd.DataFrame  # event_id, document, paragraph, quote, publisher, doc_title, published, url, file
    factions: pd.DataFrame  # index faction id: name, side, colour, aliases
    documents: pd.DataFrame  # index document id: publisher, title, published, url, file
    file: str = ""
    report: pd.DataFrame = field(default_factory=pd.DataFrame)  # geocoding problems, filled by geocode
    # Places the story names besides the events' own (the file's `places:`),
    # for the map to label; index place id, columns PLACE_COLUMNS (geocoded: + GEO columns).
    places: pd.DataFrame = field(default_factory=lambda: empty_places())
    # Explicit control statements (events' `control:` blocks, top-level assertions);
    # conflictmap.controlstatements.STATEMENT_COLUMNS (a store keeps them since its version 4).
    control: pd.DataFrame = field(default_factory=lambda: empty_statements())

    def with_events(self, events: pd.DataFrame, report: pd.DataFrame | None = None) -> Dataset:
        return replace(self, events=events, report=self.report if report is None else report)

    def with_places(self, places: pd.DataFrame) -> Dataset:
        return replace(self, places=places)

    def with_control(self, control: pd.DataFrame) -> Dataset:
        return replace(self, control=control)


PLACE_COLUMNS = [
    "id",
    "name",
    "precision",
    "country",
    "gazetteer_id",
    "lat",
    "lon",
    "radius_km",
    "coord_source",
    "note",
    "document",
    "paragraph",
    "quote",
    "line",
]


def empty_places() -> pd.DataFrame:
    places = pd.DataFrame(columns=PLACE_COLUMNS)
    places.index.name = None
    return places


def places_table(ef: EventsFile) -> pd.DataFrame:
    """One row per story place; the first source is the quote shown beside its label."""
    rows = []
    for pid, place in ef.places.items():
        coords = place.get("coordinates") or {}
        first = place["sources"][0]
        rows.append(
            {
                "id": pid,
                "name": place["name"],
                "precision": place["precision"],
                "country": place["country"],
                "gazetteer_id": place["gazetteer_id"],
                "lat": coords.get("lat"),
                "lon": coords.get("lon"),
                "radius_km": coords.get("radius_km"),
                "coord_source": coords.get("source"),
                "note": place["note"],
                "document": first["document"],
                "paragraph": first["paragraph"],
                "quote": first["quote"],
                "line": ef.place_lines.get(pid),
            }
        )
    if not rows:
        return empty_places()
    places = pd.DataFrame(rows, columns=PLACE_COLUMNS).set_index("id", drop=False)
    places.index.name = None
    return places


def dataset_from_events_file(ef: EventsFile) -> Dataset:
    factions = pd.DataFrame.from_dict(
        {
            fid: {"name": f["name"], "side": f["side"], "colour": f["colour"], "aliases": "|".join(f["aliases"])}
            for fid, f in ef.factions.items()
        },
        orient="index",
    )
    factions.index.name = "faction"
    documents = pd.DataFrame.from_dict(
        {
            did: {
                "publisher": d["publisher"],
                "title": d["title"],
                "published": d["published"],
                "url": d["url"],
                "file": d["file"],
            }
            for did, d in ef.documents.items()
        },
        orient="index",
    )
    documents.index.name = "document"

    rows, actor_rows, source_rows = [], [], []
    for event in ef.events:
        eid = event["id"]
        actor_rows += [{"event_id": eid, "faction": a["faction"], "role": a["role"]} for a in event["actors"]]
        for s in event["sources"]:
            doc = ef.documents[s["document"]]
            source_rows.append(
                {
                    "event_id": eid,
                    "document": s["document"],
                    "paragraph": s["paragraph"],
                    "quote": s["quote"],
                    "note": s["note"],
                    "publisher": doc["publisher"],
                    "doc_title": doc["title"],
                    "published": doc["published"],
                    "url": doc["url"],
                    "file": doc["file"],
                }
            )
        primary = _primary_faction(event["actors"])
        row = {
            "id": eid,
            "title": event["title"],
            "type": event["type"],
            "type_label": TYPE_LABELS[event["type"]],
            "sub_type": event["sub_type"],
            "acled_type": ACLED_LABEL.get((event["type"], event["sub_type"])),
            "date_start": event["date"]["start"],
            "date_end": event["date"]["end"],
            "date_precision": event["date"]["precision"],
            "date_basis": event["date"]["basis"],
            "confidence": event["confidence"],
            "description": event["description"],
            "notes": event["notes"],
            "primary_faction": primary,
            "side": ef.factions[primary]["side"] if primary else None,
            "factions": "|".join(dict.fromkeys(a["faction"] for a in event["actors"])),
            "search_text": " ".join(
                [event["title"], event["description"]] + [s["quote"] for s in event["sources"]]
            ).casefold(),
            "source_line": ef.lines.get(eid),
        }
        row.update(_place_columns("place", event["place"]))
        row.update(_place_columns("dest", event["destination"]))
        rows.append(row)

    events = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    for col in ("date_start", "date_end"):
        events[col] = pd.to_datetime(events[col])
    events = events.set_index("id", drop=False)
    events.index.name = None
    actors = with_event_rows(pd.DataFrame(actor_rows, columns=["event_id", "faction", "role"]), events)
    sources = pd.DataFrame(
        source_rows,
        columns=[
            "event_id",
            "document",
            "paragraph",
            "quote",
            "note",
            "publisher",
            "doc_title",
            "published",
            "url",
            "file",
        ],
    )
    return Dataset(
        ef.title,
        events,
        actors,
        sources,
        factions,
        documents,
        file=str(ef.path),
        places=places_table(ef),
        control=statements_table(ef),
    )


def with_event_rows(actors: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Add each actor row's integer position in ``events``.

    Filters then mark rows with a numpy index instead of matching string ids
    (string ``isin`` costs ~0.7 s at 100k rows; positions cost milliseconds).
    """
    actors = actors.copy()
    actors["event_row"] = events.index.get_indexer(pd.Index(actors["event_id"]))
    return actors


def _primary_faction(actors: list[dict]) -> str | None:
    for role in PRIMARY_ROLES:
        for a in actors:
            if a["role"] == role:
                return a["faction"]
    return None


def _place_columns(prefix: str, place: dict | None) -> dict:
    place = place or {}
    coords = place.get("coordinates") or {}
    return {
        f"{prefix}_name": place.get("name"),
        f"{prefix}_precision": place.get("precision"),
        f"{prefix}_country": place.get("country"),
        f"{prefix}_gazetteer_id": place.get("gazetteer_id"),
        f"{prefix}_note": place.get("note"),
        f"{prefix}_lat": coords.get("lat"),
        f"{prefix}_lon": coords.get("lon"),
        f"{prefix}_radius_km": coords.get("radius_km"),
        f"{prefix}_coord_source": coords.get("source"),
    }
