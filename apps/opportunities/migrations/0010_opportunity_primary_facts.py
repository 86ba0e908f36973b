import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A relation with no column (primary_lead_id = the facts row's lead_id): state only, so
    neither direction touches the table (SQLite's table rebuild cannot drop a ForeignObject)."""

    dependencies = [
        ("leads", "0027_status_moves"),
        ("opportunities", "0009_opp_account_created_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="opportunity",
                    name="primary_facts",
                    field=models.ForeignObject(
                        from_fields=["primary_lead"],
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="leads.leadfacts",
                        to_fields=["lead"],
                    ),
                ),
            ],
        ),
    ]
