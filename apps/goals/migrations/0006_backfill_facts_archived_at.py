"""Fill LeadFacts.archived_at and created_at (leads.0017) from the leads, set-wise, with the
historical models. A new install has no leads and does nothing."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Lead = apps.get_model("leads", "Lead")
    LeadFacts = apps.get_model("leads", "LeadFacts")
    archived = Lead.objects.filter(pk=OuterRef("lead_id"), is_archived=True)
    LeadFacts.objects.filter(lead__is_archived=True).update(
        archived_at=Subquery(archived.values("archived_at")[:1])
    )
    lead = Lead.objects.filter(pk=OuterRef("lead_id"))
    LeadFacts.objects.update(created_at=Subquery(lead.values("created_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0005_backfill_cohort_facts"),
        ("leads", "0017_facts_archived_at"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
