"""Fill the new per-lead facts (leads.LeadFacts) and deal credits (opportunities.CampaignCredit)
of an existing install. The rebuild reads the live models (it is the one definition of the
facts: apps.goals.facts.rebuild_all), so it cannot run in the middle of a migration plan,
where later migrations have not yet added the columns those models read: it runs after
`migrate` instead, when the install has leads and no facts (apps.goals.facts.
backfill_after_migrate, connected in GoalsConfig.ready). This migration is kept for the
history of installs that ran it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0002_quarter_moved_to_core"),
        ("leads", "0012_lead_facts"),
        ("feedback", "0004_reason_use_and_spread_rules"),
        ("opportunities", "0003_campaign_credit"),
        ("routing", "0002_initial"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
