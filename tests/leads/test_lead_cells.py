"""The lead cells every lead list shows ({% load lead_cells %}): what each one says for each
state, and that a lead's own text is escaped."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from apps.accounts.models import Account
from apps.leads.models import Lead


def _cell(tag: str, lead: Lead, **context: object) -> str:
    template = Template("{% load lead_cells %}{% " + tag + " %}")
    return template.render(Context({"lead": lead, **context}))


def _lead(**fields: object) -> Lead:
    base = {"pk": 42, "first_name": "Ada", "last_name": "Byron", "email": "ada@example.com"}
    return Lead(**(base | fields))


def test_the_name_links_to_the_lead_page_with_the_job_title_below_and_escapes_both() -> None:
    html = _cell("lead_name lead", _lead(first_name="<b>Ada</b>", title='CFO & "Chief"'))
    assert html == (
        '<a class="row-title" href="/sales/leads/42/">&lt;b&gt;Ada&lt;/b&gt; Byron</a>'
        '<span class="row-sub">CFO &amp; &quot;Chief&quot;</span>'
    )
    assert _cell("lead_name lead", _lead(first_name="", last_name="", title="")) == (
        '<a class="row-title" href="/sales/leads/42/">ada@example.com</a>'
    )


def test_the_company_is_the_matched_account_flagged_when_targeted_else_what_the_lead_typed() -> (
    None
):
    target = Account(pk=7, name="Acme <Corp>", tier="target")
    assert _cell("lead_company lead", _lead(account=target)) == (
        '<a href="/accounts/7/">Acme &lt;Corp&gt;</a> '
        '<span class="badge badge--accent" title="Target account">Target</span>'
    )
    plain = Account(pk=8, name="Initech", tier="standard")
    assert _cell("lead_company lead", _lead(account=plain)) == '<a href="/accounts/8/">Initech</a>'
    typed = _lead(company_name="=cmd|' /C calc'!A0 & co")
    assert _cell("lead_company lead", typed) == "=cmd|&#x27; /C calc&#x27;!A0 &amp; co"
    assert _cell("lead_company lead", _lead()) == '<span class="muted">—</span>'


@pytest.mark.parametrize(
    ("score", "band"),
    [(100, "hot"), (60, "hot"), (59, "warm"), (30, "warm"), (29, "cold"), (0, "cold")],
)
def test_the_score_is_coloured_hot_from_60_and_warm_from_30(score: int, band: str) -> None:
    assert _cell("lead_score lead", _lead(score=score)) == (
        f'<span class="score score--{band}">{score}</span>'
    )


def test_the_status_badge_names_the_status() -> None:
    assert _cell("status_badge lead", _lead(status="working")) == (
        '<span class="badge badge--status-working">Working</span>'
    )


def test_the_sla_badge_says_overdue_only_when_the_page_knows_the_due_time_has_passed() -> None:
    due = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    pending = _lead(sla_state="pending", sla_due_at=due)
    assert "Clock running" in _cell("sla_badge lead now", pending)
    assert "Clock running" in _cell("sla_badge lead now", pending, now=due - timedelta(seconds=1))
    assert _cell("sla_badge lead now", pending, now=due) == (
        '<span class="badge badge--danger-soft">Overdue</span>'
    )
    assert "Breached" in _cell("sla_badge lead now", _lead(sla_state="breached"))
    assert "Met" in _cell("sla_badge lead now", _lead(sla_state="met"))
    assert "No clock" in _cell("sla_badge lead now", _lead(sla_state="none"))


def test_the_countdown_gives_time_left_when_breached_or_when_answered() -> None:
    now = timezone.now()
    due = now + timedelta(minutes=5, seconds=30)
    running = _cell("sla_countdown lead", _lead(sla_state="pending", sla_due_at=due))
    iso = timezone.localtime(due).isoformat()
    assert running.startswith(f'<time class="countdown" data-due="{iso}" datetime="{iso}"')
    assert "5\xa0minutes from now</time>" in running
    breached = _lead(sla_state="breached", sla_breached_at=now - timedelta(hours=2, minutes=1))
    assert _cell("sla_countdown lead", breached) == (
        '<span class="countdown countdown--overdue">Breached 2\xa0hours ago</span>'
    )
    answered = _lead(sla_state="met", first_response_at=now - timedelta(minutes=3, seconds=5))
    assert _cell("sla_countdown lead", answered) == (
        '<span class="muted">Answered 3\xa0minutes ago</span>'
    )
    assert _cell("sla_countdown lead", _lead(sla_state="none")) == '<span class="muted">—</span>'


def test_the_due_time_is_relative_with_the_exact_time_on_hover() -> None:
    due = timezone.now() - timedelta(days=2, seconds=30)
    html = _cell("due_time lead", _lead(sla_due_at=due))
    assert html.startswith(f'<time datetime="{timezone.localtime(due).isoformat()}" title="')
    assert html.endswith(">2\xa0days ago</time>")
    assert _cell("due_time lead", _lead()) == '<span class="muted">—</span>'
