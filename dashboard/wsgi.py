"""WSGI entry point for production servers.

    CONFLICTMAP_EVENTS=/path/to/events.yaml gunicorn --preload -w 2 -b 127.0.0.1:8050 dashboard.wsgi:server

With ``--preload`` the dataset and the app are built once, in gunicorn's master, before it forks
the workers: the workers share those pages (the columns' buffers are never written, and the objects
built at start are frozen out of the collector, which would otherwise touch and so copy them), so
four workers take little more memory than one. Without it each worker loads its own copy at import.
The app keeps no per-user state on the server (the view lives in each browser's URL).
"""

import os

from conflictmap.paths import default_events_path
from dashboard.serving import served_app

app = served_app(os.environ.get("CONFLICTMAP_EVENTS") or default_events_path())
server = app.server
