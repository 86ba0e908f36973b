"""An opportunity's cells shared by the pages that list deals: `{% load opportunity_cells %}`
then `{% overdue_badge opp today %}`, `{% choice_options choices selected %}` and the
pipeline's `{% opportunity_card opp %}`. Python rather than a partial for the reason
leads/templatetags/lead_cells.py gives: the pipeline draws up to 50 cards per stage, 300 on a
full board, and walking the card's template took most of the page's time (about 100 of its
160 ms at 100k leads)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.core.paths import pk_path
from apps.opportunities.models import Opportunity

register = template.Library()

# what the CSRF context processor gives a page rendered without a token (Django's marker)
NO_CSRF_TOKEN = "NOTPROVIDED"  # noqa: S105 - a marker, not a secret
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


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[Any, Any], ...]) -> tuple[tuple[str, str, str], ...]:
    """Each choice's value as text and its <option> unselected and selected, escaped once: a
    board's cards share their two lists, so 300 cards escape them once, not 300 times."""
    return tuple(
        (
            str(value),
            format_html('<option value="{}">{}</option>', value, label),
            format_html('<option value="{}" selected>{}</option>', value, label),
        )
        for value, label in choices
    )


@register.simple_tag
def choice_options(choices: Iterable[tuple[Any, Any]], selected: Any) -> SafeString:
    """`<option>`s of (value, label) pairs, the one whose value (as text) is `selected` marked
    so: a card's stage and lost-reason lists, 17 options on each of up to 200 open cards,
    which a template loop testing the refused card on every option drew slowly."""
    chosen = "" if selected is None else str(selected)
    return mark_safe(  # noqa: S308 - joined from format_html's escaped options
        "".join(
            picked if value == chosen else plain
            for value, plain, picked in _options(tuple(tuple(c) for c in choices))
        )
    )


def _day(value: date | datetime | None) -> str:
    """As `|date:"j M Y"` writes it: a moment on the reader's calendar."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return dateformat.format(value, "j M Y")


def _refused_form(card_error: Any, opportunity: Opportunity) -> Any:
    """The refused stage form when this card is the one refused, else None."""
    target = card_error["opportunity"]
    pk = target["pk"] if isinstance(target, dict) else target.pk
    return card_error["form"] if pk == opportunity.pk else None


def _when(opportunity: Opportunity) -> SafeString:
    """The card's second line: closed when, lost why, or the expected close; its lead."""
    if opportunity.stage == Opportunity.Stage.WON:
        when = format_html("Won {}", _day(opportunity.closed_at))
    elif opportunity.stage == Opportunity.Stage.LOST:
        reason = opportunity.lost_reason.name if opportunity.lost_reason else ""
        details = format_html(" — {}", opportunity.lost_details) if opportunity.lost_details else ""
        when = format_html("Lost {}: {}{}", _day(opportunity.closed_at), reason, details)
    elif opportunity.expected_close:
        when = format_html("Expected close {}", _day(opportunity.expected_close))
    else:
        when = mark_safe("No close date")  # noqa: S308 - a constant
    lead = opportunity.primary_lead
    if lead is None:
        return when
    return format_html(
        '{} · <a href="{}">{}</a>', when, pk_path("sales:lead", lead.pk), lead.display_name
    )


def _stage_form(context: template.Context, opportunity: Opportunity) -> SafeString:
    """The card's move form: stage, lost reason and details; a refused move keeps what was
    sent and says why."""
    form = _refused_form(context["card_error"], opportunity)
    pk, name = opportunity.pk, opportunity.name
    url = pk_path("sales:change-stage", pk)
    error_id = f"opp_{pk}_error"
    invalid = format_html(' aria-invalid="true" aria-describedby="{}"', error_id)
    if form is None:
        stages = choice_options(context["stages"], opportunity.stage)
        reasons = choice_options(context["reason_choices"], "")
        reason_invalid = details_value = ""
        errors = ""
    else:
        stages = choice_options(context["stages"], form["stage"].value())
        reasons = choice_options(context["reason_choices"], form["lost_reason"].value())
        reason_invalid = invalid if form["lost_reason"].errors else ""
        details_value = format_html(
            ' value="{}"{}',
            form["lost_details"].value() or "",
            invalid if form["lost_details"].errors else "",
        )
        errors = (
            format_html(
                '<p class="field__error" id="{}" role="alert">{}</p>',
                error_id,
                format_html_join(
                    "", "{} ", ((e,) for field_errors in form.errors.values() for e in field_errors)
                ),
            )
            if form.errors
            else ""
        )
    token = context.get("csrf_token")
    csrf = (  # as {% csrf_token %} writes it
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != NO_CSRF_TOKEN
        else ""
    )
    return format_html(
        '<form class="opp__form" method="post" action="{url}" hx-post="{url}" '
        'hx-target="#pipeline-board" hx-swap="outerHTML" hx-disabled-elt="find button">{csrf}'
        '<label for="opp_{pk}_stage" class="visually-hidden">Stage of {name}</label>'
        '<select name="stage" id="opp_{pk}_stage">{stages}</select>'
        '<label for="opp_{pk}_lost_reason" class="visually-hidden">Why was {name} lost?</label>'
        '<select name="lost_reason" id="opp_{pk}_lost_reason"{reason_invalid}>'
        '<option value="">Reason, if lost</option>{reasons}</select>'
        '<label for="opp_{pk}_lost_details" class="visually-hidden">Details, if {name} is lost '
        "(optional)</label>"
        '<input type="text" name="lost_details" id="opp_{pk}_lost_details" maxlength="200" '
        'placeholder="Details, if lost"{details_value}>'
        '<button type="submit" class="button button--small">Move</button>{errors}</form>',
        url=url,
        csrf=csrf,
        pk=pk,
        name=name,
        stages=stages,
        reason_invalid=reason_invalid,
        reasons=reasons,
        details_value=details_value,
        errors=errors,
    )


@register.simple_tag(takes_context=True)
def opportunity_card(context: template.Context, opportunity: Opportunity) -> SafeString:
    """One deal's card on the pipeline: name, amount, account (and owner on the team's
    board), when it closed or should, its lead, an overdue badge, and the move form where the
    reader may move it. Reads the board, the stage and reason choices, the refused card (if
    any) and the CSRF token from the page's context."""
    board = context["board"]
    refused = _refused_form(context["card_error"], opportunity) is not None
    account = opportunity.account
    owner = format_html(" · {}", opportunity.owner.display_name) if board.team_view else ""
    movable = board.may_change and opportunity.stage not in (
        Opportunity.Stage.WON,
        Opportunity.Stage.LOST,
    )
    return format_html(
        '<article id="opp-{pk}" class="opp{error}"><header class="opp__head">'
        '<p class="opp__name">{name}</p><p class="opp__amount">{amount}</p></header>'
        '<p class="row-sub"><a href="{account_url}">{account}</a>{owner}</p>'
        '<p class="row-sub">{when}</p>{badge}{form}</article>',
        pk=opportunity.pk,
        error=" opp--error" if refused else "",
        name=opportunity.name,
        amount=floatformat(opportunity.amount, "0g"),
        account_url=pk_path("accounts:detail", account.pk),
        account=account.name,
        owner=owner,
        when=_when(opportunity),
        badge=overdue_badge(opportunity, board.today),
        form=_stage_form(context, opportunity) if movable else "",
    )
