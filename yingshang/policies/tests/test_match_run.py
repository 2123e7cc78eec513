"""Batch match runs: kept pairs agree with the calculator, figures add up, failures store nothing,
runs start as tasks, threads or inline, and one item's results download as .xlsx."""

from __future__ import annotations

import datetime as dt
import io
import socket
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.core.money import to_yuan
from yingshang.core.workers import worker_id
from yingshang.policies import rules, services
from yingshang.policies.models import MatchResult, MatchRun, PolicyPack, RewardItem
from yingshang.policies.runs import fail_dead_runs
from yingshang.policies.testing import AS_OF, HNTE_ITEM, MEASURES, finished_match
from yingshang.registry.models import Enterprise, Qualification
from yingshang.registry.testing import make_enterprise, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(world: World) -> World:
    """The world plus a few more entities with qualifications that pay (and one that ties a group)."""
    services.sync_shipped_packs()
    giant = make_enterprise(
        make_uscc("91610302MA6X00010"), "宝鸡小巨人机械有限公司", world.weibin, employees=300
    )
    Qualification.objects.create(
        enterprise=giant, kind="little_giant", level="national", certified_on=dt.date(2025, 7, 25)
    )
    Qualification.objects.create(
        enterprise=giant, kind="hnte", level="national", certified_on=dt.date(2024, 12, 11)
    )
    industry = make_enterprise(make_uscc("91610303MA6X00011"), "金台规上工业有限公司", world.jintai)
    Qualification.objects.create(
        enterprise=industry,
        kind="above_scale_industry",
        level="provincial",
        certified_on=dt.date(2025, 1, 10),
    )
    make_enterprise(make_uscc("92610302MA6X00012"), "渭滨区小吃店", world.weibin, entity_type="individual")
    return world


def pairs_of(run: MatchRun) -> dict[tuple[str, str], MatchResult]:
    results = MatchResult.objects.filter(run=run).select_related("enterprise", "item")
    return {(r.enterprise.uscc, r.item.key): r for r in results}


def test_a_run_keeps_exactly_the_pairs_the_calculator_finds_eligible_or_needing_confirmation(
    district: World,
) -> None:
    run = finished_match(district.admin)
    stored = pairs_of(run)
    expected = {}
    for enterprise in Enterprise.objects.all():
        for _, result in services.calculate_for(enterprise, AS_OF).results:
            if result.verdict is not rules.Verdict.NOT_ELIGIBLE:
                expected[(enterprise.uscc, result.item_id)] = result
    assert set(stored) == set(expected)
    for key, result in expected.items():
        row = stored[key]
        assert row.verdict == result.verdict.value
        assert row.mode == result.mode.value
        assert (row.amount_fen, row.payable_fen) == (result.amount_fen, result.payable_fen)
        assert row.reason_codes == list(result.codes)
        assert row.to_confirm == list(result.to_confirm)
        assert row.item.version == result.item_version
        assert row.district_id == row.enterprise.district_id


def test_only_the_highest_item_of_an_exclusivity_group_is_paid(district: World) -> None:
    stored = pairs_of(finished_match())
    giant = make_uscc("91610302MA6X00010")
    assert stored[(giant, "xx18_art3_little_giant")].payable_fen == 60_0000_00
    assert stored[(giant, HNTE_ITEM)].verdict == "eligible"
    assert stored[(giant, HNTE_ITEM)].payable_fen == 0


def test_the_counts_and_the_summary_add_up(district: World) -> None:
    run = finished_match()
    results = MatchResult.objects.filter(run=run)
    assert run.entity_count == Enterprise.objects.count() == 5
    assert run.item_count == len(services.current_items(AS_OF))
    assert run.eligible_count == results.filter(verdict="eligible").count() > 0
    assert run.needs_confirmation_count == results.filter(verdict="needs_confirmation").count() > 0
    assert run.total_amount_fen == results.aggregate(total=Sum("payable_fen"))["total"] > 0
    summary = run.summary
    assert summary["totals"]["payable_fen"] == run.total_amount_fen
    assert (
        summary["totals"]["entities_paid"]
        == results.filter(payable_fen__gt=0).values("enterprise").distinct().count()
    )
    for breakdown in ("by_district", "by_section", "by_scale"):
        assert sum(line["payable_fen"] for line in summary[breakdown]) == run.total_amount_fen
        assert sum(line["eligible"] for line in summary[breakdown]) == run.eligible_count
    lines = {line["key"]: line for line in summary["items"]}
    assert len(lines) == run.item_count
    hnte = lines[HNTE_ITEM]
    assert hnte["eligible"] == results.filter(item__key=HNTE_ITEM, verdict="eligible").count() == 2
    assert sum(line["eligible"] for line in hnte["by_district"]) == 2
    assert {line["label"] for line in summary["population"]["by_district"]} == {"渭滨区", "金台区"}
    assert run.snapshot_sources["fields"]["employees"]["known"] == 5
    assert run.progress == "已完成" and run.duration_ms is not None and run.finished_at is not None
    assert set(run.packs.values_list("is_working", flat=True)) == {True}


