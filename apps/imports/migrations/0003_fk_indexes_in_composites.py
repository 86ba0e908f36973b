"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_file_format_campaign_discard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="importjob",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty for imports started from the command line.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
