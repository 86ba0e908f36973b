"""Lost reasons become a list RevOps keeps in the admin: the LostReason table, a foreign key
from the opportunity, and the old free text kept as the deal's optional details.

The old check (a lost deal has non-blank text) goes first, so the column can be renamed;
0007 creates the reasons from the stored texts and links every lost deal, and 0008 adds the
new check (lost exactly when a reason is set). Three migrations, not one: on PostgreSQL,
updating rows that reference a table and then altering it in one transaction fails
("pending trigger events").
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0005_term_months_db_default"),
    ]

    operations = [
        migrations.CreateModel(
            name="LostReason",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(max_length=80)),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Offered when a deal is marked lost. Archive instead of deleting.",
                    ),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Position in the list reps choose from (smallest first).",
                    ),
                ),
            ],
            options={
                "ordering": ["order", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"),
                        name="lost_reason_name_ci_unique",
                        violation_error_message="A lost reason with this name already exists.",
                    )
                ],
            },
        ),
        migrations.RemoveConstraint(
            model_name="opportunity",
            name="opportunity_lost_has_reason",
        ),
        migrations.RenameField(
            model_name="opportunity",
            old_name="lost_reason",
            new_name="lost_details",
        ),
        migrations.AlterField(
            model_name="opportunity",
            name="lost_details",
            field=models.CharField(
                blank=True,
                help_text="What the rep added about the loss (optional).",
                max_length=200,
                verbose_name="details",
            ),
        ),
        migrations.AddField(
            model_name="opportunity",
            name="lost_reason",
            field=models.ForeignKey(
                blank=True,
                help_text="Why it was lost: set exactly when the stage is lost.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="opportunities",
                to="opportunities.lostreason",
            ),
        ),
    ]
