"""Small server-rendered bar charts (SVG, drawn by templates/partials/bar_chart.html), each shown
beside a table of the same figures. Every page that charts figures uses this one drawing."""

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
