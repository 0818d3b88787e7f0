"""Bidirectional control characters in an events file: a located warning from `validate`, never an error.

An override (U+202E) makes "FDS" display as "SDF": what a reader sees in the app or an export is then
not what the file says. Marks (U+200E/U+200F) are ordinary in Arabic text, so only text without any
right-to-left letter is warned about for them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conflictmap.events import load_events
from conflictmap.validation import bidi_control

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "text",
    [
        "Raqqa falls to the \u202eFDS\u202c",
        "left \u202a embedded",
        "an \u2066isolate\u2069",
        "\u200fRaqqa",  # a right-to-left mark in text with no right-to-left letter
        "Mekhan\u200e",
    ],
)
def test_suspicious_controls_are_found(text):
    assert bidi_control(text) is not None


@pytest.mark.parametrize("text", ["Raqqa", "الرقة\u200f (Raqqa)", "دير الزور\u200e", ""])
def test_plain_text_and_marks_in_arabic_are_not(text):
    assert bidi_control(text) is None


def events_with(tmp_path: Path, replacements: list[tuple[str, str]]) -> Path:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    text = (ROOT / "events.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_warns_with_file_line_and_field_and_exits_0(tmp_path):
    path = events_with(tmp_path, [("title: Raqqa falls to the SDF", "title: Raqqa falls to the \u202eFDS\u202c")])
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "\u202e" in text)
    proc = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "validate", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "valid (14 events, 6 factions, 1 warning)" in proc.stdout
    warning = proc.stderr.strip()
    assert warning.startswith(f"{path}:{line}: events[2].title: warning: "), warning
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in warning and "Traceback" not in proc.stderr


def test_the_bundled_file_has_no_warnings():
    assert load_events(ROOT / "events.yaml").warnings == []


def test_keys_are_checked_too():
    from conflictmap.validation import bidi_warnings
    from conflictmap.yamlsource import YamlDocument

    doc = YamlDocument("f.yaml", {"factions": {"s\u202edf": {"name": "ok"}}}, lines={("factions", "s\u202edf"): 7})
    (warning,) = bidi_warnings(doc)
    assert (warning.line, warning.field) == (7, "factions.s\u202edf") and "key contains" in warning.message


def test_deep_nesting_does_not_exhaust_recursion():
    from conflictmap.validation import bidi_warnings
    from conflictmap.yamlsource import YamlDocument

    data: list = ["\u202e"]
    for _ in range(20_000):
        data = [data]
    assert len(bidi_warnings(YamlDocument("f.yaml", data))) == 1
