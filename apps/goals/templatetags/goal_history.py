"""A goal card's history table on the goal sheet: `{% load goal_history %}` then `{%
snapshot_rows card.snapshots %}` in its <tbody>.

Python, not a template loop: each card lists a row per elapsed day of the quarter (up to 92),
ten cards a sheet, and the template engine took about 7 ms of the sheet's rendering walking
them; one format_html_join a card takes well under one. The markup is the loop's; the texts
are escaped by format_html."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from apps.goals.selectors import SnapshotRow

register = template.Library()


@register.simple_tag
def snapshot_rows(snapshots: Iterable[SnapshotRow]) -> SafeString:
    """One row per day: the day (a <time>) and the goal's actual that day."""
    return format_html_join(
        "",
        '<tr><th scope="row"><time datetime="{}">{}</time></th><td class="num">{}</td></tr>',
        ((row.iso, row.label, row.text) for row in snapshots),
    )
