"""The events file and the briefing file, defined once.

These pydantic models are the only definition of both formats. The same
classes validate a file (``model_validate`` on the values read from YAML) and
produce the JSON Schema (draft 2020-12) that editors use through a
``# yaml-language-server: $schema=...`` line; ``schema/*.schema.json`` are
generated from them and a test keeps the committed copies equal.

Why pydantic rather than a hand-written schema dict checked by jsonschema:

- pydantic is already installed with Dash, and its Rust core validates a large
  file in a fraction of a second where a pure-Python JSON Schema walk takes
  tens of seconds (the curated YAML must stay usable at ACLED sizes);
- every error comes back at once, each with its location (a path into the
  data, which the YAML reader maps to a line) and a machine-readable kind, so
  one run can list every problem in the project's own words;
- rules that need more than one field, or the file's other sections (a date's
  end before its start, a faction id that must exist, a quote that must stand
  in the cited paragraph), are validators on the model that owns them, with
  the document texts and known ids passed in as validation context; the rules
  JSON Schema can express as well (either ``day`` or ``start``/``end``,
  sub-types by type, a movement's destination) are added to the generated
  schema from the same vocabulary constants, so editors check them too.

Strict mode: YAML already gives numbers, dates and booleans their types, so a
number where text belongs (``title: 1984``) is an error, never silently
converted; dates accept a YAML date or an ISO ``YYYY-MM-DD`` string.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    JsonValue,
    StringConstraints,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from conflictmap.vocabulary import (
    CONFIDENCES,
    DATE_PRECISIONS,
    EVENT_TYPES,
    ONE_DAY_PRECISIONS,
    PLACE_PRECISIONS,
    ROLES,
    TYPES_NEEDING_DESTINATION,
    TYPES_WITH_DESTINATION,
)

EVENTS_FORMAT = "conflictmap/events@1"
BRIEFING_FORMAT = "conflictmap/briefing@1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# ---------------------------------------------------------------------------
# Constrained values. Each pattern is written once and used by the validator
# (pydantic) and by editors (the schema's "pattern"); its message is how the
# validator says what is wrong.

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
URL_PATTERN = r"^https?://[^\s\x00-\x1f\x7f-\x9f]+$"
NON_BLANK_PATTERN = r"\S"
GAZETTEER_ID_PATTERN = r"^(geonames:)?[0-9]+$|^cm:[a-z0-9][a-z0-9-]*$"
# Control characters (C0 but tab and newline, DEL, C1): YAML escapes such as
# "\0", "\x07" or "\e" put them in text, and they break KML, images and terminals.
CONTROL_CHARACTER_PATTERN = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_CHARACTER_PATTERN)

PATTERN_MESSAGES: dict[str, str] = {
    ID_PATTERN: "{value!r} is not an id (lower-case letters, digits and hyphens, starting with a letter or digit)",
    COLOUR_PATTERN: "{value!r} is not a colour like '#0072B2' (six hex digits after '#')",
    COUNTRY_PATTERN: "{value!r} is not an ISO 3166 two-letter country code like 'SY'",
    URL_PATTERN: "{value!r} is not an http(s) address (or write null)",
    NON_BLANK_PATTERN: "must be non-empty text",
    GAZETTEER_ID_PATTERN: "{value!r} is not a gazetteer id (a GeoNames id like '172955' or a supplement id like "
    "'cm:mahkan')",
}


class _NoControlCharacters:
    """Refuse control characters in text; editors get the same rule as ``not: {pattern}``."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_refuse_control_characters, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        out = dict(handler(schema))
        out["not"] = {"pattern": CONTROL_CHARACTER_PATTERN}
        return out


def _refuse_control_characters(value: str) -> str:
    bad = _CONTROL.search(value)
    if bad:
        code = ord(bad.group())
        raise PydanticCustomError(
            "control_character",
            "{message}",
            {
                "message": f"contains control character U+{code:04X} at position {bad.start() + 1} "
                "(from a YAML escape such as \\0, \\a, \\e or \\x..); remove it: "
                "only tab and newline are allowed in text"
            },
        )
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, pattern=NON_BLANK_PATTERN), _NoControlCharacters()]
# A note may be empty; it is still text a person reads, so no control characters.
Note = Annotated[str, StringConstraints(strip_whitespace=True), _NoControlCharacters()]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN)]
Country = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN)]


