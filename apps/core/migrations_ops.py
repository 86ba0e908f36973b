"""Migration operations Django lacks."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Index


class CreateStatistics(migrations.RunPython):
    """PostgreSQL extended statistics (mcv, dependencies) on columns the planner would
    otherwise treat as independent; nothing on SQLite, which has none. Reversible."""

    def __init__(self, name: str, table: str, columns: tuple[str, ...]) -> None:
        self.name, self.table, self.columns = name, table, columns
        super().__init__(self._create, self._drop, elidable=False)

    def _create(self, apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE STATISTICS IF NOT EXISTS {self.name} (mcv, dependencies) "
                f"ON {', '.join(self.columns)} FROM {self.table}"
            )

    def _drop(self, apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP STATISTICS IF EXISTS {self.name}")

    def describe(self) -> str:
        return f"Create statistics {self.name} on {self.table}({', '.join(self.columns)})"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            [],
            {"name": self.name, "table": self.table, "columns": self.columns},
        )


class PostgresOnly(migrations.RunPython):
    """SQL that only PostgreSQL runs (triggers, functions, indexes SQLite lacks): `up` forwards,
    `down` backwards; nothing on SQLite. Reversible."""

    def __init__(self, up: str, down: str) -> None:
        self.up, self.down = up, down
        super().__init__(self._forwards, self._backwards, elidable=False)

    def _forwards(self, apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.up)

    def _backwards(self, apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.down)

    def describe(self) -> str:
        return "SQL for PostgreSQL only"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            [],
            {"up": self.up, "down": self.down},
        )


class DropForeignKeyIndex(migrations.AlterField):
    """AlterField of a foreign key to db_index=False (its column leads a composite index that
    serves the same lookups), done as one DROP INDEX. Django's SQLite backend remakes the whole
    table for any AlterField, which copies every row and drops the table's triggers (the lead
    events' append-only one); PostgreSQL's drops the index the same way. Reversible: backwards
    creates the index again under Django's name."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.name).column
        declared = {index.name for index in model._meta.indexes}
        for name in schema_editor._constraint_names(
            model, [column], index=True, type_=Index.suffix, exclude=declared
        ):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

    def describe(self) -> str:
        return f"Drop the index of {self.model_name}.{self.name} (a composite index leads with it)"
