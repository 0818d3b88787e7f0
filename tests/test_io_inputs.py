"""Inputs that are not text files: each gets one located error from the real CLI, fast, no traceback.

The events file, a briefing and a source document are each replaced by a
folder, a FIFO, a device, a name that is too long, a missing file, an
unreadable file, invalid UTF-8 and an over-size file. The FIFO and device
cases run the CLI as a separate process with a timeout: a regression there
would hang (a FIFO) or fill memory (``/dev/zero``), not fail an assert.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import conflictmap.inputs as inputs
from conflictmap_cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = "seeds/2017-10-26-memo-deir-ez-zor.txt"
DOC_ID = "memo-2017-10-26"


@pytest.fixture
def work(tmp_path):
    """A copy of the bundled events file, its source document and its briefings."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "briefings", tmp_path / "briefings")
    shutil.copy(ROOT / "events.yaml", tmp_path / "events.yaml")
    return tmp_path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_process(*argv, cwd=None):
    """The installed CLI in its own process; a hang fails the test after 60 s instead of blocking the run."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    print(f"{argv}: exit {done.returncode} in {time.perf_counter() - t0:.2f} s (interpreter start included)")
    return done.returncode, done.stdout, done.stderr


def doc_line(events: Path) -> int:
    for n, line in enumerate(events.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("file:"):
            return n
    raise AssertionError("no document file line")


def point_document_at(events: Path, target: str) -> int:
    text = events.read_text(encoding="utf-8")
    assert f"file: {DOC}" in text
    events.write_text(text.replace(f"file: {DOC}", f"file: {target}"), encoding="utf-8")
    return doc_line(events)


def assert_one_located_error(code: int, err: str, file: str, line: int, message: str, field: str = "") -> None:
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    located = f"{file}:{line}:{' ' + field + ':' if field else ''} "
    assert lines == [located + message] or (field and any(x.startswith(located) and message in x for x in lines)), err


# ------------------------------------------------------------------ events file and briefing


def _cases(tmp: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp / "folder.yaml"
    folder.mkdir()
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    bad_utf8 = tmp / "latin1.yaml"
    bad_utf8.write_bytes("title: ok\n# caf\xe9\n".encode("latin-1"))
    huge = tmp / "huge.yaml"
    with open(huge, "wb") as f:  # sparse: no disk used, but stat says 64 MiB + 1
        f.truncate(inputs.MAX_INPUT_BYTES + 1)
    return {
        "folder": (folder, "is a folder, not a file"),
        "fifo": (fifo, "is a named pipe (FIFO), not a regular file"),
        "dev-zero": (Path("/dev/zero"), "is a device, not a regular file"),
        "dev-urandom": (Path("/dev/urandom"), "is a device, not a regular file"),
        "too-long": (tmp / ("x" * 300 + ".yaml"), "file name too long"),
        "missing": (tmp / "missing.yaml", "file not found"),
        "not-utf8": (bad_utf8, "not valid UTF-8 (byte 0xe9 at offset 15); save the file as UTF-8"),
        "too-large": (huge, "file too large: 64.0 MB (limit 64.0 MB)"),
    }


CASES = ("folder", "fifo", "dev-zero", "dev-urandom", "too-long", "missing", "not-utf8", "too-large")


@pytest.mark.parametrize("case", CASES)
def test_events_file_that_is_not_a_text_file(case, tmp_path):
    path, message = _cases(tmp_path)[case]
    code, _, err = run_process("validate", path)
    line = 2 if case == "not-utf8" else 1
    assert_one_located_error(code, err, str(path), line, message)


@pytest.mark.parametrize("case", ("fifo", "dev-zero", "folder", "not-utf8"))
def test_briefing_that_is_not_a_text_file(case, work):
    path, message = _cases(work)[case]
    briefing = work / "briefings" / f"broken-{case}.yaml"
    if path.is_absolute() and str(path).startswith("/dev/"):
        briefing.symlink_to(path)
    else:
        path.rename(briefing)
    code, _, err = run_process("validate", briefing, "--events", work / "events.yaml")
    line = 2 if case == "not-utf8" else 1
    assert_one_located_error(code, err, str(briefing), line, message)


@pytest.mark.parametrize("case", CASES)
def test_source_document_that_is_not_a_text_file(case, work, capsys):
    path, message = _cases(work)[case]
    events = work / "events.yaml"
    line = point_document_at(events, str(path))
    if case in ("fifo", "dev-zero", "dev-urandom"):
        code, _, err = run_process("validate", events)
    else:
        code, _, err = run(capsys, "validate", events)
    assert code == 1 and "Traceback" not in err
    want = f"{events}:{line}: documents.{DOC_ID}.file: cannot read source document {path}: {message}"
    assert want in err.splitlines(), err


def test_source_document_reached_through_a_symlink_to_a_device(work):
    (work / "seeds" / "memo.txt").symlink_to("/dev/zero")
    events = work / "events.yaml"
    line = point_document_at(events, "seeds/memo.txt")
    code, _, err = run_process("validate", events)
    assert code == 1 and "Traceback" not in err
    assert f"{events}:{line}: documents.{DOC_ID}.file: " in err and "is a device, not a regular file" in err


def test_unreadable_file(work, capsys, monkeypatch):
    events = work / "events.yaml"
    if os.geteuid() == 0:
        # root reads any file whatever its mode: make the kernel's answer for this one path EACCES.
        real_open = os.open

        def denied(path, flags, *args, **kwargs):
            if Path(path) == events:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(inputs.os, "open", denied)
    else:
        events.chmod(0)
    code, _, err = run(capsys, "validate", events)
    assert_one_located_error(code, err, str(events), 1, "permission denied")


def test_limit_is_enforced_on_what_is_read_not_only_on_stat(tmp_path, monkeypatch):
    """A file whose size stat cannot tell (procfs reports 0) is still cut at the limit."""
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 500)
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 100)
    monkeypatch.setattr(inputs.os, "fstat", lambda fd: os.stat_result((0o100644, 0, 0, 1, 0, 0, 0, 0, 0, 0)))
    monkeypatch.setattr(inputs.os, "stat", lambda p: os.stat_result((0o100644, 0, 0, 1, 0, 0, 0, 0, 0, 0)))
    with pytest.raises(inputs.InputFileError, match="file too large: more than 100 bytes"):
        inputs.read_bytes(big)
    assert inputs.read_bytes(big, limit=1000) == b"a" * 500


def test_small_limit_gives_a_located_message_through_the_cli(work, capsys, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 1000)
    events = work / "events.yaml"
    code, _, err = run(capsys, "validate", events)
    size = events.stat().st_size
    assert_one_located_error(code, err, str(events), 1, f"file too large: {size:,} bytes (limit 1,000 bytes)")


def test_a_regular_file_is_read_whole(work):
    text = inputs.read_text(work / DOC)
    assert text == (work / DOC).read_text(encoding="utf-8")
    assert re.search(r"Raqqa", text)
