"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0006_dq_at_index_covers_scoreboard"),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="disqualification",
            name="reason",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="disqualifications",
                to="feedback.disqualificationreason",
            ),
        ),
    ]
