"""Campaign.actual_cost is gone: a campaign's cost is its dated spend (CampaignSpend)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0005_spend_from_actual_cost")]

    operations = [
        migrations.RemoveConstraint(model_name="campaign", name="campaign_cost_non_negative"),
        migrations.RemoveField(model_name="campaign", name="actual_cost"),
    ]
