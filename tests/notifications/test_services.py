"""Email and the team webhook go out after commit; a dead receiver never blocks routing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead
from apps.notifications.models import TeamChannel
from apps.notifications.services import post_team_webhook
from apps.scoring.services import rescore_open_leads
from apps.users.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_assignment_posts_to_the_sales_webhook_and_emails_the_rep(
    receiver, pool, policy, agreement, demo_asset, django_capture_on_commit_callbacks
):
    url, received = receiver
    TeamChannel.objects.create(team=Role.SALES, webhook_url=url)
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_lead(
            data=IntakeData(email="zoe@globex.example", first_name="Zoe", asset=demo_asset)
        )
    lead = Lead.objects.get(pk=result.lead.pk)
    assert lead.owner is not None
    assert any("New lead: Zoe" in body["text"] for body in received)
    assert [m.to for m in mail.outbox] == [[lead.owner.email]]


def test_a_dead_webhook_does_not_block_routing(
    pool, policy, agreement, demo_asset, django_capture_on_commit_callbacks
):
    TeamChannel.objects.create(team=Role.SALES, webhook_url="http://127.0.0.1:9/unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_lead(data=IntakeData(email="zoe@globex.example", asset=demo_asset))
    assert Lead.objects.get(pk=result.lead.pk).owner is not None


def test_webhook_failure_raises_so_the_task_retries(db):
    TeamChannel.objects.create(
        team=Role.SALES_MANAGER, webhook_url="http://127.0.0.1:9/unreachable"
    )
    with pytest.raises(OSError, match="refused|Errno"):
        post_team_webhook(team=Role.SALES_MANAGER, text="hello")


def test_nightly_rescore_qualifies_a_lead_that_crossed_the_threshold(agreement, pool, policy):
    # given a nurture lead whose touchpoints now add up past the threshold
    asset = factories.AssetFactory(engagement_weight=70)
    lead = factories.LeadFactory()
    factories.TouchpointFactory(
        lead=lead, asset=asset, occurred_at=timezone.now() - timedelta(hours=1)
    )
    # when
    assert rescore_open_leads() == 1
    # then
    lead.refresh_from_db()
    assert lead.score >= 60
    assert lead.status == Lead.Status.READY
    assert lead.ready_reason == "score"


def test_engagement_decays_with_the_half_life(agreement):
    asset = factories.AssetFactory(engagement_weight=40)
    lead = factories.LeadFactory()
    factories.TouchpointFactory(
        lead=lead, asset=asset, occurred_at=timezone.now() - timedelta(days=30)
    )
    rescore_open_leads()
    lead.refresh_from_db()
    assert lead.engagement_score == pytest.approx(20, abs=0.1)  # one half-life (30 days) old


def test_sla_sweep_command_reports_what_it_did(pool, policy, capsys):
    factories.LeadFactory(status=Lead.Status.READY, ready_at=timezone.now())
    call_command("sla_sweep")
    assert "routed 1" in capsys.readouterr().out
