"""PostgreSQL statistics on (kind, new_value) of lead events. The planner otherwise multiplies
the two columns' selectivities as if independent and guesses a fifth of the quarter's
sales-ready cohort, so it picks a nested loop of index probes into leads (one per cohort
lead) where a hash join reads the table once. SQLite has no extended statistics."""

from django.db import migrations

from apps.core.migrations_ops import CreateStatistics


class Migration(migrations.Migration):
    dependencies = [("leads", "0012_lead_facts")]
    operations = [
        CreateStatistics(
            name="leads_event_kind_value_stats",
            table="leads_leadevent",
            columns=("kind", "new_value"),
        )
    ]
