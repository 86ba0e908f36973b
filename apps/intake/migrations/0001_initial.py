"""IntakeSource and IdempotencyRecord move from the leads app to intake. Their tables keep the
names they had (`leads_intakesource`, `leads_idempotencyrecord`); only Django's model state and
the content types change owner, so existing keys, secrets and replay records stay."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("intakesource", "idempotencyrecord")


def move_content_types(apps, schema_editor, *, source, target):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if content_type.objects.using(db).filter(app_label=target, model=model).exists():
            continue
        content_type.objects.using(db).filter(app_label=source, model=model).update(
            app_label=target
        )


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    move_content_types(apps, schema_editor, source="leads", target="intake")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    move_content_types(apps, schema_editor, source="intake", target="leads")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("campaigns", "0002_initial"),
        ("leads", "0006_lookup_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
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
                            "scope",
                            models.CharField(
                                help_text="Source (or user) and route the key belongs to.",
                                max_length=120,
                            ),
                        ),
                        ("key", models.CharField(max_length=255)),
                        ("request_hash", models.CharField(max_length=64)),
                        (
                            "state",
                            models.CharField(
                                choices=[("in_flight", "In Flight"), ("done", "Done")],
                                default="in_flight",
                                max_length=10,
                            ),
                        ),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.JSONField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "leads_idempotencyrecord",
                        "indexes": [
                            models.Index(fields=["created_at"], name="idempotency_created_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("scope", "key"), name="idempotency_scope_key_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="IntakeSource",
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
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("name", models.CharField(max_length=100)),
                        ("slug", models.SlugField(max_length=60, unique=True)),
                        (
                            "key_prefix",
                            models.CharField(
                                help_text="Shown to identify the key.", max_length=12, unique=True
                            ),
                        ),
                        (
                            "key_hash",
                            models.CharField(
                                help_text="SHA-256 of the API key; the key is shown once.",
                                max_length=128,
                            ),
                        ),
                        ("webhook_secret", models.CharField(blank=True, max_length=128)),
                        (
                            "previous_webhook_secret",
                            models.CharField(
                                blank=True,
                                help_text="Still accepted while senders rotate to the new secret.",
                                max_length=128,
                            ),
                        ),
                        (
                            "default_source",
                            models.CharField(
                                choices=[
                                    ("web_form", "Web form"),
                                    ("api", "API"),
                                    ("import", "Import"),
                                    ("event", "Event"),
                                    ("paid", "Paid ad"),
                                    ("referral", "Referral"),
                                    ("expansion", "Expansion (service)"),
                                    ("partner", "Partner"),
                                    ("outbound", "Outbound"),
                                ],
                                default="api",
                                max_length=20,
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "default_campaign",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="campaigns.campaign",
                            ),
                        ),
                    ],
                    options={"db_table": "leads_intakesource"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
