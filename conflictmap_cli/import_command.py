"""``conflictmap import FILE -o STORE``: the options of ``conflictmap.importers.import_file``."""

from __future__ import annotations

import argparse
from pathlib import Path

from conflictmap_cli.common import EXIT_OK, add_progress_flag


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import",
        help="import an ACLED export, any CSV (with a column mapping), GeoJSON or an events file into a store",
        description=(
            "Read FILE and write the columnar store STORE (a folder of Parquet files) that `conflictmap serve "
            "STORE` and `load_dataset(STORE)` open without parsing FILE again. Bad rows are reported as "
            "FILE:LINE: column: message (line 1 is the header)."
        ),
    )
    p.add_argument(
        "file", type=Path, metavar="FILE", help="the file to import: an ACLED export, a CSV, GeoJSON or an events file"
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="STORE", help="store folder to write")
    p.add_argument(
        "--on-error",
        choices=("fail", "skip"),
        default="fail",
        help="fail: stop at the first bad row, write nothing (default); skip: leave bad rows out, report each",
    )
    p.add_argument("--format", choices=("acled", "csv", "geojson", "yaml"), help="default: from the file")
    p.add_argument(
        "--groups", type=Path, metavar="GROUPS.yaml", help="actor name -> faction rules (default: the bundled file)"
    )
    p.add_argument("--mapping", type=Path, metavar="MAPPING.yaml", help="column mapping for --format csv/geojson")
    add_progress_flag(p)
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Bad rows and unreadable input are typed errors (BadRowError, ImportInputError): see common.report_error."""
    from conflictmap.importers import import_file

    summary = import_file(
        args.file,
        args.output,
        fmt=args.format,
        on_error=args.on_error,
        groups=args.groups,
        mapping=args.mapping,
        progress=args.progress,
    )
    print(summary.line())
    return EXIT_OK
