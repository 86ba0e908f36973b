"""One index for the account's domain instead of two: every stored domain is lower-case (a
CHECK), so a plain unique index on the column is as case-blind as the one on lower(domain) and
also serves matching by domain, which needed a second, plain index before. The new constraint
is created before the old one goes, so the domain is never unguarded."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_lookup_indexes")]

    operations = [
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(fields=("domain",), name="account_domain_unique"),
        ),
        migrations.RemoveConstraint(model_name="account", name="account_domain_ci_unique"),
        migrations.RemoveIndex(model_name="account", name="account_domain_idx"),
    ]
