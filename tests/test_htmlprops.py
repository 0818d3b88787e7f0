"""Wildcard props (aria-*, data-*) handed to Dash's typed components (dashboard/htmlprops.py)."""

from __future__ import annotations

import pytest
from dash import html

from dashboard.htmlprops import wildcard_props


def test_wildcard_props_reach_the_component_as_attributes():
    div = html.Div(id="count", **wildcard_props({"aria-live": "polite", "data-event-id": "E1"}))
    assert div.to_plotly_json()["props"] == {
        "children": None,
        "id": "count",
        "aria-live": "polite",
        "data-event-id": "E1",
    }


def test_a_typed_prop_is_refused_so_it_cannot_slip_past_the_type_check():
    with pytest.raises(ValueError, match="hidden"):
        wildcard_props({"aria-label": "Filters", "hidden": "true"})
