"""The account page's lists: `{% load account_rows %}` then `{% people_rows people %}` (the
people table's rows, also the rows "Show more people" appends), `{% engaged_people people %}`
(who made the account conversation-ready) and `{% timeline_items touches %}`.

Python rather than template loops for the reason leads/templatetags/lead_cells.py gives: the
page lists up to 51 people, 30 touches and the engaged people's touches, and the template
engine walking them took about a quarter of the page (some 15 ms of 57 in-process at 10k
leads). The markup is the markup the loops wrote; user text is escaped by format_html."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.abm.selectors import EngagedPerson
from apps.core.paths import pk_path
from apps.leads.models import Lead, Touchpoint
from apps.leads.templatetags.lead_cells import lead_name, status_badge

register = template.Library()

_DASH = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


def _time(moment: datetime, shown: str, css: str = "") -> SafeString:
    """<time> as `date:'c'` and `date:shown` write it, in the reader's time zone."""
    local = timezone.localtime(moment)
    return format_html(
        '<time{} datetime="{}">{}</time>',
        format_html(' class="{}"', css) if css else "",
        local.isoformat(),
        dateformat.format(local, shown),
    )


def _role_tag(role: str, label: str) -> SafeString:
    return format_html('<span class="role-tag role-tag--{}">{}</span>', role, label)


@register.simple_tag
def people_rows(people: Iterable[Lead]) -> SafeString:
    """One <tr> a person: name and title, buying role, status, score, last touch (relative,
    the exact time in its datetime), owner."""
    rows = []
    for lead in people:
        touched = lead.last_touch_at
        last_touch = (
            format_html(
                '<time datetime="{}">{}</time>',
                timezone.localtime(touched).isoformat(),
                naturaltime(touched),
            )
            if touched
            else _DASH
        )
        owner = lead.owner.display_name if lead.owner_id else ""
        rows.append(
            format_html(
                '<tr>\n  <th scope="row">{}</th>\n  <td>{}</td>\n  <td>{}</td>\n'
                '  <td class="num">{}</td>\n  <td>{}</td>\n  <td>{}</td>\n</tr>\n',
                lead_name(lead),
                _role_tag(lead.buying_role, lead.get_buying_role_display()),
                status_badge(lead),
                lead.score,
                last_touch,
                owner or "—",
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - each row built by format_html


@register.simple_tag
def engaged_people(people: Iterable[EngagedPerson]) -> SafeString:
    """One <li> a person who engaged: their name (a link to the lead), buying role, and what
    they touched, when."""
    items = []
    for person in people:
        touches = format_html_join(
            "",
            "<li>{}{}</li>",
            (
                (
                    touch.what,
                    format_html(" · {}", _time(touch.at, "j M, H:i T", "muted"))
                    if touch.at
                    else "",
                )
                for touch in person.touches
            ),
        )
        items.append(
            format_html(
                '<li class="engaged__person">\n  <div class="engaged__who"><a class="row-title" '
                'href="{}">{}</a>{}</div>\n  <ul class="engaged__touches">{}</ul>\n</li>\n',
                pk_path("sales:lead", person.lead_id),
                person.name,
                _role_tag(person.role, person.role_label),
                touches,
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - each item built by format_html


@register.simple_tag
def timeline_items(touches: Iterable[Touchpoint]) -> SafeString:
    """One <li> a touch: its kind, what was touched (asset, else campaign, else the kind),
    when, who (with their buying role and the asset's topic), the asset's intent note and,
    for an asset of a campaign, the campaign."""
    items = []
    for touch in touches:
        asset, campaign, lead = touch.asset, touch.campaign, touch.lead
        kind = touch.get_kind_display()
        what = asset.name if asset else campaign.name if campaign else kind
        topic = (
            format_html(' <span class="muted small">· {}</span>', asset.topic)
            if asset and asset.topic
            else ""
        )
        intent = (
            format_html(
                '\n  <p class="intent"><span class="intent__label">Intent</span> {}</p>',
                asset.intent_note,
            )
            if asset and asset.intent_note
            else ""
        )
        in_campaign = (
            format_html('\n  <p class="muted small">Campaign: {}</p>', campaign.name)
            if asset and campaign
            else ""
        )
        items.append(
            format_html(
                '<li class="timeline__item">\n  <div class="timeline__head">\n'
                '    <span class="badge badge--kind">{}</span>\n    <strong>{}</strong>\n'
                "    {}\n  </div>\n"
                '  <p class="timeline__who"><a href="{}">{}</a> {}{}</p>{}{}\n</li>\n',
                kind,
                what,
                _time(touch.occurred_at, "j M Y, H:i T", "muted"),
                pk_path("sales:lead", touch.lead_id),
                lead.display_name,
                _role_tag(lead.buying_role, lead.get_buying_role_display()),
                topic,
                intent,
                in_campaign,
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - each item built by format_html
