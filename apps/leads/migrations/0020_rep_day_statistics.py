"""PostgreSQL statistics on (owner, status, ready_reason) of leads. A rep's untouched
hand-raisers are all ready and all owned by a few reps; multiplying the columns' selectivities
as if independent, the planner guesses a handful of rows and sorts the rep's open leads for
Today instead of reading lead_rep_hand_raiser_idx in order. SQLite has no extended statistics."""

from django.db import migrations

from apps.core.migrations_ops import CreateStatistics


class Migration(migrations.Migration):
    dependencies = [("leads", "0019_rep_day_indexes")]
    operations = [
        CreateStatistics(
            name="leads_lead_owner_status_reason_stats",
            table="leads_lead",
            columns=("owner_id", "status", "ready_reason"),
        )
    ]
