"""Maintenance scripts (schemas, gazetteer, base map, screenshots), run from the repository root as modules.

``python -m scripts.write_schemas``, ``python -m scripts.build_gazetteer``,
``python -m scripts.build_basemap``, ``python -m scripts.screenshot``: they import
conflictmap, geodata and dashboard as packages, never by editing ``sys.path``.
``scripts/dev.py`` is the exception that proves it: it runs on the system Python
before anything is installed, as ``python3 scripts/dev.py``, and imports nothing of ours.
"""
