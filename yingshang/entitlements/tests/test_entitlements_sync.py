"""Entitlements from a match run: created once, brought up to later runs while nobody has acted on
them, flagged (never deleted or silently changed) when a later run disagrees, paid ones only annotated."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from yingshang.conftest import World
from yingshang.entitlements.models import Entitlement, EntitlementNote
from yingshang.entitlements.services import (
    EntitlementRefused,
    create_entitlements_from_run,
    push_for_confirmation,
    sync,
)
from yingshang.entitlements.testing import make_entitlement
from yingshang.entitlements.tests.entitlement_builders import entitlement_of, run_with_pairs
from yingshang.entitlements.workflow import State
from yingshang.policies import services
from yingshang.policies.models import MatchResult, MatchRun
from yingshang.policies.testing import HNTE_ITEM, MEASURES, finished_match, with_hnte_amount
from yingshang.registry.models import Qualification

pytestmark = pytest.mark.django_db

LITTLE_GIANT = "xx18_art3_little_giant"
QUOTA = "xx18_art2_above_quota"


@pytest.fixture
def first_run(world: World) -> MatchRun:
    services.sync_shipped_packs()
    return finished_match(world.admin)


def set_state(world: World, state: State, key: str = HNTE_ITEM, **fields: object) -> Entitlement:
    """Move acme's entitlement to a state as the workflow would have left it (ORM, for the setup)."""
    Entitlement.objects.filter(enterprise=world.acme, item_key=key).update(state=state.value, **fields)
    return entitlement_of(world.acme, key)


def test_a_finished_run_creates_one_entitlement_per_eligible_pair_with_money(
    world: World, first_run: MatchRun
) -> None:
    summary = create_entitlements_from_run(first_run)
    kept = MatchResult.objects.filter(run=first_run, verdict="eligible").exclude(payable_fen=0)
    assert summary.created == kept.count() == Entitlement.objects.count() >= 1
    hnte = entitlement_of(world.acme)
    assert (hnte.state, hnte.amount_fen, hnte.mode, hnte.verdict) == (
        "matched",
        100_000_00,
        "免申即享",
        "eligible",
    )
    assert (hnte.department, hnte.district, hnte.run) == ("区工信局", world.weibin, first_run)
    assert hnte.item.key == HNTE_ITEM and hnte.item_version == hnte.item.version
    assert hnte.snapshot_taken_at == first_run.snapshot_taken_at


def test_a_pair_needing_confirmation_stays_a_match_result_and_is_counted_as_possible(
    world: World, first_run: MatchRun
) -> None:
    summary = create_entitlements_from_run(first_run)
    possible = MatchResult.objects.filter(run=first_run, verdict="needs_confirmation").count()
    assert summary.possible == possible > 0
    assert not Entitlement.objects.filter(verdict="needs_confirmation").exists()
    assert f"另有 {possible:,} 对因数据不全需企业确认" in summary.text()


def test_a_pushed_pair_needing_confirmation_keeps_the_items_amount_and_what_to_confirm(
    world: World, first_run: MatchRun
) -> None:
    create_entitlements_from_run(first_run)
    push_for_confirmation(first_run, "xx18_art3_srdi_backbone", by=world.admin)
    e = entitlement_of(world.acme, "xx18_art3_srdi_backbone")
    assert (e.verdict, e.mode, e.amount_fen, e.state) == (
        "needs_confirmation",
        "快申快享",
        300_000_00,
        "pushed",
    )
    assert e.to_confirm == e.item.manual_conditions or e.to_confirm
    assert e.outreach is not None and e.outreach.created_by == world.admin


def test_a_later_run_leaves_a_pushed_pair_needing_confirmation_in_the_ledger(
    world: World, first_run: MatchRun
) -> None:
    create_entitlements_from_run(first_run)
    push_for_confirmation(first_run, "xx18_art3_srdi_backbone", by=world.admin)
    count = Entitlement.objects.count()
    summary = create_entitlements_from_run(finished_match(world.admin))
    assert Entitlement.objects.count() == count and summary.removed == 0
    assert entitlement_of(world.acme, "xx18_art3_srdi_backbone").state == "pushed"


