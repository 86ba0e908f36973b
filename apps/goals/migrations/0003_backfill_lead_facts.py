"""Fill the new per-lead facts (leads.LeadFacts) and deal credits (opportunities.CampaignCredit) from the records of an existing install: the
same set-wise rebuild as `python manage.py rebuild_facts`. New writes keep them current."""

from django.db import migrations


def backfill(apps, schema_editor):
    # The rebuild reads the live models on purpose: it is the one definition of the facts.
    from apps.goals.facts import rebuild_all

    rebuild_all()


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0002_quarter_moved_to_core"),
        ("leads", "0012_lead_facts"),
        ("feedback", "0004_reason_use_and_spread_rules"),
        ("opportunities", "0003_campaign_credit"),
        ("routing", "0002_initial"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
