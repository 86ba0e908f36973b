"""Dated campaign spend: CampaignSpend, append-only in the database as lead events are
(leads 0003): UPDATE always fails, and DELETE fails on PostgreSQL. (SQLite keeps DELETE so
test databases can be flushed; the app never deletes spend, and CampaignSpend.delete()
refuses too.) A wrong entry is corrected by a new one that replaces it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_UP = """
CREATE OR REPLACE FUNCTION campaigns_campaignspend_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'campaigns_campaignspend is append-only: record a replacing entry instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER campaigns_campaignspend_no_update BEFORE UPDATE OR DELETE
    ON campaigns_campaignspend
    FOR EACH ROW EXECUTE FUNCTION campaigns_campaignspend_append_only();
"""
PG_DOWN = (
    "DROP TRIGGER IF EXISTS campaigns_campaignspend_no_update ON campaigns_campaignspend;",
    "DROP FUNCTION IF EXISTS campaigns_campaignspend_append_only();",
)
SQLITE_UP = """
CREATE TRIGGER campaigns_campaignspend_no_update BEFORE UPDATE ON campaigns_campaignspend
BEGIN SELECT RAISE(ABORT, 'campaigns_campaignspend is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS campaigns_campaignspend_no_update;",)


def refuse_changes(apps, schema_editor):
    sql = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    schema_editor.execute(sql)


def allow_changes(apps, schema_editor):
    statements = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_quarter_in_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignSpend",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "starts_on",
                    models.DateField(help_text="First day the money was spent over."),
                ),
                (
                    "ends_on",
                    models.DateField(help_text="Last day (inclusive); the same day for a one-off."),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12)),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "replaces",
                    models.OneToOneField(
                        blank=True,
                        help_text=(
                            "The entry this one corrects; that one stays in the history and no"
                            " longer counts."
                        ),
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replaced_by",
                        to="campaigns.campaignspend",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="spend",
                        to="campaigns.campaign",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        help_text=(
                            "Empty when the system recorded it (the conversion of the old single"
                            " cost)."
                        ),
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "campaign spend entry",
                "verbose_name_plural": "campaign spend",
                "ordering": ["starts_on", "pk"],
                "indexes": [
                    models.Index(
                        fields=["ends_on", "starts_on"], name="campaign_spend_period_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gte", 0)),
                        name="campaign_spend_amount_non_negative",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                        name="campaign_spend_dates_order",
                    ),
                ],
            },
        ),
        migrations.RunPython(refuse_changes, allow_changes),
    ]
