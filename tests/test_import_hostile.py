"""Hostile import files (``tests/corpus/imports/``): every one refused or read with a located message, no row lost.

Each case runs ``conflictmap import`` in both error modes. With ``--on-error
fail`` a broken file must stop naming the line and field; with ``skip`` the
summary's "rows read" must equal the file's data rows (no row swallowed by
an unclosed quote). Big cases (past the CSV reader's 32 MB block, GeoJSON
nested 100,000 deep) are generated here rather than stored.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conflictmap.importers import rows as rows_module
from conflictmap.importers.rows import CsvRows
from conflictmap.importers.run import ON_ERROR
from conflictmap_cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "corpus" / "imports"
ACLED_30 = CORPUS / "acled-semicolons.csv"  # 30 well-formed ACLED rows (semicolon-separated)

# file: (what --on-error fail must print, rows read with --on-error skip or None when the file is refused whole)
CASES = {
    "acled-unclosed-quote-to-the-end.csv": ("7: row: unclosed quote opened on line 7 (lines 8-31 were read", 30),
    "acled-unclosed-quote-closed-rows-later.csv": ("7: row: unclosed quote opened on line 7 (lines 8-9 were read", 30),
    "acled-unclosed-quote-takes-one-whole-row.csv": ("7: row: unclosed quote opened on line 7 (line 8 was read", 30),
    # The runaway ends where a later row's quoted notes open, so the merged row has 31 fields: no field-count error.
    "acled-unclosed-quote-row-has-the-right-field-count.csv": (
        "7: row: unclosed quote opened on line 7 (lines 8-9 were read as its text)",
        30,
    ),
    # A header whose quote never closes, in a file with no other quote: a header error whatever --on-error says.
    "acled-unclosed-quote-in-the-header.csv": (
        "1: header: unclosed quote opened on line 1, in the header: '\"tags,timestamp' (column 30)",
        None,
    ),
    # Every row rejected: --on-error skip refuses to write an empty store (exit 1), naming the first bad row.
    "acled-every-row-rejected-us-spreadsheet-dates.csv": (
        "2: event_date: '01/25/2018' is not a date (YYYY-MM-DD or D Month YYYY)",
        None,
    ),
    "acled-semicolons.csv": (None, 30),
    "acled-two-columns-missing.csv": (
        "1: header: missing ACLED column(s): event_date, actor1 (the file looks like an ACLED export",
        None,
    ),
    "acled-semicolons-two-columns-missing.csv": (
        "1: header: missing ACLED column(s): event_date, actor1 (the file looks like an ACLED export: it has 17 of "
        "the 19 columns the import needs); the file was read as separated by semicolons",
        None,
    ),
    "generic-semicolons.csv": (
        "1: header: missing CSV column(s): type; the file was read as separated by semicolons",
        None,
    ),
    "points-bad-coordinates.geojson": ("4: geometry.coordinates[1] (latitude): '95.0' is not a latitude", 4),
    "points-nested-2000-deep-at-line-5.geojson": ("5: nested deeper than 64 levels", None),
}
SUMMARY = re.compile(r": ([\d,]+) rows read, ([\d,]+) kept, ([\d,]+) rejected")


def _run(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.err + out.out


def test_every_corpus_file_has_a_case():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_import_is_located_and_loses_no_row(name, tmp_path, capsys):
    path = CORPUS / name
    before = path.read_bytes()
    fail, rows_read = CASES[name]
    code, err = _run(["import", str(path), "-o", str(tmp_path / "fail")], capsys)
    assert "Traceback" not in err and "__geometry" not in err
    if fail is None:
        assert code == 0, err
    else:
        assert code == 1, err
        assert f"{path}:{fail}" in err
        assert not (tmp_path / "fail").exists()
    code, err = _run(["import", str(path), "-o", str(tmp_path / "skip"), "--on-error", "skip"], capsys)
    assert "Traceback" not in err and "__geometry" not in err
    if rows_read is None:
        assert code == 1 and f"{path}:{fail}" in err
    else:
        assert code == 0, err
        assert int(SUMMARY.search(err)[1].replace(",", "")) == rows_read, err
    assert path.read_bytes() == before


def _rows(source: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(source.read_text(encoding="utf-8")), delimiter=";"))


def _write(rows: list[list[str]]) -> str:
    """Fields joined as they are (they hold no comma, quote or line break, bar the stray quotes put in)."""
    return "".join(",".join(row) + "\n" for row in rows)


def _big_acled(rows_wanted: int) -> tuple[list[str], list[list[str]]]:
    """ACLED rows with no quote and no comma in any field (as many exports are): nothing closes a stray quote."""
    header, *rows = _rows(ACLED_30)
    out = []
    for i in range(rows_wanted):
        row = [v.replace(",", ";").replace('"', "'").replace("\n", " ") for v in rows[i % len(rows)]]
        row[0] = f"{row[0]}-{i}"
        out.append(row)
    return header, out


def test_an_unclosed_quote_past_32_mb_is_located_in_both_modes_without_a_traceback(tmp_path):
    """The issue's pyarrow "straddling object" case: the runaway quote opens on line 7 of a 40 MB file."""
    header, rows = _big_acled(80_000)
    rows[5][21] = '"' + rows[5][21]  # row 6 of the data, line 7 of the file
    path = tmp_path / "big.csv"
    path.write_text(_write([header, *rows]), encoding="utf-8")
    assert path.stat().st_size > 34 << 20
    env_cmd = [sys.executable, "-m", "conflictmap_cli", "import", str(path)]
    fail = subprocess.run([*env_cmd, "-o", str(tmp_path / "a")], capture_output=True, text=True, cwd=ROOT)
    assert fail.returncode == 1 and "Traceback" not in fail.stderr
    assert f"{path}:7: row: unclosed quote opened on line 7" in fail.stderr
    skip = subprocess.run(
        [*env_cmd, "-o", str(tmp_path / "b"), "--on-error", "skip", "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert skip.returncode == 0 and "Traceback" not in skip.stderr, skip.stderr
    read, kept, rejected = (int(x.replace(",", "")) for x in SUMMARY.search(skip.stderr + skip.stdout).groups())
    assert (read, kept, rejected) == (80_000, 79_999, 1), skip.stderr


@pytest.mark.parametrize("where", [0, 3, 17, 28])
@pytest.mark.parametrize("column", [21, 27])
def test_a_stray_quote_anywhere_loses_no_row_with_small_blocks(where, column, tmp_path):
    """The reader with 16 KB blocks, so runaway quotes cross block boundaries, in memory and on disk."""
    header, rows = _big_acled(300)
    rows[where][column] = '"' + rows[where][column]
    rows[where + 40][3] = '"' + rows[where + 40][3]  # a second one later: each is found where it opens
    path = tmp_path / "f.csv"
    path.write_text(_write([header, *rows]), encoding="utf-8")
    lines, problems = [], []
    for batch in CsvRows(path, block_size=16 << 10):
        lines.extend(batch.lines.tolist())
        problems.extend(batch.refused)
    opened = sorted(p.line for p in problems)
    assert opened == [where + 2, where + 42]
    assert all("unclosed quote opened on line" in p.message for p in problems)
    assert sorted(lines + opened) == list(range(2, 302))  # every data line is a row, once


def test_a_legitimate_multi_line_field_is_one_row():
    """A quoted notes field with line breaks (the fixture's SYR101) stays one row: no false alarm."""
    path = ROOT / "tests" / "fixtures" / "acled_sample.csv"
    batches = list(CsvRows(path))
    assert not any("unclosed quote" in p.message for b in batches for p in b.refused)


def test_geojson_nested_100000_deep_is_refused_with_a_message(tmp_path, capsys):
    depth = 100_000
    path = tmp_path / "deep.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [\n{"type": "Feature", "properties": {"id": "a", "x": '
        + "[" * depth
        + "]" * depth
        + '}, "geometry": null}]}\n'
    )
    code, err = _run(["import", str(path), "-o", str(tmp_path / "s")], capsys)
    assert code == 1 and "Traceback" not in err
    assert f"{path}:2: nested deeper than 64 levels" in err


def test_every_row_rejected_with_skip_writes_nothing_and_says_so(tmp_path, capsys):
    path = CORPUS / "acled-every-row-rejected-us-spreadsheet-dates.csv"
    code, err = _run(["import", str(path), "-o", str(tmp_path / "s"), "--on-error", "skip"], capsys)
    assert code == 1 and "Traceback" not in err
    assert err.count(": event_date: ") == 30
    assert f"{path}:2: every row was rejected (30 rows read, 0 kept;" in err
    assert not (tmp_path / "s").exists()


def test_an_unclosed_quote_in_the_header_of_a_big_clean_file_fails_at_line_1(tmp_path):
    """The issue's 45 MB case: no other quote in the file, so nothing closes it; once it grew without bound."""
    header, rows = _big_acled(80_000)
    header[header.index("tags")] = '"tags'
    path = tmp_path / "big.csv"
    path.write_text(_write([header, *rows]), encoding="utf-8")
    assert path.stat().st_size > 34 << 20
    for mode in ON_ERROR:
        out = tmp_path / mode
        run = subprocess.run(
            [sys.executable, "-m", "conflictmap_cli", "import", str(path), "-o", str(out), "--on-error", mode],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert f"{path}:1: header: unclosed quote opened on line 1, in the header: '\"tags,timestamp' (column 30)" in (
            run.stderr
        )
        assert not out.exists()


def test_past_the_cap_of_unclosed_quotes_the_import_stops_with_a_message(tmp_path, capsys, monkeypatch):
    """Each unclosed quote costs a re-read; a file with more than the cap is refused, not read on and on."""
    monkeypatch.setattr(rows_module, "MAX_UNCLOSED_QUOTES", 5)
    header, rows = _big_acled(300)
    for k in range(0, 300, 20):  # 15 stray quotes, each on line k + 2
        rows[k][27] = '"' + rows[k][27]
    path = tmp_path / "f.csv"
    path.write_text(_write([header, *rows]), encoding="utf-8")
    code, err = _run(["import", str(path), "-o", str(tmp_path / "s"), "--on-error", "skip"], capsys)
    assert code == 1 and "Traceback" not in err
    assert err.count("row: unclosed quote opened on line") == 5
    assert f"{path}:102: row: more than 5 unclosed quotes (this is the next one)" in err
    assert not (tmp_path / "s").exists()
    monkeypatch.setattr(rows_module, "MAX_UNCLOSED_QUOTES", 15)
    code, err = _run(["import", str(path), "-o", str(tmp_path / "t"), "--on-error", "skip"], capsys)
    assert code == 0, err
    assert SUMMARY.search(err).groups() == ("300", "285", "15")
