"""One import, start to finish: read in batches, check, convert, write the store.

Memory stays bounded by one batch (plus the ids seen, to refuse duplicates):
each batch is converted and appended to the store's Parquet files as a row
group, so a 1,000,000-row export never sits in memory as text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from conflictmap.controlstatements import empty_statements
from conflictmap.errors import ConflictmapError, Problem
from conflictmap.importers.build import SourceDocument, assemble, event_schema
from conflictmap.importers.groups import ActorGroups, load_groups
from conflictmap.importers.rows import CsvRows, ImportInputError, RowProblem
from conflictmap.progress import advance_to, reporting, say, should_show, task
from conflictmap.store import StoreWriter, table_to_arrow
from conflictmap.table import empty_places

FORMATS = ("acled", "csv", "geojson", "yaml")
ON_ERROR = ("fail", "skip")


class BadRowError(ConflictmapError):
    """``--on-error fail``: the first bad row, with every problem it has."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ImportSummary:
    file: str
    store: str
    format: str
    rows_read: int = 0
    kept: int = 0
    rejected: int = 0
    blank_lines: int = 0
    seconds: float = 0.0
    sha256: str = ""
    problems: int = 0

    def line(self) -> str:
        return (
            f"{self.file}: {self.rows_read:,} rows read, {self.kept:,} kept, {self.rejected:,} rejected"
            + (f", {self.blank_lines:,} blank lines ignored" if self.blank_lines else "")
            + f" -> {self.store} ({self.format}, {self.seconds:.1f} s)"
        )


def detect_format(path: Path, columns: list[str] | None = None) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if columns is not None and looks_like_acled(columns):
        return "acled"
    return "csv"


def looks_like_acled(columns: list[str]) -> bool:
    """ACLED's export, even with some columns missing: its id column, or most of its column set.

    Then a missing column is named as ACLED's, instead of pointing at
    ``--mapping`` as if the file were some other CSV.
    """
    from conflictmap.importers.acled import REQUIRED

    have = {c.strip().casefold() for c in columns}
    return "event_id_cnty" in have or sum(c in have for c in REQUIRED) >= len(REQUIRED) // 2


def import_file(
    path: Path | str,
    store: Path | str,
    fmt: str | None = None,
    on_error: str = "fail",
    groups: Path | str | ActorGroups | None = None,
    mapping: Path | str | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    progress: bool | None = None,
) -> ImportSummary:
    """Import ``path`` into the store folder ``store``; see ``conflictmap import --help``.

    Bad rows go to ``on_problem`` as they are found (``FILE:LINE: column:
    message``). With ``on_error="fail"`` the first bad row raises BadRowError
    and nothing is written; with ``"skip"`` bad rows are left out and counted.
    """
    path, store = Path(path), Path(store)
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}")
    _check_input(path)
    started = time.perf_counter()
    columns = None
    if fmt is None and path.suffix.lower() not in (".yaml", ".yml", ".geojson", ".json"):
        from conflictmap.importers.rows import read_header, sniff_delimiter

        columns, _ = read_header(path, sniff_delimiter(path))
    fmt = fmt or detect_format(path, columns)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    if fmt == "yaml":
        summary = _import_yaml(path, store)
    else:
        group_rules = groups if isinstance(groups, ActorGroups) else load_groups(groups)
        summary = _import_rows(path, store, fmt, on_error, group_rules, mapping, on_problem, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _check_input(path: Path) -> None:
    """Only a regular file is read (a folder, FIFO or device would fail or hang the reader)."""
    import os
    import stat

    from conflictmap.inputs import os_error_message

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError) as exc:
        raise ImportInputError(Problem(str(path), 1, "", os_error_message(exc))) from None
    if not stat.S_ISREG(mode):
        kind = "is a folder, not a file" if stat.S_ISDIR(mode) else "is not a regular file"
        raise ImportInputError(Problem(str(path), 1, "", kind))


