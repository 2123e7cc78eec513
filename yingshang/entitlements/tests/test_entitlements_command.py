"""`yingshang entitlements`: create from a run, list the overdue, push an item; errors in Chinese."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from yingshang.conftest import World
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.tests.entitlement_builders import DAY, on_day, pushed
from yingshang.notifications.models import Message
from yingshang.policies import services
from yingshang.policies.models import MatchResult
from yingshang.policies.testing import HNTE_ITEM, finished_match

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("entitlements", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_makes_entitlements_from_a_run_and_prints_the_summary(world: World) -> None:
    services.sync_shipped_packs()
    match = finished_match(world.admin)
    out, err = run("create", str(match.pk))
    count = Entitlement.objects.count()
    possible = MatchResult.objects.filter(run=match, verdict="needs_confirmation").count()
    assert count > 0 and possible > 0
    assert out.strip() == (
        f"批次 {match.pk}（测算日期 2026-06-30）：新增 {count:,} 条，更新 0 条，未变 0 条，"
        f"标记待复核 0 条，已兑付/归档未改动 0 条；另有 {possible:,} 对因数据不全需企业确认，"
        "留在匹配结果中，可经“核实推送”告知企业"
    )
    assert "生成兑现事项" in err  # the progress bar
    out, _ = run("create")  # the latest run, again: nothing new
    assert f"新增 0 条，更新 0 条，未变 {count:,} 条" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "999"), "找不到批次 999"),
        (("create", "abc"), "批次号“abc”应为数字"),
        (("create",), "还没有已完成的批量匹配"),
        (("overdue", "--as-of", "2026-13-01"), "日期“2026-13-01”无效"),
        (("push", "--item", "no_such_item"), "找不到事项标识“no_such_item”"),
        (("push",), "缺少参数：--item"),
        (("payout",), "无法识别的子命令“payout”"),
    ],
)
def test_bad_input_is_refused_in_chinese(world: World, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_whatif_run_is_refused(world: World) -> None:
    services.sync_shipped_packs()
    match = finished_match(world.admin)
    match.kind = "whatif"
    match.save()
    with pytest.raises(CommandError, match=f"批次 {match.pk}：只能从已完成的批量匹配"):
        run("create", str(match.pk))


def test_overdue_lists_entitlements_past_their_deadline(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_day(monkeypatch, DAY)
    e = pushed(world, world.acme)
    out, _ = run("overdue", "--as-of", e.due_on.isoformat())
    assert out.strip() == f"截至 {e.due_on}，没有逾期的兑现事项"
    late = e.due_on + dt.timedelta(days=1)
    out, _ = run("overdue", "--as-of", late.isoformat())
    assert f"截至 {late}，逾期的兑现事项 1 条：" in out
    assert f"编号 {e.pk}  {world.acme.name}" in out and f"期限 {e.due_on}" in out and "逾期" in out


def test_push_notifies_every_matched_entitlement_of_the_item_once(world: World) -> None:
    services.sync_shipped_packs()
    run("create", str(finished_match(world.admin).pk))
    out, _ = run("push", "--item", HNTE_ITEM)
    assert out.strip().startswith(f"事项 {HNTE_ITEM}：已推送 1 家企业")
    assert Entitlement.objects.get(item_key=HNTE_ITEM).state == "pushed"
    assert Message.objects.filter(enterprise=world.acme, topic="entitlement.push").count() == 1
    out, _ = run("push", "--item", HNTE_ITEM)
    assert "没有待推送" in out
