"""The deals per UTC day, owner, source campaign and origin (DealCell) on PostgreSQL: the
opportunities' triggers keep each cell equal to the deals it counts through inserts, updates
that change nothing it counts, amounts, stages and campaigns moving, deletions and a rebuild;
and the quarter's deal figures sum its days' cells."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from apps.goals import metrics
from apps.goals.metrics import revenue
from apps.goals.metrics.base import Segment, shared_reads
from apps.opportunities.cells import rebuild_deal_cells
from apps.opportunities.models import DealCell, Opportunity
from tests import factories
from tests.fixtures.cells import deal_cells, deal_cells_of_opportunities

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WON, LOST, OPEN = Opportunity.Stage.WON, Opportunity.Stage.LOST, Opportunity.Stage.DISCOVERY
ONE_SECOND = timedelta(seconds=1)


def _at(month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def test_the_triggers_keep_each_cell_equal_to_its_deals() -> None:
    # given Rita's three deals from the webinar created on 2 Nov (10,000, 20,000 and 5,000) and
    # Sam's outbound one of no campaign created on 3 Nov at midnight (7,000)
    rita, sam = factories.UserFactory(), factories.UserFactory()
    webinar = factories.CampaignFactory()
    account = factories.AccountFactory()
    deals = Opportunity.objects.bulk_create(
        [
            Opportunity(
                account=account,
                owner=rita,
                name=f"Webinar {i}",
                amount=Decimal(amount),
                created_at=_at(11, 2, 10 + i),
                source_campaign=webinar,
            )
            for i, amount in enumerate(("10000", "20000", "5000"))
        ]
        + [
            Opportunity(
                account=account,
                owner=sam,
                name="Outbound",
                amount=Decimal("7000"),
                created_at=_at(11, 3, 0),
                origin=Opportunity.Origin.SALES,
            )
        ]
    )
    nov2, nov3, nov20 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 20)
    marketing, sales = Opportunity.Origin.MARKETING, Opportunity.Origin.SALES
    assert deal_cells() == {
        (nov2, "created", rita.pk, webinar.pk, marketing, ""): (3, Decimal("35000.00")),
        (nov3, "created", sam.pk, None, sales, ""): (1, Decimal("7000.00")),
    }
    rows = DealCell.objects.count()
    # when a deal is renamed (nothing a cell counts changes)
    Opportunity.objects.filter(pk=deals[0].pk).update(name="Webinar renamed")
    # then no cell moves and none is added
    assert DealCell.objects.count() == rows
    # when the first is won on 20 Nov at 12,000, the second lost that day, the third moves to
    # no campaign, and Sam's is deleted
    lost_reason = factories.LostReasonFactory()
    Opportunity.objects.filter(pk=deals[0].pk).update(
        amount=Decimal("12000"), stage=WON, closed_at=_at(11, 20)
    )
    Opportunity.objects.filter(pk=deals[1].pk).update(
        stage=LOST, closed_at=_at(11, 20, 23, 59, 59), lost_reason=lost_reason
    )
    Opportunity.objects.filter(pk=deals[2].pk).update(source_campaign=None)
    Opportunity.objects.filter(pk=deals[3].pk).delete()
    # then each cell holds what the deals hold, the one of no campaign counted once
    expected = {
        (nov2, "created", rita.pk, webinar.pk, marketing, ""): (2, Decimal("32000.00")),
        (nov2, "created", rita.pk, None, marketing, ""): (1, Decimal("5000.00")),
        (nov20, "closed", rita.pk, webinar.pk, marketing, WON): (1, Decimal("12000.00")),
        (nov20, "closed", rita.pk, webinar.pk, marketing, LOST): (1, Decimal("20000.00")),
    }
    assert deal_cells() == expected == deal_cells_of_opportunities()
    # and one row per cell (Sam's emptied one kept at zero): the triggers update in place
    assert DealCell.objects.count() == 5
    # and the cells emptied behind the triggers' back are written again by the rebuild
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE opportunities_dealcell")
    assert deal_cells() == {}
    assert rebuild_deal_cells() == 4
    assert deal_cells() == expected


def _tallies_of_deals(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """deal_tallies' rows worked out here, deal by deal, for the window [start, end)."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for deal in Opportunity.objects.all():
        created = start <= deal.created_at < end
        closed = deal.stage in (WON, LOST) and deal.closed_at and start <= deal.closed_at < end
        if not (created or closed):
            continue
        key = (deal.owner_id, deal.origin, deal.source_campaign_id)
        row = rows.setdefault(
            key,
            {"owner_id": key[0], "origin": key[1], "key": key[2], "created": 0, "closed": 0}
            | {"won": 0, "pipeline": None, "won_total": None},
        )
        if created:
            row["created"] += 1
            row["pipeline"] = (row["pipeline"] or 0) + deal.amount
        if closed:
            row["closed"] += 1
            if deal.stage == WON:
                row["won"] += 1
                row["won_total"] = (row["won_total"] or 0) + deal.amount
    return list(rows.values())


