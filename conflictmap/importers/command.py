"""``conflictmap import FILE -o STORE``: the command line over conflictmap.importers.import_file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID = 0, 1


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
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: on when stderr is a terminal)",
    )
    p.set_defaults(func=cmd_import)


def cmd_import(args) -> int:
    from conflictmap.importers import BadRowError, ImportInputError, import_file

    try:
        summary = import_file(
            args.file,
            args.output,
            fmt=args.format,
            on_error=args.on_error,
            groups=args.groups,
            mapping=args.mapping,
            progress=args.progress,
        )
    except BadRowError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"conflictmap: stopped at the first bad row, line {exc.problems[0].line} (--on-error fail); "
            f"nothing was written. --on-error skip imports the other rows and lists every bad one.",
            file=sys.stderr,
        )
        return EXIT_INVALID
    except ImportInputError as exc:
        print(exc.problem, file=sys.stderr)
        return EXIT_INVALID
    print(summary.line())
    return EXIT_OK
