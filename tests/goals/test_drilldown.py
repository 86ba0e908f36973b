"""The records behind every figure of /goals/: each goal's actual (/goals/<id>/records/) and each
SLA scoreboard figure, the team's and each rep's (/goals/scoreboard/records/), with the targets
RevOps sets beside the scoreboard, their admin, the goal form's "lower is better" preset, and
the goals API's segment.

The quarter is the hand-worked marketing world (tests/fixtures/marketing.py) with a goal for
every metric, SLA outcomes, renewals and targets added here. Every link to a drill-down is
followed from the rendered page and its records are checked to add up to the figure the link
showed (tests/drilldown.py says how for each kind of figure).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.goals import metrics
from apps.goals.facts import rebuild_lead_facts
from apps.goals.models import JointGoal, Metric, ScoreboardTarget
from apps.leads.models import Lead
from apps.users.models import User
from tests import factories
from tests.drilldown import assert_same, figure_links, forged_cursor, read_drill, text_of
from tests.fixtures.marketing import World, at, make_lead

pytestmark = pytest.mark.django_db

D = Decimal
GOAL_RECORDS = r"/goals/\d+/records/"
SCOREBOARD_RECORDS = "/goals/scoreboard/records/"
# How each figure relates to its records (tests.drilldown.assert_same).
KINDS: dict[str, str] = {
    Metric.SALES_READY_LEADS: "count",
    Metric.SPEED_TO_LEAD_MEDIAN: "median",
    Metric.SPEED_TO_LEAD_P90: "p90",
    Metric.SLA_COMPLIANCE: "rate",
    Metric.FOLLOW_UP_RATE: "rate",
    Metric.ATTEMPTS_BEFORE_DQ: "mean_attempts",
    Metric.DISQUALIFICATION_RATE: "rate",
    Metric.READY_TO_OPPORTUNITY: "rate",
    Metric.OPPORTUNITY_TO_WON: "rate",
    Metric.WIN_RATE: "rate",
    Metric.PIPELINE_CREATED: "sum",
    Metric.REVENUE_WON: "sum",
    Metric.SALES_CYCLE_DAYS: "value",  # an average of durations: the listed deals are checked
    Metric.COST_PER_READY_LEAD: "cost_per",
    Metric.COST_PER_WON_DEAL: "cost_per",
    # renewed amounts here are the amounts due, so retained / due is the parts' amounts
    Metric.GROSS_REVENUE_RETENTION: "amount_rate",
    Metric.EXPANSION_REVENUE: "sum",
    Metric.HELD_TOO_LONG: "count",
    Metric.FORM_TO_MEETING_RATE: "rate",
    Metric.FORM_TO_MEETING_MINUTES: "wait",
    metrics.JUNK_SHARE: "rate",
}


@pytest.fixture
def sheet(world: World) -> World:
    """The marketing world with Q4 goals for every metric (and four segmented ones), settled
    SLA clocks, renewals due in Q4 and an expansion deal."""
    q4 = world.q4
    leads = world.leads
    met, breached = Lead.SlaState.MET, Lead.SlaState.BREACHED
    for name, state in (("a1", met), ("b1", met), ("n1", met), ("c1", breached)):
        Lead.objects.filter(pk=leads[name].pk).update(sla_state=state)
    # sara let a2 slip; sam holds it now: the breach stays sara's
    Lead.objects.filter(pk=leads["a2"].pk).update(
        sla_state=breached, breached_owner=world.sara, owner=world.sam
    )
    # written behind the services' back, so the leads' facts are rebuilt as rebuild_facts would
    rebuild_lead_facts([leads[name].pk for name in ("a1", "b1", "n1", "c1", "a2")])
    price = factories.ChurnReasonFactory()
    customer = factories.AccountFactory(name="Umber", country="DE", tier="target")
    renewal = factories.RenewalFactory
    renewal(account=customer, due_on=date(2026, 11, 1), amount=D("6000"), outcome="renewed",
            closed_at=at(11, 1))  # fmt: skip
    renewal(account=customer, due_on=date(2026, 12, 1), amount=D("2000"), outcome="churned",
            churn_reason=price, closed_at=at(12, 1))  # fmt: skip
    renewal(account=customer, due_on=date(2026, 12, 20), amount=D("2000"))
    lead = make_lead(
        created=at(10, 2), campaign=world.webinar, ready=at(10, 2, 9), account=customer
    )
    factories.OpportunityFactory(
        account=customer,
        primary_lead=lead,
        owner=world.sam,
        name="Umber seats",
        type="expansion",
        amount=D("1500.00"),
        created_at=at(10, 9),
        stage="won",
        closed_at=at(11, 9),
    )
    for metric in Metric.values:
        factories.JointGoalFactory(quarter=q4, metric=metric, target=D("50"))
    goal = factories.JointGoalFactory
    goal(quarter=q4, metric=Metric.REVENUE_WON, target=D("9000"), segment_campaign=world.webinar)
    goal(quarter=q4, metric=Metric.SALES_READY_LEADS, target=D("3"), segment_source="paid")
    goal(quarter=q4, metric=Metric.WIN_RATE, target=D("60"), segment_country="DE")
    goal(quarter=q4, metric=Metric.COST_PER_READY_LEAD, target=D("400"),
         segment_campaign=world.search)  # fmt: skip
    return world


def goals_page(client: Client) -> str:
    response = client.get("/goals/?quarter=2026-Q4")
    assert response.status_code == 200
    return response.content.decode()


# --- Goal cards ---------------------------------------------------------------------------------


def test_every_goal_links_to_records_that_add_up_to_its_actual(
    manager_client: Client, sheet: World
) -> None:
    # given
    links = figure_links(goals_page(manager_client), GOAL_RECORDS)
    goals = {goal.pk: goal for goal in JointGoal.objects.all()}

    # then each goal's actual is a link
    assert len(links) == len(goals) == len(Metric.values) + 4

    # when each is followed, then its records add up to the actual it showed
    for link in links:
        goal = goals[int(link.href.split("/")[2])]
        drill = read_drill(manager_client, link.href)
        assert_same(KINDS[goal.metric], link.number, drill, f"{goal.metric} {link.href}")
        if goal.metric == Metric.SALES_CYCLE_DAYS:
            won = metrics.drilldown(goal.metric, sheet.q4, metrics.Segment.from_goal(goal))
            assert drill.total == won.count()


def test_a_rate_lists_its_numerator_and_denominator_records(
    manager_client: Client, sheet: World
) -> None:
    # given the SLA compliance goal: a1, b1, n1 met; a2, c1 breached (a4 became ready in 2027)
    goal = JointGoal.objects.get(metric=Metric.SLA_COMPLIANCE, segment_source="")
    url = f"/goals/{goal.pk}/records/"

    # when
    denominator = manager_client.get(url)
    numerator = manager_client.get(url + "?part=numerator")

    # then 3 of 5 settled = 60.0%; each side lists its leads
    page = denominator.content.decode()
    assert 'id="figure-value">60.0%</span>' in page
    assert 'data-part="numerator">Met: <span class="part-count">3</span>' in page
    assert 'data-part="denominator" aria-current="true"' not in page  # the attribute comes first
    assert 'Settled: met or breached: <span class="part-count">5</span>' in page
    leads = sheet.leads
    assert {lead.pk for lead in denominator.context["drill"].page} == {
        leads[n].pk for n in ("a1", "a2", "b1", "c1", "n1")
    }
    assert {lead.pk for lead in numerator.context["drill"].page} == {
        leads[n].pk for n in ("a1", "b1", "n1")
    }


def test_a_sum_shows_the_full_total_to_a_rep_who_reads_only_his_deals(
    sales_client: Client, sheet: World
) -> None:
    # given the pipeline goal: o1 (sam, 10,000), o2 (sara, 5,000), o4 (sara, 7,000), o5 (sara,
    # 3,333.33) and the expansion (sam, 1,500) were created in Q4
    goal = JointGoal.objects.get(metric=Metric.PIPELINE_CREATED)

    # when sam opens it
    response = sales_client.get(f"/goals/{goal.pk}/records/")

    # then the total is everyone's, the list his
    page = response.content.decode()
    assert 'id="figure-value">26,833.33</span>' in page
    assert 'id="records-total">5</span>' in page
    assert 'id="records-amount">26,833.33</span>' in page
    assert "11,500 Amount of the records you can see" in text_of(page)
    assert "You can read 2 of these 5 records" in text_of(page)


def test_a_cost_lists_its_spend_and_what_it_is_divided_by(
    manager_client: Client, sheet: World
) -> None:
    # given cost per ready lead for Search: 3,000 of Q4 spend / 2 ready leads (b1, b2)
    goal = JointGoal.objects.get(metric=Metric.COST_PER_READY_LEAD, segment_campaign=sheet.search)

    # when
    spend = manager_client.get(f"/goals/{goal.pk}/records/?part=cost").context["drill"]

    # then
    assert spend.value_text == "1,500"
    assert spend.kind == "spend"
    assert spend.total == 3
    assert spend.amount_text == "3,000"
    assert [part.count for part in spend.parts] == [3, 2]


# --- The SLA scoreboard ---------------------------------------------------------------------------


def test_every_scoreboard_figure_links_to_records_that_add_up_to_it(
    manager_client: Client, sheet: World
) -> None:
    # given
    links = figure_links(goals_page(manager_client), SCOREBOARD_RECORDS)

    # then every figure links: marketing's 3, sales' 6, and per rep ready leads + 6
    team = {link.query["metric"] for link in links if "rep" not in link.query}
    assert team == set(KINDS) - set(Metric.values) | {
        Metric.SALES_READY_LEADS,
        Metric.DISQUALIFICATION_RATE,
        Metric.SPEED_TO_LEAD_MEDIAN,
        Metric.SPEED_TO_LEAD_P90,
        Metric.SLA_COMPLIANCE,
        Metric.FOLLOW_UP_RATE,
        Metric.ATTEMPTS_BEFORE_DQ,
        Metric.WIN_RATE,
    }
    reps = {link.query["rep"] for link in links if "rep" in link.query}
    assert reps == {str(sheet.sam.pk), str(sheet.sara.pk)}
    assert len([link for link in links if link.query.get("rep") == str(sheet.sam.pk)]) == 7

    # when each is followed, then its records add up to the figure it showed
    for link in dict.fromkeys(links):
        assert link.query["quarter"] == "2026-Q4"
        drill = read_drill(manager_client, link.href)
        assert_same(KINDS[link.query["metric"]], link.number, drill, link.href)


def test_a_reps_figure_counts_the_breach_he_let_slip(manager_client: Client, sheet: World) -> None:
    # when: sara's SLA compliance (a2 breached while hers, then reassigned to sam; c1 breached)
    url = f"{SCOREBOARD_RECORDS}?quarter=2026-Q4&metric=sla_compliance&rep={sheet.sara.pk}"
    drill = manager_client.get(url).context["drill"]

    # then both breaches are hers, and she met none: 0.0%
    assert drill.value_text == "0.0%"
    assert {lead.pk for lead in drill.page} == {sheet.leads["a2"].pk, sheet.leads["c1"].pk}
    assert drill.title == "First-response compliance · Sara Rep"


@pytest.mark.parametrize(
    "query",
    [
        "metric=nonsense",
        "metric=junk_share&rep=@sam",  # marketing's figures are the team's only
        "metric=win_rate&rep=abc",
        "metric=win_rate&rep=999999",
        "metric=win_rate&quarter=1999-Q1",
        "metric=win_rate&rep=@manager",  # not a rep: the scoreboard does not list him
        "metric=win_rate&rep=١",  # a digit, but not an id
        "metric=win_rate&part=nonsense",
        f"metric=win_rate&after={forged_cursor('abc')}",
        f"metric=speed_to_lead_p90&rep=@sam&after={forged_cursor('fast', 1)}",
    ],
)
def test_unknown_scoreboard_figure_rep_or_quarter_is_404(
    manager_client: Client, manager: User, sheet: World, query: str
) -> None:
    query = query.replace("@sam", str(sheet.sam.pk)).replace("@manager", str(manager.pk))
    response = manager_client.get(f"{SCOREBOARD_RECORDS}?{query}")
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["part=nonsense", f"after={forged_cursor({'pk': 1})}"])
def test_an_unknown_part_or_a_forged_cursor_of_a_goals_records_is_404(
    manager_client: Client, sheet: World, query: str
) -> None:
    goal = JointGoal.objects.filter(metric=Metric.COST_PER_READY_LEAD).order_by("pk").first()
    assert goal is not None
    response = manager_client.get(f"/goals/{goal.pk}/records/?{query}")
    assert response.status_code == 404


def test_scoreboard_records_are_scoped_to_what_a_rep_reads(
    sales_client: Client, sheet: World
) -> None:
    # when sam opens sara's win rate (o2 lost: 0 of 1)
    url = f"{SCOREBOARD_RECORDS}?quarter=2026-Q4&metric=win_rate&rep={sheet.sara.pk}"
    page = sales_client.get(url).content.decode()

    # then the count is hers, the deal is not listed to him
    assert 'id="records-total">1</span>' in page
    assert "Yarrow pilot" not in page
    assert "None of these records are yours to read." in page


# --- Targets beside the scoreboard ----------------------------------------------------------------


def test_the_scoreboard_shows_each_target_met_or_missed(
    manager_client: Client, sheet: World
) -> None:
    # given: the team's speed to lead median, 8.0 min (a1 4, b1 6, n1 8, a2 10, c1 20 minutes),
    # against 5 or lower; sam's win rate, 100.0% (o1, o3 won), against 50; 7 sales-ready
    # leads against RevOps's 5 (the unsegmented goal says 50)
    q4 = sheet.q4
    ScoreboardTarget.objects.create(quarter=q4, metric=Metric.SPEED_TO_LEAD_MEDIAN,
                                    target=D("5"), lower_is_better=True)  # fmt: skip
    ScoreboardTarget.objects.create(quarter=q4, metric=Metric.WIN_RATE, rep=sheet.sam,
                                    target=D("50"))  # fmt: skip
    ScoreboardTarget.objects.create(quarter=q4, metric=Metric.SALES_READY_LEADS, target=D("5"))

    # when
    page = goals_page(manager_client)
    board = text_of(page[page.index('id="sla-title"') :])

    # then the team's speed misses its target, sam's win rate meets his, and RevOps's
    # sales-ready target replaces the goal's
    assert "Speed to lead, median 8.0 min of 5.0 min target or lower missed" in board
    assert "Sales-ready leads 7 of 5 target met" in board
    sam_row = board[board.index("Sam Rep") : board.index("Sara Rep")]
    assert "100.0%" in sam_row
    assert "target 50.0% met" in sam_row
    assert 'badge--danger-soft target-badge" title="Target 5.0 min or lower, missed"' in page


def test_the_api_shows_the_same_targets(manager_api: Any, sheet: World) -> None:
    # given
    q4 = sheet.q4
    ScoreboardTarget.objects.create(quarter=q4, metric=Metric.FOLLOW_UP_RATE, target=D("80"))
    ScoreboardTarget.objects.create(quarter=q4, metric=Metric.WIN_RATE, rep=sheet.sara,
                                    target=D("40"))  # fmt: skip

    # when
    body = manager_api.get("/api/v1/sla/", {"quarter": "2026-Q4"}).json()

    # then
    follow_up = next(f for f in body["sales"] if f["metric"] == "follow_up_rate")
    assert follow_up["target"] == "80.00"
    sara = next(r for r in body["reps"] if r["rep_id"] == sheet.sara.pk)
    assert next(f for f in sara["figures"] if f["metric"] == "win_rate")["target"] == "40.00"
    sam = next(r for r in body["reps"] if r["rep_id"] == sheet.sam.pk)
    assert next(f for f in sam["figures"] if f["metric"] == "win_rate")["target"] is None


# --- Admin: targets (RevOps only) and the "lower is better" preset --------------------------------


def admin_url(model: str, view: str, *args: Any) -> str:
    return reverse(f"admin:goals_{model}_{view}", args=args)


def target_data(quarter_pk: int, **overrides: str) -> dict[str, str]:
    data = {"quarter": str(quarter_pk), "metric": "win_rate", "rep": "", "target": "40"}
    data.update(overrides)
    return data


def test_revops_sets_team_and_rep_targets_in_the_admin(revops_client: Client, sheet: World) -> None:
    # when
    team = revops_client.post(admin_url("scoreboardtarget", "add"), target_data(sheet.q4.pk))
    rep = revops_client.post(
        admin_url("scoreboardtarget", "add"), target_data(sheet.q4.pk, rep=str(sheet.sam.pk))
    )

    # then
    assert team.status_code == 302
    assert rep.status_code == 302
    assert set(ScoreboardTarget.objects.values_list("metric", "rep_id", "target")) == {
        ("win_rate", None, D("40.00")),
        ("win_rate", sheet.sam.pk, D("40.00")),
    }


@pytest.mark.parametrize("client_fixture", ["manager_client", "marketing_client", "sales_client"])
def test_only_revops_reaches_the_targets_admin(
    request: pytest.FixtureRequest, client_fixture: str, sheet: World
) -> None:
    # when
    client: Client = request.getfixturevalue(client_fixture)
    listing = client.get(admin_url("scoreboardtarget", "changelist"))
    add = client.post(admin_url("scoreboardtarget", "add"), target_data(sheet.q4.pk))

    # then they are sent to the admin's sign-in, and nothing is written
    assert listing.status_code == 302
    assert listing["Location"].startswith(reverse("admin:login"))
    assert add.status_code == 302
    assert not ScoreboardTarget.objects.exists()


def test_a_staff_user_without_the_revops_role_may_not_edit_targets(
    client: Client, sheet: World
) -> None:
    # given staff without RevOps's permissions
    staff = factories.UserFactory(username="staffer", is_staff=True)
    client.force_login(staff)

    # when
    response = client.post(admin_url("scoreboardtarget", "add"), target_data(sheet.q4.pk))

    # then
    assert response.status_code == 403
    assert not ScoreboardTarget.objects.exists()


def test_a_rep_target_for_a_marketing_figure_is_refused_on_the_rep_field(
    revops_client: Client, sheet: World
) -> None:
    # when
    response = revops_client.post(
        admin_url("scoreboardtarget", "add"),
        target_data(sheet.q4.pk, metric="junk_share", rep=str(sheet.sam.pk)),
    )

    # then
    assert response.status_code == 200
    assert "exists for the team only" in str(response.context["adminform"].form.errors["rep"])
    assert not ScoreboardTarget.objects.exists()


def goal_data(quarter_pk: int, metric: str, **extra: str) -> dict[str, str]:
    data = {
        "quarter": str(quarter_pk),
        "metric": metric,
        "name": "",
        "target": "120",
        "team_marketing": "on",
        "segment_campaign": "",
        "segment_source": "",
        "segment_country": "",
        "segment_tier": "",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("metric", "lower"),
    [
        (Metric.COST_PER_READY_LEAD, True),
        (Metric.COST_PER_WON_DEAL, True),
        (Metric.SPEED_TO_LEAD_MEDIAN, True),
        (Metric.SPEED_TO_LEAD_P90, True),
        (Metric.DISQUALIFICATION_RATE, True),
        (Metric.SALES_READY_LEADS, False),
        (Metric.REVENUE_WON, False),
        (Metric.ATTEMPTS_BEFORE_DQ, False),
    ],
)
def test_a_new_goal_left_alone_takes_lower_is_better_from_its_metric(
    revops_client: Client, sheet: World, metric: str, lower: bool
) -> None:
    # when the box is left as the add page showed it (unticked)
    response = revops_client.post(admin_url("jointgoal", "add"), goal_data(sheet.q4.pk, metric))

    # then
    assert response.status_code == 302
    assert JointGoal.objects.order_by("-pk").first().lower_is_better is lower  # type: ignore[union-attr]


def test_the_add_page_presets_the_box_from_the_metric_in_its_address(
    revops_client: Client, sheet: World
) -> None:
    # when
    cost = revops_client.get(admin_url("jointgoal", "add") + "?metric=cost_per_ready_lead")
    leads = revops_client.get(admin_url("jointgoal", "add") + "?metric=sales_ready_leads")

    # then
    assert cost.context["adminform"].form["lower_is_better"].value() is True
    assert leads.context["adminform"].form["lower_is_better"].value() is False
    assert re.search(r'name="lower_is_better"[^>]*checked', cost.content.decode())


def test_a_box_cleared_or_ticked_on_purpose_is_kept(revops_client: Client, sheet: World) -> None:
    # when RevOps clears the preset box of a cost goal, and ticks it on a count goal
    cleared = goal_data(
        sheet.q4.pk, Metric.COST_PER_WON_DEAL, **{"initial-lower_is_better": "True"}
    )
    ticked = goal_data(sheet.q4.pk, Metric.SALES_READY_LEADS, lower_is_better="on")
    revops_client.post(admin_url("jointgoal", "add") + "?metric=cost_per_won_deal", cleared)
    revops_client.post(admin_url("jointgoal", "add"), ticked)

    # then both are kept as RevOps left them
    added = JointGoal.objects.order_by("-pk")[:2]
    assert [(g.metric, g.lower_is_better) for g in added] == [
        (Metric.SALES_READY_LEADS, True),
        (Metric.COST_PER_WON_DEAL, False),
    ]


def test_changing_a_goals_metric_moves_an_untouched_box_with_it(
    revops_client: Client, sheet: World
) -> None:
    # given a revenue goal (higher is better)
    goal = factories.JointGoalFactory(quarter=sheet.q4, metric=Metric.REVENUE_WON)

    # when its metric becomes cost per won deal, the box left as shown
    data = goal_data(sheet.q4.pk, Metric.COST_PER_WON_DEAL, **{"initial-lower_is_better": "False"})
    response = revops_client.post(admin_url("jointgoal", "change", goal.pk), data)

    # then
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.lower_is_better is True


def test_a_scoreboard_target_takes_lower_is_better_from_its_metric(
    revops_client: Client, sheet: World
) -> None:
    revops_client.post(
        admin_url("scoreboardtarget", "add"), target_data(sheet.q4.pk, metric="junk_share")
    )
    assert ScoreboardTarget.objects.get().lower_is_better is True


# --- The goals API's segment ----------------------------------------------------------------------


def test_the_goals_api_exposes_each_goals_segment(rep_api: Any, sheet: World) -> None:
    # when
    body = rep_api.get("/api/v1/goals/", {"quarter": "2026-Q4"}).json()

    # then a segmented goal names its slice, an unsegmented one has none
    segments = [goal["segment"] for goal in body["goals"]]
    assert {
        "campaign_id": sheet.webinar.pk,
        "campaign_name": "Webinar",
        "source": None,
        "country": None,
        "tier": None,
    } in segments
    assert {
        "campaign_id": None,
        "campaign_name": None,
        "source": "paid",
        "country": None,
        "tier": None,
    } in segments
    assert dict.fromkeys(["campaign_id", "campaign_name", "source", "country", "tier"]) in segments
    assert len(segments) == len(Metric.values) + 4


def test_a_tier_segment_reads_as_its_value(rep_api: Any, sheet: World) -> None:
    factories.JointGoalFactory(quarter=sheet.q4, metric=Metric.WIN_RATE, segment_tier="target")
    body = rep_api.get("/api/v1/goals/", {"quarter": "2026-Q4"}).json()
    assert any(goal["segment"]["tier"] == "target" for goal in body["goals"])


# --- Queries ---------------------------------------------------------------------------------------


def grow(world: World, rep: User, n: int) -> None:
    """n more answered, settled ready leads, disqualifications and closed deals in Q4."""
    reason = factories.DisqualificationReasonFactory(code="junk", label="Junk", is_junk=True)
    for i in range(n):
        lead = make_lead(
            created=at(10, 2),
            campaign=world.webinar,
            ready=at(10, 2 + i % 20, 9),
            responded_after=3 + i % 9,
            attempts=1 + i % 3,
            owner=rep,
            assigned_at=at(10, 2 + i % 20, 9),
            sla_state=Lead.SlaState.MET if i % 2 else Lead.SlaState.BREACHED,
        )
        factories.DisqualificationFactory(lead=lead, rep=rep, reason=reason, at=at(11, 1 + i % 9))
        factories.OpportunityFactory(
            account=factories.AccountFactory(),
            primary_lead=lead,
            owner=rep,
            amount=D(1000 + i),
            created_at=at(10, 25),
            stage="won" if i % 2 else "lost",
            lost_reason=None if i % 2 else factories.LostReasonFactory(name="Budget cut"),
            closed_at=at(11, 20),
        )


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# session, user, roles, quarter, rep; the scoreboard (6); a tally per part; visible; page; and
# the navigation's two badges
SCOREBOARD_MAX_QUERIES = 17
GOAL_MAX_QUERIES = 13


@pytest.mark.parametrize(
    "query",
    [
        "metric=sales_ready_leads",
        "metric=win_rate&rep=@sam",
        "metric=speed_to_lead_p90&rep=@sam",
        "metric=junk_share",
        "metric=attempts_before_dq",
    ],
)
def test_scoreboard_drilldown_queries_do_not_grow_with_the_data(
    sales_client: Client, sheet: World, query: str, django_assert_max_num_queries: Any
) -> None:
    # given
    url = f"{SCOREBOARD_RECORDS}?quarter=2026-Q4&" + query.replace("@sam", str(sheet.sam.pk))
    grow(sheet, sheet.sam, 3)
    small = queries(sales_client, url)

    # when
    grow(sheet, sheet.sam, 30)

    # then
    with django_assert_max_num_queries(SCOREBOARD_MAX_QUERIES):
        large = queries(sales_client, url)
    assert large == small


@pytest.mark.parametrize(
    "metric",
    [Metric.SLA_COMPLIANCE, Metric.REVENUE_WON, Metric.COST_PER_WON_DEAL, Metric.SPEED_TO_LEAD_P90],
)
def test_goal_drilldown_queries_do_not_grow_with_the_data(
    sales_client: Client, sheet: World, metric: str, django_assert_max_num_queries: Any
) -> None:
    # given
    goal = JointGoal.objects.filter(metric=metric).order_by("pk").first()
    assert goal is not None
    url = f"/goals/{goal.pk}/records/"
    grow(sheet, sheet.sam, 3)
    small = queries(sales_client, url)

    # when
    grow(sheet, sheet.sam, 30)

    # then
    with django_assert_max_num_queries(GOAL_MAX_QUERIES):
        large = queries(sales_client, url)
    assert large == small