def _date_from_yaml(value: Any) -> dt.date:
    """A YAML date, or an ISO date written as text; anything else is an error in the file's words."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("date", "{message}", {"message": f"{value!r} is not a date (write YYYY-MM-DD)"})


Date = Annotated[dt.date, BeforeValidator(_date_from_yaml)]


def _gazetteer_id_text(value: Any) -> Any:
    """GeoNames ids are numbers and are often written unquoted: keep them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


GazetteerId = Annotated[
    str,
    StringConstraints(pattern=GAZETTEER_ID_PATTERN),
    BeforeValidator(_gazetteer_id_text),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": GAZETTEER_ID_PATTERN}, {"type": "integer", "minimum": 1}],
            "description": "Pin the place to a gazetteer entry: a GeoNames id (172955) or a supplement id (cm:mahkan).",
        }
    ),
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]

DatePrecision = Literal[DATE_PRECISIONS]  # type: ignore[valid-type]
PlacePrecision = Literal[PLACE_PRECISIONS]  # type: ignore[valid-type]
EventType = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Confidence = Literal[CONFIDENCES]  # type: ignore[valid-type]
ALL_SUB_TYPES = tuple(dict.fromkeys(s for subs in EVENT_TYPES.values() for s in subs))

# ---------------------------------------------------------------------------
# Rules beyond one value, and what they need from the rest of the file.


class RuleViolations(ValueError):
    """Raised by a validator for one or more problems, each at a field under the validated value."""

    def __init__(self, items: list[tuple[tuple, str]]):
        super().__init__("; ".join(message for _, message in items))
        self.items = items


@dataclass
class References:
    """What validators check against beyond the value itself (pydantic's validation context).

    A ``None`` set means "not checked", so the models also validate alone
    (a single event, the schema's examples) without the rest of a file.
    """

    factions: frozenset[str] | None = None
    documents: dict[str, Any] | None = None  # id -> SourceDocument, or None when it could not be read
    events: frozenset[str] | None = None
    gazetteer_has: Callable[[str], bool] | None = None
    _gazetteer_seen: dict[str, bool] = field(default_factory=dict)

    def has_gazetteer_id(self, gazetteer_id: str) -> bool | None:
        if self.gazetteer_has is None:
            return None
        if gazetteer_id not in self._gazetteer_seen:
            self._gazetteer_seen[gazetteer_id] = self.gazetteer_has(gazetteer_id)
        return self._gazetteer_seen[gazetteer_id]


def _references(info: ValidationInfo) -> References:
    context = info.context or {}
    return context.get("references") or References()


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=False, validate_default=False)


# ---------------------------------------------------------------------------
# The events file.


class Document(_Model):
    """A source document that events quote: a text file with a YAML provenance header."""

    file: Text = Field(description="Path of the text file, relative to the events file.")
    publisher: Text
    title: Text
    published: Date = Field(description="Publication date, YYYY-MM-DD.")
    url: Url | None = Field(default=None, description="Where it was published; null when unknown (never guessed).")
    note: Note | None = None


class Faction(_Model):
    """A party to events; its colour draws it on the map and timeline."""

    name: Text
    side: Text = Field(description="Factions on one side share a lane when the timeline groups by side.")
    colour: Colour = Field(description="Quote it: YAML reads an unquoted # as the start of a comment.")
    aliases: list[Text] = Field(default_factory=list, description="Other names the sources use.")
    description: Note | None = None


class Coordinates(_Model):
    """Coordinates written in the file, with where they come from; they win over the gazetteer."""

    lat: Latitude
    lon: Longitude
    source: Text = Field(description="Where the coordinates come from.")
    radius_km: Annotated[float, Field(ge=0, le=5000)] | None = Field(
        default=None, description="How far the true place may be, in km."
    )


