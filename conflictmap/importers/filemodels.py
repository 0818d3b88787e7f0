"""The two files that steer an import, defined once: actor groups and column mappings.

Like the events and briefing files (conflictmap.schema), each is a pydantic
model that both validates the file (through conflictmap.validation, so every
problem comes back at once as FILE:LINE: field: message, in the same words)
and produces the JSON Schema editors use (``schema/actor-groups.schema.json``,
``schema/csv-mapping.schema.json``, written by ``scripts/write_schemas.py``).

The models state the shape. A rule on one value that a schema cannot state
(a regular expression must compile) is a validator here, reported with the
rest; the rules across a whole file (an actor name listed under two factions,
the ids reserved for the catch-all factions) are checked by load_groups on the
validated model, so they are reported once the file's shape is right.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from conflictmap.schema import NON_BLANK_PATTERN, Colour, Id, RuleViolations, Text
from conflictmap.vocabulary import ROLES


class _FileModel(BaseModel):
    """Strict (YAML gives values their types; none is converted) and closed (a typo is an unknown field)."""

    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=False, validate_default=False)


# ---------------------------------------------------------------------------
# The actor groups file.


def _regular_expression(value: str) -> str:
    try:
        re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise RuleViolations([((), f"not a regular expression: {exc}")]) from None
    return value


Pattern = Annotated[Text, AfterValidator(_regular_expression)]


class FactionRules(_FileModel):
    """One faction and the actor names that belong to it."""

    name: Text
    side: Text = Field(description="The side the faction is on (the app's legend groups factions by side).")
    colour: Colour
    actors: list[Text] = Field(
        default_factory=list, description="Exact actor names (case and surrounding spaces ignored)."
    )
    patterns: list[Pattern] = Field(
        default_factory=list,
        description="Python regular expressions, case-insensitive, searched anywhere in the name; "
        "tried faction by faction in the order of the file, after every exact name.",
    )


class GroupsFileModel(_FileModel):
    """How actor names (ACLED's, or a mapped CSV's) become factions and sides."""

    model_config = ConfigDict(title="conflictmap actor groups")

    format: Literal["conflictmap/actor-groups@1"] | None = None
    factions: dict[Id, FactionRules] = Field(min_length=1)


# ---------------------------------------------------------------------------
# The column mapping file.

ColumnName = Annotated[str, StringConstraints(pattern=NON_BLANK_PATTERN)]


def _strptime_format(value: str) -> str:
    if "%" not in value:
        raise RuleViolations([((), "must be a strptime format such as '%d/%m/%Y'")])
    return value


DateFormat = Annotated[str, AfterValidator(_strptime_format), Field(json_schema_extra={"pattern": "%"})]


class Columns(_FileModel):
    """For each conflictmap field, the column of the file that holds it (only `id` is required)."""

    id: ColumnName = Field(description="The column with each row's unique id.")
    date: ColumnName | None = Field(default=None, description="The day, or the first day of a range.")
    date_end: ColumnName | None = None
    date_precision: ColumnName | None = None
    title: ColumnName | None = None
    description: ColumnName | None = None
    notes: ColumnName | None = None
    type: ColumnName | None = Field(
        default=None, description="A conflictmap type (battle, ...) or an ACLED event type."
    )
    sub_type: ColumnName | None = None
    confidence: ColumnName | None = None
    place: ColumnName | None = None
    place_precision: ColumnName | None = None
    country: ColumnName | None = None
    latitude: ColumnName | None = Field(default=None, description="Without coordinates, `place` is geocoded offline.")
    longitude: ColumnName | None = None
    radius_km: ColumnName | None = None
    source: ColumnName | None = None
    url: ColumnName | None = None
    quote: ColumnName | None = None
    fatalities: ColumnName | None = None


# The conflictmap fields a mapping can take from a column, in the order of the model.
FIELDS = tuple(Columns.model_fields)


class Defaults(_FileModel):
    """Values for fields the file lacks, or where its cell is empty (any field but `id`)."""

    date: Any = None
    date_end: Any = None
    date_precision: Any = None
    title: Any = None
    description: Any = None
    notes: Any = None
    type: Any = None
    sub_type: Any = None
    confidence: Any = None
    place: Any = None
    place_precision: Any = None
    country: Any = None
    latitude: Any = None
    longitude: Any = None
    radius_km: Any = None
    source: Any = None
    url: Any = None
    quote: Any = None
    fatalities: Any = None


class ActorColumn(_FileModel):
    """A column of actor names; ``split`` cuts a cell holding several."""

    column: ColumnName
    role: Literal[ROLES] = "actor"  # type: ignore[valid-type]  # a tuple of names, fixed at import
    split: str | None = None  # as written: a space is a separator too


class MappingFileModel(_FileModel):
    """Which column of a CSV (or of GeoJSON properties) holds each conflictmap field."""

    model_config = ConfigDict(title="conflictmap CSV mapping")

    format: Literal["conflictmap/csv-mapping@1"] | None = None
    publisher: Text | None = Field(
        default=None, description="Cited as each event's source unless `source` names a column."
    )
    date_format: DateFormat = Field(default="%Y-%m-%d", description="strptime format of the date columns.")
    columns: Columns
    actors: list[ActorColumn] = Field(default_factory=list)
    defaults: Defaults | None = None


IMPORT_SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "actor-groups.schema.json": GroupsFileModel,
    "csv-mapping.schema.json": MappingFileModel,
}