def _import_yaml(path: Path, store: Path) -> ImportSummary:
    """A curated events file: validated whole (any problem fails the import), then stored as is."""
    import hashlib

    from conflictmap.pipeline import load_dataset
    from conflictmap.store import write_store

    dataset = load_dataset(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    write_store(dataset, store, source={"file": str(path), "sha256": sha, "format": "yaml"}, protect=(path,))
    n = len(dataset.events)
    return ImportSummary(str(path), str(store), "yaml", rows_read=n, kept=n, sha256=sha)


def _converter_for(fmt: str, path: Path, mapping):
    if fmt == "acled":
        from conflictmap.importers.acled import AcledConverter

        return AcledConverter()
    from conflictmap.importers.mapping import MappingConverter, load_mapping

    return MappingConverter(load_mapping(mapping), path)


def _batches_for(fmt: str, path: Path, on_bytes):
    if fmt == "geojson":
        from conflictmap.importers.geojson import GeoJsonRows

        return GeoJsonRows(path, on_bytes)
    return CsvRows(path, on_bytes)


def _import_rows(path, store, fmt, on_error, groups, mapping, on_problem, progress) -> ImportSummary:
    """Progress (the bytes of the file read so far) on stderr when asked, or when stderr is a terminal."""
    with (
        reporting(should_show(progress)),
        task(f"importing {path.name}", total=path.stat().st_size, unit="bytes") as advance,
    ):
        return _import_batches(path, store, fmt, on_error, groups, mapping, on_problem, advance_to(advance))


def _import_batches(path, store, fmt, on_error, groups, mapping, on_problem, read_up_to) -> ImportSummary:
    converter = _converter_for(fmt, path, mapping)
    reader = _batches_for(fmt, path, read_up_to)
    if hasattr(converter, "bind"):
        converter.bind(reader.columns)
    missing = [c for c in converter.required if c not in reader.columns]
    if missing:
        raise ImportInputError(Problem(str(path), 1, "header", _missing_columns(fmt, missing, reader)))
    summary = ImportSummary(str(path), str(store), fmt)
    schema = event_schema(converter.extra_types)
    document = SourceDocument(
        id=converter.document_id,
        publisher=converter.publisher,
        title=f"{converter.publisher} data: {path.name}",
        file=str(path),
    )
    used: dict[str, set] = {}
    first_line: dict[str, int] = {}
    newest = None
    first_rejected = 0  # the first line rejected (--on-error skip), named when no row is left
    file = str(path)

    labels = getattr(reader, "column_labels", {})  # internal column names -> what the user's file calls them

    def label(column: str) -> str:
        return labels.get(column, column)

    def report(problem: Problem) -> None:
        summary.problems += 1
        if on_problem is None:
            say(str(problem))
        else:
            on_problem(problem)

    with StoreWriter(store, protect=(path,)) as writer:
        for batch in reader:
            n = batch.table.num_rows
            conv = converter.convert(batch.table, batch.lines) if n else None
            found = list(batch.refused) + (conv.problems if conv else [])
            if conv is not None:
                found += _duplicates(conv.columns["id"], batch.lines, first_line, converter.id_column)
            summary.rows_read += n + len(batch.refused)
            summary.blank_lines += batch.blank
            if found:
                found.sort(key=lambda p: p.line)
                if on_error == "fail":
                    first = found[0].line
                    problems = [Problem(file, p.line, label(p.column), p.message) for p in found if p.line == first]
                    raise BadRowError(problems)
                for p in found:
                    report(Problem(file, p.line, label(p.column), p.message))
                summary.rejected += len({p.line for p in found})
                first_rejected = min(first_rejected or found[0].line, found[0].line)
            if conv is None:  # an empty batch: only refused lines, counted above
                continue
            keep = np.ones(n, dtype=bool)
            keep[[p.row for p in found if p.row >= 0]] = False
            events, actors, sources = assemble(conv, keep, batch.lines, summary.kept, groups, document, schema, used)
            summary.kept += events.num_rows
            if events.num_rows:
                writer.append("events", events)
                writer.append("actors", actors)
                writer.append("sources", sources)
                newest = _newest(sources, newest)
        if summary.rows_read and summary.kept == 0:
            raise ImportInputError(Problem(file, first_rejected, "", _nothing_kept(summary)))
        if summary.kept == 0:  # a header and no rows: an empty store, as the file is
            writer.append("events", schema.empty_table())
            from conflictmap.importers.build import ACTOR_SCHEMA, SOURCE_SCHEMA

            writer.append("actors", ACTOR_SCHEMA.empty_table())
            writer.append("sources", SOURCE_SCHEMA.empty_table())
        factions = _factions_table(groups, used)
        writer.append("factions", factions)
        writer.append("documents", _documents_table(document, newest))
        writer.append("report", _empty_report())
        writer.append("places", table_to_arrow("places", empty_places()))
        writer.append("control", table_to_arrow("control", empty_statements()))  # a CSV states no control
        summary.sha256 = reader.sha256
        writer.commit(
            {
                "title": f"{path.name} ({converter.publisher})",
                "source": {
                    "file": str(path),
                    "sha256": reader.sha256,
                    "bytes": path.stat().st_size,
                    "format": fmt,
                },
                "groups": {"file": groups.file},
                "import": {
                    "rows_read": summary.rows_read,
                    "kept": summary.kept,
                    "rejected": summary.rejected,
                    "blank_lines": summary.blank_lines,
                    "on_error": on_error,
                },
            }
        )
    return summary


def _nothing_kept(summary: ImportSummary) -> str:
    """Every row rejected: a store with no event would look like a quiet import, so nothing is written."""
    return (
        f"every row was rejected ({summary.rows_read:,} rows read, 0 kept; the first rejected is on this line, "
        "the problems are listed above); nothing was written (--on-error skip writes a store only when some "
        "row is kept)"
    )


def _missing_columns(fmt: str, missing: list[str], reader) -> str:
    """What the header lacks, with what would explain it: the delimiter it was read with, or ACLED's columns."""
    from conflictmap.importers.acled import REQUIRED
    from conflictmap.importers.rows import DELIMITERS

    columns = reader.columns
    delimiter = getattr(reader, "delimiter", ",")
    message = f"missing {fmt.upper()} column(s): {', '.join(missing)}"
    if fmt == "acled":
        have = len(REQUIRED) - len(missing)
        message += (
            f" (the file looks like an ACLED export: it has {have} of the {len(REQUIRED)} columns the import needs)"
        )
    elif len(columns) == 1 and any(d in columns[0] for d in DELIMITERS):
        found = [DELIMITERS[d] for d in DELIMITERS if d in columns[0]]
        message += (
            f" (the header is one column that holds {', '.join(found)}; is the file separated by another character?)"
        )
    if delimiter != ",":
        message += f"; the file was read as separated by {DELIMITERS[delimiter]}"
    if fmt != "acled":
        if looks_like_acled(columns):
            message += "; it looks like an ACLED export: import it with --format acled"
        else:
            message += " (name the columns with --mapping MAPPING.yaml)"
    return message


def _duplicates(ids: pa.Array, lines: np.ndarray, first_line: dict[str, int], column: str) -> list[RowProblem]:
    """Rows whose id was used by an earlier row of the file (that first row is kept)."""
    values = ids.to_pylist()
    series = pd.Series(values, dtype=object)
    earlier = pd.Series(list(map(first_line.get, values)), dtype=object)
    blank = (series.isna() | (series == "")).to_numpy()
    within = series.duplicated().to_numpy() & ~blank
    seen_before = earlier.notna().to_numpy()
    if within.any():  # repeated inside this batch: point at the batch's first use
        first_use = series[~within & ~blank]
        first_at = pd.Series(lines[(~within & ~blank)], index=first_use.to_numpy())
        first_at = first_at[~first_at.index.duplicated()]
        repeat = within & ~seen_before
        earlier[repeat] = first_at.reindex(series[repeat].to_numpy()).to_numpy()
    new = ~blank & ~within & ~seen_before
    first_line.update(zip(series[new].tolist(), lines[new].tolist()))
    problems = []
    for i in np.flatnonzero(~blank & (within | seen_before)):
        message = f"duplicate id {values[i]!r} (first at line {int(earlier[i])})"
        problems.append(RowProblem(int(lines[i]), column, message, int(i)))
    return problems


def _newest(sources: pa.Table, newest):
    import pyarrow.compute as pc

    published = sources.column("published")
    if published.null_count == len(published):
        return newest
    top = pc.max(published.cast(pa.string())).as_py()
    return top if newest is None or (top and top > newest) else newest


def _factions_table(groups: ActorGroups, used: dict[str, set]) -> pa.Table:
    rows = groups.faction_rows(used)
    order = [f for f in groups.factions if f in used] + sorted(f for f in used if f not in groups.factions)
    return pa.table(
        {
            "faction": order,
            "name": [rows[f]["name"] for f in order],
            "side": [rows[f]["side"] for f in order],
            "colour": [rows[f]["colour"] for f in order],
            "aliases": ["|".join(sorted(used[f])) for f in order],
        },
        schema=pa.schema([(c, pa.string()) for c in ("faction", "name", "side", "colour", "aliases")]),
    )


def _documents_table(document: SourceDocument, newest) -> pa.Table:
    return pa.table(
        {
            "document": [document.id],
            "publisher": [document.publisher],
            "title": [document.title],
            "published": pa.array([newest], pa.string()),
            "url": pa.array([None], pa.string()),
            "file": [document.file],
        }
    )


def _empty_report() -> pa.Table:
    return pa.table(
        {
            "event_id": pa.array([], pa.string()),
            "field": pa.array([], pa.string()),
            "name": pa.array([], pa.string()),
            "status": pa.array([], pa.string()),
            "candidates": pa.array([], pa.string()),
            "line": pa.array([], pa.int64()),
        }
    )
