"""The plotly ``config`` of every chart, in the app and in the offline HTML export.

Why a whitelist: plotly.js 4 (bundled by plotly 7 and Dash 4) adds a "Share
chart..." button to every modebar by default (``showSendToCloud`` defaults to
true, ``plotlyServerURL`` to a cloud service) that uploads the figure, events
included. A tool whose promise is that nothing leaves the machine must not
offer it, nor the logo's link to plotly.com. With an explicit
``modeBarButtons`` list plotly builds the bar from that list alone, so no
default button (this one or a future one) can appear; the cloud flags are
turned off and the server URL emptied as well, so even a button added by
other code has nowhere to send to.

The buttons kept are the ones the views need: the map's pan, box and lasso
select (what "keep these events bright on the timeline" uses); the strip's
zoom, pan, brush and reset along the date axis. The app's own Download menu
makes images, so no chart offers its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the exports use these configs without loading Dash's components
    from dash.dcc import Graph

#: Modebar buttons that send data or open a page elsewhere; never shown.
OUTBOUND_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio", "showLink")

MAP_BUTTONS = ("pan2d", "select2d", "lasso2d")
STRIP_BUTTONS = ("zoom2d", "pan2d", "select2d", "resetScale2d")

_OFFLINE: Graph.Config = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": list(OUTBOUND_BUTTONS),
    "responsive": True,
}


def graph_config(
    buttons: tuple[str, ...] = (), *, scroll_zoom: bool = False, show: Literal[True, False, "hover"] = True
) -> Graph.Config:
    """A chart's config: only ``buttons`` in its modebar (none: no modebar), nothing outbound.

    ``show="hover"`` keeps the bar hidden until the pointer is over the chart.
    """
    if set(buttons) & set(OUTBOUND_BUTTONS):
        raise ValueError(f"outbound modebar buttons are never offered: {buttons}")
    config: Graph.Config = {**_OFFLINE, "scrollZoom": scroll_zoom}
    if buttons and show:
        config["displayModeBar"] = show
        config["modeBarButtons"] = [list(buttons)]
    else:
        config["displayModeBar"] = False
    return config


MAP_CONFIG = graph_config(MAP_BUTTONS, scroll_zoom=True, show="hover")
STRIP_CONFIG = graph_config(STRIP_BUTTONS)
LANES_CONFIG = graph_config()
#: The HTML export's timeline (lanes with their own date axis): its bar shows only under the pointer.
EXPORT_TIMELINE_CONFIG = graph_config(STRIP_BUTTONS, show="hover")
