"""The actor groups and CSV mapping files: one pydantic model each validates the file and gives
the JSON Schema editors use, and both agree (as tests/test_schema.py checks for events and briefings).

The committed ``schema/actor-groups.schema.json`` and ``schema/csv-mapping.schema.json`` are
checked against the code there (test_committed_schemas_are_what_the_code_generates).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conflictmap.errors import EventsFileError
from conflictmap.importers.groups import DEFAULT_GROUPS, load_groups
from conflictmap.importers.mapping import load_mapping

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "tests" / "fixtures" / "generic_mapping.yaml"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_bundled_files_validate_and_name_their_schema():
    for path, name in ((DEFAULT_GROUPS, "actor-groups.schema.json"), (MAPPING, "csv-mapping.schema.json")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=") and first.endswith(f"schema/{name}")
        assert (path.parent / first.split("=", 1)[1]).resolve() == ROOT / "schema" / name
        assert list(validator(name).iter_errors(yaml.safe_load(text))) == []
    groups = load_groups()
    assert groups.group_of("Military Forces of Syria (2000-2024)") == "syrian-government"
    mapping = load_mapping(MAPPING)
    assert (mapping.columns["id"], mapping.publisher, mapping.date_format) == ("ref", "Example Monitor", "%d/%m/%Y")
    assert mapping.actors[1] == {"column": "victims", "role": "target", "split": ";"}
    assert mapping.defaults == {"place_precision": "town", "confidence": "medium", "country": "SY"}


GROUPS = "format: conflictmap/actor-groups@1\nfactions:\n  a:\n    name: A\n    side: S\n    colour: '#111111'\n"
# Each break: refused by the editor's schema and by load_groups, at the line and field given.
GROUPS_BREAKS = [
    ("colour: '#111111'", "colour: red", 6, "factions.a.colour: 'red' is not a colour like '#0072B2'"),
    ("  a:\n", "  Bad Id:\n", 3, "factions.Bad Id: 'Bad Id' is not an id"),
    ("    side: S\n", "    side: S\n    sde: T\n", 6, "factions.a.sde: unknown field (expected one of: actors,"),
    ("    name: A\n", "", 3, "factions.a: missing required field 'name'"),
    ("    name: A\n", "    name: '  '\n", 4, "factions.a.name: must be non-empty text"),
    ("    side: S\n", "    side: S\n    actors: Foo\n", 6, "factions.a.actors: must be a list, got text"),
    ("format: conflictmap/actor-groups@1", "format: x@2", 1, "format: unsupported format 'x@2'"),
]


def test_groups_rules_no_schema_states_are_still_refused_with_their_lines(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text(
        GROUPS
        + "    actors: [Foo]\n"
        + "  b:\n    name: B\n    side: S\n    colour: '#222222'\n    actors: [' FOO']\n    patterns: ['(x']\n"
        + "  ungrouped-actors:\n    name: Y\n    side: S\n    colour: '#333333'\n",
        encoding="utf-8",
    )
    with pytest.raises(EventsFileError) as caught:  # the pattern first: a rule on one value
        load_groups(path)
    assert str(caught.value) == f"{path}:13: factions.b.patterns[0]: not a regular expression: " + (
        "missing ), unterminated subpattern at position 0"
    )
    path.write_text(path.read_text(encoding="utf-8").replace("'(x'", "'x'"), encoding="utf-8")
    with pytest.raises(EventsFileError) as caught:  # then the rules across the file
        load_groups(path)
    assert str(caught.value).splitlines() == [
        f"{path}:12: factions.b.actors[0]: 'FOO' is already listed under faction 'a'",
        f"{path}:14: factions.ungrouped-actors: 'ungrouped-actors' is the catch-all faction of unmatched names:"
        " choose another id",
    ]


MAPPING_BREAKS = [
    ("  date: day\n", "  dat: day\n", 7, "columns.dat: unknown field (expected one of: confidence, country, date,"),
    ("  id: ref\n", "", 5, "columns: missing required field 'id'"),
    ("  title: headline\n", "  title: ''\n", 9, "columns.title: must be non-empty text"),
    ('date_format: "%d/%m/%Y"', 'date_format: "dd/mm/yyyy"', 4, "date_format: must be a strptime format"),
    ("role: target", "role: boss", 20, "actors[1].role: 'boss' is not one of: actor, target, claimant,"),
    ("  confidence: medium\n", "  id: x\n", 23, "defaults.id: unknown field (expected one of: confidence,"),
    ("publisher: Example Monitor", "publisher: 1984", 3, "publisher: must be text, but YAML reads 1984 as a number"),
]


# (the file's text, its schema, its loader) by kind
FILES = {
    "groups": (GROUPS, "actor-groups.schema.json", load_groups),
    "mapping": (MAPPING.read_text(encoding="utf-8"), "csv-mapping.schema.json", load_mapping),
}
BREAKS = [("groups", *b) for b in GROUPS_BREAKS] + [("mapping", *b) for b in MAPPING_BREAKS]


@pytest.mark.parametrize("kind,old,new,line,message", BREAKS, ids=[f"{b[0]}-{b[4].split(':')[0]}" for b in BREAKS])
def test_a_broken_file_fails_the_schema_and_the_loader(tmp_path, kind, old, new, line, message):
    text, schema, load = FILES[kind]
    assert old in text
    text = text.replace(old, new, 1)
    assert list(validator(schema).iter_errors(yaml.safe_load(text)))
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventsFileError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:{line}: {message}"), str(caught.value)
