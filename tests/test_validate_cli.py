"""`conflictmap validate` on deliberately broken copies of the real events file.

Each break must give exit 1, a FILE:LINE: message naming the field, no
traceback, and leave the broken file byte-for-byte as it was.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conflictmap_cli import main

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events.yaml"


@pytest.fixture
def copy(tmp_path):
    """A copy of events.yaml beside a copy of seeds/, so quotes still resolve."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    target = tmp_path / "events.yaml"
    shutil.copy(EVENTS, target)
    return target


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def break_file(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_bundled_events_file_is_valid(capsys):
    code, out, err = run(capsys, "validate", EVENTS)
    assert code == 0, err
    assert "valid (14 events" in out


BREAKS = [
    # (description, old, new, expected field, needle to find the expected line)
    ("impossible date", "day: 2017-10-22", "day: 2017-02-30", "date.day", "2017-02-30"),
    ("not a date", "day: 2017-10-11", "day: last week", "date.day", "last week"),
    ("end before start", "end: 2017-10-15", "end: 2017-10-01", "date.end", "2017-10-01"),
    ("bad precision", "precision: week", "precision: fortnight", "date.precision", "fortnight"),
    ("unknown faction", "{faction: sdf, role: actor}", "{faction: kurds, role: actor}", "actors[0].faction", "kurds"),
    ("unknown role", "{faction: sdf, role: actor}", "{faction: sdf, role: hero}", "actors[0].role", "hero"),
    ("unknown type", "type: battle", "type: skirmish", "type", "skirmish"),
    ("wrong sub-type", "sub_type: armed-clash", "sub_type: advance", "sub_type", "sub_type: advance"),
    (
        "misquote",
        "Kurdish-led, Syrian Democratic Forces (SDF)",
        "Kurdish-led, Syrian Defence Forces (SDF)",
        "quote",
        "Syrian Defence Forces",
    ),
    ("wrong paragraph", "paragraph: 7", "paragraph: 8", "paragraph", "paragraph: 8"),
    ("title wrong type", "title: Raqqa falls to the SDF", "title: [Raqqa, falls]", "title", "title: [Raqqa"),
    ("unknown field", "confidence: high", "confidance: high", "confidance", "confidance"),
    ("bad colour", '"#E69F00"', "orange", "colour", "colour: orange"),
    ("bad confidence", "confidence: medium", "confidence: sure", "confidence", "confidence: sure"),
    ("unknown document", "document: memo-2017-10-26", "document: reuters", "document", "reuters"),
]


@pytest.mark.parametrize("desc,old,new,field,needle", BREAKS, ids=[b[0] for b in BREAKS])
def test_broken_copy_reports_file_line_field(copy, capsys, desc, old, new, field, needle):
    break_file(copy, old, new)
    before = copy.read_bytes()
    code, _out, err = run(capsys, "validate", copy)
    assert code == 1
    expected_line = line_of(copy, needle)
    lines = err.strip().splitlines()
    assert any(x.startswith(f"{copy}:{expected_line}:") and field in x for x in lines), err
    assert "Traceback" not in err
    assert copy.read_bytes() == before


def test_duplicate_id(copy, capsys):
    break_file(copy, "id: sdf-final-assault-on-raqqa", "id: raqqa-falls-to-sdf")
    code, _, err = run(capsys, "validate", copy)
    assert code == 1
    second = [n for n, x in enumerate(copy.read_text().splitlines(), 1) if "id: raqqa-falls-to-sdf" in x][1]
    assert f"{copy}:{second}: events[2].id: duplicate id 'raqqa-falls-to-sdf' (first used on line" in err


def test_coordinates_out_of_range(copy, capsys):
    break_file(
        copy,
        "      name: Mekhan\n      precision: town\n",
        "      name: Mekhan\n      precision: town\n      coordinates: {lat: 134.9, lon: 40.5, source: test}\n",
    )
    code, _, err = run(capsys, "validate", copy)
    assert code == 1
    assert re.search(
        rf"^{re.escape(str(copy))}:\d+: events\[6\]\.place\.coordinates\.lat: 134\.9 is out of range", err, re.M
    ), err


def test_missing_required_field(copy, capsys):
    break_file(copy, "    confidence: high\n\n  - id: daesh-pushed", "\n  - id: daesh-pushed")
    code, _, err = run(capsys, "validate", copy)
    assert code == 1
    assert "events[2]: missing required field 'confidence'" in err


def test_invalid_yaml(copy, capsys):
    break_file(copy, "  - id: raqqa-falls-to-sdf", "  - id: [raqqa-falls-to-sdf")
    code, _, err = run(capsys, "validate", copy)
    assert code == 1
    assert re.match(rf"{re.escape(str(copy))}:\d+: invalid YAML", err), err


def test_non_utf8_bytes(copy, capsys):
    data = copy.read_bytes().replace(b"Mekhan", b"Mekh\xe2n", 1)
    copy.write_bytes(data)
    code, _, err = run(capsys, "validate", copy)
    assert code == 1
    expected = data[: data.index(b"Mekh\xe2n")].count(b"\n") + 1
    assert err.startswith(f"{copy}:{expected}: not valid UTF-8"), err
    assert copy.read_bytes() == data


def test_duplicate_key(copy, capsys):
    break_file(copy, "    confidence: high\n", "    confidence: high\n    confidence: low\n")
    code, _, err = run(capsys, "validate", copy)
    assert code == 1 and "duplicate key" in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, "validate", tmp_path / "nope.yaml")
    assert code == 1 and "nope.yaml:1: file not found" in err