def test_an_unpushed_pair_needing_confirmation_put_in_the_ledger_earlier_is_taken_out_with_history(
    world: World, first_run: MatchRun
) -> None:
    """An older version of the sync put every 需确认 pair in the ledger as 已比对: the next sync takes
    those nobody pushed or wrote on out again, and their history says so."""
    run = run_with_pairs([(world.acme, "xx18_art3_srdi_backbone", "needs_confirmation", 300_000_00, 0)])
    stale = make_entitlement(world.acme, item_key="xx18_art3_srdi_backbone", verdict="needs_confirmation")
    noted = make_entitlement(world.bolt, item_key="xx18_art3_srdi_backbone", verdict="needs_confirmation")
    EntitlementNote.objects.create(entitlement=noted, author=world.admin, text="已电话联系企业")
    summary = create_entitlements_from_run(run)
    assert summary.removed == 1
    assert list(Entitlement.objects.values_list("pk", flat=True)) == [noted.pk]
    removal = Entitlement.history.get(id=stale.pk, history_type="-")
    assert removal.history_change_reason == f"移出台账（批次 {run.pk}）"


def test_a_certain_entitlement_that_becomes_only_possible_before_any_push_leaves_the_ledger(
    world: World, first_run: MatchRun
) -> None:
    create_entitlements_from_run(first_run)
    run = run_with_pairs([(world.acme, HNTE_ITEM, "needs_confirmation", 100_000_00, 0)])
    summary = create_entitlements_from_run(run)
    assert (summary.removed, summary.possible) == (1, 1)
    assert not Entitlement.objects.filter(enterprise=world.acme, item_key=HNTE_ITEM).exists()


def test_an_eligible_pair_with_nothing_to_pay_after_the_exclusivity_group_is_left_out(world: World) -> None:
    run = run_with_pairs(
        [
            (world.acme, LITTLE_GIANT, "eligible", 600_000_00, 600_000_00),
            (world.acme, HNTE_ITEM, "eligible", 100_000_00, 0),
        ]
    )
    summary = create_entitlements_from_run(run)
    assert summary.created == 1
    assert list(Entitlement.objects.values_list("item_key", flat=True)) == [LITTLE_GIANT]


def test_running_it_again_creates_and_changes_nothing(world: World, first_run: MatchRun) -> None:
    first = create_entitlements_from_run(first_run)
    before = {e.pk: e.history.count() for e in Entitlement.objects.all()}
    again = create_entitlements_from_run(first_run)
    assert (again.created, again.updated, again.flagged, again.unchanged) == (0, 0, 0, first.created)
    assert {e.pk: e.history.count() for e in Entitlement.objects.all()} == before


def test_a_second_run_over_the_same_data_finds_the_same_entitlements(
    world: World, first_run: MatchRun
) -> None:
    create_entitlements_from_run(first_run)
    count = Entitlement.objects.count()
    summary = create_entitlements_from_run(finished_match(world.admin))
    assert summary.created == 0 and Entitlement.objects.count() == count
    assert summary.unchanged == count


def test_each_creation_is_in_the_history_with_the_run_that_made_it(world: World, first_run: MatchRun) -> None:
    create_entitlements_from_run(first_run)
    record = entitlement_of(world.acme).history.get()
    assert record.history_change_reason == f"比对生成（批次 {first_run.pk}）"
    assert record.history_user == world.admin


@pytest.mark.parametrize(("kind", "state"), [("whatif", "done"), ("match", "running"), ("match", "failed")])
def test_only_a_finished_match_run_makes_entitlements(world: World, kind: str, state: str) -> None:
    run = run_with_pairs([(world.acme, HNTE_ITEM, "eligible", 100_000_00, 100_000_00)])
    MatchRun.objects.filter(pk=run.pk).update(kind=kind, state=state)
    with pytest.raises(EntitlementRefused, match="只能从已完成的批量匹配"):
        create_entitlements_from_run(run)
    assert not Entitlement.objects.exists()


