"""PostgreSQL statistics on (kind, new_value) of lead events. The planner otherwise multiplies
the two columns' selectivities as if independent and guesses a fifth of the quarter's
sales-ready cohort, so it picks a nested loop of index probes into leads (one per cohort
lead) where a hash join reads the table once. SQLite has no extended statistics."""

from django.db import migrations

NAME = "leads_event_kind_value_stats"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv, dependencies) "
            "ON kind, new_value FROM leads_leadevent"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0012_lead_facts")]
    operations = [migrations.RunPython(forwards, backwards)]
