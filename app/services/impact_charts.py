"""The impact report's charts, laid out for SVG drawn on the server (no JavaScript).

Each function takes the report's figures and returns plain values: the chart's
size, each bar's and point's place in SVG units, the axis ticks and labels, and
a title and a description in words for screen readers (the same figures are
also in the page's tables). ``templates/impact/_charts.html`` draws them.
"""

from __future__ import annotations

import math

#: Narrow enough that 12 px text stays readable on a phone (about 10 px there).
WIDTH = 360
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")

REQUEST_OUTCOMES = (
    ("requests_accepted", "Accepted", "accepted"),
    ("requests_declined", "Declined", "declined"),
    ("requests_withdrawn", "Withdrawn", "withdrawn"),
    ("requests_expired", "Expired", "expired"),
    ("requests_pending", "Still waiting", "pending"),
)


def nice_ceiling(value: float) -> float:
    """Return the axis top for ``value``: 2, 4, 6, 8 or 10 times a power of ten (2 at least).

    Its half, the middle tick, is then a whole number as counts are.
    """
    if value <= 2:
        return 2
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # unreachable: 10 * power >= value always


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _month_label(key: str) -> tuple[str, str]:
    year, month = key.split("-")
    return MONTH_NAMES[int(month) - 1], year


def requests_by_outcome(totals: dict, *, chart_id: str = "chart-outcomes") -> dict:
    """Return a horizontal bar chart of the period's requests by what became of them."""
    label_width, bar_left, bar_room, row = 84, 92, 220, 28
    top = max((totals[key] for key, _, _ in REQUEST_OUTCOMES), default=0)
    scale = bar_room / top if top else 0
    bars = []
    for i, (key, label, css) in enumerate(REQUEST_OUTCOMES):
        value = totals[key]
        width = value * scale
        y = 8 + i * row
        bars.append({"label": label, "value": value, "text": _number(value), "css": css,
                     "x": bar_left, "y": y, "width": round(width, 1), "height": 18,
                     "label_x": label_width, "text_x": round(bar_left + width + 6, 1),
                     "text_y": y + 14})
    sent = totals["requests_sent"]
    parts = ", ".join(f"{b['text']} {b['label'].lower()}" for b in bars)
    return {
        "id": chart_id, "width": WIDTH, "height": 8 + len(bars) * row,
        "title": "Requests by outcome",
        "description": (f"Bar chart of the {_number(sent)} requests sent in the period: {parts}."
                        if sent else "No requests were sent in the period."),
        "bars": bars, "axis_x": bar_left,
    }


def by_month(months: list[dict], *, chart_id: str, title: str, bars: tuple[str, str, str],
             line: tuple[str, str, str] | None = None, unit: str = "",
             scale: float = 1.0) -> dict:
    """Return a chart of one figure by month as bars, and optionally another as a line.

    ``bars`` and ``line`` are (figure, label, css class); ``scale`` divides the
    figures (60 turns minutes into hours).
    """
    left, right, top, bottom = 36, 6, 30, 40
    plot_w, plot_h = WIDTH - left - right, 140
    n = max(len(months), 1)
    slot = plot_w / n
    series = [bars] + ([line] if line else [])
    values = {key: [m[key] / scale for m in months] for key, _, _ in series}
    ceiling = nice_ceiling(max((v for vs in values.values() for v in vs), default=0))
    baseline = top + plot_h

    def y_of(value: float) -> float:
        return round(baseline - value / ceiling * plot_h, 1)

    bar_w = round(min(slot * 0.62, 28), 1)
    every = math.ceil(n / 12)
    columns = []
    for i, month in enumerate(months):
        centre = left + slot * (i + 0.5)
        value = values[bars[0]][i]
        name, year = _month_label(month["month"])
        labelled = i % every == 0
        columns.append({
            "month": month["month"], "value": value, "text": _number(value),
            "x": round(centre - bar_w / 2, 1), "y": y_of(value), "width": bar_w,
            "height": round(baseline - y_of(value), 1), "centre": round(centre, 1),
            "label": name if labelled else "",
            "year": year if labelled and (i == 0 or name == "Jan") else "",
        })
    points = []
    if line:
        for i, value in enumerate(values[line[0]]):
            points.append({"x": columns[i]["centre"], "y": y_of(value), "value": value})
    ticks = [{"value": _number(ceiling * f), "y": y_of(ceiling * f)} for f in (0, 0.5, 1)]
    return {
        "id": chart_id, "width": WIDTH, "height": top + plot_h + bottom, "title": title,
        "description": _describe(months, bars, line, values, unit),
        "columns": columns, "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "ticks": ticks, "left": left, "right": WIDTH - right, "baseline": baseline,
        # The line's key follows the bars' label (about 7 units a character at 12 px).
        "legend_line_x": left + 18 + round(len(bars[1]) * 7) + 16,
        "bars_series": {"label": bars[1], "css": bars[2]},
        "line_series": {"label": line[1], "css": line[2]} if line else None,
    }


def _describe(months, bars, line, values, unit) -> str:
    """Say in words what the chart shows: each series' total (bars), range and peak."""
    if not months:
        return "No months to show."
    first, last = _month_label(months[0]["month"]), _month_label(months[-1]["month"])
    sentences = [f"By month, from {first[0]} {first[1]} to {last[0]} {last[1]}."]
    for key, label, _ in [bars] + ([line] if line else []):
        series = values[key]
        peak = max(range(len(series)), key=lambda i: series[i])
        name, year = _month_label(months[peak]["month"])
        total = f", {_number(sum(series))}{unit} in all" if key == bars[0] else ""
        sentences.append(f"{label}{total}: between {_number(min(series))} and "
                         f"{_number(max(series))}{unit} a month, the most in {name} {year}.")
    sentences.append("Every figure is also in the tables below.")
    return " ".join(sentences)


def report_charts(view: dict) -> list[dict]:
    """Return the report's charts: requests by outcome, then three trends by month."""
    months = view["months"]
    return [
        {"kind": "bars", **requests_by_outcome(view["totals"])},
        {"kind": "months", **by_month(
            months, chart_id="chart-requests", title="Requests and engagements by month",
            bars=("requests_sent", "Requests sent", "requests"),
            line=("engagements_active_at_end", "Active at month end", "active"))},
        {"kind": "months", **by_month(
            months, chart_id="chart-log", title="Reflective practice by month",
            bars=("log_minutes", "Hours logged", "log"), unit=" hours", scale=60)},
        {"kind": "months", **by_month(
            months, chart_id="chart-goals", title="Goals achieved and reviews held by month",
            bars=("goals_achieved", "Goals achieved", "goals"),
            line=("reviews_held", "Reviews held", "reviews"))},
    ]