def test_progress_is_reported_up_to_the_total(world: World, first_run: MatchRun) -> None:
    calls: list[tuple[int, int]] = []
    create_entitlements_from_run(first_run, progress=lambda done, total: calls.append((done, total)))
    total = MatchResult.objects.filter(run=first_run).exclude(verdict="eligible", payable_fen=0).count()
    assert calls[0] == (0, total) and calls[-1] == (total, total)


@pytest.mark.parametrize("state", [State.MATCHED, State.PUSHED])
def test_a_new_item_version_brings_an_untouched_entitlement_up_to_date(
    world: World, first_run: MatchRun, state: State
) -> None:
    create_entitlements_from_run(first_run)
    set_state(world, state)
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    second = finished_match(world.admin)
    summary = create_entitlements_from_run(second)
    e = entitlement_of(world.acme)
    assert summary.updated == 1
    assert (e.state, e.amount_fen, e.run, e.needs_review) == (state.value, 200_000_00, second, False)
    assert e.item.policy.pack.is_working and e.item_version == e.item.version
    assert e.history.first().history_change_reason == f"重新比对（批次 {second.pk}）"


@pytest.mark.parametrize("state", [State.CONFIRMED, State.APPROVED, State.PUBLICIZED])
def test_a_changed_amount_flags_an_entitlement_someone_acted_on_instead_of_changing_it(
    world: World, first_run: MatchRun, state: State
) -> None:
    create_entitlements_from_run(first_run)
    set_state(world, state)
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    summary = create_entitlements_from_run(finished_match(world.admin))
    e = entitlement_of(world.acme)
    assert summary.flagged == 1
    assert (e.state, e.amount_fen, e.run, e.needs_review) == (state.value, 100_000_00, first_run, True)
    assert "金额由 100,000.00 元 变为 200,000.00 元" in e.review_reason and "请复核" in e.review_reason


def test_a_flag_is_not_raised_twice_for_the_same_change(world: World, first_run: MatchRun) -> None:
    create_entitlements_from_run(first_run)
    set_state(world, State.CONFIRMED)
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    create_entitlements_from_run(finished_match(world.admin))
    again = create_entitlements_from_run(finished_match(world.admin))
    assert again.flagged == 0


@pytest.mark.parametrize(
    "state", [State.MATCHED, State.PUSHED, State.CONFIRMED, State.APPROVED, State.PUBLICIZED]
)
def test_an_enterprise_no_longer_eligible_is_flagged_for_review_not_deleted(
    world: World, first_run: MatchRun, state: State
) -> None:
    create_entitlements_from_run(first_run)
    set_state(world, state)
    Qualification.objects.filter(enterprise=world.acme).delete()
    summary = create_entitlements_from_run(finished_match(world.admin))
    e = entitlement_of(world.acme)
    assert summary.flagged >= 1
    assert (e.state, e.amount_fen, e.needs_review) == (state.value, 100_000_00, True)
    assert e.review_reason.startswith("画像变化后不再符合条件")


def test_a_flag_for_an_enterprise_eligible_again_is_lifted_while_nobody_has_acted(
    world: World, first_run: MatchRun
) -> None:
    create_entitlements_from_run(first_run)
    qualification = Qualification.objects.get(enterprise=world.acme)
    Qualification.objects.filter(pk=qualification.pk).delete()
    create_entitlements_from_run(finished_match(world.admin))
    assert entitlement_of(world.acme).needs_review
    qualification.pk = None
    qualification.save()
    summary = create_entitlements_from_run(finished_match(world.admin))
    e = entitlement_of(world.acme)
    assert summary.updated >= 1 and not e.needs_review and e.review_reason == ""


def test_an_item_the_run_did_not_evaluate_is_left_alone(world: World) -> None:
    create_entitlements_from_run(run_with_pairs([(world.acme, QUOTA, "eligible", 10_000_00, 10_000_00)]))
    summary = create_entitlements_from_run(
        run_with_pairs([(world.acme, HNTE_ITEM, "eligible", 100_000_00, 100_000_00)])
    )
    assert (summary.created, summary.flagged) == (1, 0)
    assert not entitlement_of(world.acme, QUOTA).needs_review


