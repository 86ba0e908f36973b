"""The cohort's running counts (CohortCell), kept by PostgreSQL from the cohort entries.

Triggers on leads_cohortentry append, for each statement, one cell row per cell it changed with
the change in its count (an UPDATE that leaves an entry's cells as they were writes nothing):
the counts per (rep, campaign, followed up, converted, clock), and the answered entries per
speed bucket in the whole cohort, per rep and per campaign. An expression index on the entries'
speed bucket lets a median's exact value be read from the one bucket it falls in. The cells of
the entries already there are written once, by the function `rebuild_facts` calls again
(leads_rebuild_cohort_cells). SQLite has none of this: the figures read the entries there."""

from django.db import migrations, models

BUCKET = "floor(ln(1 + response_minutes) * 100)"
COLUMNS = (
    "quarter_starts_on, kind, rep_id, source_campaign_id, attempted, converted, sla_state, "
    "speed_bucket, n"
)
# every cell an entry counts in: its counts (kind 0), then, answered, its speed bucket in the
# whole cohort (1), its rep's (2) and its campaign's (3); `change` +1 or -1 per entry
CELLS_OF = f"""
SELECT quarter_starts_on, 0 AS kind, rep_id, source_campaign_id, attempted, converted,
    sla_state, NULL::integer AS speed_bucket, sum(change) AS n
FROM changed GROUP BY quarter_starts_on, rep_id, source_campaign_id, attempted, converted,
    sla_state
HAVING sum(change) <> 0
UNION ALL
SELECT quarter_starts_on, 1, NULL, NULL, NULL, NULL, NULL, {BUCKET}, sum(change)
FROM changed WHERE response_minutes IS NOT NULL GROUP BY quarter_starts_on, {BUCKET}
HAVING sum(change) <> 0
UNION ALL
SELECT quarter_starts_on, 2, rep_id, NULL, NULL, NULL, NULL, {BUCKET}, sum(change)
FROM changed WHERE response_minutes IS NOT NULL GROUP BY quarter_starts_on, rep_id, {BUCKET}
HAVING sum(change) <> 0
UNION ALL
SELECT quarter_starts_on, 3, NULL, source_campaign_id, NULL, NULL, NULL, {BUCKET}, sum(change)
FROM changed WHERE response_minutes IS NOT NULL
GROUP BY quarter_starts_on, source_campaign_id, {BUCKET}
HAVING sum(change) <> 0
"""
ENTRY = "quarter_starts_on, rep_id, source_campaign_id, attempted, converted, sla_state, response_minutes"

PG_UP = f"""
CREATE INDEX cohort_entry_speed_idx ON leads_cohortentry
    (quarter_starts_on, ({BUCKET}), response_minutes) INCLUDE (rep_id, source_campaign_id)
    WHERE response_minutes IS NOT NULL;
CREATE FUNCTION leads_cohort_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO leads_cohortcell ({COLUMNS})
        WITH changed AS (SELECT {ENTRY}, 1 AS change FROM new_entries) {CELLS_OF};
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO leads_cohortcell ({COLUMNS})
        WITH changed AS (SELECT {ENTRY}, -1 AS change FROM old_entries) {CELLS_OF};
    ELSE
        INSERT INTO leads_cohortcell ({COLUMNS})
        WITH changed AS (
            SELECT {ENTRY}, 1 AS change FROM new_entries
            UNION ALL
            SELECT {ENTRY}, -1 FROM old_entries
        ) {CELLS_OF};
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER leads_cohort_cells_insert AFTER INSERT ON leads_cohortentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION leads_cohort_cells();
CREATE TRIGGER leads_cohort_cells_update AFTER UPDATE ON leads_cohortentry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION leads_cohort_cells();
CREATE TRIGGER leads_cohort_cells_delete AFTER DELETE ON leads_cohortentry
    REFERENCING OLD TABLE AS old_entries
    FOR EACH STATEMENT EXECUTE FUNCTION leads_cohort_cells();
CREATE FUNCTION leads_rebuild_cohort_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    -- one statement, one snapshot: a writer committing meanwhile keeps the rows its trigger
    -- appended, and its entries are not counted again
    WITH gone AS (DELETE FROM leads_cohortcell),
        changed AS (SELECT {ENTRY}, 1 AS change FROM leads_cohortentry)
    INSERT INTO leads_cohortcell ({COLUMNS}) {CELLS_OF};
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;
SELECT leads_rebuild_cohort_cells();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS leads_cohort_cells_insert ON leads_cohortentry;
DROP TRIGGER IF EXISTS leads_cohort_cells_update ON leads_cohortentry;
DROP TRIGGER IF EXISTS leads_cohort_cells_delete ON leads_cohortentry;
DROP FUNCTION IF EXISTS leads_cohort_cells();
DROP FUNCTION IF EXISTS leads_rebuild_cohort_cells();
DROP INDEX IF EXISTS cohort_entry_speed_idx;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0034_fk_indexes_in_composites'),
    ]

    operations = [
        migrations.CreateModel(
            name='CohortCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quarter_starts_on', models.DateField()),
                ('kind', models.SmallIntegerField(choices=[(0, 'counts'), (1, 'speeds of the cohort'), (2, "speeds of a rep's leads"), (3, "speeds of a source campaign's leads")])),
                ('rep_id', models.BigIntegerField(blank=True, null=True)),
                ('source_campaign_id', models.BigIntegerField(blank=True, null=True)),
                ('attempted', models.BooleanField(blank=True, null=True)),
                ('converted', models.BooleanField(blank=True, null=True)),
                ('sla_state', models.CharField(blank=True, max_length=10, null=True)),
                ('speed_bucket', models.IntegerField(blank=True, null=True)),
                ('n', models.IntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['quarter_starts_on', 'kind', 'rep_id', 'source_campaign_id', 'speed_bucket'], include=('attempted', 'converted', 'sla_state', 'n'), name='cohort_cell_quarter_idx')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