def test_a_run_over_a_pack_that_cannot_be_read_fails_in_chinese_and_stores_nothing(world: World) -> None:
    services.sync_shipped_packs()
    broken = PolicyPack.objects.create(
        name="broken",
        title="损坏的政策包",
        text="id: broken\npolicies: []\n",
        version="0" * 16,
        origin="测试",
        is_working=True,
    )
    run = services.start_match_run(world.admin, AS_OF, runner="inline")
    assert run.state == "failed"
    assert "政策包无法读取" in run.error and "政策" in run.error
    assert not MatchResult.objects.filter(run=run).exists()
    assert run.eligible_count == 0 and run.finished_at is not None
    broken.delete()


def test_an_absurd_amount_stored_before_the_ceiling_fails_the_run_in_chinese_not_with_an_overflow(
    world: World,
) -> None:
    """A version stored before amounts had a bound is read with the engine's own bound (100亿元)."""
    services.sync_shipped_packs()
    working = PolicyPack.objects.get(name=MEASURES, is_working=True)
    hnte = "amount: 10万元\n        tags: [科技创新, 高企]"
    PolicyPack.objects.filter(pk=working.pk).update(text=working.text.replace(hnte, "amount: 500000亿元\n"))
    run = services.start_match_run(world.admin, AS_OF, runner="inline")
    assert run.state == "failed"
    assert "“新认定（复审）国家高新技术企业奖励”，金额：金额 500000亿元 超过单项奖补上限 100亿元" in run.error
    assert "Overflow" not in run.error and not MatchResult.objects.filter(run=run).exists()


def test_a_run_executes_once_however_often_it_is_started(district: World) -> None:
    run = finished_match()
    count = MatchResult.objects.filter(run=run).count()
    again = services.execute_run(run.pk)
    assert again.state == "done" and MatchResult.objects.filter(run=run).count() == count


def test_the_progress_callback_hears_every_phase(district: World) -> None:
    phases: list[str] = []
    services.start_match_run(
        None, AS_OF, runner="inline", progress=lambda phase, done, total: phases.append(phase)
    )
    assert list(dict.fromkeys(phases)) == ["读取企业画像", "批量计算", "写入结果"]


# Transactional (the worker closes its connection after each task), so slow: the database is reloaded.
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_queued_as_a_task_is_done_by_the_database_worker(district: World) -> None:
    run = services.start_match_run(district.admin, AS_OF, runner="task")
    assert MatchRun.objects.get(pk=run.pk).state == "queued"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    run.refresh_from_db()
    assert run.state == "done" and run.started_by == district.admin
    assert MatchResult.objects.filter(run=run).count() == run.eligible_count + run.needs_confirmation_count


@pytest.mark.slow  # transactional: the thread needs committed data
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_started_in_a_thread_returns_at_once_and_finishes_in_the_background(district: World) -> None:
    run = services.start_match_run(district.admin, AS_OF, runner="thread")
    assert run.state == "queued"
    # Joined rather than polled: SQLite's shared in-memory test database locks whole tables.
    worker = next(t for t in threading.enumerate() if t.name == f"policies-run-{run.pk}")
    worker.join(timeout=60)
    run.refresh_from_db()
    assert run.state == "done", run.error
    assert run.eligible_count > 0


def test_production_runs_go_to_the_task_queue_and_development_runs_to_a_thread(settings) -> None:
    settings.PRODUCTION = True
    assert services.default_runner() == "task"
    settings.PRODUCTION = False
    assert services.default_runner() == "thread"


