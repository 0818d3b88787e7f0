"""What the offline HTML export says about versions (README "Production" lists what remains).

The page names no Dash, plotly.py, Flask or Python version, and plotly.js's banner (the line version
scanners read) no version; its copyright and licence lines stay. The bundled code itself still holds
its libraries' own version strings, as any copy of them does: that is stated, not hidden.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path

from plotly.offline import get_plotlyjs

from conflictmap.pipeline import load_dataset
from dashboard.exports.page import build_html

ROOT = Path(__file__).resolve().parent.parent


@cache
def exported() -> str:
    return build_html(load_dataset(ROOT / "events.yaml"))


def test_no_dash_plotly_py_flask_or_python_version():
    page = exported()
    for name in ("dash", "plotly", "flask", "werkzeug"):
        v = version(name)
        assert not re.search(rf"(?<![\d.]){re.escape(v)}(?![\d.])", page), (name, v)
    python = ".".join(str(x) for x in sys.version_info[:3])
    assert python not in page


def test_the_plotlyjs_banner_names_no_version_but_keeps_its_copyright():
    original = get_plotlyjs()
    assert re.match(r"\s*/\*\*\s*\n\s*\*\s*plotly\.js v\d", original), original[:80]  # what was there
    page = exported()
    assert not re.search(r"plotly\.js v\d", page)
    banner = page[page.index("/**\n* plotly.js") :][:200]
    assert "Copyright" in banner and "MIT license" in banner, banner