class Place(_Model):
    """Where an event happened (or a movement's destination), as precisely as the source allows."""

    name: Text = Field(description="Geocoded offline unless pinned by gazetteer_id or coordinates.")
    precision: PlacePrecision
    country: Country | None = Field(default=None, description="ISO 3166 code, a hint for the geocoder.")
    gazetteer_id: GazetteerId | None = None
    coordinates: Coordinates | None = None
    note: Note | None = None

    @field_validator("gazetteer_id")
    @classmethod
    def _gazetteer_id_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _references(info).has_gazetteer_id(value) is False:
            raise RuleViolations(
                [
                    (
                        (),
                        f"{value!r} is not in the gazetteer (a GeoNames id like '172955' or a supplement id "
                        "like 'cm:mahkan')",
                    )
                ]
            )
        return value


class EventDate(_Model):
    """One day (`day`) or a span (`start` and `end`), and how it was derived."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["day"], "not": {"anyOf": [{"required": ["start"]}, {"required": ["end"]}]}},
                {"required": ["start", "end"], "not": {"required": ["day"]}},
            ]
        }
    )

    day: Date | None = Field(default=None, description="One day, YYYY-MM-DD.")
    start: Date | None = Field(default=None, description="First possible day of a span.")
    end: Date | None = Field(default=None, description="Last possible day of a span.")
    precision: DatePrecision = Field(
        description="day: that day; range/week/month: some day in the span; reported: on or before the date of "
        "a report; by: on or before a deadline the source states (no later than)."
    )
    basis: Text = Field(description="How the date was derived from the source, in words.")

    # Each rule runs as soon as the values it needs are valid, whatever else
    # in the file is wrong, so one run reports them all.
    @field_validator("end")
    @classmethod
    def _end_not_before_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if value is not None and start is not None and start > value:
            raise RuleViolations([((), f"end {value} is before start {start}")])
        return value

    @field_validator("precision")
    @classmethod
    def _one_day_precision(cls, value: str, info: ValidationInfo) -> str:
        start, end = info.data.get("start"), info.data.get("end")
        if value in ONE_DAY_PRECISIONS and info.data.get("day") is None and start and end and start != end:
            raise RuleViolations([((), f"precision '{value}' is for one day; use 'range', 'week' or 'month'")])
        return value

    @model_validator(mode="after")
    def _one_form(self) -> EventDate:
        has_day, has_span = self.day is not None, self.start is not None or self.end is not None
        if has_day and has_span:
            raise RuleViolations([((), "give either 'day' (one day) or 'start' and 'end' (a span), not both")])
        if not has_day and not has_span:
            raise RuleViolations([((), "missing 'day' (one day) or 'start' and 'end' (a span)")])
        if has_span and (self.start is None or self.end is None):
            raise RuleViolations([((), "a span needs both 'start' and 'end'")])
        return self

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        if self.day is not None:
            return self.day, self.day
        return self.start, self.end


class Actor(_Model):
    faction: Id = Field(description="A faction id from `factions`.")
    role: Role
    note: Note | None = None

    @field_validator("faction")
    @classmethod
    def _faction_known(cls, value: str, info: ValidationInfo) -> str:
        return _check_faction_known(value, info)


def _check_faction_known(value: str, info: ValidationInfo) -> str:
    known = _references(info).factions
    if known is not None and value not in known:
        names = ", ".join(sorted(known)) or "none defined"
        raise RuleViolations([((), f"unknown faction {value!r} (known: {names})")])
    return value


class Source(_Model):
    """A sentence of a document that supports the fact, quoted verbatim."""

    document: Id = Field(description="A document id from `documents`.")
    paragraph: Annotated[int, Field(ge=1)] = Field(
        description="Blank-line separated blocks of the document's body after its --- header, from 1."
    )
    quote: Text = Field(
        description="Verbatim from the cited paragraph (whitespace and quote glyphs aside), whole words, "
        "at least three."
    )
    note: Note | None = None

    @field_validator("document")
    @classmethod
    def _document_known(cls, value: str, info: ValidationInfo) -> str:
        known = _references(info).documents
        if known is not None and value not in known:
            raise RuleViolations([((), f"unknown document {value!r} (known: {', '.join(sorted(known)) or 'none'})")])
        return value

    @model_validator(mode="after")
    def _quote_stands_in_paragraph(self, info: ValidationInfo) -> Source:
        documents = _references(info).documents
        source = documents.get(self.document) if documents else None
        if source is None:
            return self
        check = source.check_quote(self.quote, self.paragraph)
        if check.problem:
            message = check.problem
            if check.suggestion:
                message += f"; nearest passage (paragraph {check.suggestion_paragraph}): {check.suggestion!r}"
            elif not check.too_short:
                message += "; no similar passage in the document"
            raise RuleViolations([(("quote",), message)])
        if self.paragraph not in check.paragraphs:
            where = ", ".join(str(n) for n in check.paragraphs)
            raise RuleViolations([(("paragraph",), f"quote is in paragraph {where}, not {self.paragraph}")])
        return self


CONTROL_RESULTS = ("held", "contested", "withdrawn")
ControlResult = Literal[CONTROL_RESULTS]  # type: ignore[valid-type]


class EventControl(_Model):
    """What an event says about who holds its place afterwards, where its roles alone do not say it.

    Without this block a ``control-change`` event means: the faction in the
    ``actor`` role gains the place and the one in the ``target`` role loses
    it. The block states it outright, with its own quote: ``held`` (by
    ``holder``, by default the event's actor), ``contested`` (fighting for it,
    nobody holds it; "captured positions in the town"), ``withdrawn``
    (``holder`` left it; who holds it next is unknown).
    """

    result: ControlResult = Field(
        description="held: holder holds the place from the event on; contested: nobody holds it outright; "
        "withdrawn: holder left it, the next holder is unknown."
    )
    holder: Id | None = Field(
        default=None,
        description="held: the faction holding the place (default: the event's actor); withdrawn: the faction "
        "that left it (required); contested: not given.",
    )
    sources: list[Source] = Field(min_length=1, description="The words that say so, quoted like an event's.")
    note: Note | None = None

    @field_validator("holder")
    @classmethod
    def _holder_known(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _check_faction_known(value, info)
        return value

    @model_validator(mode="after")
    def _holder_fits_result(self) -> EventControl:
        if self.result == "withdrawn" and self.holder is None:
            raise RuleViolations([(("holder",), "a withdrawal names the faction that left: add 'holder'")])
        if self.result == "contested" and self.holder is not None:
            raise RuleViolations([(("holder",), "a contested place has no holder: remove 'holder'")])
        return self


def _event_rules_schema() -> list[JsonValue]:
    """The event rules JSON Schema can express, from the same vocabulary the validators use."""
    rules: list[JsonValue] = [
        {
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {"properties": {"sub_type": {"enum": list(subs)}}},
        }
        for kind, subs in EVENT_TYPES.items()
    ]
    rules += [
        {
            "if": {"properties": {"type": {"enum": list(TYPES_NEEDING_DESTINATION)}}, "required": ["type"]},
            "then": {"required": ["destination"], "properties": {"destination": {"type": "object"}}},
        },
        {
            "if": {"required": ["destination"], "properties": {"destination": {"type": "object"}}},
            "then": {"properties": {"type": {"enum": list(TYPES_WITH_DESTINATION)}}},
        },
    ]
    return rules


class Event(_Model):
    """One dated, sourced event."""

    model_config = ConfigDict(json_schema_extra={"allOf": _event_rules_schema()})

    id: Id = Field(description="Stable: used in links and briefings.")
    title: Text
    date: EventDate
    type: EventType = Field(  # type: ignore[valid-type]  # a Literal built from the vocabulary
        description="ACLED-aligned event type (conflictmap/vocabulary.py)."
    )
    sub_type: str = Field(
        description="A sub-type of the event's type.", json_schema_extra={"enum": list(ALL_SUB_TYPES)}
    )
    actors: list[Actor] = Field(min_length=1)
    place: Place | None = None
    destination: Place | None = Field(
        default=None, validate_default=True, description="Where a movement or displacement went."
    )
    description: Text
    sources: list[Source] = Field(min_length=1)
    confidence: Confidence
    notes: Note | None = None
    control: EventControl | None = Field(
        default=None, description="Who holds the place after the event, where the roles alone do not say it."
    )

    @field_validator("control")
    @classmethod
    def _control_has_holder(cls, value: EventControl | None, info: ValidationInfo) -> EventControl | None:
        actors = info.data.get("actors")
        if value is None or value.result != "held" or value.holder is not None or actors is None:
            return value
        if not any(a.role == "actor" for a in actors):
            raise RuleViolations([(("holder",), "the event has no actor to hold the place: add 'holder'")])
        return value

    @field_validator("sub_type")
    @classmethod
    def _sub_type_of_type(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        subs = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
        allowed = tuple(subs) if subs else ALL_SUB_TYPES
        if value not in allowed:
            of = f" (sub-types of {kind})" if subs else ""
            raise RuleViolations([((), f"{value!r} is not one of: {', '.join(allowed)}{of}")])
        return value

    @field_validator("destination")
    @classmethod
    def _destination_fits_type(cls, value: Place | None, info: ValidationInfo) -> Place | None:
        kind = info.data.get("type")
        if value is None and kind in TYPES_NEEDING_DESTINATION:
            raise RuleViolations([((), f"a {kind} needs a 'destination'")])
        if value is not None and kind is not None and kind not in TYPES_WITH_DESTINATION:
            raise RuleViolations([((), "only movements and displacements have a destination")])
        return value


class StoryPlace(Place):
    """A place the story names that is not an event's place, for the map to label; it must be cited."""

    name: Text = Field(description="The spelling the map labels.")
    sources: list[Source] = Field(min_length=1, description="Where the document names the place.")


