"""A committed corpus of broken events files and briefings, each refused with its line and field.

Every file under ``tests/corpus/`` names what `conflictmap validate` must say
in its own header: ``# expect: LINE: FIELD`` (FIELD may be empty for a
problem of the whole file, such as invalid YAML). The run must exit 1, print
each expected ``FILE:LINE: FIELD`` and no traceback, and leave the file as it
was. Briefings are checked against the bundled events file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conflictmap_cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.glob("events/*.yaml")) + sorted(CORPUS.glob("briefings/*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(?: (\S+))?$", re.M)


def expectations(path: Path) -> list[tuple[int, str]]:
    found = [(int(line), field or "") for line, field in EXPECT.findall(path.read_text(encoding="utf-8"))]
    assert found, f"{path} names no expected problem"
    return found


def argv(path: Path) -> list[str]:
    extra = ["--events", str(ROOT / "events.yaml")] if path.parent.name == "briefings" else []
    return ["validate", str(path), *extra]


def test_the_corpus_is_there():
    assert len(list(CORPUS.glob("events/*.yaml"))) >= 40 and len(list(CORPUS.glob("briefings/*.yaml"))) >= 10


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_broken_file_is_refused_with_its_line_and_field(path, capsys):
    before = path.read_bytes()
    code = main(argv(path))
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines and all(re.match(rf"{re.escape(str(path))}:\d+: ", x) for x in lines), err
    for line, field in expectations(path):
        prefix = f"{path}:{line}: {field + ':' if field else ''}"
        assert any(x.startswith(prefix) for x in lines), f"expected {prefix!r} in:\n{err}"
    assert path.read_bytes() == before


def test_a_real_process_over_the_whole_corpus_prints_no_traceback():
    events = [str(p) for p in FILES if p.parent.name == "events"]
    briefings = [str(p) for p in FILES if p.parent.name == "briefings"]
    for files, extra in ((events, []), (briefings, ["--events", str(ROOT / "events.yaml")])):
        proc = subprocess.run(
            [sys.executable, "-m", "conflictmap_cli", "validate", *files, *extra],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr
        assert not proc.stdout.strip(), proc.stdout  # nothing in the corpus is valid
        for path in files:
            assert f"{path}:" in proc.stderr, path
