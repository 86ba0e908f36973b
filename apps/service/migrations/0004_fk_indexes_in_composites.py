"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_fewer_duplicate_indexes"),
        ("service", "0003_renewal_source_opportunity"),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="healthcheck",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="health_checks",
                to="accounts.account",
            ),
        ),
    ]
