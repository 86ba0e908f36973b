"""Disqualifications per UTC day, rep and reason (DisqualificationCell), kept by PostgreSQL.
Statement triggers on feedback_disqualification add, for each statement that inserts, deletes or
updates disqualifications, each changed cell's change in count and attempts to its one row (an
update that leaves the day, rep, reason and attempts as they were writes nothing). The cells of
the disqualifications already there are written once, by the function `rebuild_facts` calls
again (feedback_rebuild_dq_cells). SQLite has none of this."""

from django.db import migrations, models

from apps.core.migrations_ops import PostgresOnly

CELLS_OF = """
INSERT INTO feedback_disqualificationcell AS cell (day, rep_id, reason_id, n, attempts)
SELECT (at AT TIME ZONE 'UTC')::date, rep_id, reason_id, sum(change),
       sum(change * attempts_at_time)
FROM changed
GROUP BY 1, 2, 3
HAVING sum(change) <> 0 OR sum(change * attempts_at_time) <> 0
ORDER BY 1, 2, 3
ON CONFLICT (day, rep_id, reason_id)
DO UPDATE SET n = cell.n + excluded.n, attempts = cell.attempts + excluded.attempts
"""
PG_UP = f"""
CREATE UNIQUE INDEX dq_cell_key ON feedback_disqualificationcell (day, rep_id, reason_id)
    INCLUDE (n, attempts);
CREATE FUNCTION feedback_dq_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH changed AS (
            SELECT at, rep_id, reason_id, attempts_at_time, 1 AS change FROM new_dqs
        ) {CELLS_OF};
    ELSIF TG_OP = 'DELETE' THEN
        WITH changed AS (
            SELECT at, rep_id, reason_id, attempts_at_time, -1 AS change FROM old_dqs
        ) {CELLS_OF};
    ELSE
        WITH changed AS (
            SELECT at, rep_id, reason_id, attempts_at_time, 1 AS change FROM new_dqs
            UNION ALL
            SELECT at, rep_id, reason_id, attempts_at_time, -1 FROM old_dqs
        ) {CELLS_OF};
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER feedback_dq_cells_insert AFTER INSERT ON feedback_disqualification
    REFERENCING NEW TABLE AS new_dqs
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_dq_cells();
CREATE TRIGGER feedback_dq_cells_update AFTER UPDATE ON feedback_disqualification
    REFERENCING OLD TABLE AS old_dqs NEW TABLE AS new_dqs
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_dq_cells();
CREATE TRIGGER feedback_dq_cells_delete AFTER DELETE ON feedback_disqualification
    REFERENCING OLD TABLE AS old_dqs
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_dq_cells();
CREATE FUNCTION feedback_rebuild_dq_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    -- no disqualification changes until the caller commits (writers wait, and the ones that
    -- were writing are committed first): the cells written here are all there are
    LOCK TABLE feedback_disqualification IN SHARE MODE;
    DELETE FROM feedback_disqualificationcell;
    INSERT INTO feedback_disqualificationcell (day, rep_id, reason_id, n, attempts)
    SELECT (at AT TIME ZONE 'UTC')::date, rep_id, reason_id, count(*), sum(attempts_at_time)
    FROM feedback_disqualification
    GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;
SELECT feedback_rebuild_dq_cells();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS feedback_dq_cells_insert ON feedback_disqualification;
DROP TRIGGER IF EXISTS feedback_dq_cells_update ON feedback_disqualification;
DROP TRIGGER IF EXISTS feedback_dq_cells_delete ON feedback_disqualification;
DROP FUNCTION IF EXISTS feedback_dq_cells();
DROP FUNCTION IF EXISTS feedback_rebuild_dq_cells();
DROP INDEX IF EXISTS dq_cell_key;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0007_fk_indexes_in_composites'),
    ]

    operations = [
        migrations.CreateModel(
            name='DisqualificationCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('rep_id', models.BigIntegerField()),
                ('reason_id', models.BigIntegerField()),
                ('n', models.IntegerField()),
                ('attempts', models.BigIntegerField()),
            ],
        ),
        PostgresOnly(PG_UP, PG_DOWN),
    ]
