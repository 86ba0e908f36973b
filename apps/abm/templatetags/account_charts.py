"""The account page's two engagement charts (apps.abm.selectors.Chart, laid out there): `{%
load account_charts %}` then `{% chart_marks chart %}` inside the chart's <svg> and `{%
chart_numbers chart %}` for its table's rows.

They are Python, not a template loop, because each chart draws 12 weeks of up to seven
stacked segments and a table of as many numbers: walked by the template engine the two charts
took about 8 ms of the page's rendering, drawn here well under one. The markup is the markup
the loop wrote; labels are escaped by format_html."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import dateformat, formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.abm.selectors import Chart

register = template.Library()


def _week(day: date) -> str:
    return dateformat.format(day, "j M")


@register.simple_tag
def chart_marks(chart: Chart) -> SafeString:
    """The grid lines with their values, then each week's stacked segments (their numbers in
    a <title>) and every other week's label under the plot."""
    ticks = format_html_join(
        "",
        '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
        '<text class="chart__tick" x="{}" y="{}" dy="4" text-anchor="end">{}</text>',
        (
            (
                chart.plot_left,
                chart.plot_right,
                tick.y,
                tick.y,
                chart.plot_left - 6,
                tick.y,
                tick.value,
            )
            for tick in chart.ticks
        ),
    )
    label_y = chart.plot_bottom + 18
    columns = []
    for index, column in enumerate(chart.columns):
        week = _week(column.week)
        columns.append(
            format_html_join(
                "",
                '<rect class="chart__fill chart__fill--{}" x="{}" y="{}" width="{}" height="{}" '
                'rx="2"><title>{}: {} in the week of {}</title></rect>',
                (
                    (s.color, s.x, s.y, s.width, s.height, s.label, s.value, week)
                    for s in column.segments
                ),
            )
        )
        if index % 2 == 0:
            columns.append(
                format_html(
                    '<text class="chart__tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    column.label_x,
                    label_y,
                    week,
                )
            )
    return format_html("{}{}", ticks, format_html_join("", "{}", ((c,) for c in columns)))


@register.simple_tag
def chart_weeks(chart: Chart) -> SafeString:
    """The table's header cells, one per week."""
    return format_html_join(
        "", '<th scope="col" class="num">{}</th>', ((_week(week),) for week in chart.weeks)
    )


def _cells(values: list[int]) -> SafeString:
    return format_html_join(
        "", '<td class="num">{}</td>', ((formats.localize(value),) for value in values)
    )


@register.simple_tag
def chart_numbers(chart: Chart) -> SafeString:
    """The table's rows: one per series with its weekly values and total."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}<td class="num"><strong>{}</strong></td></tr>',
        (
            (series.label, _cells(series.values), formats.localize(series.total))
            for series in chart.series
        ),
    )


@register.simple_tag
def chart_week_totals(chart: Chart) -> SafeString:
    """The footer's weekly totals."""
    return _cells(chart.week_totals)
