"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0034_fk_indexes_in_composites"),
        ("meetings", "0002_no_overlap"),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="meeting",
            name="lead",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meetings",
                to="leads.lead",
            ),
        ),
    ]
