"""A rep's booked meetings never overlap: on PostgreSQL an exclusion constraint over the rep
and the meeting's time range (btree_gist lets GiST compare the rep id with "="). SQLite has no
such constraint; writers are serialised there (IMMEDIATE transactions) and the booking checks
the slot under that lock."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE meetings_meeting ADD CONSTRAINT meeting_rep_no_overlap
    EXCLUDE USING gist (rep_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'booked');
"""
DROP = "ALTER TABLE meetings_meeting DROP CONSTRAINT IF EXISTS meeting_rep_no_overlap;"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
