"""The lead's cells, shared by every page that lists leads (queue, Today, team, account
people, the lead page's header): `{% load lead_cells %}` then `{% lead_name lead %}` and
friends.

They are Python, not template partials, because a page lists up to 50 leads with six cells
each: an `{% include "…#partial" %}` costs a template lookup, a context push and a node walk
per cell (about 1 ms a row on a 2-core server), a format_html call a few microseconds. The
markup is the markup the partials had; user text is escaped by format_html."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from apps.core.paths import pk_path
from apps.leads.models import Lead

register = template.Library()

_DASH = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


# the SLA badge's markup per clock state; a running clock past due reads Overdue instead
_SLA_BADGES = {
    "breached": mark_safe('<span class="badge badge--danger">Breached</span>'),  # noqa: S308
    "pending": mark_safe('<span class="badge badge--warning">Clock running</span>'),  # noqa: S308
    "met": mark_safe('<span class="badge badge--success">Met</span>'),  # noqa: S308
}
_NO_CLOCK = mark_safe('<span class="badge badge--neutral">No clock</span>')  # noqa: S308
_OVERDUE = mark_safe('<span class="badge badge--danger-soft">Overdue</span>')  # noqa: S308


def _iso(moment: datetime) -> str:
    """As the `date:'c'` filter writes it: ISO 8601 in the reader's time zone."""
    return timezone.localtime(moment).isoformat()


def _long(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment), "D j M Y, H:i T")


@register.simple_tag
def lead_name(lead: Lead) -> SafeString:
    """The lead's name linking to its page, its job title below."""
    link = format_html(
        '<a class="row-title" href="{}">{}</a>',
        pk_path("sales:lead", lead.pk),
        lead.display_name,
    )
    if not lead.title:
        return link
    return format_html('{}<span class="row-sub">{}</span>', link, lead.title)


@register.simple_tag
def lead_company(lead: Lead) -> SafeString:
    """The matched account (a link, flagged when it is a target account), else the company
    the lead typed, else a dash."""
    account = lead.account
    if account is not None:
        link = format_html(
            '<a href="{}">{}</a>', pk_path("accounts:detail", account.pk), account.name
        )
        if account.tier != "target":
            return link
        return format_html(
            '{} <span class="badge badge--accent" title="Target account">Target</span>', link
        )
    if lead.company_name:
        return format_html("{}", lead.company_name)
    return _DASH


@register.simple_tag
def status_badge(lead: Lead) -> SafeString:
    return format_html(
        '<span class="badge badge--status-{}">{}</span>', lead.status, lead.get_status_display()
    )


@register.simple_tag
def lead_score(lead: Lead) -> SafeString:
    """The score, coloured by band: hot from 60, warm from 30."""
    band = "hot" if lead.score >= 60 else "warm" if lead.score >= 30 else "cold"
    return format_html('<span class="score score--{}">{}</span>', band, lead.score)


@register.simple_tag
def sla_badge(lead: Lead, now: datetime | None = None) -> SafeString:
    """The SLA clock's state; a running clock past its due time reads Overdue when the page
    knows the time (`now`), before the sweep marks it breached."""
    if lead.sla_state == "pending" and now and lead.sla_due_at and lead.sla_due_at <= now:
        return _OVERDUE
    return _SLA_BADGES.get(lead.sla_state, _NO_CLOCK)


@register.simple_tag
def sla_countdown(lead: Lead) -> SafeString:
    """Time left on a running clock (countdown.js ticks it), when it was breached, or when
    the lead was answered."""
    state = lead.sla_state
    if state == "pending" and lead.sla_due_at:
        due = lead.sla_due_at
        return format_html(
            '<time class="countdown" data-due="{0}" datetime="{0}" title="Respond by {1}">{2}'
            "</time>",
            _iso(due),
            _long(due),
            naturaltime(due),
        )
    if state == "breached":
        when = f" {naturaltime(lead.sla_breached_at)}" if lead.sla_breached_at else ""
        return format_html('<span class="countdown countdown--overdue">Breached{}</span>', when)
    if state == "met":
        when = f" {naturaltime(lead.first_response_at)}" if lead.first_response_at else ""
        return format_html('<span class="muted">Answered{}</span>', when)
    return _DASH


@register.simple_tag
def due_time(lead: Lead) -> SafeString:
    """When the SLA clock is due, relative, with the exact time on hover."""
    due = lead.sla_due_at
    if not due:
        return _DASH
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', _iso(due), _long(due), naturaltime(due)
    )
