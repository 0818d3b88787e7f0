"""Write the JSON Schemas of the events and briefing files into schema/ (or check them with --check).

The schemas are generated from the models in conflictmap/schema.py, which
also validate; run this after changing a model or the vocabulary, and commit
the result. ``--check`` exits 1, naming the stale files, when the committed
copies differ from what the code generates (tests/test_schema.py checks the same).

    python -m scripts.write_schemas [--check]     # from the repository root

It imports conflictmap as installed (``scripts/dev.py`` installs it editable), so
``python scripts/write_schemas.py`` works too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conflictmap.schema import schema_texts, write_schema_files

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a committed schema is stale")
    parser.add_argument("--folder", type=Path, default=ROOT / "schema", help="where the schema files live")
    args = parser.parse_args(argv)
    if args.check:
        stale = [
            name
            for name, text in schema_texts().items()
            if not (args.folder / name).exists() or (args.folder / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"{args.folder / name}: stale; run python -m scripts.write_schemas", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schema_files(args.folder):
        print(f"{path}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