def test_the_quarters_deal_figures_sum_its_days_cells(django_assert_num_queries: Any) -> None:
    # given 2026-Q4 and Rita's webinar deals: created on its first second (10,000) and won on
    # its last (so counted created and closed), created in Q3 and lost mid-quarter (4,000),
    # created one second after the quarter (not counted); and Sam's outbound deal of no
    # campaign created and won mid-quarter (6,000)
    quarter = factories.QuarterFactory(name="2026-Q4")
    rita, sam = factories.UserFactory(), factories.UserFactory()
    webinar = factories.CampaignFactory()
    first, last = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    for owner, campaign, origin, amount, created, stage, closed in (
        (rita, webinar, "marketing", "10000", first, WON, last),
        (rita, webinar, "marketing", "4000", _at(9, 15), LOST, _at(11, 1)),
        (rita, webinar, "marketing", "9000", datetime(2027, 1, 1, tzinfo=UTC), OPEN, None),
        (sam, None, "sales", "6000", _at(11, 5), WON, _at(11, 6)),
    ):
        factories.OpportunityFactory(
            owner=owner,
            source_campaign=campaign,
            origin=origin,
            amount=Decimal(amount),
            created_at=created,
            stage=stage,
            closed_at=closed,
        )
    # when the quarter's deals are read, then the goal sheet's three deal cards
    with shared_reads():
        with django_assert_num_queries(1):
            tallies = revenue.deal_tallies(quarter)
        with django_assert_num_queries(0):
            pipeline = metrics.pipeline_created(quarter).value
            won = metrics.revenue_won(quarter).value
            win_rate = metrics.win_rate(quarter).value
            by_owner = revenue.deals_by(quarter, "owner_id")
    # then they are what the deals themselves give
    key = lambda row: (row["owner_id"], row["origin"], row["key"] or 0)  # noqa: E731
    assert sorted(tallies, key=key) == sorted(_tallies_of_deals(first, last + ONE_SECOND), key=key)
    # and by hand: created 10,000 + 6,000; won 10,000 + 6,000 of 3 closed; Rita closed 2, won 1
    assert pipeline == Decimal("16000.00")
    assert won == Decimal("16000.00")
    assert win_rate == Decimal("66.7")
    assert (by_owner[rita.pk]["closed"], by_owner[rita.pk]["won"]) == (2, 1)
    assert (by_owner[sam.pk]["closed"], by_owner[sam.pk]["won"]) == (1, 1)
    # and the figures equal the ones read from the deals (a segment that selects everything
    # takes that path)
    everything = Segment()
    assert metrics.pipeline_created(quarter, everything).value == pipeline
    assert metrics.revenue_won(quarter, everything).value == won
    assert metrics.win_rate(quarter, everything).value == win_rate


def test_a_days_load_of_the_largest_deals_in_one_cell_is_written_and_summed() -> None:
    # given 10,001 deals of the largest amount a deal holds (999,999,999,999.99), all Rita's,
    # of no campaign, created on one day: more than a sum of 18 digits holds
    rita = factories.UserFactory()
    account = factories.AccountFactory()
    biggest = Decimal("999999999999.99")
    # when they are loaded in one statement
    Opportunity.objects.bulk_create(
        Opportunity(
            account=account, owner=rita, name=f"Huge {i}", amount=biggest, created_at=_at(11, 2)
        )
        for i in range(10_001)
    )
    # then the load is not refused and the day's one cell holds them all
    assert deal_cells() == {
        (date(2026, 11, 2), "created", rita.pk, None, "marketing", ""): (10_001, biggest * 10_001)
    }
