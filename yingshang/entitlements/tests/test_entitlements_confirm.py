"""Push and the enterprise's side: the push notifies once and starts the clock; the enterprise
confirms its conditions and bank account before the deadline; reading the message records 知晓."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.entitlements.models import Entitlement, EntitlementNote
from yingshang.entitlements.services import (
    EntitlementRefused,
    clear_review,
    confirm_entitlement,
    mark_seen,
    push_entitlements,
    timeline,
)
from yingshang.entitlements.tests.entitlement_builders import (
    DAY,
    PAYEE,
    entitlement_of,
    matched,
    on_day,
    pushed,
)
from yingshang.notifications.models import Message
from yingshang.notifications.services import mark_read
from yingshang.policies.testing import HNTE_ITEM
from yingshang.workdays.services import confirm_year, get_calendar, save_arrangement
from yingshang.workdays.testing import fictional_2027_entries

pytestmark = pytest.mark.django_db

BACKBONE = "xx18_art3_srdi_backbone"  # 快申快享: the enterprise confirms a condition the registry lacks


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    on_day(monkeypatch, DAY)


def confirm(e: Entitlement, **changes: object) -> Entitlement:
    arguments: dict[str, object] = {
        "confirmer_name": "张三",
        "confirmer_phone": "13800000000",
        "payee": PAYEE | {"account_name": e.enterprise.name},
        "conditions": list(e.to_confirm),
        "via": "企业码",
    }
    return confirm_entitlement(e, **(arguments | changes))  # type: ignore[arg-type]


def snapshot(e: Entitlement) -> tuple[object, ...]:
    e.refresh_from_db()
    return (e.state, e.confirmed_at, e.payee, e.confirmation, e.due_on, e.history.count())


# --- push ---------------------------------------------------------------------------------------


def test_a_push_notifies_the_enterprise_once_and_starts_the_review_clock(world: World) -> None:
    e = matched(world.acme)
    assert push_entitlements([e], by=world.admin) == 1
    e = entitlement_of(world.acme)
    assert e.state == "pushed" and e.pushed_at is not None
    assert e.due_on == get_calendar().add_workdays(DAY, 15)  # 免申即享: nothing to confirm
    message = Message.objects.get(enterprise=world.acme, channel="inbox")
    assert message.dedupe_key == f"entitlement:{e.pk}:push" and message.topic == "entitlement.push"
    assert "新认定（复审）国家高新技术企业奖励" in message.subject and "100,000.00 元" in message.body
    record = e.history.first()
    assert (record.history_change_reason, record.history_user) == ("推送", world.admin)


def test_a_push_queues_one_delivery_run_for_sms_and_email_after_commit(
    world: World, django_capture_on_commit_callbacks
) -> None:
    first, second = matched(world.acme), matched(world.bolt)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        push_entitlements([first, second], by=world.admin)
    assert len(callbacks) == 1
    assert DBTaskResult.objects.count() == 1


def test_a_push_that_pushes_nothing_queues_no_delivery(
    world: World, django_capture_on_commit_callbacks
) -> None:
    e = pushed(world, world.acme)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        push_entitlements([e], by=world.admin)
    assert callbacks == []


def test_an_item_to_confirm_is_due_sixty_working_days_after_the_push(world: World) -> None:
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    assert e.due_on == get_calendar().add_workdays(DAY, 60)
    assert "请于 " in Message.objects.get(enterprise=world.acme, channel="inbox").body


def test_pushing_again_sends_nothing(world: World) -> None:
    e = pushed(world, world.acme)
    assert push_entitlements([e], by=world.admin) == 0
    assert Message.objects.filter(enterprise=world.acme, channel="inbox").count() == 1
    assert entitlement_of(world.acme).history.count() == 2


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_left_open_with_a_note(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = matched(world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    on_day(monkeypatch, dt.date(2026, 11, 20))  # 60 working days later is in 2027
    push_entitlements([e], by=world.admin)
    e = entitlement_of(world.acme, BACKBONE)
    assert e.state == "pushed" and e.due_on is None
    note = EntitlementNote.objects.get(entitlement=e).text
    assert note.startswith("本环节期限暂无法计算：") and "2027年" in note


def test_a_deadline_left_open_is_counted_once_the_admin_confirms_that_year(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    e = matched(world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    on_day(monkeypatch, dt.date(2026, 11, 20))
    push_entitlements([e], by=world.admin)
    assert entitlement_of(world.acme, BACKBONE).due_on is None
    year = save_arrangement(2027, fictional_2027_entries(), notice_title="2027年节假日安排（测试用虚构样例）")
    assert entitlement_of(world.acme, BACKBONE).due_on is None  # a draft changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        confirm_year(year, world.admin)
    e = entitlement_of(world.acme, BACKBONE)
    pushed_on = clock.local(e.pushed_at).date()
    assert e.due_on == get_calendar().add_workdays(pushed_on, 60)
    assert e.due_on.year == 2027
    assert e.history.first().history_change_reason == "补算期限"


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "nobody"])
def test_only_the_office_pushes(world: World, who: str) -> None:
    e = matched(world.acme)
    with pytest.raises(EntitlementRefused, match="只有营商办管理员"):
        push_entitlements([e], by=getattr(world, who))
    assert entitlement_of(world.acme).state == "matched"
    assert not Message.objects.exists()


def test_reading_the_push_message_records_that_the_enterprise_knows(world: World) -> None:
    e = pushed(world, world.acme)
    assert e.seen_at is None
    mark_read(Message.objects.get(enterprise=world.acme, channel="inbox"))
    e = entitlement_of(world.acme)
    assert e.seen_at is not None
    assert e.history.first().history_change_reason == "企业首次查看"


def test_only_the_first_view_is_recorded(world: World) -> None:
    e = pushed(world, world.acme)
    mark_seen(e)
    first = entitlement_of(world.acme).seen_at
    mark_seen(e)
    assert entitlement_of(world.acme).seen_at == first


# --- confirmation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("via", "by"), [("企业码", None), ("登录", "owner")])
def test_the_enterprise_confirms_its_conditions_and_bank_account(
    world: World, via: str, by: str | None
) -> None:
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    assert e.to_confirm
    confirm(e, via=via, by=getattr(world, by) if by else None, confirmer_phone="138 0000 0000")
    e = entitlement_of(world.acme, BACKBONE)
    assert e.state == "confirmed" and e.confirmed_at is not None
    assert e.payee == {
        "account_name": world.acme.name,
        "bank": PAYEE["bank"],
        "account_no": PAYEE["account_no"],
    }
    assert e.confirmation["via"] == via and e.confirmation["phone"] == "13800000000"
    assert e.confirmation["conditions"] == e.to_confirm
    assert e.due_on == get_calendar().add_workdays(DAY, 15)
    assert timeline(e)[-1].action == f"企业确认（{via}）"


def test_a_confirmation_after_the_deadline_is_refused_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    before = snapshot(e)
    on_day(monkeypatch, e.due_on + dt.timedelta(days=1))
    with pytest.raises(EntitlementRefused, match=f"确认期限已于 {e.due_on:%Y年%m月%d日} 届满，不能再确认"):
        confirm(e)
    assert snapshot(e) == before


def test_a_confirmation_on_the_last_day_is_accepted(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    on_day(monkeypatch, e.due_on)
    assert confirm(e).state == "confirmed"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"conditions": []}, "请逐项确认以下条件"),
        ({"confirmer_name": " "}, "请填写确认人姓名"),
        ({"confirmer_phone": "12345"}, "联系电话“12345”格式不对"),
        ({"payee": PAYEE | {"account_name": "别的公司"}}, "收款户名应为本企业名称"),
        ({"payee": PAYEE | {"account_name": "x", "bank": ""}}, "开户银行不能为空"),
        (
            {"payee": {"account_name": "x", "bank": "工行", "account_no": "12ab"}},
            "银行账号应为 8 到 30 位数字",
        ),
        ({"via": "电话"}, "确认方式只能是：企业码、登录"),
    ],
)
def test_an_incomplete_confirmation_is_refused_and_changes_nothing(
    world: World, changes: dict[str, object], message: str
) -> None:
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    before = snapshot(e)
    with pytest.raises(EntitlementRefused, match=message):
        confirm(e, **changes)
    assert snapshot(e) == before


@pytest.mark.parametrize("who", ["other_owner", "clerk", "admin", "nobody"])
def test_no_one_but_the_enterprise_confirms(world: World, who: str) -> None:
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    before = snapshot(e)
    with pytest.raises(EntitlementRefused, match="只能由本企业确认"):
        confirm(e, via="登录", by=getattr(world, who))
    assert snapshot(e) == before


def test_an_auto_item_needs_no_confirmation(world: World) -> None:
    e = pushed(world, world.acme, HNTE_ITEM)
    with pytest.raises(EntitlementRefused, match="免申即享事项无需企业确认"):
        confirm(e)


@pytest.mark.parametrize(("steps", "message"), [(0, "当前状态为“已比对”"), (2, "当前状态为“企业已确认”")])
def test_a_confirmation_out_of_turn_is_refused(world: World, steps: int, message: str) -> None:
    e = matched(world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    if steps:
        push_entitlements([e], by=world.admin)
        confirm(entitlement_of(world.acme, BACKBONE))
    with pytest.raises(EntitlementRefused, match=message):
        confirm(entitlement_of(world.acme, BACKBONE))


def test_the_account_name_may_differ_only_in_spaces_and_bracket_width(world: World) -> None:
    world.acme.name = "宝鸡市渭滨区示例科技（集团）有限公司"
    world.acme.save()
    e = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    confirm(e, payee=PAYEE | {"account_name": "宝鸡市渭滨区示例科技(集团) 有限公司"})
    assert entitlement_of(world.acme, BACKBONE).state == "confirmed"


def test_an_entitlement_flagged_for_review_is_not_pushed_until_cleared(world: World) -> None:
    e = matched(world.acme)
    Entitlement.objects.filter(pk=e.pk).update(needs_review=True, review_reason="画像变化后不再符合条件")
    assert push_entitlements([e], by=world.admin) == 0
    assert not Message.objects.exists()
    clear_review(e, by=world.admin, note="已核实，仍符合条件")
    assert push_entitlements([e], by=world.admin) == 1


def test_the_push_message_links_to_the_entitlement_on_the_enterprise_page(world: World) -> None:
    e = pushed(world, world.acme)
    message = Message.objects.get(enterprise=world.acme, channel="inbox")
    assert message.link == reverse("portal:entitlement", args=[e.pk])
