"""The per-lead facts the reports read are kept by the writing transactions (apps.leads.facts)
and can be rebuilt from the records (apps.goals.facts). Whatever the order of intake, earlier
and later campaign touches, routing, attempts, conversions, wins, losses, RevOps' corrections
of deals in the admin, disqualifications, disputes, recycling and archiving, the facts kept
incrementally (with the cohort entries, the lead flow's status moves, the deals' copies of the
source campaign and the campaign credits) equal the rebuilt ones, row for row."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.core.errors import DomainError
from apps.feedback import services as feedback
from apps.feedback.models import Disqualification
from apps.goals.facts import COLUMNS as FACT_COLUMNS
from apps.goals.facts import backfill_after_migrate, rebuild_deal_credits, rebuild_lead_facts
from apps.intake.services import IntakeData, intake_lead
from apps.leads import services as leads
from apps.leads.cells import SPEED_BUCKET_SQL, fold_cells
from apps.leads.facts import ENTRY_COPIED
from apps.leads.models import (
    CohortCell,
    CohortEntry,
    CreatedCell,
    Lead,
    LeadEvent,
    LeadFacts,
    StatusMove,
)
from apps.opportunities import services as opportunities
from apps.opportunities.models import CampaignCredit, Opportunity
from apps.plays.services import log_attempt
from apps.routing import services as routing
from apps.routing.models import RoutingRule
from tests import factories
from tests.fixtures.cells import (
    created_cells,
    created_of_facts,
    deal_cells,
    deal_cells_of_opportunities,
    dq_cells,
    dq_cells_of_disqualifications,
)

pytestmark = pytest.mark.django_db
_run = itertools.count()
# every column of the facts table: the source-campaign columns and the rebuilt ones
COLUMNS = ("lead_id", "source_campaign_id", "source_touch_id", "source_touch_at", *FACT_COLUMNS)


def _table() -> list[tuple[Any, ...]]:
    return list(LeadFacts.objects.order_by("lead_id").values_list(*COLUMNS))


def _entries() -> list[tuple[Any, ...]]:
    return list(
        CohortEntry.objects.order_by("lead_id", "quarter_starts_on").values_list(
            "lead_id", "quarter_starts_on", "ready_on", *ENTRY_COPIED
        )
    )


_CELL = (
    "quarter_starts_on, kind, rep_id, source_campaign_id, attempted, converted, sla_state, "
    "speed_bucket"
)


def _cells() -> dict[tuple[Any, ...], int]:
    """The cohort's cells summed per cell (PostgreSQL keeps them; SQLite has none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_CELL}, sum(n) FROM leads_cohortcell GROUP BY {_CELL} HAVING sum(n) <> 0"  # noqa: S608
        )
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


def _cells_of_entries() -> dict[tuple[Any, ...], int]:
    """The same, counted here from the cohort entries (each entry's speed bucket computed by
    the database, as its index does)."""
    bucket = SPEED_BUCKET_SQL.format(minutes="response_minutes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quarter_starts_on, rep_id, source_campaign_id, attempted, converted, "  # noqa: S608
            f"sla_state, {bucket} FROM leads_cohortentry"
        )
        entries = cursor.fetchall()
    cells: Counter[tuple[Any, ...]] = Counter()
    for quarter, rep, campaign, attempted, converted, clock, speed in entries:
        cells[(quarter, 0, rep, campaign, attempted, converted, clock, None)] += 1
        if speed is not None:
            for kind, rep_id, campaign_id in ((1, None, None), (2, rep, None), (3, None, campaign)):
                cells[(quarter, kind, rep_id, campaign_id, None, None, None, int(speed))] += 1
    return dict(cells)


def _moves() -> list[tuple[Any, ...]]:
    return list(
        StatusMove.objects.order_by("event_id").values_list(
            "event_id",
            "lead_id",
            "at",
            "old_status",
            "new_status",
            "source_campaign_id",
            "first_response_at",
            "archived_at",
        )
    )