@pytest.mark.parametrize("state", [State.PAID, State.ARCHIVED])
def test_a_paid_entitlement_is_never_changed_only_annotated(
    world: World, first_run: MatchRun, state: State
) -> None:
    create_entitlements_from_run(first_run)
    paid = set_state(world, state, voucher_no="V-1", paid_fen=100_000_00)
    history = paid.history.count()
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    run = finished_match(world.admin)
    summary = create_entitlements_from_run(run)
    e = entitlement_of(world.acme)
    assert summary.skipped_paid == 1
    assert (e.state, e.amount_fen, e.run, e.needs_review) == (state.value, 100_000_00, first_run, False)
    assert e.history.count() == history
    note = EntitlementNote.objects.get(entitlement=e)
    assert (
        f"重新比对（批次 {run.pk}，" in note.text and "200,000.00 元" in note.text and "不作改动" in note.text
    )
    create_entitlements_from_run(run)
    assert EntitlementNote.objects.filter(entitlement=e).count() == 1


def test_a_paid_entitlement_the_run_no_longer_finds_gets_a_note(world: World, first_run: MatchRun) -> None:
    create_entitlements_from_run(first_run)
    set_state(world, State.PAID, voucher_no="V-1", paid_fen=100_000_00)
    Qualification.objects.filter(enterprise=world.acme).delete()
    summary = create_entitlements_from_run(finished_match(world.admin))
    e = entitlement_of(world.acme)
    assert summary.skipped_paid == 1 and e.state == "paid" and not e.needs_review
    assert "画像变化后不再符合条件" in EntitlementNote.objects.get(entitlement=e).text


@pytest.mark.parametrize("state", [State.REJECTED, State.WITHDRAWN])
def test_a_decided_entitlement_is_not_reopened_by_a_new_run(
    world: World, first_run: MatchRun, state: State
) -> None:
    create_entitlements_from_run(first_run)
    set_state(world, state)
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    create_entitlements_from_run(finished_match(world.admin))
    e = entitlement_of(world.acme)
    assert (e.state, e.amount_fen, e.needs_review) == (state.value, 100_000_00, False)


def test_the_summary_reads_in_chinese(world: World, first_run: MatchRun) -> None:
    summary = create_entitlements_from_run(first_run)
    assert summary.text().startswith(f"新增 {summary.created:,} 条")


def test_sync_writes_in_one_transaction_per_run(
    world: World, first_run: MatchRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the first batch of rows was written leaves nothing behind."""
    monkeypatch.setattr(sync, "BATCH_SIZE", 1)
    first_run = run_with_pairs(
        [
            (world.acme, HNTE_ITEM, "eligible", 100_000_00, 100_000_00),
            (world.bolt, HNTE_ITEM, "eligible", 100_000_00, 100_000_00),
        ]
    )
    calls = {"n": 0}
    original = sync._insert_new

    def failing_after_first_batch(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sync, "_insert_new", failing_after_first_batch)
    with pytest.raises(RuntimeError):
        create_entitlements_from_run(first_run)
    assert calls["n"] == 2
    assert not Entitlement.objects.exists() and not Entitlement.history.exists()


def test_every_row_written_in_bulk_has_its_history_record(world: World, first_run: MatchRun) -> None:
    create_entitlements_from_run(first_run)
    services.save_pack_version(MEASURES, with_hnte_amount(20), world.admin)
    second = finished_match(world.admin)
    create_entitlements_from_run(second)
    e = entitlement_of(world.acme)
    records = list(e.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.amount_fen, r.run_id) for r in records] == [
        ("+", 100_000_00, first_run.pk),
        ("~", 200_000_00, second.pk),
    ]
    assert records[1].history_user == world.admin and records[1].to_confirm == e.to_confirm
    assert Entitlement.history.filter(history_type="+").count() == Entitlement.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_syncs_of_one_run_at_once_create_each_entitlement_once(world: World) -> None:
    services.sync_shipped_packs()
    run = finished_match(world.admin)
    barrier = threading.Barrier(2)
    created: list[int] = []
    failures: list[BaseException] = []

    def sync() -> None:
        try:
            barrier.wait()
            created.append(create_entitlements_from_run(run).created)
        except BaseException as exc:  # any failure is the finding
            failures.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(created) == [0, Entitlement.objects.count()]
