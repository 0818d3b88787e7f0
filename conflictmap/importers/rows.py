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

import bisect
import csv
import hashlib
import io
import re
from collections.abc import Callable, Generator, Iterator
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


def read_header(path: Path, delimiter: str = ",") -> tuple[list[str], bool]:
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
    opened = _unclosed_in_header(text.rstrip("\r\n"), delimiter)
    if opened is not None:
        # The parser would take the lines after the header as this column's name and find no rows
        # (or reject every one): a file whose header cannot be read cannot be imported at all.
        shown = text.rstrip("\r\n")[opened : opened + 40]
        column = text.count(delimiter, 0, opened) + 1
        raise ImportInputError(
            Problem(
                str(path),
                1,
                "header",
                f"unclosed quote opened on line 1, in the header: {shown!r} (column {column}); close or remove it",
            )
        )
    names = next(csv.reader([text], delimiter=delimiter))
    seen = set()
    for name in names:
        if name in seen:
            raise ImportInputError(Problem(str(path), 1, "header", f"column {name!r} appears twice"))
        seen.add(name)
    return names, bom


def _quote_events(text: str, delimiter: str) -> Iterator[tuple[str, int]]:
    """("open" | "close" | "break", index) for the quotes of ``text`` as the CSV parser reads them: a
    quote opens a field only at the field's start (after a delimiter or a line break), two quotes inside
    a quoted field are one quote, and "break" is a line break inside a quoted field."""
    quoted, field_start = False, True
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"':
                if text.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
                    yield "close", i
            elif ch == "\n":
                yield "break", i
        elif ch == '"' and field_start:
            quoted = True
            yield "open", i
        field_start = not quoted and ch in (delimiter, "\n")
        i += 1


def _unclosed_in_header(text: str, delimiter: str) -> int | None:
    """Where a quote opens in the header line and is not closed on it (None when every quote closes)."""
    opened = None
    for event, i in _quote_events(text, delimiter):
        if event != "break":
            opened = i if event == "open" else None
    return opened


DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
LINE_INDEX_STEP = 1 << 20  # bytes between the marks used to find a physical line again
AGAIN_BLOCK_SIZE = 1 << 20  # block size for lines read again after an unclosed quote


def sniff_delimiter(path: Path) -> str:
    """The header's delimiter: the candidate it has most of outside quotes (a comma when in doubt).

    A semicolon file (a spreadsheet in a locale whose decimal mark is a
    comma) is then read as it is, and named in any message about its header.
    """
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return ","
    outside = re.sub(r'"[^"]*"', "", first)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


class _Lines:
    """Physical lines of a file (or of bytes in memory) by number, to read a stretch again.

    The file is indexed once, on first need: the line number at every
    LINE_INDEX_STEP bytes, so any line is then found by reading at most one step.
    """

    def __init__(self, path: Path | None = None, data: bytes | None = None, first_line: int = 2, offset: int = 0):
        self.path, self.data, self.first_line, self.offset = path, data, first_line, offset
        self.marks: list[tuple[int, int]] | None = None  # (byte offset, line starting there)

    def _index(self) -> list[tuple[int, int]]:
        if self.marks is None:
            marks = [(self.offset, self.first_line)]
            if self.path is not None:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    pos, line = self.offset, self.first_line
                    while chunk := f.read(LINE_INDEX_STEP):
                        cut = chunk.rfind(b"\n")
                        if cut < 0:
                            pos += len(chunk)
                            continue
                        line += chunk.count(b"\n", 0, cut + 1)
                        pos += cut + 1
                        f.seek(pos)
                        marks.append((pos, line))
            self.marks = marks
        return self.marks

    def offset_of(self, line: int) -> int:
        """Byte offset where physical ``line`` starts (the end of the input past the last line)."""
        if self.data is not None:
            pos, at = 0, self.first_line
            while at < line:
                nl = self.data.find(b"\n", pos)
                if nl < 0:
                    return len(self.data)
                pos, at = nl + 1, at + 1
            return pos
        marks = self._index()
        i = bisect.bisect_right([m[1] for m in marks], line) - 1
        pos, at = marks[max(i, 0)]
        assert self.path is not None
        with open(self.path, "rb") as f:
            f.seek(pos)
            while at < line:
                piece = f.readline()
                if not piece:
                    break
                pos, at = pos + len(piece), at + 1
        return pos

    def read(self, first: int, last: int | None = None) -> bytes:
        """Physical lines ``first`` to ``last`` (to the end when None), as raw bytes."""
        start = self.offset_of(first)
        stop = None if last is None else self.offset_of(last + 1)
        if self.data is not None:
            return self.data[start:stop]
        assert self.path is not None
        with open(self.path, "rb") as f:
            f.seek(start)
            return f.read() if stop is None else f.read(stop - start)

    def stream(self, first: int):
        """A binary stream of the input from physical line ``first`` to its end."""
        if self.data is not None:
            return io.BytesIO(self.data[self.offset_of(first) :])
        assert self.path is not None
        f = open(self.path, "rb")  # noqa: SIM115 -- closed by the caller with the reader
        f.seek(self.offset_of(first))
        return f


