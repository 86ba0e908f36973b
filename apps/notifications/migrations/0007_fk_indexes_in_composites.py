"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_alter_notification_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
