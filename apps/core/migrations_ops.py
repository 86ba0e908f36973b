"""Migration operations Django lacks."""

from __future__ import annotations

from typing import Any

from django.db import migrations


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