class DraftInfo(_Model):
    """Marks a file written by ``conflictmap draft``: proposals to curate, never curated data."""

    generated_by: Text
    article: Id = Field(description="The document id of the article the events were proposed from.")
    dateline: Note | None = Field(default=None, description="Where the report was filed (not an event place).")
    unknown_actors: list[Text] = Field(
        default_factory=list, description="Forces the article names that no faction of the vocabulary matched."
    )
    note: Note | None = None


class ControlAssertion(_Model):
    """A sourced statement that a faction held a place on a date ("Daesh-held Deir Ez-Zor")."""

    id: Id = Field(description="Stable, unique among the events' and assertions' ids: cited as evidence.")
    faction: Id = Field(description="The faction that held the place, from `factions`.")
    place: Place
    date: EventDate = Field(description="When the source says the faction held it (a span: some day in it).")
    sources: list[Source] = Field(min_length=1)
    note: Note | None = None

    @field_validator("faction")
    @classmethod
    def _faction_known(cls, value: str, info: ValidationInfo) -> str:
        return _check_faction_known(value, info)


class EventsFileModel(_Model):
    """A conflictmap events file: the documents quoted, the factions, the events, and places to label."""

    model_config = ConfigDict(title="conflictmap events file")

    format: Literal[EVENTS_FORMAT] | None = None  # type: ignore[valid-type]
    title: Text | None = None
    draft: DraftInfo | None = Field(
        default=None, description="Present in a draft written by `conflictmap draft`: the events are proposals."
    )
    documents: dict[Id, Document] = Field(min_length=1)
    factions: dict[Id, Faction] = Field(min_length=1)
    places: dict[Id, StoryPlace] = Field(
        default_factory=dict, description="Places the story names besides the events' own, labelled on the map."
    )
    events: list[Event] = Field(min_length=1)
    control: list[ControlAssertion] = Field(
        default_factory=list, description="Sourced statements that a faction held a place on a date."
    )