def test_empty_and_scalar_files(tmp_path, capsys):
    for text in ("", "just text\n", "- a\n- b\n"):
        f = tmp_path / "e.yaml"
        f.write_text(text)
        code, _, err = run(capsys, "validate", f)
        assert code == 1 and err.startswith(f"{f}:1:"), (text, err)


def test_real_process_has_no_traceback(copy):
    """Through the installed entry point, as a user runs it."""
    break_file(copy, "day: 2017-10-22", "day: 2017-22-10")
    proc = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "validate", str(copy)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and f"{copy}:" in proc.stderr


def test_validate_checks_briefings_against_the_events_file(copy, capsys):
    folder = copy.parent / "briefings"
    folder.mkdir()
    good = folder / "story.yaml"
    shutil.copy(ROOT / "briefings" / "deir-ez-zor-october-2017.yaml", good)
    code, out, err = run(capsys, "validate", good)
    assert code == 0, err
    assert "briefing, 6 steps" in out
    break_file(good, "events: [al-omar-oil-field-captured", "events: [al-omar-field-captured")
    code, out, err = run(capsys, "validate", good)
    assert code == 1
    line = line_of(good, "al-omar-field-captured")
    assert f"{good}:{line}: steps[2].events[0]: unknown event id 'al-omar-field-captured'" in err


def test_locate_json_prints_one_object_per_name_even_for_bad_names(capsys):
    import json

    code, out, _err = run(capsys, "locate", "--json", "Homs", "", "Xylophonia", "Mosul")
    assert code == 0
    records = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["query"] for r in records] == ["Homs", "", "Xylophonia", "Mosul"]
    assert [r["status"] for r in records] == ["resolved", "unresolved", "unresolved", "resolved"]
    for r in records:
        assert {"query", "status", "lat", "lon", "name", "country", "source", "id", "score"} <= set(r)


def test_country_hint_never_resolves_abroad(capsys):
    import json

    _code, out, _ = run(capsys, "locate", "--json", "--country", "IQ", "Anbar", "Raqqa", "Ramadi")
    records = [json.loads(line) for line in out.strip().splitlines()]
    assert records[0]["status"] != "resolved" or records[0]["country"] == "IQ"
    assert records[1]["status"] == "unresolved"  # Raqqa is in Syria
    assert records[2]["status"] == "resolved" and records[2]["country"] == "IQ"


def test_validate_reports_every_problem_even_after_an_unreadable_value(copy, capsys):
    break_file(copy, "day: 2017-10-22", "day: 2017-02-30")
    break_file(copy, "confidence: medium", "confidence: sure")
    break_file(copy, "{faction: sdf, role: actor}", "{faction: kurds, role: actor}")
    code, _, err = run(capsys, "validate", copy)
    assert code == 1
    assert "2017-02-30" in err and "'sure'" in err and "'kurds'" in err
    assert "missing required field 'day'" not in err


def test_hostile_yaml_is_refused_quickly(tmp_path, capsys):
    laughs = tmp_path / "laughs.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    laughs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    deep = tmp_path / "deep.yaml"
    deep.write_text("events: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    for f in (laughs, deep):
        code, _, err = run(capsys, "validate", f)
        assert code == 1 and err.startswith(f"{f}:") and "Traceback" not in err


def test_pinned_gazetteer_id_must_exist(copy, capsys):
    break_file(
        copy,
        "      name: Mekhan\n      precision: town\n",
        '      name: Mekhan\n      precision: town\n      gazetteer_id: "999999999"\n',
    )
    code, _, err = run(capsys, "validate", copy)
    assert code == 1 and "gazetteer_id: '999999999' is not in the gazetteer" in err
    shutil.copy(ROOT / "events.yaml", copy)
    break_file(
        copy,
        "      name: Mekhan\n      precision: town\n",
        "      name: Mekhan\n      precision: town\n      gazetteer_id: cm:mahkan\n",
    )
    code, _, err = run(capsys, "validate", copy)
    assert code == 0, err


def test_a_briefing_outside_briefings_is_checked_with_events(tmp_path, capsys):
    """`validate BRIEFING --events FILE`: a file that declares itself a briefing, kept anywhere."""
    story = tmp_path / "story.yaml"
    shutil.copy(ROOT / "briefings" / "deir-ez-zor-october-2017.yaml", story)
    code, out, err = run(capsys, "validate", story, "--events", EVENTS)
    assert code == 0, err
    assert f"{story}: valid (briefing, 6 steps over {EVENTS})" in out
    break_file(story, "deir-ez-zor, mekhan-positions-captured", "deir-ez-zor, mekhan-captured")
    code, _, err = run(capsys, "validate", story, "--events", EVENTS)
    assert code == 1 and f"{story}:{line_of(story, 'mekhan-captured')}: steps[3].events[1]: unknown event id" in err
