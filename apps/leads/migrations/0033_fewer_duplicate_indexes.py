"""Seven indexes fewer on the tables every intake and import writes: each repeated another.

- The lead's email: every stored email is lower-case and trimmed (a CHECK), so a plain unique
  index on the column is as case-blind as the one on lower(email), and it also serves intake's
  and the import's lookups by email, which needed a second, plain index before. The new
  constraint is created before the old one goes.
- Foreign keys whose column leads a composite index (Django gives each its own): the lead's
  campaign (lead_campaign_created_idx), the touch's lead, account and campaign
  (touch_lead_time_idx, touch_account_time_idx, touch_campaign_time_idx), the event's lead
  (event_lead_time_idx) and the cohort entry's lead (its unique (lead, quarter) constraint).
  Dropped without remaking the tables (core.migrations_ops.DropForeignKeyIndex), so SQLite keeps
  the events' append-only trigger.
"""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.migrations_ops import DropForeignKeyIndex


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_fewer_duplicate_indexes"),
        ("campaigns", "0007_asset_offers_booking_and_more"),
        ("leads", "0032_lead_account_owner_index"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="lead",
            constraint=models.UniqueConstraint(fields=("email",), name="lead_email_unique"),
        ),
        migrations.RemoveConstraint(model_name="lead", name="lead_email_ci_unique"),
        migrations.RemoveIndex(model_name="lead", name="lead_email_idx"),
        DropForeignKeyIndex(
            model_name="lead",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Campaign of first touch.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="leads",
                to="campaigns.campaign",
            ),
        ),
        DropForeignKeyIndex(
            model_name="touchpoint",
            name="lead",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="touchpoints",
                to="leads.lead",
            ),
        ),
        DropForeignKeyIndex(
            model_name="touchpoint",
            name="account",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Copied from the lead so the account timeline needs no join through leads.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="touchpoints",
                to="accounts.account",
            ),
        ),
        DropForeignKeyIndex(
            model_name="touchpoint",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="touchpoints",
                to="campaigns.campaign",
            ),
        ),
        DropForeignKeyIndex(
            model_name="leadevent",
            name="lead",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="leads.lead",
            ),
        ),
        DropForeignKeyIndex(
            model_name="cohortentry",
            name="lead",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="leads.lead",
            ),
        ),
    ]
