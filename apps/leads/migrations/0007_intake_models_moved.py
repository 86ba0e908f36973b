"""IntakeSource and IdempotencyRecord now belong to the intake app (tables unchanged)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_lookup_indexes"),
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IdempotencyRecord"),
                migrations.DeleteModel(name="IntakeSource"),
            ],
            database_operations=[],
        ),
    ]