def _deal_sources() -> list[tuple[Any, ...]]:
    """Each deal with the source campaign it carries and its primary lead's (on the facts)."""
    facts = dict(LeadFacts.objects.values_list("lead_id", "source_campaign_id"))
    return [
        (pk, source, facts.get(lead_id))
        for pk, lead_id, source in Opportunity.objects.order_by("pk").values_list(
            "pk", "primary_lead_id", "source_campaign_id"
        )
    ]


def _credits() -> list[tuple[Any, ...]]:
    return sorted(
        CampaignCredit.objects.values_list(
            "opportunity_id", "model", "campaign_id", "amount", "closed_at", "owner_id"
        )
    )


class FactsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        n = next(_run)
        self.prefix = f"f{n}"
        RoutingRule.objects.update(is_active=False)
        sales = Group.objects.get(name="Sales")
        self.rep = factories.UserFactory(username=f"{self.prefix}rep", capacity=50)
        self.rep.groups.add(sales)
        self.other_rep = factories.UserFactory(username=f"{self.prefix}rep2", capacity=50)
        self.other_rep.groups.add(sales)
        self.manager = factories.UserFactory(username=f"{self.prefix}mgr")
        self.manager.groups.add(Group.objects.get(name="Sales manager"))
        self.marketer = factories.UserFactory(username=f"{self.prefix}mkt")
        self.marketer.groups.add(Group.objects.get(name="Marketing"))
        rule = factories.RoutingRuleFactory(name=f"facts {n}")
        factories.PoolMemberFactory(rule=rule, rep=self.rep)
        self.campaigns = [factories.CampaignFactory() for _ in range(3)]
        self.demo = factories.AssetFactory(hand_raiser=True, campaign=self.campaigns[0])
        self.reason = factories.DisqualificationReasonFactory(use="both")
        self.lost_reason = factories.LostReasonFactory(name="Price")
        self.emails: list[str] = []

    def _lead(self, index: int, **where: Any) -> Lead | None:
        """One of this run's leads matching `where`, picked by `index` among those that do."""
        leads = list(
            Lead.objects.filter(email__startswith=f"{self.prefix}-", **where).order_by("pk")
        )
        return leads[index % len(leads)] if leads else None

    def _workable(self, index: int) -> Lead | None:
        """An open lead of the rep's (archived leads are closed to every action)."""
        return self._lead(
            index, owner=self.rep, status__in=[Lead.Status.READY, "working"], is_archived=False
        )

    @rule(
        new=st.booleans(),
        index=st.integers(0, 20),
        campaign=st.sampled_from([None, 0, 1, 2]),
        hand_raiser=st.booleans(),
        minutes_ago=st.integers(0, 60 * 24 * 30),
    )
    def touch(
        self, new: bool, index: int, campaign: int | None, hand_raiser: bool, minutes_ago: int
    ) -> None:
        """A new lead, or another touch on a known one, possibly older than its first."""
        if new or not self.emails:
            self.emails.append(f"{self.prefix}-{len(self.emails)}@acme{len(self.emails)}.example")
        email = self.emails[-1] if new else self.emails[index % len(self.emails)]
        intake_lead(
            data=IntakeData(
                email=email,
                campaign=self.campaigns[campaign] if campaign is not None else None,
                asset=self.demo if hand_raiser else None,
                occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
            )
        )

    @rule(index=st.integers(0, 20))
    def route(self, index: int) -> None:
        lead = self._lead(index, status=Lead.Status.READY, owner__isnull=True)
        if lead is not None:
            routing.route_lead(lead_id=lead.pk)

    @rule(index=st.integers(0, 20), channel=st.sampled_from(["call", "email"]))
    def attempt(self, index: int, channel: str) -> None:
        lead = self._workable(index)
        if lead is not None:
            log_attempt(lead_id=lead.pk, rep=self.rep, channel=channel, outcome="no_answer")

    @rule(index=st.integers(0, 20))
    def breach(self, index: int) -> None:
        """The SLA clock of a pending lead runs out: its due time is moved a minute into the
        past (a clock not kept in the facts) and the sweep settles it now."""
        lead = self._lead(index, sla_state=Lead.SlaState.PENDING, first_response_at__isnull=True)
        if lead is not None:
            now = timezone.now()
            Lead.objects.filter(pk=lead.pk).update(sla_due_at=now - timedelta(minutes=1))
            routing.settle_sla(lead_id=lead.pk, now=now)

    @rule(index=st.integers(0, 20))
    def hand_over(self, index: int) -> None:
        """A manager moves an open lead to the other rep: a breach stays with the rep it was."""
        lead = self._lead(
            index,
            owner__in=[self.rep, self.other_rep],
            status__in=[Lead.Status.READY, "working"],
            is_archived=False,
        )
        if lead is not None:
            to_rep = self.other_rep if lead.owner_id == self.rep.pk else self.rep
            routing.reassign_lead(lead_id=lead.pk, to_rep=to_rep, actor=self.manager)

    def _routed(self, index: int) -> Lead | None:
        """A ready lead nobody holds, routed to the pool's rep first."""
        lead = self._lead(index, status=Lead.Status.READY, owner__isnull=True, is_archived=False)
        if lead is None:
            return None
        routing.route_lead(lead_id=lead.pk)
        lead.refresh_from_db()
        return lead if lead.owner_id == self.rep.pk else None

    @rule(index=st.integers(0, 20), amount=st.integers(0, 90_000))
    def convert(self, index: int, amount: int) -> None:
        lead = self._workable(index) or self._routed(index)
        if lead is None:  # most of a run's leads are nurture: a hand-raiser arrives to convert
            campaign = [None, 0, 1, 2][index % 4]
            self.touch(new=True, index=0, campaign=campaign, hand_raiser=True, minutes_ago=0)
            lead = self._workable(0) or self._routed(0)
        if lead is not None:
            opportunities.convert_lead(lead_id=lead.pk, actor=self.rep, name="Deal", amount=amount)

    @rule(
        index=st.integers(0, 20),
        change=st.sampled_from(["amount", "reopen", "win", "primary_lead", "owner"]),
        amount=st.integers(0, 90_000),
    )
    def correct_deal(self, index: int, change: str, amount: int) -> None:
        """RevOps corrects a deal in the admin: what OpportunityAdmin.save_model does after
        the form, without the form (amount, a win reopened, a win recorded, the primary lead,
        the owner)."""
        deals = list(Opportunity.objects.filter(owner=self.rep).order_by("pk"))
        if not deals:  # a deal to correct
            self.convert(index, amount)
            deals = list(Opportunity.objects.filter(owner=self.rep).order_by("pk"))
        if not deals:
            return
        deal = deals[index % len(deals)]
        previous, was_won = deal.primary_lead_id, deal.stage == Opportunity.Stage.WON
        if change == "amount":
            deal.amount = Decimal(amount)
        elif change in ("reopen", "win"):
            won = change == "win"
            deal.stage = Opportunity.Stage.WON if won else Opportunity.Stage.NEGOTIATION
            deal.closed_at = timezone.now() if won else None
            deal.lost_reason, deal.lost_details = None, ""
        elif change == "owner":
            deal.owner = self.manager
        else:
            lead = self._lead(index)
            assert lead is not None  # a deal has a lead of this run
            deal.primary_lead = lead
            deal.source_campaign_id = opportunities.source_campaign_of(lead.pk)
        deal.save()
        opportunities.deal_corrected(deal, previous_lead_id=previous, was_won=was_won)

    @rule(index=st.integers(0, 20), win=st.booleans())
    def close(self, index: int, win: bool) -> None:
        opportunity = (
            Opportunity.objects.filter(owner=self.rep, stage=Opportunity.Stage.DISCOVERY)
            .order_by("pk")
            .first()
        )
        if opportunity is not None:
            stage = Opportunity.Stage.WON if win else Opportunity.Stage.LOST
            opportunities.change_stage(
                opportunity_id=opportunity.pk,
                actor=self.rep,
                stage=stage,
                lost_reason_id=self.lost_reason.pk,
            )

    @rule(index=st.integers(0, 20), recycle=st.booleans())
    def leave_the_queue(self, index: int, recycle: bool) -> None:
        lead = self._workable(index)
        if lead is None:
            return
        action = feedback.recycle_lead if recycle else feedback.disqualify_lead
        action(lead_id=lead.pk, actor=self.rep, reason_id=self.reason.pk, note="n")

    @rule(outcome=st.sampled_from(["nurture", "ready"]))
    def dispute(self, outcome: str) -> None:
        dq = (
            Disqualification.objects.filter(rep=self.rep, review_status="open")
            .order_by("pk")
            .first()
        )
        if dq is not None:
            feedback.review_disqualification(
                disqualification_id=dq.pk,
                actor=self.marketer,
                decision="dispute",
                note="Worth another go",
                dispute_outcome=outcome,
            )

    @rule(index=st.integers(0, 20))
    def archive(self, index: int) -> None:
        lead = self._lead(index, is_archived=False)
        if lead is not None:
            leads.archive_leads(lead_ids=[lead.pk], actor=self.manager)

    @invariant()
    def incremental_equals_rebuilt(self) -> None:
        kept, entered, moved, credited = _table(), _entries(), _moves(), _credits()
        deals = _deal_sources()
        # a deal carries its primary lead's source campaign, as the facts hold it
        assert [(pk, source) for pk, source, _ in deals] == [(pk, lead) for pk, _, lead in deals]
        if connection.vendor == "postgresql":  # the triggers' cells count the entries, facts
            assert _cells() == _cells_of_entries()
            assert created_cells() == created_of_facts()
            assert dq_cells() == dq_cells_of_disqualifications()
            assert deal_cells() == deal_cells_of_opportunities()
            fold_cells()
            assert _cells() == _cells_of_entries()
            assert CohortCell.objects.count() == len(_cells())  # one row per combination
            assert created_cells() == created_of_facts()
            assert CreatedCell.objects.count() == len(created_cells())
        rebuild_lead_facts()
        rebuild_deal_credits()
        assert _table() == kept
        assert _entries() == entered
        assert _moves() == moved
        assert _credits() == credited
        assert _deal_sources() == deals


