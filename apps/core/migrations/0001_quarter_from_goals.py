"""Quarter moves from the goals app to core (the calendar every app reads). The table stays
`goals_quarter`; only Django's model state and the content type change owner."""

import django.core.validators
from django.db import migrations, models


def move_content_type(apps, schema_editor, *, source, target):  # type: ignore[no-untyped-def]
    """Keep permissions and admin history attached: relabel the existing content type."""
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if content_type.objects.using(db).filter(app_label=target, model="quarter").exists():
        return
    content_type.objects.using(db).filter(app_label=source, model="quarter").update(
        app_label=target
    )


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    move_content_type(apps, schema_editor, source="goals", target="core")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    move_content_type(apps, schema_editor, source="core", target="goals")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("goals", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Quarter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                max_length=7,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^\\d{4}-Q[1-4]$", "Use the form 2026-Q4."
                                    )
                                ],
                            ),
                        ),
                        ("starts_on", models.DateField()),
                        ("ends_on", models.DateField()),
                    ],
                    options={
                        "db_table": "goals_quarter",
                        "ordering": ["starts_on"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("ends_on__gt", models.F("starts_on"))),
                                name="quarter_dates_order",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
