from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_accounts(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Every facts row takes its lead's account, and every cohort entry its facts row's: two
    UPDATEs, whatever the number of leads."""
    lead = apps.get_model("leads", "Lead")
    facts = apps.get_model("leads", "LeadFacts")
    entry = apps.get_model("leads", "CohortEntry")
    facts.objects.update(
        account_id=Subquery(lead.objects.filter(pk=OuterRef("lead_id")).values("account_id")[:1])
    )
    entry.objects.update(
        account_id=Subquery(
            facts.objects.filter(lead_id=OuterRef("lead_id")).values("account_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0029_facts_lead_campaign_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="cohortentry",
            name="cohort_entry_quarter_idx",
        ),
        migrations.AddField(
            model_name="cohortentry",
            name="account_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="leadfacts",
            name="account_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(copy_accounts, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="cohortentry",
            index=models.Index(
                fields=["quarter_starts_on", "rep_id", "source_campaign_id"],
                include=(
                    "attempted",
                    "converted",
                    "sla_state",
                    "response_minutes",
                    "lead",
                    "account_id",
                ),
                name="cohort_entry_quarter_idx",
            ),
        ),
    ]
