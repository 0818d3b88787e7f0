"""Property tests of the loader: whatever is done to a file, the answer is valid or FILE:LINE problems.

Random edits of the bundled events file and briefing (lines deleted,
duplicated, swapped, re-indented, YAML-significant characters inserted,
values replaced) and arbitrary text must never raise anything but
EventsFileError, and every problem must name the file and a line that exists.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conflictmap.briefing import load_briefing
from conflictmap.errors import EventsFileError
from conflictmap.events import load_events, validate
from conflictmap.table import dataset_from_events_file
from conflictmap.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
EVENTS_TEXT = (ROOT / "events.yaml").read_text(encoding="utf-8")
BRIEFING_TEXT = (ROOT / "briefings" / "deir-ez-zor-october-2017.yaml").read_text(encoding="utf-8")
YAML_NOISE = list(":#-[]{}'\"&*!|>%@,?\t\\") + ["\\0", "\\e", ": ", " #", "\n", "  ", "no", "2017-02-30", "~", "<<: "]
NOISE = st.one_of(st.sampled_from(YAML_NOISE), st.text(alphabet=string.printable + "’“”é ", max_size=12))


@st.composite
def mutated(draw, text: str) -> str:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "insert", "value"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent":
            shift = draw(st.integers(-4, 4))
            lines[i] = (
                " " * shift + lines[i]
                if shift >= 0
                else lines[i][min(-shift, len(lines[i]) - len(lines[i].lstrip())) :]
            )
        elif kind == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(NOISE) + lines[i][at:]
        elif ": " in lines[i]:
            key = lines[i].split(": ", 1)[0]
            lines[i] = f"{key}: {draw(NOISE)}"
    return "\n".join(lines)


def assert_located(problems, file: str, text: str) -> None:
    # YAML breaks lines at CR, LF, CRLF, NEL, LS and PS (found by hypothesis: '0:\r0' is two lines,
    # and its error is after the last); an error at the end of the text is on the line after the last.
    last = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", text)) + 1
    assert problems
    for problem in problems:
        assert problem.file == file
        assert 1 <= problem.line <= last, (problem, last)
        assert str(problem).startswith(f"{file}:{problem.line}: ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(EVENTS_TEXT))
def test_a_mutated_events_file_loads_or_is_refused_with_located_problems(text):
    try:
        validate(parse_yaml(text, "mutated.yaml"), ROOT)
    except EventsFileError as exc:
        assert_located(exc.problems, "mutated.yaml", text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(BRIEFING_TEXT))
def test_a_mutated_briefing_loads_or_is_refused_with_located_problems(tmp_path_factory, text):
    dataset = dataset_from_events_file(load_events(ROOT / "events.yaml"))
    path = tmp_path_factory.mktemp("briefings") / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_briefing(path, dataset)
    except EventsFileError as exc:
        assert_located(exc.problems, str(path), text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
@example("0:\r0")  # old Mac line ends: two lines to YAML, its error on the third
@example("a: [1,\u2028b")
def test_any_text_is_read_or_refused_with_located_problems(text):
    try:
        validate(parse_yaml(text, "any.yaml"), ROOT)
    except EventsFileError as exc:
        assert_located(exc.problems, "any.yaml", text.lstrip("\ufeff"))
