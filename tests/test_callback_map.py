"""The app's callbacks, as the browser is told them, against a snapshot recorded before issue 20's split.

``/_dash-dependencies`` is what the page's renderer acts on (each callback's outputs, inputs, states,
``prevent_initial_call``, clientside function, background flag); ``app.callback_map`` is the server's
routing of the same callbacks. Moving the callbacks into modules by feature must change neither, so
both are compared with ``tests/fixtures/callbacks/app_callbacks.json``, taken from the one-closure
controller before the move. Registration order is not part of it: the renderer orders callbacks by
their dependency graph, not by the order they were declared.

To record it again after a deliberate change to the wiring::

    python tests/test_callback_map.py > tests/fixtures/callbacks/app_callbacks.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dash import Dash

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "fixtures" / "callbacks" / "app_callbacks.json"


def callback_signature(app: Dash) -> dict:
    """Every callback keyed by its output: what the browser is sent and what the server routes."""
    dependencies = app.server.test_client().get("/_dash-dependencies").get_json()
    return {
        "dependencies": {entry["output"]: entry for entry in dependencies},
        "callback_map": {
            output: {"inputs": entry["inputs"], "state": entry["state"]} for output, entry in app.callback_map.items()
        },
    }


def app_signature() -> dict:
    from dashboard.app import create_app

    return callback_signature(create_app(ROOT / "events.yaml"))


def test_the_callbacks_are_those_recorded_before_the_split():
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(app_signature()))  # the same JSON types as the snapshot's
    for part in ("dependencies", "callback_map"):
        assert sorted(now[part]) == sorted(recorded[part]), f"{part}: callbacks added or removed"
        for output, entry in recorded[part].items():
            assert now[part][output] == entry, f"{part}: {output} changed"


if __name__ == "__main__":
    json.dump(app_signature(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
