"""Play performance per play and quarter, checked against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from apps.core.models import Quarter
from apps.goals import metrics
from apps.leads.models import Lead
from apps.plays.models import Play
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db

IN_Q4 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CLOSED = datetime(2026, 12, 1, tzinfo=UTC)


def _handed(play: Play, *, attempts: int = 0, sla: str = "", at: datetime = IN_Q4) -> Lead:
    """A lead routed at `at` with `play` attached; `sla` is its settled (or pending) clock."""
    owner = factories.UserFactory(username="perf-rep")
    lead = factories.LeadFactory(
        attempt_count=attempts,
        sla_state=sla,
        status=Lead.Status.WORKING if attempts else Lead.Status.READY,
        owner=owner,
        assigned_at=at,
        ready_at=at,
        sla_due_at=at + timedelta(minutes=5),
    )
    factories.LeadPlayFactory(lead=lead, play=play, attached_at=at)
    return lead


@pytest.fixture
def q4() -> Quarter:
    factories.QuarterFactory(name="2026-Q3", starts_on="2026-07-01", ends_on="2026-09-30")
    return factories.QuarterFactory()


@pytest.fixture
def fixture_plays(rep: User, q4: Quarter) -> tuple[Play, Play]:
    """Hand-worked fixture.

    Demo play, 4 leads handed in Q4 (and 1 in Q3, which must not count):
      A attempts 2, SLA met,      opportunity won
      B attempts 1, SLA breached, opportunities lost + open (two deals on one lead)
      C attempts 0, SLA breached
      D attempts 0, SLA pending   (not settled)
    -> handed 4; contact 2/4 = 50.0%; SLA met 1/3 = 33.3%; ready→opp 2/4 = 50.0%;
       win rate won 1 / (won 1 + lost 1) = 50.0%
    Default play, 1 lead: attempts 1, SLA met, no opportunity
    -> handed 1; contact 100.0%; SLA met 100.0%; ready→opp 0.0%; win rate None (no closed deal)
    """
    demo = factories.PlayFactory(name="Demo request", priority=200)
    default = factories.PlayFactory(name="Default", is_default=True)
    a = _handed(demo, attempts=2, sla="met")
    b = _handed(demo, attempts=1, sla="breached")
    _handed(demo, attempts=0, sla="breached")
    _handed(demo, attempts=0, sla="pending")
    old = _handed(demo, attempts=3, sla="met", at=datetime(2026, 8, 1, tzinfo=UTC))
    _handed(default, attempts=1, sla="met")
    factories.OpportunityFactory(primary_lead=a, owner=rep, stage="won", closed_at=CLOSED)
    factories.OpportunityFactory(
        primary_lead=b,
        owner=rep,
        stage="lost",
        closed_at=CLOSED,
        lost_reason=factories.LostReasonFactory(name="Price"),
    )
    factories.OpportunityFactory(primary_lead=b, owner=rep, stage="proposal")
    factories.OpportunityFactory(primary_lead=old, owner=rep, stage="won", closed_at=CLOSED)
    return demo, default


def test_play_performance_figures_match_the_hand_worked_fixture(
    fixture_plays: tuple[Play, Play], q4: Quarter, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    demo, default = fixture_plays

    # when
    with django_assert_max_num_queries(3):
        table = metrics.play_performance(quarter=q4)

    # then
    rows = {row.play_id: row for row in table.rows}
    d = rows[demo.pk]
    assert (d.handed, d.contacted, d.sla_met, d.sla_settled) == (4, 2, 1, 3)
    assert (d.with_opportunity, d.won, d.lost) == (2, 1, 1)
    assert d.contact_rate == Decimal("50.0")
    assert d.sla_rate == Decimal("33.3")
    assert d.opportunity_rate == Decimal("50.0")
    assert d.win_rate == Decimal("50.0")
    f = rows[default.pk]
    assert (f.handed, f.contact_rate, f.sla_rate, f.opportunity_rate, f.win_rate) == (
        1,
        Decimal("100.0"),
        Decimal("100.0"),
        Decimal("0.0"),
        None,
    )
    assert [row.name for row in table.rows] == ["Demo request", "Default"]
    assert table.total.handed == 5
    assert table.total.contact_rate == Decimal("60.0")


def test_previous_quarter_counts_only_its_own_handoffs(
    fixture_plays: tuple[Play, Play],
) -> None:
    # given
    demo, _ = fixture_plays
    q3 = Quarter.objects.get(name="2026-Q3")

    # when
    table = metrics.play_performance(quarter=q3)

    # then
    assert [(r.play_id, r.handed, r.win_rate) for r in table.rows] == [
        (demo.pk, 1, Decimal("100.0"))
    ]


def test_plays_page_shows_performance_for_the_picked_quarter(
    sales_client: Client, fixture_plays: tuple[Play, Play]
) -> None:
    # when
    response = sales_client.get("/marketing/plays/", {"quarter": "2026-Q4"})
    partial = sales_client.get(
        "/marketing/plays/",
        {"quarter": "2026-Q3"},
        headers={"HX-Request": "true", "HX-Target": "play-performance"},
    )

    # then
    html = response.content.decode()
    assert "Play performance in 2026-Q4" in html
    assert "33.3%" in html
    assert "50.0%" in html
    partial_html = partial.content.decode()
    assert partial_html.lstrip().startswith('<section class="card" id="play-performance"')
    assert "2026-Q3" in partial_html
    assert "100.0%" in partial_html
