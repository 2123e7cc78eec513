"""yingshang.core.dbstate: which migrations a database lacks, and the sentence that tells the operator."""

from __future__ import annotations

import pytest

from yingshang.core.dbstate import MigrationState, migration_state, pending_migrations

FRESH = "数据库尚未初始化，请先运行 yingshang migrate"
BEHIND = "数据库结构落后于程序（缺少 {n} 个迁移，如 {first}），请先运行 yingshang migrate"


@pytest.mark.parametrize(
    ("applied", "pending", "problem"),
    [
        (0, ("contenttypes.0001_initial", "auth.0001_initial"), FRESH),
        (30, ("policies.0003_entitlements",), BEHIND.format(n=1, first="policies.0003_entitlements")),
        (
            12,
            ("registry.0002_load_industry_codes", "workdays.0001_initial", "admin.0001_initial"),
            BEHIND.format(n=3, first="registry.0002_load_industry_codes"),
        ),
        (34, (), None),
        (0, (), None),  # an app-less project: nothing to apply is nothing to say
    ],
)
def test_the_operator_is_told_to_migrate_only_when_a_migration_is_missing(
    applied: int, pending: tuple[str, ...], problem: str | None
) -> None:
    assert MigrationState(applied=applied, pending=pending).problem == problem


@pytest.mark.django_db
def test_the_test_database_is_fully_migrated() -> None:
    state = migration_state()
    assert state.pending == ()
    assert state.applied > 0
    assert state.problem is None
    assert pending_migrations() == []
