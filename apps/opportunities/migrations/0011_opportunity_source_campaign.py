import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_source_campaigns(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Every deal with a primary lead takes that lead's source campaign from its facts: one
    UPDATE (the copy the running app keeps from now on)."""
    Opportunity = apps.get_model("opportunities", "Opportunity")
    LeadFacts = apps.get_model("leads", "LeadFacts")
    source = LeadFacts.objects.filter(lead_id=OuterRef("primary_lead_id"))
    Opportunity.objects.filter(primary_lead__isnull=False).update(
        source_campaign_id=Subquery(source.values("source_campaign_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_asset_offers_booking_and_more"),
        ("opportunities", "0010_opportunity_primary_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="source_campaign",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.RunPython(copy_source_campaigns, migrations.RunPython.noop, elidable=True),
        # the join to the primary lead's facts it replaces: a field without a column, so only
        # the state changes (SQLite's schema editor cannot remove such a field itself)
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="opportunity", name="primary_facts"),
            ],
        ),
    ]
