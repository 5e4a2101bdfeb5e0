"""The charts of `iconet.dashboard.charts`, as the `bar_chart` tags write them: an SVG named
for a screen reader, its coordinates unlocalized whatever the reader's language (a decimal
comma or a thousands separator would break the drawing), the figures it shows in the reader's
number format, and labels escaped."""

import re

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from iconet.dashboard.charts import bar_chart, bar_chart_horizontal

PAGE = Template(
    "{% load iconet_tags %}{% bar_chart chart 'chart-x' %}"
    "{% bar_chart_horizontal across 'stats-x' %}"
)
COLUMNS = ["Jan", "Feb", "<b>Mar</b>"]


def drawn(language: str) -> str:
    chart = bar_chart({"cells": [12500, None, 3]}, COLUMNS, width=480, height=190)
    across = bar_chart_horizontal([("Syria & Iraq, a country name much too long", 12500)])
    with translation.override(language):
        return PAGE.render(Context({"chart": chart, "across": across}))


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_a_chart_draws_with_plain_coordinates_and_shows_figures_in_the_readers_format():
    for language, figure in (("en", "12,500"), ("fr", "12\xa0500")):
        svg = drawn(language)
        assert svg.count('role="img"') == 2
        assert 'aria-labelledby="chart-x"' in svg and 'aria-labelledby="stats-x"' in svg
        coordinates = re.findall(r' (?:x|y|width|height|x1|y1|x2|y2)="([^"]*)"', svg)
        assert coordinates and all(re.fullmatch(r"-?\d+", value) for value in coordinates)
        assert 'viewBox="0 0 480 190"' in svg
        # each bar's title and label show the figure as the reader writes numbers
        assert f"<title>Jan: {figure}</title>" in svg and f">{figure}</text>" in svg
        assert "<title>Feb: —</title>" in svg  # a month without a figure
        assert "&lt;b&gt;Mar&lt;/b&gt;" in svg and "<b>" not in svg
        assert ">Syria &amp; Iraq, a country nam…</text>" in svg  # a long label is cut
