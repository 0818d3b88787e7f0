"""The guard against hostile YAML counts what aliases add, not what a file honestly holds.

A billion-laughs file and a self-referring alias are refused at once with
FILE:LINE; deep nesting too; a file far larger than the old 200,000-value cap
passes when it has no aliases, and moderate alias use is fine.
"""

from __future__ import annotations

import time

import pytest

from conflictmap.errors import EventsFileError
from conflictmap.yamlsource import MAX_ALIAS_VALUES, check_structure, parse_yaml


def laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast_at_an_anchor():
    started = time.perf_counter()
    with pytest.raises(EventsFileError) as err:
        parse_yaml(laughs(), "laughs.yaml")
    elapsed = time.perf_counter() - started
    (problem,) = err.value.problems
    # &a4 holds 111,111 values; with the smaller anchors' copies, its eighth alias passes the limit.
    assert problem.file == "laughs.yaml" and problem.line == 5
    assert problem.message == (
        f"YAML aliases would repeat more than {MAX_ALIAS_VALUES:,} values; the value anchored here "
        "(&a4, 111,111 values) is repeated by 8 aliases so far"
    )
    assert elapsed < 5  # a generous bound for a shared machine; it takes about a millisecond


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(EventsFileError) as err:
        parse_yaml("events:\n  - &loop [x,\n     *loop]\n", "loop.yaml")
    assert str(err.value) == "loop.yaml:3: the alias *loop refers to the value containing it"


def test_deep_nesting_is_refused_with_its_line():
    with pytest.raises(EventsFileError) as err:
        parse_yaml("events: " + "[" * 3000 + "]" * 3000 + "\n", "deep.yaml")
    assert str(err.value).startswith("deep.yaml:1: "), str(err.value)
    assert "nested" in str(err.value)
    with pytest.raises(EventsFileError) as err:
        parse_yaml("a:\n" + "".join("  " * k + f"k{k}:\n" for k in range(1, 80)), "indented.yaml")
    assert str(err.value) == "indented.yaml:61: nested deeper than 60 levels"
    # Through aliases: each level small, the expansion deep.
    chain = ["l0: &l0 [x]"] + [f"l{k}: &l{k} [[[[*l{k - 1}]]]]" for k in range(1, 30)]
    with pytest.raises(EventsFileError) as err:
        parse_yaml("\n".join(chain) + "\n", "chain.yaml")
    assert "deeper than" in str(err.value) and str(err.value).startswith("chain.yaml:")


def test_moderate_alias_use_is_fine():
    text = "common: &c {faction: sdf, role: actor}\nitems:\n" + "".join("  - *c\n" for _ in range(20_000))
    doc = parse_yaml(text, "aliases.yaml")
    assert len(doc.data["items"]) == 20_000 and doc.data["items"][-1] == {"faction": "sdf", "role": "actor"}


def test_honest_size_is_never_what_is_capped():
    """300,000 values written out (more than the old cap) pass the guard; repeating them by aliases does not."""
    values = "".join(f"  - {i}\n" for i in range(300_000))
    check_structure("values:\n" + values, "big.yaml")  # no error: size is the reader's business
    anchored = "block: &b [" + ", ".join(["x"] * 1000) + "]\nuses:\n" + "  - *b\n" * (MAX_ALIAS_VALUES // 1000 + 1)
    with pytest.raises(EventsFileError) as err:
        check_structure(anchored, "many.yaml")
    assert str(err.value).startswith("many.yaml:1: YAML aliases would repeat more than")
