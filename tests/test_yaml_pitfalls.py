"""YAML pitfalls an author meets, reported in plain words with the fix, on the line to edit.

Each case breaks a copy of the bundled events file the way people do, runs
`conflictmap validate`, and checks exit 1, no traceback, the line and the
words of the fix. Control characters written as YAML escapes are refused in
any text field; newline and tab inside text stay allowed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conflictmap.events import load_events
from conflictmap_cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    target = tmp_path / "events.yaml"
    shutil.copy(ROOT / "events.yaml", target)
    return target


def validate(capsys, path: Path) -> tuple[int, str]:
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old``; return the line where ``new`` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, at) + 1


PITFALLS = [
    # (case, old, new, line offset of the problem from the edit, words the message must hold)
    (
        "unquoted colour",
        'colour: "#E69F00"',
        "colour: #E69F00",
        0,
        ["factions.sdf.colour", "comment", "quote values that start with '#'", 'colour: "#E69F00"'],
    ),
    (
        "colon in a title",
        "title: Raqqa falls to the SDF",
        "title: Raqqa: the fall of Daesh's capital",
        0,
        ["invalid YAML", "contains ': '", "quote values that contain ': '", 'title: "Raqqa: the fall'],
    ),
    (
        "colon in a continued value",
        "    description: >-\n      Raqqa, Daesh's so-called de facto capital, fell to the US-backed,\n",
        "    description: Raqqa fell\n      and then: more\n",
        1,
        ["invalid YAML", "rest of the value on line", "quote the whole value"],
    ),
    (
        "tab for indentation",
        "    title: Raqqa falls to the SDF",
        "\ttitle: Raqqa falls to the SDF",
        0,
        ["invalid YAML", "tab", "spaces"],
    ),
    (
        "unclosed double quote",
        "        quote: Last week Raqqa, the Daesh’s",
        '        quote: "Last week Raqqa, the Daesh’s',
        0,
        ["invalid YAML", "quote", "not closed"],
    ),
    (
        "unclosed single quote",
        "    confidence: medium\n",
        "    confidence: 'medium\n",
        0,
        ["invalid YAML", "quote ' opened on this line is not closed", "reads on to the ' on line"],
    ),
    (
        "unclosed quote at the end of the file",
        "forces surrounding the city.\n    confidence: medium\n",
        "forces surrounding the city.\n    confidence: 'medium\n",
        1,
        ["invalid YAML", "never closed"],
    ),
    (
        "unclosed bracket",
        "    aliases: [SDF, US-backed Kurdish-led forces]",
        "    aliases: [SDF, US-backed Kurdish-led forces",
        0,
        ["invalid YAML", "'['", "not closed"],
    ),
    (
        "bad indentation",
        "    confidence: high\n\n  - id: daesh-pushed",
        "     confidence: high\n\n  - id: daesh-pushed",
        0,
        ["invalid YAML", "bad indentation", "indented 5 spaces", "0, 2, 4, 6 or 8"],
    ),
    (
        "text after a closing quote",
        "    title: Raqqa falls to the SDF",
        '    title: "Raqqa" falls to the SDF',
        0,
        ["invalid YAML", "closing quote", "title: '\"Raqqa\" falls to the SDF'"],
    ),
    (
        "apostrophe inside single quotes",
        "    title: Raqqa falls to the SDF",
        "    title: 'Daesh's capital falls to the SDF'",
        0,
        ["invalid YAML", "closing quote", 'title: "Daesh\'s capital falls to the SDF"'],
    ),
    (
        "reserved first character",
        "    title: Raqqa falls to the SDF",
        "    title: @SDF takes Raqqa",
        0,
        ["invalid YAML", "'@'", "quote the value"],
    ),
    (
        "hash inside a flow mapping",
        "      - {faction: civilians, role: affected}",
        "      - {faction: civilians, role: affected, note: #1}",
        0,
        ["invalid YAML", "' #'", "comment", "quote values that start with '#'"],
    ),
    (
        "norway is false",
        "      country: SY\n      note: The caption",
        "      country: NO\n      note: The caption",
        0,
        ["events[0].place.country", "YAML reads NO as true/false", 'country: "NO"'],
    ),
    (
        "a number where text belongs",
        "    title: Raqqa falls to the SDF",
        "    title: 1984",
        0,
        ["events[2].title", "YAML reads 1984 as a number", 'title: "1984"'],
    ),
]


@pytest.mark.parametrize("case,old,new,offset,words", PITFALLS, ids=[p[0] for p in PITFALLS])
def test_pitfall_is_explained_on_its_line(copy, capsys, case, old, new, offset, words):
    line = edit(copy, old, new) + offset
    before = copy.read_bytes()
    code, err = validate(capsys, copy)
    assert code == 1
    located = [x for x in err.splitlines() if x.startswith(f"{copy}:{line}:")]
    assert located, err
    assert any(all(w in x for w in words) for x in located), err
    assert copy.read_bytes() == before


def test_unclosed_quote_is_reported_where_it_opens_not_where_yaml_gives_up(copy, capsys):
    line = edit(copy, "        quote: “We are prepared", '        quote: "We are prepared')
    code, err = validate(capsys, copy)
    assert code == 1
    assert err.startswith(f'{copy}:{line}: invalid YAML: the quote " opened on this line is not closed'), err


@pytest.mark.parametrize(
    "escape,code_point", [("\\0", "U+0000"), ("\\x07", "U+0007"), ("\\u001b", "U+001B"), ("\\e[31m", "U+001B")]
)
@pytest.mark.parametrize(
    "old,template,field",
    [
        ("title: Raqqa falls to the SDF", 'title: "Raqqa{}falls to the SDF"', "events[2].title"),
        ("    name: Syrian Democratic Forces", '    name: "Syrian{}Democratic Forces"', "factions.sdf.name"),
        ("      name: Mekhan", '      name: "Mek{}han"', "events[6].place.name"),
        (
            "        quote: The group was subsequently pushed back downstream to the fertile Euphrates valley.",
            '        quote: "The group was{} subsequently pushed back downstream to the fertile Euphrates valley."',
            "events[3].sources[0].quote",
        ),
        ("    aliases: [SDF, US-backed", '    aliases: ["S{}DF", US-backed', "factions.sdf.aliases[0]"),
        ("    name: Al-Mayadin", '    name: "Al-Mayadin{}"', "places.al-mayadin.name"),
    ],
)
def test_control_characters_are_refused_in_text(copy, capsys, escape, code_point, old, template, field):
    line = edit(copy, old, template.format(escape))
    code, err = validate(capsys, copy)
    assert code == 1
    assert f"{copy}:{line}: {field}: contains control character {code_point}" in err, err


def test_control_character_in_a_briefing_heading(copy, capsys):
    folder = copy.parent / "briefings"
    folder.mkdir()
    briefing = folder / "story.yaml"
    shutil.copy(ROOT / "briefings" / "deir-ez-zor-october-2017.yaml", briefing)
    line = edit(briefing, "  - heading: The fall of Raqqa", '  - heading: "The fall\\aof Raqqa"')
    code, err = validate(capsys, briefing)
    assert code == 1
    assert f"{briefing}:{line}: steps[0].heading: contains control character U+0007" in err, err


def test_newline_and_tab_stay_allowed_in_text(copy):
    edit(
        copy,
        "    title: Raqqa falls to the SDF",
        '    title: "Raqqa falls\\tto the SDF"\n    notes: "first line\\nsecond line\\twith a tab"',
    )
    ef = load_events(copy)
    raqqa = next(e for e in ef.events if e["id"] == "raqqa-falls-to-sdf")
    assert raqqa["title"] == "Raqqa falls\tto the SDF"
    assert raqqa["notes"] == "first line\nsecond line\twith a tab"


def test_a_key_with_an_escape_is_shown_escaped(copy, capsys):
    edit(copy, "    confidence: high\n", '    "conf\\e[31midence": high\n')
    code, err = validate(capsys, copy)
    assert code == 1
    assert "\x1b" not in err and "conf\\x1b[31midence: unknown field" in err, err