# ---------------------------------------------------------------------------
# The briefing file.


def _known_ids(kind: str) -> Callable[[str, ValidationInfo], str]:
    def check(value: str, info: ValidationInfo) -> str:
        known = getattr(_references(info), f"{kind}s")
        if known is not None and value not in known:
            raise RuleViolations([((), f"unknown {kind} id {value!r}")])
        return value

    return check


class MapCentre(_Model):
    lat: Latitude
    lon: Longitude
    zoom: Annotated[float, Field(ge=1, le=16)] = Field(
        description="Web-map zoom level: about 5 shows a country, 7 a province, 10 a town."
    )


def _view_kind(value: Any) -> str:
    return "centre" if isinstance(value, dict) else "fit"


def _view_shape(value: Any) -> Any:
    if value is None or value == "fit" or isinstance(value, dict):
        return value
    raise PydanticCustomError(
        "view", "{message}", {"message": f"{value!r} is not a view: write 'fit' or {{lat, lon, zoom}}"}
    )


# Union branch names pydantic puts in an error's location; they are not fields.
UNION_TAGS = frozenset({"fit", "centre"})
View = Annotated[
    Annotated[Literal["fit"], Tag("fit")] | Annotated[MapCentre, Tag("centre")],
    Discriminator(_view_kind),
]


