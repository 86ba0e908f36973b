"""Server-side SVG charts: no JavaScript, readable by screen readers (<title>, <desc>,
aria-label), and every chart's numbers are also on the page as a table and as CSV.

Each function takes plain numbers and returns markup safe to drop into a template; every text
that comes from the database is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#4f46e5", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b", "#ec4899")
FUNNEL_COLOURS = ("#6366f1", "#0ea5e9", "#14b8a6", "#22c55e")
LABEL_WIDTH = 170
VALUE_WIDTH = 110
ROW_HEIGHT = 34
BAR_HEIGHT = 22


def _number(value: Decimal | int, money: bool) -> str:
    if money:
        return f"{Decimal(value):,.2f}"
    return f"{int(value):,}"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    t, d = escape(title), escape(description)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{t}" aria-describedby="{chart_id}-desc">',
        f'<title id="{chart_id}-title">{t}</title>',
        f'<desc id="{chart_id}-desc">{d}</desc>',
    ]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Decimal | int]],
    money: bool = False,
    width: int = 560,
    colours: Sequence[str] = PALETTE,
) -> SafeString:
    """Horizontal bars, one per (label, value), longest first as given; the value is printed at
    the end of each bar. Used for the funnel (counts) and attribution (money)."""
    height = max(len(items), 1) * ROW_HEIGHT + 12
    description = "; ".join(f"{label}: {_number(value, money)}" for label, value in items)
    parts = _open(chart_id, title, description or "No data.", width, height)
    largest = max((Decimal(value) for _, value in items), default=Decimal(0))
    track = width - LABEL_WIDTH - VALUE_WIDTH
    if not items:
        parts.append(f'<text x="0" y="24" class="chart__empty">{escape("No data yet.")}</text>')
    for index, (label, value) in enumerate(items):
        y = 6 + index * ROW_HEIGHT
        length = 0 if not largest else float(Decimal(value) / largest) * track
        colour = colours[index % len(colours)]
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<g class="chart__row"><text x="{LABEL_WIDTH - 10}" y="{y + BAR_HEIGHT / 2 + 5}" '
            f'text-anchor="end" class="chart__label">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{track}" height="{BAR_HEIGHT}" rx="4" '
            f'class="chart__track"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{max(length, 2 if value else 0):.1f}" '
            f'height="{BAR_HEIGHT}" rx="4" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + track + 8}" y="{y + BAR_HEIGHT / 2 + 5}" '
            f'class="chart__value">{_number(value, money)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def funnel_chart(*, chart_id: str, title: str, steps: Sequence[tuple[str, int]]) -> SafeString:
    """The funnel as bars in step order, each labelled with its count."""
    items = list(steps)
    return bar_chart(chart_id=chart_id, title=title, items=items, colours=FUNNEL_COLOURS)


def stacked_columns(
    *,
    chart_id: str,
    title: str,
    columns: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    width: int = 1000,
    height: int = 260,
) -> SafeString:
    """Stacked columns: one column per label in `columns`, one coloured layer per (name,
    values) in `series`, and a legend under the plot. Used for reasons over time by week."""
    plot_top, plot_bottom, left = 12, height - 70, 36
    plot_height = plot_bottom - plot_top
    totals = [sum(values[i] for _, values in series) for i in range(len(columns))]
    largest = max(totals, default=0)
    description = "; ".join(
        f"{name}: " + ", ".join(f"{columns[i]} {values[i]}" for i in range(len(columns)))
        for name, values in series
    )
    parts = _open(chart_id, title, description or "No disqualifications.", width, height)
    step = (width - left) / max(len(columns), 1)
    bar = step * 0.62
    # y axis: 0 and the largest total, with a faint gridline
    parts.append(
        f'<line x1="{left}" y1="{plot_bottom}" x2="{width}" y2="{plot_bottom}" class="chart__axis"/>'
        f'<text x="{left - 6}" y="{plot_bottom + 4}" text-anchor="end" class="chart__tick">0</text>'
    )
    if largest:
        parts.append(
            f'<line x1="{left}" y1="{plot_top}" x2="{width}" y2="{plot_top}" class="chart__grid"/>'
            f'<text x="{left - 6}" y="{plot_top + 4}" text-anchor="end" class="chart__tick">'
            f"{largest}</text>"
        )
    for i, column in enumerate(columns):
        x = left + i * step + (step - bar) / 2
        y = float(plot_bottom)
        for s, (name, values) in enumerate(series):
            if not values[i] or not largest:
                continue
            h = values[i] / largest * plot_height
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)}, {escape(column)}: '
                f"{values[i]}</title></rect>"
            )
        if len(columns) <= 8 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
                f'class="chart__tick">{escape(column)}</text>'
            )
    legend_y = height - 30
    x = float(left)
    for s, (name, _) in enumerate(series):
        short = name if len(name) <= 22 else name[:21] + "…"
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y}" width="12" height="12" rx="2" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{x + 17:.1f}" y="{legend_y + 10}" class="chart__legend">{escape(short)}</text>'
        )
        x += 30 + 7.2 * len(short)
    if not series:
        parts.append(
            f'<text x="{left + 8}" y="{plot_top + 40}" class="chart__empty">No disqualifications '
            "in this quarter.</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
