"""Small server-rendered bar charts, each shown beside a table of the same figures. Every page
that charts figures uses this module: `bar_chart` draws a value per column (vertical bars with
short labels under them, such as months), and `bar_chart_horizontal` a value per named row
(labels too long to stand under a bar, such as countries or categories). Templates write their
SVG with the `bar_chart` and `bar_chart_horizontal` tags (iconet_tags), which call `svg_of` and
`svg_of_horizontal` here: the markup of a chart is written once in Python rather than through
a dozen template variables per bar (the home page draws about twenty charts).

The SVG names itself for a screen reader (`role="img"`, `aria-labelledby` the caption's id).
Coordinates are written unlocalized (a decimal comma or a thousands separator would break the
SVG); the figures shown keep the page's number format (`localize`).
"""

from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

# A chart is drawn about as wide as the card that shows it, so that its labels
# (CHART_FONT_SIZE, in the SVG's units) keep about their size on the screen (12 px or more).
CHART_FONT_SIZE = 15


def bar_chart(row: dict, columns: list[str], width: int = 240, height: int = 170) -> dict:
    """Coordinates of a small bar chart of one row (`row["cells"]`, one value per column; None
    for a missing one), for a server-rendered SVG."""
    values = [v if isinstance(v, int) else None for v in row["cells"]]
    top = max([v for v in values if v is not None] or [0]) or 1
    slot = width / max(len(columns), 1)
    plot = height - 2 * CHART_FONT_SIZE - 14
    bars = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True)):
        bar_height = round(plot * (value or 0) / top)
        bars.append(
            {
                "x": round(index * slot + slot * 0.15),
                "width": round(slot * 0.7),
                "y": CHART_FONT_SIZE + 6 + plot - bar_height,
                "height": bar_height,
                "value": value,
                "label": column,
                "label_x": round(index * slot + slot / 2),
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "label_y": height - 6,
        "font_size": CHART_FONT_SIZE,
        "value_offset": 4,
    }


def bar_chart_horizontal(
    rows: list[tuple[str, int | float]],
    *,
    width: int = 600,
    bar_height: int = 22,
    label_width: int = 240,
    limit: int = 15,
) -> dict:
    """Coordinates of a chart of one horizontal bar per `(label, value)` row, in the order
    given and at most `limit` of them, for a server-rendered SVG."""
    rows = rows[:limit]
    top = max((value for _label, value in rows), default=0) or 1
    scale = (width - label_width - 48) / top
    step = bar_height + 6
    bars = []
    for index, (label, value) in enumerate(rows):
        length = round(value * scale)
        bars.append(
            {
                "label": label,
                "value": value,
                "x": label_width,
                "y": index * step,
                "width": max(1, length),
                "height": bar_height,
                "text_y": index * step + bar_height - 6,
                "value_x": label_width + length + 6,
            }
        )
    return {
        "width": width,
        "height": max(1, len(bars)) * step,
        "bars": bars,
        "font_size": CHART_FONT_SIZE,
    }


def _shown(value, missing: str = "") -> str:
    return missing if value is None else localize(value)


def svg_of(chart: dict, labelledby: str) -> SafeString:
    """The SVG of a `bar_chart`, named by the element of id `labelledby`."""
    bars = format_html_join(
        "\n",
        "  <g>\n    <title>{}: {}</title>\n"
        '    <rect x="{}" y="{}" width="{}" height="{}" fill="#1d70b8"/>\n'
        '    <text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#0b0c0c">{}</text>\n'
        '    <text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#0b0c0c">{}</text>\n'
        "  </g>",
        (
            (
                bar["label"],
                _shown(bar["value"], "—"),
                bar["x"],
                bar["y"],
                bar["width"],
                bar["height"],
                bar["label_x"],
                bar["y"] - 4,
                chart["font_size"],
                _shown(bar["value"]),
                bar["label_x"],
                chart["label_y"],
                chart["font_size"],
                bar["label"],
            )
            for bar in chart["bars"]
        ),
    )
    width, height = chart["width"], chart["height"]
    axis = format_html(
        '  <line x1="0" y1="{}" x2="{}" y2="{}" stroke="#505a5f" stroke-width="1"/>\n',
        height - 20,
        width,
        height - 20,
    )
    return _svg(chart, labelledby, axis + bars)


def _svg(chart: dict, labelledby: str, drawing: SafeString, css_class: str = "") -> SafeString:
    """The SVG element around a chart's `drawing`, named for a screen reader."""
    width, height = chart["width"], chart["height"]
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}"'
        ' role="img" aria-labelledby="{}"{}>\n{}\n</svg>',
        width,
        height,
        width,
        height,
        labelledby,
        format_html(' class="{}"', css_class) if css_class else "",
        drawing,
    )


def svg_of_horizontal(chart: dict, labelledby: str) -> SafeString:
    """The SVG of a `bar_chart_horizontal`, named by the element of id `labelledby`."""
    bars = format_html_join(
        "\n",
        "  <g>\n    <title>{}: {}</title>\n"
        '    <text x="0" y="{}" font-size="{}" fill="#0b0c0c">{}</text>\n'
        '    <rect x="{}" y="{}" width="{}" height="{}" fill="#1d70b8"/>\n'
        '    <text x="{}" y="{}" font-size="{}" fill="#0b0c0c">{}</text>\n'
        "  </g>",
        (
            (
                bar["label"],
                _shown(bar["value"]),
                bar["text_y"],
                chart["font_size"],
                Truncator(bar["label"]).chars(28),
                bar["x"],
                bar["y"],
                bar["width"],
                bar["height"],
                bar["value_x"],
                bar["text_y"],
                chart["font_size"],
                _shown(bar["value"]),
            )
            for bar in chart["bars"]
        ),
    )
    return _svg(chart, labelledby, bars, css_class="chart")
