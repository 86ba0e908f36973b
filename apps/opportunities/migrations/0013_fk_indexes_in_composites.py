"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_fewer_duplicate_indexes"),
        ("opportunities", "0012_pipeline_card_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="opportunity",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="opportunities",
                to="accounts.account",
            ),
        ),
        DropForeignKeyIndex(
            model_name="opportunity",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="opportunities",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
