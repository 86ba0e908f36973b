"""An opportunity's cells shared by the pages that list deals: `{% load opportunity_cells %}`
then `{% overdue_badge opp today %}` and `{% choice_options choices selected %}`. Python
rather than a partial for the reason leads/templatetags/lead_cells.py gives: the pipeline
draws up to 50 cards per stage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.opportunities.models import Opportunity

register = template.Library()

# past this many days late the badge turns from amber to red: a month is a forecast to redo
LONG_OVERDUE_DAYS = 30


@register.simple_tag
def overdue_badge(opportunity: Opportunity, today: date) -> SafeString:
    """ "Overdue by N days" on an open deal whose expected close date is before `today`."""
    days = opportunity.days_overdue(today)
    if not days:
        return mark_safe("")  # noqa: S308 - a constant
    tone = "badge--danger-soft" if days > LONG_OVERDUE_DAYS else "badge--warning"
    return format_html(
        '<span class="badge {}">Overdue by {} day{}</span>', tone, days, "" if days == 1 else "s"
    )


@register.simple_tag
def choice_options(choices: Iterable[tuple[Any, Any]], selected: Any) -> SafeString:
    """`<option>`s of (value, label) pairs, the one whose value (as text) is `selected` marked
    so: a card's stage and lost-reason lists, 17 options on each of up to 200 open cards,
    which a template loop testing the refused card on every option drew slowly."""
    chosen = "" if selected is None else str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)  # noqa: S308 - a constant
            for value, label in choices
        ),
    )
