"""Where things are found by default: the events file, and the bundled example (events.yaml, seeds/, briefings/).

In a clone it is the repository's own ``events.yaml``; installed from a wheel
it is shipped as data files under ``<prefix>/share/conflictmap/`` (see
``[tool.setuptools.data-files]`` in pyproject.toml), keeping the layout the
events file relies on: ``seeds/`` for the quoted documents and
``briefings/`` beside it. The core owns this lookup so that the app and the
command line share it without importing each other.
"""

from __future__ import annotations

import sys
import sysconfig
from importlib import metadata
from pathlib import Path

from conflictmap.errors import ConflictmapError

EVENTS_NAME = "events.yaml"
SHARE = Path("share") / "conflictmap"


class NoEventsFileError(ConflictmapError):
    """No events file was given and no bundled example could be found."""


def default_events_path(cwd: Path | None = None) -> Path:
    """``events.yaml`` in the current folder, else the bundled example.

    The current folder comes first so that ``conflictmap serve`` in a folder
    holding your own events file shows yours.
    """
    here = (cwd or Path.cwd()) / EVENTS_NAME
    if here.is_file():
        return Path(EVENTS_NAME) if cwd is None else here
    return bundled_events_path()


def bundled_events_path() -> Path:
    """The example shipped with conflictmap; raises NoEventsFileError if it was not installed."""
    for candidate in _candidates():
        if candidate.is_file():
            return candidate
    raise NoEventsFileError(
        "no events file given and no events.yaml in this folder, and the bundled example is not installed: "
        "pass the events file, e.g. `conflictmap serve path/to/events.yaml`"
    )


def _candidates() -> list[Path]:
    # A source checkout or editable install: the repository root above the package.
    found = [Path(__file__).resolve().parent.parent / EVENTS_NAME]
    # An installed wheel: the distribution's own record of where its data files went
    # (right for venvs, --user and --prefix installs alike).
    try:
        files = metadata.files("conflictmap") or []
    except metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == EVENTS_NAME and Path(*f.parts[-3:-1]) == SHARE:
            found.append(Path(str(f.locate())).resolve())
    # Fallbacks when the record is missing: the interpreter's data prefixes.
    for prefix in (sysconfig.get_path("data"), sys.prefix):
        found.append(Path(prefix) / SHARE / EVENTS_NAME)
    return found