def test_kept_facts_equal_rebuilt_facts(agreement) -> None:  # type: ignore[no-untyped-def]
    # a business-hours calendar, so response minutes are real working-time arithmetic
    factories.SlaPolicyFactory(
        business_hours_only=True, day_start=time(0, 0), day_end=time(23, 59), work_days="0,1,2,3,4"
    )

    def run() -> None:
        try:
            run_state_machine_as_test(
                FactsMachine,
                settings=settings(
                    max_examples=15,
                    stateful_step_count=25,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except DomainError as error:  # a refused action is a bug in the machine's guards
            raise AssertionError(f"an operation was refused: {error}") from error

    run()


def test_source_campaign_is_the_first_campaign_touch_even_when_it_arrives_late(
    agreement,
) -> None:  # type: ignore[no-untyped-def]
    # given a lead created by a touch of campaign B on 10 Oct
    campaign_a, campaign_b = factories.CampaignFactory(), factories.CampaignFactory()
    on = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)
    data = {"email": "ana@northwind.example"}
    lead = intake_lead(data=IntakeData(**data, campaign=campaign_b, occurred_at=on)).lead
    assert LeadFacts.objects.get(lead=lead).source_campaign_id == campaign_b.pk

    # when an older touch of campaign A arrives (an import of last month's webinar), and one
    # without a campaign older still
    intake_lead(data=IntakeData(**data, campaign=campaign_a, occurred_at=on - timedelta(days=9)))
    intake_lead(data=IntakeData(**data, occurred_at=on - timedelta(days=20)))

    # then the source campaign is A: the first campaign touch, not the creating one
    facts = LeadFacts.objects.get(lead=lead)
    assert facts.source_campaign_id == campaign_a.pk
    assert facts.source_touch_at == on - timedelta(days=9)


def test_a_known_lead_matched_to_an_account_at_intake_carries_it_into_its_facts(
    agreement,
) -> None:  # type: ignore[no-untyped-def]
    # given a lead written without an account (before matching existed, say) that became
    # ready on 2 Nov 2026 (2026-Q4's cohort)
    lead = factories.LeadFactory(email="ana@northwind.example", account=None)
    factories.LeadEventFactory(
        lead=lead,
        kind=LeadEvent.Kind.STATUS,
        old_value="new",
        new_value="ready",
        at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
    )
    assert CohortEntry.objects.get(lead=lead).account_id is None

    # when another touch arrives at intake, which matches the lead's domain to an account
    intake_lead(data=IntakeData(email="ana@northwind.example"))

    # then its facts and its cohort entry carry the account, as a rebuild computes them
    account_id = Lead.objects.get(pk=lead.pk).account_id
    assert account_id is not None
    assert LeadFacts.objects.get(lead=lead).account_id == account_id
    assert CohortEntry.objects.get(lead=lead).account_id == account_id
    kept = (_table(), _entries())
    rebuild_lead_facts([lead.pk])
    assert (_table(), _entries()) == kept


def test_ties_on_time_go_to_the_lower_touch_id(agreement) -> None:  # type: ignore[no-untyped-def]
    first, second = factories.CampaignFactory(), factories.CampaignFactory()
    at = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    lead = factories.LeadFactory()
    factories.TouchpointFactory(lead=lead, campaign=first, occurred_at=at)
    factories.TouchpointFactory(lead=lead, campaign=second, occurred_at=at)

    assert LeadFacts.objects.get(lead=lead).source_campaign_id == first.pk


def test_the_rebuild_command_restores_facts_written_behind_the_apps_back(agreement, rep) -> None:  # type: ignore[no-untyped-def]
    # given facts wiped (a restore from an old backup, say)
    campaign = factories.CampaignFactory()
    lead = factories.LeadFactory(account=factories.AccountFactory())
    factories.TouchpointFactory(lead=lead, campaign=campaign)
    factories.OpportunityFactory(
        primary_lead=lead,
        account=lead.account,
        stage=Opportunity.Stage.WON,
        amount=Decimal("1200.50"),
        closed_at=timezone.now(),
    )
    LeadFacts.objects.all().delete()

    # when
    call_command("rebuild_facts", verbosity=0)

    # then
    facts = LeadFacts.objects.get(lead=lead)
    assert facts.source_campaign_id == campaign.pk
    assert facts.won_amount == Decimal("1200.50")


def test_a_write_recreates_a_facts_row_missing_behind_the_apps_back(agreement, rep) -> None:  # type: ignore[no-untyped-def]
    # given a lead whose facts row is gone (loaded behind the application's back)
    campaign = factories.CampaignFactory()
    data = {"email": "bo@northwind.example"}
    lead = intake_lead(data=IntakeData(**data)).lead
    LeadFacts.objects.filter(lead=lead).delete()

    # when a campaign touch arrives
    intake_lead(data=IntakeData(**data, campaign=campaign))

    # then the row is back, with the source campaign
    assert LeadFacts.objects.get(lead=lead).source_campaign_id == campaign.pk


def test_a_touch_without_a_campaign_leaves_the_facts_alone(agreement) -> None:  # type: ignore[no-untyped-def]
    # given a lead with a campaign touch
    campaign = factories.CampaignFactory()
    data = {"email": "cy@northwind.example"}
    lead = intake_lead(data=IntakeData(**data, campaign=campaign)).lead
    before = _table()

    # when a touch without a campaign arrives, older than the first
    on = LeadFacts.objects.get(lead=lead).source_touch_at
    with CaptureQueriesContext(connection) as captured:
        intake_lead(data=IntakeData(**data, occurred_at=on - timedelta(days=3)))

    # then the facts are as they were, and the intake wrote none of them
    assert _table() == before
    facts_table = LeadFacts._meta.db_table
    assert not [q for q in captured.captured_queries if facts_table in q["sql"]]


def test_an_install_with_leads_but_no_facts_gets_them_once_migrate_has_run(db) -> None:  # type: ignore[no-untyped-def]
    # given: leads from before the facts existed (an upgrade past goals.0003)
    lead = factories.LeadFactory()
    LeadFacts.objects.all().delete()
    # when: migrate finishes (its post_migrate signal)
    backfill_after_migrate(sender=None)
    # then
    assert LeadFacts.objects.filter(lead=lead).exists()
    # an install with its facts is left alone
    LeadFacts.objects.filter(lead=lead).update(source_touch_id=123456)
    backfill_after_migrate(sender=None)
    assert LeadFacts.objects.get(lead=lead).source_touch_id == 123456


def test_an_install_from_before_the_status_moves_gets_them_once_migrate_has_run(db) -> None:  # type: ignore[no-untyped-def]
    # given: a lead made ready and answered before the lead flow's moves existed (leads.0027)
    lead = factories.LeadFactory()
    ready = factories.LeadEventFactory(
        lead=lead, kind="status", old_value="nurture", new_value="ready"
    )
    answered = factories.LeadEventFactory(
        lead=lead, kind="status", old_value="ready", new_value="working"
    )
    factories.LeadEventFactory(lead=lead, kind="status", old_value="new", new_value="nurture")
    StatusMove.objects.all().delete()
    # when: migrate finishes (its post_migrate signal)
    backfill_after_migrate(sender=None)
    # then: the two moves the flow counts, not the one it does not
    assert sorted(StatusMove.objects.values_list("event_id", flat=True)) == [ready.pk, answered.pk]


def test_a_disputed_answer_leaves_the_lead_flows_moves_unanswered(agreement, rep, marketer) -> None:  # type: ignore[no-untyped-def]
    # given: a ready lead answered by its rep, then disqualified
    factories.PoolMemberFactory(rule=factories.RoutingRuleFactory(name="moves"), rep=rep)
    demo = factories.AssetFactory(hand_raiser=True, campaign=factories.CampaignFactory())
    lead = intake_lead(data=IntakeData(email="kim@fabrikam.example", asset=demo)).lead
    routing.route_lead(lead_id=lead.pk)
    log_attempt(lead_id=lead.pk, rep=rep, channel="call", outcome="no_answer")
    reason = factories.DisqualificationReasonFactory(use="both")
    feedback.disqualify_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk, note="n")

    def answers() -> set[datetime | None]:
        return set(StatusMove.objects.filter(lead=lead).values_list("first_response_at", flat=True))

    assert None not in answers()

    # when: marketing disputes it back to nurture (the answer is erased with the hand-off)
    dq = Disqualification.objects.get(lead=lead)
    feedback.review_disqualification(
        disqualification_id=dq.pk,
        actor=marketer,
        decision="dispute",
        note="Worth another go",
        dispute_outcome="nurture",
    )

    # then: the lead flow reads it as never answered, as the rebuilt moves do
    lead.refresh_from_db()
    assert (lead.first_response_at, lead.facts.first_response_at) == (None, None)
    assert answers() == {None}
    kept = _moves()
    rebuild_lead_facts()
    assert _moves() == kept
