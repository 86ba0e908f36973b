"""Foreign keys that lead a composite index lose their own (ARCHITECTURE.md, "A new index")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0033_fewer_duplicate_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        DropForeignKeyIndex(
            model_name="activity",
            name="lead",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activities",
                to="leads.lead",
            ),
        ),
        DropForeignKeyIndex(
            model_name="activity",
            name="rep",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activities",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        DropForeignKeyIndex(
            model_name="campaignmember",
            name="lead",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="campaign_memberships",
                to="leads.lead",
            ),
        ),
    ]