def test_one_items_results_download_as_a_workbook_with_exact_yuan(district: World) -> None:
    run = finished_match()
    item = RewardItem.objects.get(key=HNTE_ITEM, policy__pack__is_working=True)
    data = services.results_workbook(run, item)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "新认定（复审）国家高新技术企业奖励" in rows[0][0]
    assert "测算日期 2026-06-30" in rows[0][0]  # one caption line, then the header
    assert rows[1] == services.RESULT_HEADERS
    body = rows[2:]
    assert [r[0] for r in body] == sorted([district.acme.uscc, make_uscc("91610302MA6X00010")])
    acme = next(r for r in body if r[0] == district.acme.uscc)
    assert acme[1:5] == (district.acme.name, "渭滨区", "符合", "免申即享")
    assert Decimal(str(acme[5])) == Decimal("100000.00") and Decimal(str(acme[6])) == Decimal("100000.00")
    assert "高新技术企业" in acme[8] and "满足" in acme[8]
    assert sheet.cell(row=3, column=6).number_format == "#,##0.00"
    assert services.results_file_name(run, item).endswith(f"{HNTE_ITEM}_20260630_批次{run.pk}.xlsx")


def test_amounts_in_fen_become_yuan_without_rounding() -> None:
    assert to_yuan(123_456_789) == Decimal("1234567.89")
    assert to_yuan(1) == Decimal("0.01")
    assert to_yuan(None) is None


def test_the_workbook_lists_what_an_enterprise_must_confirm(district: World) -> None:
    run = finished_match()
    item = RewardItem.objects.get(key="xx18_art2_above_scale_service", policy__pack__is_working=True)
    rows = list(
        load_workbook(io.BytesIO(services.results_workbook(run, item))).active.iter_rows(values_only=True)
    )
    assert all(r[3] == "需企业确认" and "规上服务业企业" in r[7] for r in rows[2:])
    # every 企业 registered in 渭滨区 (the pack's district), no 个体户
    assert len(rows) - 2 == MatchResult.objects.filter(run=run, item=item).count() == 2
    assert {r[0] for r in rows[2:]} == set(
        Enterprise.objects.filter(district=district.weibin, entity_type="enterprise").values_list(
            "uscc", flat=True
        )
    )


def test_a_district_pack_pays_no_enterprise_registered_elsewhere_even_one_meeting_every_condition(
    district: World,
) -> None:
    run = finished_match()
    # 金台规上工业有限公司: a 规上工业企业 certified in the policy's validity, but registered in 金台区
    industry = Enterprise.objects.get(name="金台规上工业有限公司")
    assert (industry.uscc, "xx18_art2_above_scale_industry") not in pairs_of(run)
    assert not MatchResult.objects.filter(run=run, district=district.jintai).exists()
    figures = {line["key"]: line for line in run.summary["by_district"]}
    assert figures.get("金台区", {}).get("payable_fen", 0) == 0
    assert figures["渭滨区"]["payable_fen"] == run.total_amount_fen > 0


def test_a_working_pack_with_no_current_items_stores_an_empty_run(district: World) -> None:
    run = finished_match(as_of=dt.date(2030, 1, 1))
    assert run.item_count == 0 and not MatchResult.objects.filter(run=run).exists()
    assert run.summary["totals"]["payable_fen"] == 0 and PolicyPack.objects.filter(name=MEASURES).exists()


# ---- a run whose process died ---------------------------------------------------------------------


def running_run(worker: str, heartbeat_minutes_ago: int = 0) -> MatchRun:
    return MatchRun.objects.create(
        state="running",
        as_of=AS_OF,
        progress="比对：10,000/20,000",
        worker=worker,
        heartbeat_at=clock.now() - dt.timedelta(minutes=heartbeat_minutes_ago),
    )


def test_a_run_whose_process_was_killed_is_marked_failed_with_the_reason() -> None:
    dead = running_run(f"{socket.gethostname()}:{2**22 + 7}")  # no such process (pid_max is 2**22)
    alive = running_run(worker_id())
    assert fail_dead_runs() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == "failed" and "已不在运行" in dead.error and "可以重新运行" in dead.error
    assert alive.state == "running"


def test_a_run_on_another_machine_is_dead_once_its_heartbeat_is_old() -> None:
    quiet = running_run("other-host:1234", heartbeat_minutes_ago=11)
    recent = running_run("other-host:1235", heartbeat_minutes_ago=2)
    assert fail_dead_runs() == 1
    quiet.refresh_from_db()
    recent.refresh_from_db()
    assert quiet.state == "failed" and "超过 10 分钟没有进展" in quiet.error
    assert recent.state == "running"


def test_a_dead_run_no_longer_blocks_starting_a_new_one(district: World) -> None:
    running_run(f"{socket.gethostname()}:{2**22 + 7}")
    client = district.client_for(district.admin)
    first = client.post(reverse("policies:run_start"))
    assert first.status_code == 302
    assert MatchRun.objects.filter(state="queued").count() == 1
