"""conflictmap: a curated, sourced events file as a linked map and timeline.

The pipeline runs in one direction, each step a plain function over a table:

    load_events (events.py)      events file -> validated EventsFile
    events_table (table.py)      EventsFile  -> one row per event (pandas)
    geocode_table (geocode.py)   table       -> table with coordinates + provenance
    filter_events (view.py)      table, ViewState -> the rows a view shows
    conflictmap.exports          filtered table -> csv, geojson, kml, timelinejs files
    dashboard (mapfigure.py...)  filtered table -> plotly figures, and the exports drawn with them
"""

from conflictmap.errors import EventsFileError, Problem

__all__ = ["EventsFileError", "Problem"]
__version__ = "0.1.0"