class Step(_Model):
    """One step of a briefing: text beside the map, featured events, a date window."""

    model_config = ConfigDict(populate_by_name=False)

    heading: Text
    text: Text = Field(description="Markdown; raw HTML is not rendered.")
    events: list[Annotated[Id, AfterValidator(_known_ids("event"))]] = Field(
        default_factory=list, description="Featured event ids, from the events file."
    )
    date_from: Date | None = Field(default=None, alias="from", description="Start of the date window shown.")
    date_to: Date | None = Field(default=None, alias="to", description="End of the date window shown.")
    factions: list[Annotated[Id, AfterValidator(_known_ids("faction"))]] = Field(
        default_factory=list, description="Only these factions (in any role: actor, target, claimant, ...)."
    )
    view: Annotated[View | None, BeforeValidator(_view_shape)] = Field(
        default=None, description="'fit' (the step's events) or {lat, lon, zoom}."
    )

    @field_validator("date_to")
    @classmethod
    def _window_in_order(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("date_from")
        if value is not None and start is not None and start > value:
            raise RuleViolations([((), f"'to' {value} is before 'from' {start}")])
        return value


class BriefingModel(_Model):
    """A briefing: a story told step by step with the events of one events file."""

    model_config = ConfigDict(title="conflictmap briefing")

    format: Literal[BRIEFING_FORMAT] | None = None  # type: ignore[valid-type]
    title: Text
    summary: Note | None = None
    steps: list[Step] = Field(min_length=1)


# ---------------------------------------------------------------------------
# The JSON Schemas.


class _SchemaGenerator(GenerateJsonSchema):
    """Draft 2020-12 as pydantic writes it, without auto-generated titles, keys checked by pattern."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def dict_schema(self, schema: core_schema.DictSchema) -> dict:
        out = super().dict_schema(schema)
        if "patternProperties" in out:  # keys not matching the id pattern are errors, as in validation
            out["additionalProperties"] = False
        return out

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> dict:
        out = super().default_schema(schema)
        out.pop("default", None)  # defaults are the validator's business, not a value to suggest
        return out


def json_schema(model: type[BaseModel]) -> dict:
    schema = model.model_json_schema(schema_generator=_SchemaGenerator, mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "events.schema.json": EventsFileModel,
    "briefing.schema.json": BriefingModel,
}


def schema_texts() -> dict[str, str]:
    """Each schema file's name and its text, exactly as committed under ``schema/``: these two
    files' and the import's (actor groups, CSV mapping; their models import this module)."""
    from conflictmap.importers.filemodels import IMPORT_SCHEMA_FILES

    return {
        name: json.dumps(json_schema(model), indent=2, ensure_ascii=False) + "\n"
        for name, model in {**SCHEMA_FILES, **IMPORT_SCHEMA_FILES}.items()
    }


def write_schema_files(folder: Path | str) -> list[Path]:
    """Write (or rewrite) the schema files into ``folder``; returns the paths whose text changed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in schema_texts().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


__all__ = [
    "BriefingModel",
    "EventsFileModel",
    "References",
    "RuleViolations",
    "json_schema",
    "schema_texts",
    "write_schema_files",
]
