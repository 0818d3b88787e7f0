"""The JSON Schemas editors use come from the models the validator uses, and agree with it.

The committed ``schema/*.schema.json`` must equal what the code generates (so
they cannot drift), the bundled files must validate against them with the
``jsonschema`` library, as an editor would check them, and broken copies must
fail both the schema and ``conflictmap validate``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from conflictmap.errors import EventsFileError
from conflictmap.events import validate
from conflictmap.schema import schema_texts
from conflictmap.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events.yaml"
BRIEFING = ROOT / "briefings" / "deir-ez-zor-october-2017.yaml"


def as_editor_sees(value):
    """YAML values as a YAML 1.2 editor hands them to JSON Schema: dates are text."""
    if isinstance(value, dict):
        return {str(k): as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load(text: str):
    return as_editor_sees(yaml.safe_load(text))


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_schemas_are_what_the_code_generates():
    for name, text in schema_texts().items():
        committed = (ROOT / "schema" / name).read_text(encoding="utf-8")
        assert committed == text, f"schema/{name} is stale: run python scripts/write_schemas.py"


def test_regeneration_script_checks_and_writes(tmp_path):
    script = ROOT / "scripts" / "write_schemas.py"
    assert subprocess.run([sys.executable, str(script), "--check"], capture_output=True).returncode == 0
    proc = subprocess.run(
        [sys.executable, str(script), "--check", "--folder", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "stale" in proc.stderr
    assert subprocess.run([sys.executable, str(script), "--folder", str(tmp_path)]).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "actor-groups.schema.json",
        "briefing.schema.json",
        "csv-mapping.schema.json",
        "events.schema.json",
    ]


def test_schemas_are_valid_draft_2020_12():
    for name in schema_texts():
        schema = json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_bundled_files_name_their_schema_for_editors():
    for path, schema in ((EVENTS, "schema/events.schema.json"), (BRIEFING, "../schema/briefing.schema.json")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={schema}"
        assert (path.parent / schema).resolve().is_file()


def test_bundled_files_validate_against_the_schemas():
    events = validator("events.schema.json")
    assert list(events.iter_errors(load(EVENTS.read_text(encoding="utf-8")))) == []
    briefing = validator("briefing.schema.json")
    assert list(briefing.iter_errors(load(BRIEFING.read_text(encoding="utf-8")))) == []


# Each break must be refused by the editor's schema and by `conflictmap validate`.
SCHEMA_BREAKS = [
    ("unknown field", "confidence: high", "confidance: high"),
    ("bad precision", "precision: week", "precision: fortnight"),
    ("bad type", "type: battle", "type: skirmish"),
    ("sub-type of another type", "sub_type: armed-clash", "sub_type: advance"),
    (
        "movement without destination",
        "    destination:\n      name: Boukamal\n      precision: town\n      country: SY\n",
        "",
    ),
    ("both day and span", "      day: 2017-10-11\n", "      day: 2017-10-11\n      start: 2017-10-11\n"),
    ("unquoted colour", '"#E69F00"', "#E69F00"),
    ("control character", "title: Raqqa falls to the SDF", 'title: "Raqqa\\x07falls to the SDF"'),
    ("paragraph zero", "paragraph: 7", "paragraph: 0"),
    ("bad document id", "document: memo-2017-10-26", "document: Memo"),
    ("not a date", "day: 2017-10-11", "day: last week"),
    (
        "place without sources",
        "    sources:\n      - document: memo-2017-10-26\n        paragraph: 7\n"
        "        quote: the town of Mekhan, south of Al-Maydeen\n",
        "",
    ),
    ("blank title", "title: Raqqa falls to the SDF", 'title: "  "'),
]


@pytest.mark.parametrize("desc,old,new", SCHEMA_BREAKS, ids=[b[0] for b in SCHEMA_BREAKS])
def test_broken_copy_fails_schema_and_validation(desc, old, new):
    text = EVENTS.read_text(encoding="utf-8")
    assert old in text, old
    new_text = text.replace(old, new, 1)
    assert list(validator("events.schema.json").iter_errors(load(new_text))), desc
    with pytest.raises(EventsFileError):
        validate(parse_yaml(new_text, "broken.yaml"), ROOT)


def test_broken_briefing_fails_the_schema():
    text = BRIEFING.read_text(encoding="utf-8")
    schema = validator("briefing.schema.json")
    for old, new in (
        ("    view: fit\n", "    view: zoomed\n"),
        ("    from: 2017-10-09\n", "    from: 9 October\n"),
        ("  - heading: The fall of Raqqa\n", "  - headline: The fall of Raqqa\n"),
    ):
        assert old in text
        assert list(schema.iter_errors(load(text.replace(old, new, 1)))), new
