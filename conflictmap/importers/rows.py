"""Read a large CSV in Arrow batches, knowing the physical line of every row.

Bad rows must be reported as ``FILE:LINE``, where LINE counts physical lines
(the header is line 1; a quoted notes field may span several lines). pyarrow's
C++ reader is fast but only numbers *records*, and only for rows it rejects.
So the reader runs pyarrow single-threaded (the record numbers of rejected rows
are then known), and the line of each row is computed, vectorised, as its
record number plus the newlines embedded in all records before it. The
parser's thread count is not the bottleneck: the conversion after it is.

Every column is read as bytes and decoded here, so a byte that is not UTF-8 is
a bad row with its line and column instead of a failed file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from conflictmap.errors import ConflictmapError, Problem

BLOCK_SIZE = 32 << 20  # bytes of CSV per batch (~55,000 ACLED rows): one Parquet row group each


class ImportInputError(ConflictmapError):
    """The input cannot be imported at all (unreadable, wrong header, wrong format)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class RowProblem:
    """One problem with one row: its position in the batch (-1 for a row the parser refused)."""

    line: int
    column: str
    message: str
    row: int = -1


@dataclass
class RowBatch:
    """Rows of the input as text columns, with the physical line each row starts on."""

    table: pa.Table
    lines: np.ndarray
    refused: list[RowProblem] = field(default_factory=list)  # rows the parser could not split into fields
    blank: int = 0  # lines with no fields at all: not rows, not counted as read


class HashingReader(io.RawIOBase):
    """A file wrapper that hashes and counts what the CSV parser reads (for the manifest and progress)."""

    def __init__(self, raw, sha=None):
        self.raw = raw
        self.sha = sha or hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
            self.bytes_read += n
        return n


def read_header(path: Path) -> tuple[list[str], bool]:
    """The header's column names and whether the file starts with a UTF-8 byte-order mark."""
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
    except OSError as exc:
        raise ImportInputError(Problem(str(path), 1, "", f"cannot read: {exc.strerror or exc}")) from None
    bom = first.startswith(b"\xef\xbb\xbf")
    try:
        text = first[3 if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        raise ImportInputError(Problem(str(path), 1, "header", "not valid UTF-8; save the file as UTF-8")) from None
    if not text.strip():
        raise ImportInputError(Problem(str(path), 1, "header", "the file is empty or its first line is blank"))
    names = next(csv.reader([text]))
    seen = set()
    for name in names:
        if name in seen:
            raise ImportInputError(Problem(str(path), 1, "header", f"column {name!r} appears twice"))
        seen.add(name)
    return names, bom


class CsvRows:
    def __init__(self, path: Path, on_bytes: Callable[[int], None] | None = None, block_size: int = BLOCK_SIZE):
        self.path = Path(path)
        self.columns, self.bom = read_header(self.path)
        self.on_bytes = on_bytes
        self.block_size = block_size
        self.sha = hashlib.sha256()
        self.size = self.path.stat().st_size

    @property
    def sha256(self) -> str:
        return self.sha.hexdigest()

    def __iter__(self) -> Iterator[RowBatch]:
        refused: list[tuple[int, int, str]] = []  # (record number, newlines inside it, message)
        gaps: list[int] = []  # per refused record: how many parsed records come before it

        def handler(row) -> str:
            text = row.text or ""
            message = f"expected {row.expected_columns} fields, found {row.actual_columns}"
            gaps.append(row.number - 2 - len(refused))
            refused.append((row.number, text.count("\n"), message))
            return "skip"

        with open(self.path, "rb") as raw:
            if self.bom:
                self.sha.update(raw.read(3))
            stream = HashingReader(raw, self.sha)
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(use_threads=False, block_size=self.block_size),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=handler
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.binary() for name in self.columns},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            parsed = 0  # records the parser accepted so far (blank lines included)
            carry = 0  # newlines embedded in all records handled so far
            done = 0  # refused records already handed out
            last_record = 1  # the header
            for batch in reader:
                n = batch.num_rows
                if n == 0:
                    continue
                k = parsed + np.arange(n, dtype=np.int64)
                records = k + 2 + np.searchsorted(np.asarray(gaps, dtype=np.int64), k, side="right")
                parsed += n
                newlines = np.zeros(n, dtype=np.int64)
                empty = np.ones(n, dtype=bool)
                for column in batch.columns:
                    newlines += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
                    empty &= pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
                upto = int(records[-1])
                mine = [r for r in refused[done:] if r[0] < upto]
                done += len(mine)
                lines, refused_lines, carry = _lines(records, newlines, mine, carry)
                last_record = upto
                problems = [RowProblem(int(line), "row", r[2]) for line, r in zip(refused_lines, mine)]
                keep = ~empty
                table = pa.Table.from_batches([batch])
                if not keep.all():
                    table = table.filter(pa.array(keep))
                if self.on_bytes:
                    self.on_bytes(stream.bytes_read)
                yield RowBatch(_decode(table), lines[keep], problems, int((~keep).sum()))
            rest = [r for r in refused[done:] if r[0] > last_record]
            if rest:
                _, refused_lines, carry = _lines(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), rest, carry)
                problems = [RowProblem(int(line), "row", r[2]) for line, r in zip(refused_lines, rest)]
                yield RowBatch(_decode(_empty_table(self.columns)), np.zeros(0, dtype=np.int64), problems)
            # Hash the whole file even if the parser stopped reading early (it never does on success).
            while chunk := raw.read(1 << 20):
                self.sha.update(chunk)
            if self.on_bytes:
                self.on_bytes(self.size)


def _lines(records, newlines, refused, carry):
    """Physical start lines of parsed records and refused records, in file order."""
    ref_records = np.asarray([r[0] for r in refused], dtype=np.int64)
    ref_newlines = np.asarray([r[1] for r in refused], dtype=np.int64)
    all_records = np.concatenate([records, ref_records])
    all_newlines = np.concatenate([newlines, ref_newlines])
    order = np.argsort(all_records, kind="stable")
    before = np.empty_like(all_newlines)
    sorted_newlines = all_newlines[order]
    before[order] = np.cumsum(sorted_newlines) - sorted_newlines + carry
    lines = all_records + before
    return lines[: len(records)], lines[len(records) :], carry + int(all_newlines.sum())


def _empty_table(columns) -> pa.Table:
    return pa.table({name: pa.array([], pa.binary()) for name in columns})


def _decode(table: pa.Table) -> pa.Table:
    """Binary columns as UTF-8 text; rows with invalid bytes are marked for the caller via ``bad_utf8``."""
    columns = []
    for column in table.columns:
        try:
            columns.append(column.cast(pa.string()))
        except pa.ArrowInvalid:
            columns.append(column)  # left as binary: the importer reports the bad rows
    return pa.table(columns, names=table.column_names)


def bad_utf8_rows(column: pa.ChunkedArray) -> np.ndarray:
    """Positions of values that are not UTF-8 (slow path, only for a column that failed to decode)."""
    bad = []
    for i, value in enumerate(column.to_pylist()):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i)
    return np.asarray(bad, dtype=np.int64)
