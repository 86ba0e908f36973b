"""A deal is lost exactly when it has a lost reason (0007 linked every lost deal to one)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0007_lost_reasons_from_text")]

    operations = [
        migrations.AddConstraint(
            model_name="opportunity",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("stage", "lost"), ("lost_reason__isnull", False)),
                    models.Q(
                        models.Q(("stage", "lost"), _negated=True), ("lost_reason__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="opportunity_lost_iff_reason",
            ),
        ),
    ]
