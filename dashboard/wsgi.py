"""WSGI entry point for production servers.

    CONFLICTMAP_EVENTS=/path/to/events.yaml gunicorn -w 2 -b 127.0.0.1:8050 dashboard.wsgi:server

The dataset is loaded once per worker at import; the app keeps no per-user
state on the server (the view lives in each browser's URL).
"""

import os

from dashboard.app import create_app, keep_for_the_process

app = keep_for_the_process(create_app(os.environ.get("CONFLICTMAP_EVENTS") or None))
server = app.server
