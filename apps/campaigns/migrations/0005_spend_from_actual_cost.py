"""Each campaign's single actual_cost becomes one dated spend entry (0006 then drops the
column, so spend is the one source of truth).

The entry runs over the campaign's run dates; without both of them over its planned
quarter (where the old figure was booked, so such a campaign's quarter cost is unchanged);
without a quarter either, over the one run date it has, else the day it was created.
A separate migration from the column's removal: on PostgreSQL, inserting rows that reference
campaigns and altering the campaigns table in one transaction fails ("pending trigger events").
"""

from decimal import Decimal

from django.db import migrations
from django.db.models import Sum

NOTE = "Converted from the campaign's single actual cost."


def _period(campaign):
    if campaign.starts_on and campaign.ends_on:
        return campaign.starts_on, campaign.ends_on
    if campaign.quarter_id:
        return campaign.quarter.starts_on, campaign.quarter.ends_on
    day = campaign.starts_on or campaign.ends_on or campaign.created_at.date()
    return day, day


def spend_from_actual_cost(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignSpend = apps.get_model("campaigns", "CampaignSpend")
    entries = []
    for campaign in Campaign.objects.filter(actual_cost__gt=0).select_related("quarter"):
        starts_on, ends_on = _period(campaign)
        entries.append(
            CampaignSpend(
                campaign_id=campaign.pk,
                starts_on=starts_on,
                ends_on=ends_on,
                amount=campaign.actual_cost,
                note=NOTE,
            )
        )
    CampaignSpend.objects.bulk_create(entries, batch_size=500)


def actual_cost_from_spend(apps, schema_editor):
    """Backwards: the column comes back holding the sum of each campaign's entries that count
    (not replaced). The entries stay until 0004's reversal drops their table: PostgreSQL
    refuses to delete them one by one."""
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignSpend = apps.get_model("campaigns", "CampaignSpend")
    totals = (
        CampaignSpend.objects.filter(replaced_by__isnull=True)
        .values("campaign_id")
        .annotate(total=Sum("amount"))
    )
    for row in totals.order_by():
        Campaign.objects.filter(pk=row["campaign_id"]).update(
            actual_cost=row["total"] or Decimal("0")
        )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0004_campaignspend")]

    operations = [migrations.RunPython(spend_from_actual_cost, actual_cost_from_spend)]
