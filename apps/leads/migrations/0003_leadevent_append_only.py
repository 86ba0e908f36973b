"""The database itself refuses to rewrite history: UPDATE on lead events always fails, and
DELETE fails on PostgreSQL. (SQLite keeps DELETE so test databases can be flushed; the app
never deletes events, and LeadEvent.delete() refuses too.)"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION leads_leadevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'leads_leadevent is append-only: write a new event instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leads_leadevent_no_update BEFORE UPDATE OR DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leads_leadevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS leads_leadevent_no_update ON leads_leadevent;
DROP FUNCTION IF EXISTS leads_leadevent_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER leads_leadevent_no_update BEFORE UPDATE ON leads_leadevent
BEGIN SELECT RAISE(ABORT, 'leads_leadevent is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS leads_leadevent_no_update;"


def forwards(apps, schema_editor):
    sql = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_DOWN.strip().splitlines():
            schema_editor.execute(statement)
    else:
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
