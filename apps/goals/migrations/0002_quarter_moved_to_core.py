"""JointGoal.quarter points at core.Quarter; goals no longer owns the model (the table stays)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0001_initial"),
        ("core", "0001_quarter_from_goals"),
        ("campaigns", "0003_quarter_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="jointgoal",
                    name="quarter",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="goals",
                        to="core.quarter",
                    ),
                ),
                migrations.DeleteModel(name="Quarter"),
            ],
            database_operations=[],
        ),
    ]
