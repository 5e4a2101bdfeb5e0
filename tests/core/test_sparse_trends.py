"""A trend whose twelve months hold items in one or two only is shown as its table, without
a chart per row (on the home page such charts pushed the notifications down by thousands of
pixels); a trend spread over the year keeps its charts."""

from types import SimpleNamespace

from iconet.dashboard.panels import trend_show

COLUMNS = [f"M{n}" for n in range(1, 13)]


def trend(*rows):
    data = {
        "columns": COLUMNS,
        "rows": [
            {"key": f"r{i}", "label": f"Row {i}", "cells": cells} for i, cells in enumerate(rows)
        ],
    }
    return SimpleNamespace(data=lambda user: data)


def test_a_trend_of_one_or_two_months_is_a_table_without_charts():
    one_month = trend([0] * 11 + [3], [0] * 11 + [1])
    shown = trend_show(one_month, user=None)
    assert shown["sparse"] and shown["charts"] == [] and len(shown["rows"]) == 2
    two_months = trend([0] * 10 + [1, 2], [None] * 12)
    assert trend_show(two_months, user=None)["sparse"]


def test_a_trend_spread_over_the_year_keeps_its_charts():
    spread = trend([1, 0, 2, 0, 0, 3] + [0] * 6)
    shown = trend_show(spread, user=None)
    assert not shown["sparse"] and len(shown["charts"]) == 1
