"""The one progress API (conflictmap.progress) as an import, an export job and a command use it."""

from __future__ import annotations

import io
from pathlib import Path

from conflictmap import progress
from conflictmap.importers import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_an_import_counts_the_bytes_it_reads_and_says_bad_rows_above_the_bar(tmp_path, monkeypatch):
    source = FIXTURES / "acled_sample.csv"
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)  # where reporting() and say() write by default
    import_file(source, tmp_path / "store", on_error="skip", progress=True)
    text = stream.getvalue()
    assert f"importing {source.name}" in text
    size_kb = source.stat().st_size / 1000
    assert f"{size_kb:.1f}/{size_kb:.1f} kB" in text  # drawn as sizes, and read to the end
    quiet = io.StringIO()
    monkeypatch.setattr("sys.stderr", quiet)
    import_file(source, tmp_path / "store2", on_error="skip", progress=False, on_problem=lambda p: None)
    assert quiet.getvalue() == ""


def test_say_prints_above_the_bars_or_plainly_on_stderr(capsys):
    stream = io.StringIO()
    with progress.reporting(True, stream), progress.task("Working", total=2) as advance:
        progress.say("sample.csv:3: date: not a date")
        advance(2)
    assert "sample.csv:3: date: not a date\n" in stream.getvalue()
    progress.say("outside any bars")
    assert capsys.readouterr().err == "outside any bars\n"


def test_a_reader_reporting_positions_advances_by_the_difference():
    steps: list[int] = []
    to = progress.advance_to(lambda n=1: steps.append(n))
    for position in (10, 25, 25, 20, 40):  # the same or an earlier position adds nothing
        to(position)
    assert steps == [10, 15, 15]


def test_progress_messages_for_the_app_read_as_one_line_per_step():
    lines: list[str] = []
    with progress.reporting_to(progress.ProgressMessages(lines.append)):
        with progress.task("Drawing frames", total=2) as advance:
            advance()
            advance()
        with progress.task("Reading", total=100, unit="bytes") as advance:  # the unit does not change the words
            advance(100)
    assert lines == [
        "Drawing frames… 0 of 2",
        "Drawing frames… 1 of 2",
        "Drawing frames… 2 of 2",
        "Reading… 0 of 100",
        "Reading… 100 of 100",
    ]
