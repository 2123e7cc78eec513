"""政策兑现 moved from `policies` into its own app with state-only migrations: a database made before
the move upgrades in place, its rows, history and content types intact."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.entitlements.models import Entitlement, Objection, PublicNotice
from yingshang.entitlements.tests.entitlement_builders import item

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_THE_MOVE = [("policies", "0003_entitlements"), ("entitlements", None)]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()  # type: ignore[return-value]


def test_a_database_from_before_the_move_finds_its_entitlements_after_it(world: World) -> None:
    reward = item()
    try:
        executor = migrate(BEFORE_THE_MOVE)
        old = executor.loader.project_state(BEFORE_THE_MOVE[0]).apps
        OldEntitlement = old.get_model("policies", "Entitlement")
        OldNotice = old.get_model("policies", "PublicNotice")
        OldObjection = old.get_model("policies", "Objection")
        ContentType.objects.get_or_create(app_label="policies", model="entitlement")
        today = clock.today()
        notice = OldNotice.objects.create(
            title="2026年第1批公示", district_id=world.weibin.pk, starts_on=today, ends_on=today, workdays=5
        )
        old_row = OldEntitlement.objects.create(
            enterprise_id=world.acme.pk,
            district_id=world.weibin.pk,
            item_key=reward.key,
            item_id=reward.pk,
            item_version=reward.version,
            mode="免申即享",
            verdict="eligible",
            amount_fen=30_000_000,
            state="publicized",
            matched_at=clock.now(),
            notice_id=notice.pk,
        )
        OldObjection.objects.create(notice_id=notice.pk, entitlement_id=old_row.pk, text="该企业已迁出")
    finally:
        migrate(latest())

    moved = Entitlement.objects.get(pk=old_row.pk)
    assert (moved.enterprise, moved.item_key, moved.amount_fen) == (world.acme, reward.key, 30_000_000)
    assert moved.notice == PublicNotice.objects.get(title="2026年第1批公示")
    assert Objection.objects.get(entitlement=moved).text == "该企业已迁出"
    assert Entitlement._meta.db_table == "policies_entitlement"
    ContentType.objects.clear_cache()
    labels = ContentType.objects.filter(model="entitlement").values_list("app_label", flat=True)
    assert list(labels) == ["entitlements"]


def test_the_move_changes_no_table() -> None:
    """Both migrations of the move are state only: their SQL is empty."""
    executor = MigrationExecutor(connection)
    for app, name in [("policies", "0004_entitlements_move_to_own_app"), ("entitlements", "0001_initial")]:
        migration = executor.loader.get_migration(app, name)
        state = executor.loader.project_state((app, name), at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            migration.apply(state, editor, collect_sql=True)
        assert [sql for sql in editor.collected_sql if not sql.startswith("--")] == []
