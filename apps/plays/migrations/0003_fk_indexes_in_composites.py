"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("plays", "0002_initial"),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="leadplay",
            name="play",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lead_plays",
                to="plays.play",
            ),
        ),
    ]
