"""The app's callbacks by feature; each module's ``register(app, context)`` adds its own.

Each callback only unpacks Dash's arguments and calls a plain function of the
:class:`~dashboard.callbacks.context.AppContext` and those arguments, testable
without Dash's server or a browser (``tests/test_callbacks.py``).
"""

from __future__ import annotations

from dash import Dash

from dashboard.callbacks import briefing, control, details, downloads, event_list, key, places, url, views
from dashboard.callbacks.context import AppContext

FEATURES = (control, url, views, event_list, details, places, briefing, downloads, key)


def register_callbacks(app: Dash, context: AppContext) -> None:
    """Every feature's callbacks on ``app``."""
    for feature in FEATURES:
        feature.register(app, context)


__all__ = ["AppContext", "register_callbacks"]