class _Prefixed(io.RawIOBase):
    """The header line, then a stream: a stretch of the file read again as a CSV of its own."""

    def __init__(self, head: bytes, rest):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        return self.rest.readinto(buffer)

    def close(self) -> None:
        self.rest.close()
        super().close()


class CsvRows:
    """A CSV's rows in batches, each row with its physical line; no row is lost without a word.

    An unclosed quote makes a CSV parser read the following lines as the
    quoted field's text: the rows there vanish into one bad row, or even into
    a good-looking one. So a row that spans lines is checked: if it was
    refused, or one of the lines it swallowed has a whole row's delimiters,
    it is reported as "unclosed quote opened on line N" and the lines after N
    are read again as rows of their own. A quoted field running past a block
    (32 MB) is found the same way, by reading the stretch after the last good
    row with Python's csv module, instead of failing at a block boundary.
    """

    def __init__(self, path: Path, on_bytes: Callable[[int], None] | None = None, block_size: int = BLOCK_SIZE):
        self.path = Path(path)
        self.delimiter = sniff_delimiter(self.path)
        self.columns, self.bom = read_header(self.path, self.delimiter)
        self.on_bytes = on_bytes
        self.block_size = block_size
        self.sha = hashlib.sha256()
        self.size = self.path.stat().st_size

    @property
    def sha256(self) -> str:
        return self.sha.hexdigest()

    def __iter__(self) -> Iterator[RowBatch]:
        """The file read once, then the stretches an unclosed quote took read again, one after another.

        Re-reading is a loop over a stack of pending stretches (line numbers
        only), not a recursion: memory holds at most one stretch's bytes, and
        each unclosed quote found counts towards MAX_UNCLOSED_QUOTES.
        """
        self.unclosed_quotes = 0
        with open(self.path, "rb") as raw:
            if self.bom:
                self.sha.update(raw.read(3))
            self.header = raw.readline()
            raw.seek(3 if self.bom else 0)
            self.lines_of_file = _Lines(self.path, first_line=2, offset=(3 if self.bom else 0) + len(self.header))
            stream = HashingReader(raw, self.sha)
            follow = yield from self._parse(stream, 2, None, self.lines_of_file, self.block_size, hashing=stream)
            pending: list[RowBatch | _Stretch] = list(reversed(follow))
            while pending:
                item = pending.pop()
                if isinstance(item, RowBatch):
                    yield item
                    continue
                follow = yield from self._read_stretch(item)
                pending.extend(reversed(follow))
            # Hash the whole file even if the parser stopped reading early (it does after an unclosed quote).
            while chunk := raw.read(1 << 20):
                self.sha.update(chunk)
            if self.on_bytes:
                self.on_bytes(self.size)

    def _read_stretch(self, stretch: _Stretch) -> Generator[RowBatch, None, list[RowBatch | _Stretch]]:
        """Physical lines of ``stretch`` read again as rows (from the header's point of view), after an unclosed quote.

        A bounded stretch (at most one batch) is read in memory, in small
        blocks, so that each further runaway quote in it costs one small block.
        """
        first, last = stretch.first, stretch.last
        if last is not None and first > last:
            return []
        source = self.lines_of_file
        if last is None:
            if self.on_bytes:
                self.on_bytes(source.offset_of(first))
            stream = _Prefixed(self.header, source.stream(first))
            return (yield from self._parse(stream, first, None, source, self.block_size))
        data = source.read(first, last)
        if not data.strip(b"\r\n"):
            return []
        in_memory = _Lines(data=data, first_line=first)
        block_size = min(self.block_size, AGAIN_BLOCK_SIZE)
        return (yield from self._parse(io.BytesIO(self.header + data), first, last, in_memory, block_size))

    def _count_unclosed(self, line: int) -> None:
        """One more unclosed quote found; past MAX_UNCLOSED_QUOTES the file's quoting is not CSV: stop."""
        self.unclosed_quotes += 1
        if self.unclosed_quotes > MAX_UNCLOSED_QUOTES:
            raise ImportInputError(
                Problem(
                    str(self.path),
                    line,
                    "row",
                    f"more than {MAX_UNCLOSED_QUOTES:,} unclosed quotes (this is the next one); the file's quoting "
                    "is broken, so it was not read further: fix the quotes, or export it again with every field "
                    "quoted",
                )
            )

    def _parse(
        self,
        stream,
        first_line: int,
        last_line: int | None,
        source: _Lines,
        block_size: int,
        hashing: HashingReader | None = None,
    ) -> Generator[RowBatch, None, list[RowBatch | _Stretch]]:
        """Rows of ``stream`` (header, then rows from physical line ``first_line``), checked for runaway quotes.

        At the first unclosed quote it stops and returns what is to be read
        next (stretches of lines, and batches of problems between them), in
        file order; otherwise it returns an empty list at the end.
        """
        refused: list[tuple[int, int, str, str]] = []  # (record number, newlines inside it, message, its text)
        gaps: list[int] = []  # per refused record: how many parsed records come before it
        shift = first_line - 2  # record 2 of the stream is physical line first_line

        def handler(row) -> str:
            text = row.text or ""
            message = f"expected {row.expected_columns} fields, found {row.actual_columns}"
            gaps.append(row.number - 2 - len(refused))
            refused.append((row.number, text.count("\n"), message, text if "\n" in text else ""))
            return "skip"

        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=block_size),
            parse_options=pacsv.ParseOptions(
                delimiter=self.delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=handler
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
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as exc:
                    if "straddl" not in str(exc):
                        raise ImportInputError(
                            Problem(str(self.path), last_record + carry + shift + 1, "", f"cannot read as CSV: {exc}")
                        ) from None
                    rest = [r for r in refused[done:] if r[0] > last_record]
                    if rest:
                        _, refused_lines, carry = _lines(
                            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), rest, carry
                        )
                        end = max(r[0] for r in rest) + carry + shift
                        if any(r[3] for r in rest):  # a quote ran on: everything after it is read again
                            return [
                                *self._refused_batches(refused_lines + shift, rest, end),
                                _Stretch(end + 1, last_line),
                            ]
                        # No refused row spans lines here, so these are batches of problems only.
                        before = self._refused_batches(refused_lines + shift, rest, end)
                        yield from (item for item in before if isinstance(item, RowBatch))
                        last_record = max(r[0] for r in rest)
                    return self._after_runaway(last_record + carry + shift + 1, last_line, source, block_size)
                n = batch.num_rows
                if n == 0:
                    continue
                k = parsed + np.arange(n, dtype=np.int64)
                records = k + 2 + np.searchsorted(np.asarray(gaps, dtype=np.int64), k, side="right")
                parsed += n
                newlines, empty = _newlines_and_empty(batch)
                upto = int(records[-1])
                mine = [r for r in refused[done:] if r[0] < upto]
                done += len(mine)
                lines, refused_lines, carry = _lines(records, newlines, mine, carry)
                lines, refused_lines = lines + shift, refused_lines + shift
                last_record = upto
                keep = ~empty
                found = self._runaways(batch, lines, newlines, refused_lines, mine)
                problems = [RowProblem(int(line), "row", r[2]) for line, r in zip(refused_lines, mine)]
                if hashing is not None and self.on_bytes:
                    self.on_bytes(hashing.bytes_read)
                if not found:
                    table = pa.Table.from_batches([batch])
                    if not keep.all():
                        table = table.filter(pa.array(keep))
                    yield RowBatch(_decode(table), lines[keep], problems, int(empty.sum()))
                    continue
                # The first runaway quote: the rows before it stand; from the line after its
                # opening line to the end of this batch, the lines are read again as rows.
                first, opened, last, message = found[0]
                self._count_unclosed(opened)
                keep &= lines < first
                table = pa.Table.from_batches([batch]).filter(pa.array(keep))
                problems = [p for p in problems if p.line < first]
                problems.append(RowProblem(opened, "row", _unclosed(opened, last, message)))
                yield RowBatch(_decode(table), lines[keep], problems, int((empty & (lines < first)).sum()))
                # This reader is left here: the rest of its batch, then the lines after it, are read afresh.
                end = upto + carry + shift
                return [_Stretch(opened + 1, end), _Stretch(end + 1, last_line)]
            rest = [r for r in refused[done:] if r[0] > last_record]
            if rest:
                _, refused_lines, carry = _lines(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), rest, carry)
                return self._refused_batches(refused_lines + shift, rest, max(r[0] for r in rest) + carry + shift)
            return []
        finally:
            if hashing is None:
                stream.close()

    def _runaways(self, batch, lines, newlines, refused_lines, mine) -> list[tuple[int, int, int, str]]:
        """Where a quote ran on in this batch, as (row's first line, line its quote opened on, row's last
        line, parser's message), in line order: the first refused row that spans lines, and the first row
        before it that swallowed the rows after it. Stops at the first of each: the lines after a runaway
        are read again."""
        expected = len(self.columns)
        found = []  # (row's first line, line its quote opened on, row's last line, parser's message)
        for line, r in zip(refused_lines, mine):
            if r[3]:  # refused and spanning lines: a quote ran on
                opened = int(line) + _opening_offset(r[3], self.delimiter)
                found.append((int(line), opened, int(line) + r[1], r[2]))
                break  # only the first runaway counts: the lines after it are read again
        # Rows that span lines, in order, up to the first runaway: each costs Python time, and a
        # file with a stray quote on every row would otherwise have every one checked on every re-read.
        first_runaway = found[0][0] if found else None
        for i in np.flatnonzero(newlines > 0) if expected >= MIN_COLUMNS_TO_SPOT else ():
            if first_runaway is not None and lines[i] >= first_runaway:
                break
            values = [batch.column(c)[i].as_py() for c in range(batch.num_columns)]
            swallowed_at = _swallowed(values, int(lines[i]), self.delimiter, expected)
            if swallowed_at is not None:
                found.append((int(lines[i]), swallowed_at, int(lines[i] + newlines[i]), ""))
                break
        found.sort()
        return found

    def _refused_batches(self, lines, refused, end: int) -> list[RowBatch | _Stretch]:
        """Rows the parser refused after its last good row; from one that spans lines, what to read again to ``end``."""
        problems = []
        for line, r in zip(lines, refused):
            line = int(line)
            if r[3]:  # it spans lines: refused because a quote ran on
                opened = line + _opening_offset(r[3], self.delimiter)
                self._count_unclosed(opened)
                problems.append(RowProblem(opened, "row", _unclosed(opened, line + r[1], r[2])))
                return [_problems_batch(self.columns, problems), _Stretch(opened + 1, end)]
            problems.append(RowProblem(line, "row", r[2]))
        return [_problems_batch(self.columns, problems)]

    def _after_runaway(
        self, first: int, last: int | None, source: _Lines, block_size: int
    ) -> list[RowBatch | _Stretch]:
        """After a quoted field ran past a whole block: find its row with Python's csv; what to read after it."""
        expected = len(self.columns)
        limit = csv.field_size_limit()
        csv.field_size_limit(block_size)
        start = first
        try:
            with source.stream(first) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
                reader = csv.reader(text, delimiter=self.delimiter)
                while True:
                    start = first + reader.line_num
                    try:
                        row = next(reader)
                    except StopIteration:
                        raise ImportInputError(
                            Problem(
                                str(self.path),
                                first,
                                "",
                                f"a quoted field runs on past {_mb(block_size)}; cannot split it into rows",
                            )
                        ) from None
                    except csv.Error:  # the runaway field: larger than a block
                        break
                    span = first + reader.line_num - 1 - start
                    if span and (len(row) != expected or _swallowed(row, start, self.delimiter, expected) is not None):
                        break
        finally:
            csv.field_size_limit(limit)
        self._count_unclosed(start)
        # The runaway row is the opening line alone: the lines before it, then everything after it, are read again.
        problem = RowProblem(start, "row", _unclosed(start, None, reach=block_size))
        return [_Stretch(first, start - 1), _problems_batch(self.columns, [problem]), _Stretch(start + 1, last)]


