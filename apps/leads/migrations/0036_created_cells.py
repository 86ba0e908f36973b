"""The leads created per UTC day and source campaign (CreatedCell), kept by PostgreSQL from the
facts. Statement triggers on leads_leadfacts append, for each statement that inserts, deletes or
updates facts, one row per (day, campaign) cell it changed with the change in its count (an
update that leaves created_at and the source campaign as they were writes nothing). The cells
of the facts already there are written once, by the function `rebuild_facts` calls again
(leads_rebuild_created_cells). SQLite has none of this: the column counts the facts there."""

from django.db import migrations, models

DAY = "(created_at AT TIME ZONE 'UTC')::date"
CELLS_OF = """
INSERT INTO leads_createdcell (day, source_campaign_id, n)
SELECT (created_at AT TIME ZONE 'UTC')::date, source_campaign_id, sum(change)
FROM changed WHERE created_at IS NOT NULL
GROUP BY 1, 2
HAVING sum(change) <> 0
"""
PG_UP = f"""
CREATE FUNCTION leads_created_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH changed AS (SELECT created_at, source_campaign_id, 1 AS change FROM new_facts)
        {CELLS_OF};
    ELSIF TG_OP = 'DELETE' THEN
        WITH changed AS (SELECT created_at, source_campaign_id, -1 AS change FROM old_facts)
        {CELLS_OF};
    ELSE
        WITH changed AS (
            SELECT created_at, source_campaign_id, 1 AS change FROM new_facts
            UNION ALL
            SELECT created_at, source_campaign_id, -1 FROM old_facts
        ) {CELLS_OF};
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER leads_created_cells_insert AFTER INSERT ON leads_leadfacts
    REFERENCING NEW TABLE AS new_facts
    FOR EACH STATEMENT EXECUTE FUNCTION leads_created_cells();
CREATE TRIGGER leads_created_cells_update AFTER UPDATE ON leads_leadfacts
    REFERENCING OLD TABLE AS old_facts NEW TABLE AS new_facts
    FOR EACH STATEMENT EXECUTE FUNCTION leads_created_cells();
CREATE TRIGGER leads_created_cells_delete AFTER DELETE ON leads_leadfacts
    REFERENCING OLD TABLE AS old_facts
    FOR EACH STATEMENT EXECUTE FUNCTION leads_created_cells();
CREATE FUNCTION leads_rebuild_created_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    -- one statement, one snapshot: a writer committing meanwhile keeps the rows its trigger
    -- appended, and its facts are not counted again
    WITH gone AS (DELETE FROM leads_createdcell)
    INSERT INTO leads_createdcell (day, source_campaign_id, n)
    SELECT {DAY}, source_campaign_id, count(*)
    FROM leads_leadfacts WHERE created_at IS NOT NULL
    GROUP BY 1, 2;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;
SELECT leads_rebuild_created_cells();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS leads_created_cells_insert ON leads_leadfacts;
DROP TRIGGER IF EXISTS leads_created_cells_update ON leads_leadfacts;
DROP TRIGGER IF EXISTS leads_created_cells_delete ON leads_leadfacts;
DROP FUNCTION IF EXISTS leads_created_cells();
DROP FUNCTION IF EXISTS leads_rebuild_created_cells();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0035_cohort_cells'),
    ]

    operations = [
        migrations.CreateModel(
            name='CreatedCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('source_campaign_id', models.BigIntegerField(blank=True, null=True)),
                ('n', models.IntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['day', 'source_campaign_id'], include=('n',), name='created_cell_day_idx')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
