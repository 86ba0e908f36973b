"""The opportunities per UTC day, owner, source campaign and origin (DealCell), kept by
PostgreSQL. Statement triggers on opportunities_opportunity add, for each statement that
inserts, deletes or updates opportunities, each changed cell's change in count and amount to its
one row: a deal counts in the "created" cell of its created_at and, once won or lost, in the
"closed" cell of its closed_at and stage (an update that leaves all of these as they were writes
nothing). The cells of the deals already there are written once, by the function
`rebuild_facts` calls again (opportunities_rebuild_deal_cells). SQLite has none of this."""

from django.db import migrations, models

from apps.core.migrations_ops import PostgresOnly

KEY = "day, kind, owner_id, source_campaign_id, origin, stage"
CONTRIBUTIONS = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, 'created' AS kind, owner_id,
       source_campaign_id, origin, '' AS stage, change, amount
FROM changed
UNION ALL
SELECT (closed_at AT TIME ZONE 'UTC')::date, 'closed', owner_id, source_campaign_id, origin,
       stage, change, amount
FROM changed WHERE stage IN ('won', 'lost') AND closed_at IS NOT NULL
"""
CELLS_OF = f"""
INSERT INTO opportunities_dealcell AS cell ({KEY}, n, amount)
SELECT {KEY}, sum(change), sum(change * amount)
FROM ({CONTRIBUTIONS}) AS contribution
GROUP BY {KEY}
HAVING sum(change) <> 0 OR sum(change * amount) <> 0
ORDER BY {KEY}
ON CONFLICT ({KEY})
DO UPDATE SET n = cell.n + excluded.n, amount = cell.amount + excluded.amount
"""
COLUMNS = "created_at, closed_at, stage, owner_id, source_campaign_id, origin, amount"
PG_UP = f"""
CREATE UNIQUE INDEX deal_cell_key ON opportunities_dealcell ({KEY}) INCLUDE (n, amount)
    NULLS NOT DISTINCT;
CREATE FUNCTION opportunities_deal_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH changed AS (SELECT {COLUMNS}, 1 AS change FROM new_deals) {CELLS_OF};
    ELSIF TG_OP = 'DELETE' THEN
        WITH changed AS (SELECT {COLUMNS}, -1 AS change FROM old_deals) {CELLS_OF};
    ELSE
        WITH changed AS (
            SELECT {COLUMNS}, 1 AS change FROM new_deals
            UNION ALL
            SELECT {COLUMNS}, -1 FROM old_deals
        ) {CELLS_OF};
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER opportunities_deal_cells_insert AFTER INSERT ON opportunities_opportunity
    REFERENCING NEW TABLE AS new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_deal_cells();
CREATE TRIGGER opportunities_deal_cells_update AFTER UPDATE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_deal_cells();
CREATE TRIGGER opportunities_deal_cells_delete AFTER DELETE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_deals
    FOR EACH STATEMENT EXECUTE FUNCTION opportunities_deal_cells();
CREATE FUNCTION opportunities_rebuild_deal_cells() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    -- no opportunity changes until the caller commits (writers wait, and the ones that were
    -- writing are committed first): the cells written here are all there are
    LOCK TABLE opportunities_opportunity IN SHARE MODE;
    DELETE FROM opportunities_dealcell;
    WITH changed AS (SELECT {COLUMNS}, 1 AS change FROM opportunities_opportunity)
    INSERT INTO opportunities_dealcell ({KEY}, n, amount)
    SELECT {KEY}, sum(change), sum(change * amount)
    FROM ({CONTRIBUTIONS}) AS contribution
    GROUP BY {KEY};
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;
SELECT opportunities_rebuild_deal_cells();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS opportunities_deal_cells_insert ON opportunities_opportunity;
DROP TRIGGER IF EXISTS opportunities_deal_cells_update ON opportunities_opportunity;
DROP TRIGGER IF EXISTS opportunities_deal_cells_delete ON opportunities_opportunity;
DROP FUNCTION IF EXISTS opportunities_deal_cells();
DROP FUNCTION IF EXISTS opportunities_rebuild_deal_cells();
DROP INDEX IF EXISTS deal_cell_key;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('opportunities', '0015_credit_owner'),
    ]

    operations = [
        migrations.CreateModel(
            name='DealCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('kind', models.CharField(choices=[('created', 'Created that day'), ('closed', 'Won or lost that day')], max_length=8)),
                ('owner_id', models.BigIntegerField()),
                ('source_campaign_id', models.BigIntegerField(blank=True, null=True)),
                ('origin', models.CharField(max_length=10)),
                ('stage', models.CharField(blank=True, help_text='Won or lost, for closed.', max_length=12)),
                ('n', models.IntegerField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=24)),
            ],
        ),
        PostgresOnly(PG_UP, PG_DOWN),
    ]
