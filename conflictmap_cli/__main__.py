"""``python -m conflictmap_cli``: the same as the ``conflictmap`` command."""

import sys

from conflictmap_cli import main

sys.exit(main())
