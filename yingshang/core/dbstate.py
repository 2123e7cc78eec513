"""Whether the database has the structure this version of the program expects.

`yingshang <command>` asks before a command that uses the database, so that a fresh install or an
upgrade without `migrate` gets one Chinese sentence saying what to run instead of a traceback such as
"no such table: workdays_holidayyear".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

MIGRATE = "yingshang migrate"


@dataclass(frozen=True)
class MigrationState:
    applied: int  # migrations recorded as applied in the database
    pending: tuple[str, ...]  # "app.0003_name", in the order `migrate` would apply them

    @property
    def problem(self) -> str | None:
        """What to tell the operator, or None when nothing is missing."""
        if not self.pending:
            return None
        if not self.applied:
            return f"数据库尚未初始化，请先运行 {MIGRATE}"
        return (
            f"数据库结构落后于程序（缺少 {len(self.pending)} 个迁移，如 {self.pending[0]}），"
            f"请先运行 {MIGRATE}"
        )


def migration_state(alias: str = DEFAULT_DB_ALIAS) -> MigrationState:
    """Read which migrations are applied (Django's `django_migrations` table; none when it is absent)
    and which `migrate` would still apply. Connects to the database: errors of the connection propagate."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = tuple(f"{migration.app_label}.{migration.name}" for migration, _backwards in plan)
    return MigrationState(applied=len(executor.loader.applied_migrations or {}), pending=pending)


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations `migrate` would apply, as "app.name", in order; empty when the database is current."""
    return list(migration_state(alias).pending)