@dataclass
class _Stretch:
    """Physical lines ``first`` to ``last`` (to the end of the file when None), to be read as rows of their own."""

    first: int
    last: int | None


def _newlines_and_empty(batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``batch``: the newlines inside its fields (a row's lines, to keep line numbers true)
    and whether every field is empty (a blank line, counted but not imported)."""
    n = batch.num_rows
    newlines = np.zeros(n, dtype=np.int64)
    empty = np.ones(n, dtype=bool)
    for column in batch.columns:
        newlines += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        empty &= pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
    return newlines, empty


def _problems_batch(columns, problems: list[RowProblem]) -> RowBatch:
    """A batch with no rows, only problems (rows the parser refused, unclosed quotes)."""
    return RowBatch(_decode(_empty_table(columns)), np.zeros(0, dtype=np.int64), problems)


MAX_UNCLOSED_QUOTES = 100  # past this many, a file's quoting is broken throughout: reading it further is refused


MIN_COLUMNS_TO_SPOT = 5  # below this, a notes line with a row's worth of delimiters is too likely


def _swallowed(values: list, line: int, delimiter: str, expected: int) -> int | None:
    """The line where a quote opened, if a row that spans lines swallowed whole rows, else None.

    The row's text (its fields joined by the delimiter) is split into its
    physical lines; a line after the first with at least a row's worth of
    delimiters (expected - 1) was a row of its own, read as quoted text. The
    answer is the line of the field that holds the first line break.
    """
    texts = [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else (v or "") for v in values]
    joined = delimiter.join(texts)
    pieces = joined.split("\n")
    if not any(p.count(delimiter) >= expected - 1 for p in pieces[1:]):
        return None
    before = 0
    for text in texts:
        if "\n" in text:
            return line + before
        before += text.count("\n")
    return line


def _opening_offset(text: str, delimiter: str) -> int:
    """Lines from a refused row's first line to the quote that opened the field holding its first line break."""
    opened = 0
    for event, i in _quote_events(text, delimiter):
        if event == "open":
            opened = i
        elif event == "break":
            return text.count("\n", 0, opened)
    return 0


def _mb(size: int) -> str:
    return f"{size / (1 << 20):g} MB"


def _unclosed(opened: int, last: int | None, found: str = "", reach: int = BLOCK_SIZE) -> str:
    """The message for a quote that ran on: where it opened, how far it took the lines after it."""
    if last is None:
        text = f"its text runs on past {_mb(reach)}"
    elif last > opened + 1:
        text = f"lines {opened + 1}-{last} were read as its text"
    elif last > opened:
        text = f"line {last} was read as its text"
    else:
        text = "it runs on"
    return f"unclosed quote opened on line {opened} ({text}" + (f"; {found}" if found else "") + "); close or remove it"


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
