"""Keeping AccountWeek true in the transaction that writes a touch or changes a buying role.

Who calls what:
- every touch written with an account (intake, the booking of a meeting, an import's bulk
  write) adds one to its (account, week, role, asset) row: `touches_written`;
- every change of a person's buying role (by hand on the lead page or in the admin, inferred
  from the title at intake or import) moves the person's touches from the old role's rows to
  the new one's: `roles_changed`, called before the transaction writes new touches of them.

A `Tally` gathers both and writes them in one statement, keys sorted, so two transactions
never take the same rows in opposite orders. `rebuild` recomputes every row from the touches
(seed_demo, `python manage.py rebuild_facts`); a property test holds the two equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from apps.leads.models import AccountWeek, Touchpoint

Key = tuple[int, date, str, int]  # account id, week (Monday), buying role, asset id or 0
UPSERT_ROWS = 500
REBUILD_ROWS = 5000


def week_of(at: datetime | date) -> date:
    """The Monday starting the week `at` falls in, in the site's time zone."""
    day = timezone.localtime(at).date() if isinstance(at, datetime) else at
    return day - timedelta(days=day.weekday())


class Tally:
    """AccountWeek changes gathered in a transaction, written once by `write`."""

    def __init__(self) -> None:
        self.deltas: Counter[Key] = Counter()

    def touches(self, rows: Iterable[tuple[int | None, datetime, str, int | None]]) -> None:
        """(account id, occurred at, buying role, asset id) of touches being written."""
        weeks: dict[datetime, date] = {}  # an import's chunk writes every touch at one moment
        for account_id, occurred_at, role, asset_id in rows:
            if account_id is not None:
                week = weeks.get(occurred_at)
                if week is None:
                    week = weeks[occurred_at] = week_of(occurred_at)
                self.deltas[(account_id, week, role, asset_id or 0)] += 1

    def role_changes(self, changes: Iterable[tuple[int, str, str]]) -> None:
        """(lead id, old role, new role): the touches already written move to the new role."""
        moves = {lead_id: (old, new) for lead_id, old, new in changes if old != new}
        if not moves:
            return
        rows = (
            Touchpoint.objects.filter(lead_id__in=moves, account_id__isnull=False)
            .annotate(week=TruncWeek("occurred_at"))
            .order_by()
            .values_list("lead_id", "account_id", "week", "asset_id")
            .annotate(n=Count("pk"))
        )
        for lead_id, account_id, week, asset_id, n in rows:
            old, new = moves[lead_id]
            monday = week_of(week)
            self.deltas[(account_id, monday, old, asset_id or 0)] -= n
            self.deltas[(account_id, monday, new, asset_id or 0)] += n

    def write(self) -> None:
        changed = sorted((key, n) for key, n in self.deltas.items() if n)
        self.deltas.clear()
        if not changed:
            return
        table = connection.ops.quote_name(AccountWeek._meta.db_table)
        if connection.vendor == "postgresql":
            # one statement of five array parameters, whatever the number of rows: an import
            # chunk's hundreds of rows spelled as VALUES cost psycopg and PostgreSQL a parse of
            # thousands of placeholders
            columns = list(zip(*((*key, n) for key, n in changed), strict=True))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (account_id, week, buying_role, asset_key, touches) "  # noqa: S608 - the table name is ours, every value a parameter
                    "SELECT * FROM UNNEST(%s::bigint[], %s::date[], %s::varchar[], %s::bigint[], "
                    "%s::int[]) "
                    "ON CONFLICT (account_id, week, buying_role, asset_key) "
                    f"DO UPDATE SET touches = {table}.touches + excluded.touches",
                    [list(column) for column in columns],
                )
            return
        for start in range(0, len(changed), UPSERT_ROWS):
            part = changed[start : start + UPSERT_ROWS]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            params = [value for (key, n) in part for value in (*key, n)]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (account_id, week, buying_role, asset_key, touches) "  # noqa: S608 - the table name is ours, every value a parameter
                    f"VALUES {values} "
                    "ON CONFLICT (account_id, week, buying_role, asset_key) "
                    f"DO UPDATE SET touches = {table}.touches + excluded.touches",
                    params,
                )


def touches_written(rows: Iterable[tuple[int | None, datetime, str, int | None]]) -> None:
    tally = Tally()
    tally.touches(rows)
    tally.write()


def roles_changed(changes: Iterable[tuple[int, str, str]]) -> None:
    tally = Tally()
    tally.role_changes(changes)
    tally.write()


def computed() -> dict[Key, int]:
    """Every row as the touches say it should be (the rebuild's and the tests' reference)."""
    rows = (
        Touchpoint.objects.filter(account_id__isnull=False)
        .annotate(week=TruncWeek("occurred_at"))
        .order_by()
        .values_list("account_id", "week", "lead__buying_role", "asset_id")
        .annotate(n=Count("pk"))
    )
    counts: Counter[Key] = Counter()
    for account_id, week, role, asset_id, n in rows.iterator(chunk_size=REBUILD_ROWS):
        counts[(account_id, week_of(week), role, asset_id or 0)] += n
    return dict(counts)


@transaction.atomic
def rebuild() -> int:
    """Recompute every row from the touches: how many rows there are now."""
    AccountWeek.objects.all().delete()
    rows = [
        AccountWeek(account_id=a, week=w, buying_role=r, asset_key=k, touches=n)
        for (a, w, r, k), n in sorted(computed().items())
    ]
    AccountWeek.objects.bulk_create(rows, batch_size=REBUILD_ROWS)
    return len(rows)
