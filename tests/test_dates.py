"""Event dates in words: each precision keeps what the reader may and may not assume."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conflictmap.dates import PRECISION_LEGEND, describe_date, precision_label
from conflictmap.vocabulary import DATE_PRECISIONS

D = dt.date


@pytest.mark.parametrize(
    "start,end,precision,expected",
    [
        (D(2017, 10, 22), D(2017, 10, 22), "day", "Sun 22 Oct 2017"),
        (D(2017, 8, 31), D(2017, 8, 31), "by", "by Thu 31 Aug 2017 (no later than)"),
        (D(2017, 10, 24), D(2017, 10, 24), "reported", "on or before Tue 24 Oct 2017 (date of report)"),
        (D(2017, 10, 16), D(2017, 10, 22), "week", "16 Oct – 22 Oct 2017 (week, day unknown)"),
        (D(2017, 10, 16), D(2017, 10, 26), "range", "16 Oct – 26 Oct 2017 (range, day unknown)"),
        (D(2017, 10, 1), D(2017, 10, 31), "month", "Oct 2017 (month, day unknown)"),
        (D(2017, 12, 28), D(2018, 1, 3), "week", "28 Dec 2017 – 03 Jan 2018 (week, day unknown)"),
        (D(2017, 10, 9), D(2017, 10, 15), "range", "09 Oct – 15 Oct 2017 (range, day unknown)"),
    ],
)
def test_describe_date(start, end, precision, expected):
    assert describe_date(start, end, precision) == expected


def test_deadline_and_report_are_worded_differently():
    day = D(2017, 8, 31)
    by, reported = describe_date(day, day, "by"), describe_date(day, day, "reported")
    assert by != reported
    assert "report" not in by and "no later than" in by
    assert "report" in reported


def test_timestamps_and_missing_values():
    start, end = pd.Timestamp("2017-10-16"), pd.Timestamp("2017-10-22")
    assert describe_date(start, end, "week") == "16 Oct – 22 Oct 2017 (week, day unknown)"
    assert describe_date(pd.Timestamp("2017-10-22"), None, "day") == "Sun 22 Oct 2017"
    assert describe_date(pd.NaT, pd.NaT, "day") == "date unknown"
    assert describe_date(None) == "date unknown"
    assert describe_date("2017-10-22", "2017-10-22", "day") == "Sun 22 Oct 2017"


def test_a_month_that_is_not_whole_is_a_span():
    assert describe_date(D(2017, 10, 2), D(2017, 10, 31), "month") == "02 Oct – 31 Oct 2017 (month, day unknown)"


def test_every_precision_has_a_legend_label():
    assert set(PRECISION_LEGEND) == set(DATE_PRECISIONS)
    for precision in DATE_PRECISIONS:
        assert precision_label(precision) and precision_label(precision) != precision
    assert precision_label("unheard-of") == "unheard-of"
