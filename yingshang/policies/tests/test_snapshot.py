"""The profile snapshot read from the registry with raw SQL (COPY on PostgreSQL, chunks elsewhere)."""

from __future__ import annotations

import datetime as dt

import pytest

from yingshang.conftest import World
from yingshang.policies import services
from yingshang.policies.rules.batch import profile_schema, profiles_to_table
from yingshang.policies.snapshot import build_snapshot, iter_batches, read_snapshot
from yingshang.policies.testing import AS_OF
from yingshang.registry.models import Enterprise, Qualification
from yingshang.registry.testing import make_enterprise, make_uscc

pytestmark = pytest.mark.django_db


def rows_by_uscc(table) -> dict[str, dict]:
    return {row["uscc"]: row for row in table.to_pylist()}


def test_the_snapshot_has_exactly_the_batch_schema(world: World) -> None:
    assert build_snapshot(as_of=AS_OF).schema == profile_schema()


def test_each_row_is_the_profile_the_calculator_uses(world: World) -> None:
    snapshot = build_snapshot(as_of=AS_OF)
    entities = Enterprise.objects.select_related("district", "street").prefetch_related("qualifications")
    expected = profiles_to_table([services.profile_of(e, AS_OF) for e in entities.order_by("pk")])
    assert snapshot.equals(expected)


def test_qualifications_certified_after_the_day_are_left_out(world: World) -> None:
    before = rows_by_uscc(build_snapshot(as_of=dt.date(2024, 10, 31)))
    after = rows_by_uscc(build_snapshot(as_of=dt.date(2024, 11, 1)))
    assert before[world.acme.uscc]["qualifications"] == []
    assert [q["kind"] for q in after[world.acme.uscc]["qualifications"]] == ["hnte"]


def test_an_entity_without_qualifications_has_an_empty_list_not_an_unknown(world: World) -> None:
    assert rows_by_uscc(build_snapshot(as_of=AS_OF))[world.bolt.uscc]["qualifications"] == []


def test_missing_registry_values_and_fields_not_in_the_registry_are_null(world: World) -> None:
    Enterprise.objects.filter(pk=world.bolt.pk).update(credit_class="", scale="")
    bolt = rows_by_uscc(build_snapshot(as_of=AS_OF))[world.bolt.uscc]
    assert bolt["credit_class"] is None and bolt["scale"] is None
    assert bolt["total_assets_fen"] is None and bolt["street"] is None
    assert (
        bolt["rd_expense_fen"] is None and bolt["layoff_rate"] is None and bolt["serious_dishonesty"] is None
    )


def test_several_records_of_one_entity_are_all_in_its_list(world: World) -> None:
    Qualification.objects.create(
        enterprise=world.acme, kind="srdi_sme", level="provincial", certified_on=dt.date(2025, 10, 16)
    )
    Qualification.objects.create(
        enterprise=world.acme, kind="srdi_sme", level="municipal", certified_on=dt.date(2024, 3, 1)
    )
    records = rows_by_uscc(build_snapshot(as_of=AS_OF))[world.acme.uscc]["qualifications"]
    assert sorted((q["kind"], q["level"]) for q in records) == [
        ("hnte", "national"),
        ("srdi_sme", "municipal"),
        ("srdi_sme", "provincial"),
    ]
    assert all(q["first_certified_on"] is None for q in records)


def test_a_queryset_limits_the_snapshot_and_the_qualifications(world: World) -> None:
    snapshot = read_snapshot(Enterprise.objects.filter(district=world.jintai), as_of=AS_OF)
    assert snapshot.profiles.column("uscc").to_pylist() == [world.bolt.uscc]
    assert snapshot.keys.to_pylist() == [{"enterprise_id": world.bolt.pk, "district_id": world.jintai.pk}]


def test_an_empty_registry_gives_an_empty_table_with_the_schema(db: None) -> None:
    snapshot = build_snapshot(as_of=AS_OF)
    assert snapshot.num_rows == 0 and snapshot.schema == profile_schema()


def test_names_with_commas_quotes_and_line_breaks_come_through_unchanged(world: World) -> None:
    name = '宝鸡"精工",机械\n有限公司'
    odd = make_enterprise(make_uscc("91610302MA6X00003"), name, world.weibin, employees=0)
    row = rows_by_uscc(build_snapshot(as_of=AS_OF))[odd.uscc]
    assert row["name"] == name and row["employees"] == 0


def test_keys_follow_the_rows_and_sources_say_how_much_is_known(world: World) -> None:
    snapshot = read_snapshot(as_of=AS_OF)
    usccs = snapshot.profiles.column("uscc").to_pylist()
    ids = dict(zip(usccs, snapshot.keys.column("enterprise_id").to_pylist(), strict=True))
    assert ids == {world.acme.uscc: world.acme.pk, world.bolt.uscc: world.bolt.pk}
    assert snapshot.sources["entities"] == 2
    assert snapshot.sources["fields"]["employees"] == {
        "label": "从业人数",
        "source": "企业名录（营商办汇集）",
        "known": 2,
    }
    assert snapshot.sources["fields"]["rd_expense_fen"]["known"] == 0


def test_progress_counts_the_rows_read(world: World) -> None:
    calls: list[tuple[str, int, int | None]] = []
    read_snapshot(as_of=AS_OF, progress=lambda *call: calls.append(call))
    assert calls and calls[-1] == ("读取企业画像", 2, 2)


def test_the_snapshot_splits_into_record_batches(world: World) -> None:
    batches = list(iter_batches(build_snapshot(as_of=AS_OF), rows=1))
    assert [b.num_rows for b in batches] == [1, 1]
