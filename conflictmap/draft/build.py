"""An article turned into a draft events file: one proposed event per sentence that reports something.

Pure: an :class:`~conflictmap.draft.article.Article` and a faction vocabulary
in, plain values out (``Draft.events_file()`` is what the YAML holds). Every
proposed event quotes its sentence verbatim from the article's own paragraph
(so the quote check of ``conflictmap validate`` passes by construction), has
``confidence: low``, an id starting ``draft-`` and a note starting
``DRAFT``; the file carries a ``draft:`` section, so nothing made here is
mistaken for curated data.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictmap.draft.actors import ActorVocabulary, unknown_forces
from conflictmap.draft.article import Article, Sentence
from conflictmap.draft.dates import find_dates, publication_date
from conflictmap.draft.places import PlaceMention, UnplacedName, find_places_and_unplaced, region_centre
from conflictmap.vocabulary import TYPE_LABELS
from geodata.normalize import fold

UNMAPPED_SIDE = "Unmapped (draft)"
UNMAPPED_COLOUR = "#999999"

_MODAL = r"(?:will|would|could|might|may|to|plans? to|aims? to|vowed to|seeks? to|bid to|in order to|threatens? to)"
# (type, sub_type or rule, verb pattern), most telling first.
RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "control-change",
        "capture",
        re.compile(
            r"\b(?:captured|seized|recaptured|retook|retaken|regained(?: control of)?|took (?:control|over)|"
            r"taken control|took|freed|liberated|overran|overrun|fell to|pushed [^.]{0,40}? from|drove out|"
            r"dislodged|captur(?:e|ing) of|recapture of|fall of)\b",
            re.I,
        ),
    ),
    (
        "explosion-remote-violence",
        "weapon",
        re.compile(
            r"\b(?:air ?strikes?|strikes?|struck|bombed|bombing|bombardment|shelled|shelling|drones?|"
            r"missiles?|rockets?|artillery|air raids?|raids?|suicide bomb\w*|car bombs?|IEDs?|landmines?|"
            r"explosions?)\b",
            re.I,
        ),
    ),
    (
        "battle",
        "armed-clash",
        re.compile(r"\b(?:clash(?:es|ed)?|fighting|battles?|fought|repelled|stormed|attacked|assault)\b", re.I),
    ),
    ("movement", "advance", re.compile(r"\b(?:advanc(?:ed|ing)|pushed|pushing|moved|moving|marched|entered)\b", re.I)),
    ("displacement", "civilian-displacement", re.compile(r"\b(?:fled|displaced|evacuated|forced to leave)\b", re.I)),
    ("violence-against-civilians", "attack", re.compile(r"\b(?:killed|killing|executed|massacred|abducted)\b", re.I)),
    ("statement", "accusation", re.compile(r"\baccus(?:ed|es|ing)\b", re.I)),
    ("statement", "warning", re.compile(r"\b(?:warned|threatened|vowed)\b", re.I)),
    ("statement", "claim", re.compile(r"\b(?:claimed|announced|denied|denies)\b", re.I)),
]
_AIR = re.compile(
    r"\b(?:air|airstrikes?|warplanes?|jets?|aircraft|drones?|F-16s?|helicopters?|strikes?|raids?)\b", re.I
)
_SHELL = re.compile(r"\b(?:shell\w*|artillery|rockets?|missiles?|mortars?)\b", re.I)
_GOVERNMENT = re.compile(r"\b(?:government|army|military|regime|troops|state)\b", re.I)
_TARGET_BEFORE = re.compile(r"\b(?:from|against|on|targeting|at)\s+(?:the\s+)?$", re.I)
_NEAR = re.compile(
    r"\b(?:near|outside|around|approaches to|outskirts of|(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of|"
    r"(?:north|south|east|west)\w*\s+(?:side|edge|part)\s+of)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$",
    re.I,
)
_DEST = re.compile(r"\b(?:towards?|into|on|to|reached|entered)\s+(?:the\s+)?(?:\w+\s+){0,4}$", re.I)


@dataclass
class Draft:
    article: Article
    document_id: str
    document_file: str
    factions: dict[str, dict]
    events: list[dict]
    mentions: list[PlaceMention]
    unknown_actors: dict[str, str] = field(default_factory=dict)  # phrase -> draft faction id

    def events_file(self) -> dict[str, Any]:
        article = self.article
        url = article.header.get("url", "")
        document: dict[str, Any] = {
            "file": self.document_file,
            "publisher": article.source or "Not stated in the article's header",
            "title": article.title or article.path.stem,
            "published": article.published,
            "url": url if re.match(r"^https?://\S+$", url) else None,
        }
        draft: dict[str, Any] = {
            "generated_by": "conflictmap draft",
            "article": self.document_id,
            "note": "Proposals for an analyst to check against the article: each event's type, actors, date and "
            "place. Nothing here is curated data.",
        }
        if article.dateline:
            draft["dateline"] = f"{article.dateline.text} (where the report was filed; not an event place)"
        if self.unknown_actors:
            draft["unknown_actors"] = [f"{phrase} -> {fid}" for phrase, fid in self.unknown_actors.items()]
        return {
            "format": "conflictmap/events@1",
            "title": f"DRAFT from {article.path.name}",
            "draft": draft,
            "documents": {self.document_id: document},
            "factions": self.factions,
            "events": self.events,
        }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "x"


def classify(sentence: str) -> tuple[str, str, re.Match[str]] | None:
    """The event type a sentence reports, from its verb; None when it reports nothing happening."""
    for kind, sub, pattern in RULES:
        for m in pattern.finditer(sentence):
            if re.search(rf"\b{_MODAL}\s+(?:\w+\s+)?$", sentence[: m.start()], re.I):
                continue  # "the offensive to retake Mosul", "will expand": not something that happened
            return kind, sub, m
    return None


def _sub_type(kind: str, sub: str, sentence: str, verb: re.Match[str], actor_text: str) -> str:
    if kind == "control-change":
        if _GOVERNMENT.search(actor_text):
            return "government-regains-territory"
        return "non-state-actor-overtakes-territory" if actor_text else "territory-captured"
    if kind == "explosion-remote-violence":
        if re.search(r"suicide", sentence, re.I):
            return "suicide-bomb"
        if re.search(r"\b(?:IEDs?|landmines?|roadside|car bombs?)\b", sentence, re.I):
            return "remote-explosive-landmine-ied"
        if _SHELL.search(sentence) and not re.search(r"\bair|warplanes?|jets?|drones?\b", sentence, re.I):
            return "shelling-artillery-missile-attack"
        return "air-drone-strike"
    return sub


def _place_values(mention: PlaceMention) -> dict[str, Any] | None:
    """The events file's place for a mention; regions keep their boundary, never a capital's point."""
    if mention.kind == "town" and mention.place_id:
        return {
            "name": mention.mention,
            "precision": "town",
            "country": mention.country or None,
            "gazetteer_id": mention.place_id.removeprefix("geonames:"),
        }
    if mention.kind in ("region", "area") and mention.place_id.startswith("cm:"):
        return {"name": mention.name or mention.mention, "precision": mention.kind, "gazetteer_id": mention.place_id}
    if mention.kind == "region":
        centre = region_centre(mention)
        if centre is None:
            return None
        lat, lon, radius = centre
        return {
            "name": f"{mention.name} ({mention.mention} as the article writes it)"
            if mention.name != mention.mention
            else mention.name,
            "precision": "region",
            "country": mention.country or None,
            "coordinates": {
                "lat": round(lat, 4),
                "lon": round(lon, 4),
                "radius_km": radius,
                "source": f"centre of the Natural Earth first-level boundary '{mention.name}' (the region, not its "
                "capital)",
            },
        }
    return None


def _object_name(text: str, start: int, end: int) -> tuple[int, str] | None:
    """The capitalised name right after a verb ("recaptured Bashiqa from"), with its offset, if any."""
    m = re.match(
        r"\s+(?:the\s+(?:town|city|village)\s+of\s+)?((?:[A-Z][\w'’-]+)(?:\s+(?:al-)?[A-Z][\w'’-]+){0,2})",
        text[start:end],
    )
    if m is None:
        return None
    return start + m.start(1), m.group(1)


def _clean(place: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if place is None else {k: v for k, v in place.items() if v is not None}


def actor_names(factions: dict[str, dict], article: Article) -> frozenset[str]:
    """Folded names of every actor the drafter knows for this article: the
    factions' names and aliases, and the forces the article names that no
    faction covers. Why: a name that is an actor ("Taliban", an alias such as
    "Daesh") is never a place, even when a village somewhere shares it."""
    vocabulary = ActorVocabulary(factions)
    names: set[str] = set()
    for fid, faction in factions.items():
        for name in [fid, faction.get("name") or "", *(faction.get("aliases") or [])]:
            names.add(fold(name))
    for sentence in article.sentences():
        for _start, _end, phrase in unknown_forces(sentence.text, vocabulary.find(sentence.text)):
            names.add(fold(phrase))
    return frozenset(n for n in names if n)


def draft_from_article(
    article: Article, factions: dict[str, dict], document_id: str = "article", document_file: str = ""
) -> Draft:
    """Propose events for ``article``, with actors from ``factions`` (an events file's factions)."""
    vocabulary = ActorVocabulary(factions)
    mentions, unplaced_names = find_places_and_unplaced(article, actor_names(factions, article))
    used: dict[str, dict] = {}
    unknown: dict[str, str] = {}
    events: list[dict] = []
    context_date: dt.date | None = None
    ids: set[str] = set()
    for sentence in article.sentences():
        dates = [d for d in find_dates(sentence.text, article.published, context_date) if not d.since]
        if dates:
            context_date = dates[0].first
        found = classify(sentence.text)
        if found is None:
            continue
        kind, sub, verb = found
        in_sentence = [
            m
            for m in mentions
            if m.paragraph == sentence.paragraph and sentence.start <= m.start < sentence.end and m.kind != "dateline"
        ]
        places = [m for m in in_sentence if m.kind in ("town", "region", "area")]
        verb_at = sentence.start + verb.start()
        destination = _destination(article, sentence, kind, places, verb_at)
        if kind == "movement" and destination is None:
            continue
        chosen = _event_place(sentence, verb, places, destination)
        text = article.text(sentence.paragraph)
        object_name = _object_name(text, verb_at + len(verb.group(0)), sentence.end)
        unplaced_object = (
            object_name is not None
            and not any(m.start <= object_name[0] < m.end for m in in_sentence)
            and not vocabulary.find(object_name[1])
        )
        if unplaced_object:
            chosen = None  # the verb's own place is not in the gazetteer: another place named later is not it
        place = _clean(_place_values(chosen)) if chosen else None
        if place and chosen is not None and _NEAR.search(text[max(0, chosen.start - 40) : chosen.start]):
            place["precision"] = "area"  # "north of Mosul", "near Mosul": around the town, not in it
        # A country alone is no place the offline geocoder can draw: the notes name it instead.
        countries = list(dict.fromkeys(m.mention for m in in_sentence if m.kind == "country"))
        actors, actor_text = _actors(sentence, verb, vocabulary, used, unknown, factions)
        date = dates[0].as_event_date() if dates else publication_date(article.published)
        where = chosen.mention if chosen else (place or {}).get("name")
        title = f"{TYPE_LABELS[kind]}" + (f" at {where}" if where else "") + f" (draft, paragraph {sentence.paragraph})"
        event_id = f"draft-p{sentence.paragraph}-{_slug(kind)}" + (f"-{_slug(where)}" if where else "")
        event_id = _unused_id(event_id, ids)
        event: dict[str, Any] = {
            "id": event_id,
            "title": title,
            "date": date,
            "type": kind,
            "sub_type": _sub_type(kind, sub, sentence.text, verb, actor_text),
            "actors": actors,
        }
        if place:
            event["place"] = place
        if destination is not None:
            dest = _clean(_place_values(destination))
            if dest:
                event["destination"] = dest
            elif kind == "movement":
                continue
        event["description"] = " ".join(sentence.text.split())
        event["sources"] = [{"document": document_id, "paragraph": sentence.paragraph, "quote": sentence.text}]
        event["confidence"] = "low"
        unplaced = _unplaced_in(sentence, places, unplaced_names)
        if unplaced_object and object_name and object_name[1] not in unplaced:
            unplaced.insert(0, object_name[1])
        event["notes"] = _draft_notes(verb, countries if place is None else [], unplaced)
        events.append(event)
    return Draft(article, document_id, document_file, used, events, mentions, unknown)


def _destination(
    article: Article, sentence: Sentence, kind: str, places: list[PlaceMention], verb_at: int
) -> PlaceMention | None:
    """Where a movement or displacement went: the first place after the verb with a "to"/"towards"
    word between them (the places before the verb are where it came from, or its subject)."""
    if kind not in ("movement", "displacement"):
        return None
    for m in places:
        if m.start > verb_at and _DEST.search(article.text(sentence.paragraph)[verb_at : m.start]):
            return m
    return None


def _event_place(
    sentence: Sentence, verb: re.Match[str], places: list[PlaceMention], destination: PlaceMention | None
) -> PlaceMention | None:
    """The place the event happened at: the first place after the verb (the verb's object), unless the
    sentence is passive with a place before the verb as its subject; else any place but the destination."""
    verb_at = sentence.start + verb.start()
    after = [m for m in places if m.start >= verb_at and m is not destination]
    before = [m for m in places if m.start < verb_at and m is not destination]
    if before and re.search(r"\b(?:was|were|been|is|are)\s+(?:\w+\s+)?$", sentence.text[: verb.start()]):
        after = before[:1]  # "Telkief, 20 km north of Mosul, was recaptured": the subject is the place
    others = after or [m for m in places if m is not destination]
    return others[0] if others else None


def _unused_id(event_id: str, ids: set[str]) -> str:
    """``event_id``, or it with the first free "-2", "-3"... suffix; recorded in ``ids`` as taken
    (ids must be unique in an events file)."""
    base, n = event_id, 2
    while event_id in ids:
        event_id, n = f"{base}-{n}", n + 1
    ids.add(event_id)
    return event_id


def _unplaced_in(sentence: Sentence, places: list[PlaceMention], unplaced_names: list[UnplacedName]) -> list[str]:
    """Names in the sentence the gazetteer could not place, so that the curator places them by hand."""
    unplaced = [m.mention for m in places if _place_values(m) is None]
    unplaced += [
        u.text for u in unplaced_names if u.paragraph == sentence.paragraph and sentence.start <= u.start < sentence.end
    ]
    return unplaced


def _draft_notes(verb: re.Match[str], countries: list[str], unplaced: list[str]) -> str:
    """The event's notes: that it is a draft (and from which verb), the countries named when no place
    could be drawn, and the places named but not placed: what the curator must check."""
    notes = [
        f"DRAFT: proposed by conflictmap draft from the verb {verb.group(0)!r}; check type, actors, date "
        "and place against the article."
    ]
    if countries:
        notes.append(f"Countries named: {', '.join(countries)}.")
    if unplaced:
        notes.append(f"Places named but not placed: {', '.join(dict.fromkeys(unplaced))}.")
    return " ".join(notes)


def _actors(
    sentence: Sentence,
    verb: re.Match[str],
    vocabulary: ActorVocabulary,
    used: dict[str, dict],
    unknown: dict[str, str],
    factions: dict[str, dict],
) -> tuple[list[dict], str]:
    """Actors of a sentence with their roles; factions the vocabulary lacks become draft factions."""
    text = sentence.text
    known = vocabulary.find(text)
    found: list[tuple[int, str, str]] = [(a.start, a.faction, a.text) for a in known]
    for start, _end, phrase in unknown_forces(text, known):
        fid = unknown.get(phrase)
        if fid is None:
            fid = f"unmapped-{_slug(phrase)}"
            unknown[phrase] = fid
        if fid not in used:
            used[fid] = {
                "name": phrase,
                "side": UNMAPPED_SIDE,
                "colour": UNMAPPED_COLOUR,
                "description": "Named in the article; not in the vocabulary: map it to a faction.",
            }
        found.append((start, fid, phrase))
    found.sort()
    passive = re.search(r"\b(?:was|were|been|being|is|are)\s+\w+ed\b", text[: verb.end() + 1]) is not None
    actors: list[dict] = []
    seen: set[str] = set()
    actor_text = ""
    for start, fid, phrase in found:
        if fid in seen:
            continue
        seen.add(fid)
        if fid in factions and fid not in used:
            used[fid] = factions[fid]
        before_verb = start < verb.start()
        after_by = re.search(r"\bby\s+(?:\w+\s+){0,2}$", text[:start]) is not None
        if (before_verb and not passive) or after_by or (verb.group(0).lower() == "fell to" and not before_verb):
            role = "actor"
            actor_text = actor_text or phrase
        elif _TARGET_BEFORE.search(text[:start]) or (before_verb and passive):
            role = "target"
        else:
            role = "affected" if not before_verb else "actor"
        actors.append({"faction": fid, "role": role})
    if not actors:
        fid = "unattributed"
        used.setdefault(
            fid,
            {
                "name": "Not attributed in the sentence",
                "side": UNMAPPED_SIDE,
                "colour": UNMAPPED_COLOUR,
                "description": "The sentence names no actor; the analyst attributes the event or drops it.",
            },
        )
        actors.append({"faction": fid, "role": "subject"})
    return actors, actor_text


def relative_file(article_path: Path, draft_path: Path) -> str:
    """The article's path as the draft's ``documents`` entry writes it: relative to the draft's folder."""
    return Path(os.path.relpath(article_path.resolve(), draft_path.resolve().parent)).as_posix()
