"""Fill the cohort columns LeadFacts gained in leads.0015 from the leads' own records, set-wise,
with the historical models (the live rebuild, apps.goals.facts, reads today's schema): the rep
a lead counts for, its clock, whether it was followed up, whether it is the primary lead of an
opportunity. A new install has no leads and does nothing."""

from django.db import migrations
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, When


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Lead = apps.get_model("leads", "Lead")
    LeadFacts = apps.get_model("leads", "LeadFacts")
    Opportunity = apps.get_model("opportunities", "Opportunity")
    lead = Lead.objects.filter(pk=OuterRef("lead_id"))
    rep = Case(
        When(
            Q(sla_state="breached") & Q(breached_owner__isnull=False), then=F("breached_owner_id")
        ),
        default=F("owner_id"),
    )
    LeadFacts.objects.update(
        rep_id=Subquery(lead.annotate(rep=rep).values("rep")[:1]),
        sla_state=Subquery(lead.values("sla_state")[:1]),
        attempted=Exists(lead.filter(attempt_count__gt=0)),
        converted=Exists(Opportunity.objects.filter(primary_lead_id=OuterRef("lead_id"))),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0004_scoreboardtarget"),
        ("leads", "0015_facts_cohort_columns"),
        ("opportunities", "0005_term_months_db_default"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
