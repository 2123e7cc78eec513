"""Department review, budgets, 公示 and objections, and who may do what (every forbidden side)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from yingshang.conftest import World
from yingshang.entitlements import services as entitlements
from yingshang.entitlements.models import Entitlement, EntitlementNote, Objection
from yingshang.entitlements.services import (
    EntitlementRefused,
    annotate,
    approve_entitlements,
    budget_status,
    clear_review,
    create_entitlements_from_run,
    department_handles,
    publish_notice,
    push_entitlements,
    raise_objection,
    reject_entitlement,
    resolve_objection,
    reviewable_by,
    timeline,
    visible_entitlements,
    withdraw_entitlement,
)
from yingshang.entitlements.tests.entitlement_builders import (
    DAY,
    approved,
    confirmed,
    department_clerk,
    entitlement_of,
    matched,
    on_day,
    publicized,
    pushed,
    run_with_pairs,
)
from yingshang.notifications.models import Message
from yingshang.policies import services
from yingshang.policies.testing import HNTE_ITEM, MEASURES, shipped_text
from yingshang.registry.models import Enterprise, User
from yingshang.registry.testing import make_enterprise, make_uscc
from yingshang.workdays.services import get_calendar

pytestmark = pytest.mark.django_db

BACKBONE = "xx18_art3_srdi_backbone"
QUOTA = "xx18_art2_above_quota"  # led by 区商务局


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    on_day(monkeypatch, DAY)


@pytest.fixture
def weibin_gongxin(world: World) -> User:
    """渭滨区工信局: reviews items led by 区工信局 (the 高企 reward) in 渭滨区."""
    return department_clerk(world, "渭滨区工信局", "weibin_gongxin")


@pytest.fixture
def carol(world: World) -> Enterprise:
    return make_enterprise(make_uscc("91610302MA6X00003"), "宝鸡市渭滨区第三示例有限公司", world.weibin)


def with_budget(cap: str) -> None:
    """The 十八条 pack with a budget cap on the 高企 reward, saved as the working version."""
    text = shipped_text().replace(
        "amount: 10万元\n        tags: [科技创新, 高企]",
        f"amount: 10万元\n        budget_cap: {cap}\n        tags: [科技创新, 高企]",
    )
    _, errors = services.save_pack_version(MEASURES, text, None)
    assert errors == [], errors


def ready_for_review(world: World, amounts: dict[Enterprise, int]) -> dict[Enterprise, Entitlement]:
    """高企 entitlements of these enterprises, pushed (免申即享: ready for approval)."""
    run = run_with_pairs([(e, HNTE_ITEM, "eligible", fen, fen) for e, fen in amounts.items()])
    create_entitlements_from_run(run)
    push_entitlements(Entitlement.objects.filter(item_key=HNTE_ITEM), by=world.admin)
    return {e: entitlement_of(e) for e in amounts}


def state_of(e: Entitlement) -> str:
    e.refresh_from_db()
    return e.state


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("department", "item_department", "handles"),
    [
        ("渭滨区工信局", "区工信局", True),
        ("金台区工信局", "区工信局", True),
        ("凤县工信局", "区工信局", True),
        ("渭滨区市场监管局", "区工信局", False),
        ("渭滨区工信局", "区商务局", False),
        ("区工信局", "区工信局", True),
        ("工信局", "区工信局", False),
        ("市营商办", "", False),
        ("渭滨区工信局", "", False),
    ],
)
def test_a_department_handles_items_led_by_its_kind_of_bureau(
    department: str, item_department: str, handles: bool
) -> None:
    assert department_handles(department, item_department) is handles


def test_each_user_sees_the_entitlements_of_their_scope(world: World) -> None:
    acme = matched(world.acme)
    bolt = matched(world.bolt)
    expected = {
        "admin": {acme.pk, bolt.pk},
        "clerk": {acme.pk},
        "other_clerk": {bolt.pk},
        "owner": {acme.pk},
        "other_owner": {bolt.pk},
        "inspector": set(),
        "nobody": set(),
    }
    for who, ids in expected.items():
        assert set(visible_entitlements(getattr(world, who)).values_list("pk", flat=True)) == ids, who
    assert not visible_entitlements(None).exists()


def test_a_department_reviews_only_its_districts_items_that_it_leads(
    world: World, weibin_gongxin: User
) -> None:
    acme = matched(world.acme)
    bolt = matched(world.bolt)
    quota = matched(world.acme, QUOTA, amount=10_000_00)
    jintai_gongxin = department_clerk(world, "金台区工信局", "jintai_gongxin", district="jintai")
    expected = {
        world.admin: {acme.pk, bolt.pk, quota.pk},
        weibin_gongxin: {acme.pk},
        jintai_gongxin: {bolt.pk},
        world.clerk: set(),
        world.other_clerk: set(),
        world.owner: set(),
        world.inspector: set(),
        world.nobody: set(),
    }
    for user, ids in expected.items():
        assert set(reviewable_by(user).values_list("pk", flat=True)) == ids, user.username


# --- approve and reject ---------------------------------------------------------------------------


def test_a_reviewer_approves_an_entitlement_ready_for_review(world: World, weibin_gongxin: User) -> None:
    e = pushed(world, world.acme)
    outcome = approve_entitlements([e.pk], by=weibin_gongxin)
    assert [a.pk for a in outcome.approved] == [e.pk] and outcome.held == [] and outcome.warning is None
    e = entitlement_of(world.acme)
    assert (e.state, e.reviewed_by, e.due_on) == ("approved", weibin_gongxin, None)
    assert timeline(e)[-1].action == "审核通过" and timeline(e)[-1].from_state == "已推送"


def test_a_confirmed_entitlement_can_be_approved(world: World) -> None:
    e = confirmed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    assert approve_entitlements([e.pk], by=world.admin).approved[0].state == "approved"


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "owner", "other_owner", "inspector", "nobody"])
def test_no_one_outside_the_reviewing_department_approves(world: World, who: str) -> None:
    e = pushed(world, world.acme)
    with pytest.raises(EntitlementRefused):
        approve_entitlements([e.pk], by=getattr(world, who))
    assert state_of(e) == "pushed"


def test_a_reviewer_of_another_district_is_refused(world: World) -> None:
    e = pushed(world, world.acme)
    jintai_gongxin = department_clerk(world, "金台区工信局", "jintai_gongxin", district="jintai")
    with pytest.raises(EntitlementRefused, match="不在您的审核范围内"):
        approve_entitlements([e.pk], by=jintai_gongxin)


def test_one_entitlement_that_may_not_be_approved_refuses_the_whole_request(world: World) -> None:
    ready = pushed(world, world.acme)
    waiting = pushed(world, world.acme, BACKBONE, amount=300_000_00, verdict="needs_confirmation")
    with pytest.raises(EntitlementRefused, match="须先由企业确认"):
        approve_entitlements([ready.pk, waiting.pk], by=world.admin)
    assert (state_of(ready), state_of(waiting)) == ("pushed", "pushed")


def test_an_unknown_amount_cannot_be_approved(world: World) -> None:
    e = confirmed(world, world.acme, "xx18_art3_tech_leader", amount=None, verdict="needs_confirmation")
    with pytest.raises(EntitlementRefused, match="金额尚未确定"):
        approve_entitlements([e.pk], by=world.admin)


def test_a_flagged_entitlement_waits_until_a_clerk_clears_it(world: World) -> None:
    e = pushed(world, world.acme)
    Entitlement.objects.filter(pk=e.pk).update(needs_review=True, review_reason="画像变化后不再符合条件")
    with pytest.raises(EntitlementRefused, match="请先处理复核"):
        approve_entitlements([e.pk], by=world.admin)
    clear_review(e, by=world.admin, note="已核实高企证书仍有效")
    e = entitlement_of(world.acme)
    assert (e.needs_review, e.review_reason) == (False, "")
    assert "已核实高企证书仍有效" in EntitlementNote.objects.get(entitlement=e).text
    assert approve_entitlements([e.pk], by=world.admin).approved


def test_clearing_needs_a_note_and_a_flag(world: World) -> None:
    e = pushed(world, world.acme)
    with pytest.raises(EntitlementRefused, match="请填写复核意见"):
        clear_review(e, by=world.admin, note=" ")
    with pytest.raises(EntitlementRefused, match="没有待复核的情况"):
        clear_review(e, by=world.admin, note="看过了")


def test_a_rejection_needs_a_reason_and_tells_the_enterprise(world: World, weibin_gongxin: User) -> None:
    e = pushed(world, world.acme)
    with pytest.raises(EntitlementRefused, match="必须填写原因"):
        reject_entitlement(e, by=weibin_gongxin, reason="")
    reject_entitlement(e, by=weibin_gongxin, reason="高企证书已被撤销")
    e = entitlement_of(world.acme)
    assert (e.state, e.rejection_reason, e.reviewed_by) == ("rejected", "高企证书已被撤销", weibin_gongxin)
    message = Message.objects.get(enterprise=world.acme, channel="inbox", topic="entitlement.rejected")
    assert "高企证书已被撤销" in message.body


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "owner", "nobody"])
def test_no_one_outside_the_reviewing_department_rejects(world: World, who: str) -> None:
    e = pushed(world, world.acme)
    with pytest.raises(EntitlementRefused, match="无权审核"):
        reject_entitlement(e, by=getattr(world, who), reason="不符合")
    assert state_of(e) == "pushed"


def test_a_matched_entitlement_is_withdrawn_quietly_with_a_reason(world: World, weibin_gongxin: User) -> None:
    e = matched(world.acme)
    with pytest.raises(EntitlementRefused, match="必须填写原因"):
        withdraw_entitlement(e, by=weibin_gongxin, reason=" ")
    withdraw_entitlement(e, by=weibin_gongxin, reason="企业已注销")
    e = entitlement_of(world.acme)
    assert (e.state, e.rejection_reason, e.needs_review) == ("withdrawn", "企业已注销", False)
    assert e.history.first().history_change_reason == "撤销"
    assert not Message.objects.filter(enterprise=world.acme).exists()  # it was never told


def test_a_pushed_entitlement_withdrawn_tells_the_enterprise(world: World, weibin_gongxin: User) -> None:
    e = pushed(world, world.acme)
    withdraw_entitlement(e, by=weibin_gongxin, reason="画像变化后不再符合条件")
    message = Message.objects.get(enterprise=world.acme, channel="inbox", topic="entitlement.withdrawn")
    assert "画像变化后不再符合条件" in message.body


def test_an_approved_entitlement_cannot_be_withdrawn_only_rejected(
    world: World, weibin_gongxin: User
) -> None:
    e = approved(world, world.acme)
    with pytest.raises(EntitlementRefused, match="不能撤销"):
        withdraw_entitlement(e, by=weibin_gongxin, reason="不符合")
    assert state_of(e) == "approved"


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "owner", "nobody"])
def test_no_one_outside_the_reviewing_department_withdraws(world: World, who: str) -> None:
    e = matched(world.acme)
    with pytest.raises(EntitlementRefused, match="无权撤销"):
        withdraw_entitlement(e, by=getattr(world, who), reason="不符合")
    assert state_of(e) == "matched"


# --- budget ---------------------------------------------------------------------------------------


def test_the_budget_is_never_exceeded_and_the_reviewer_is_told_who_waits(
    world: World, carol: Enterprise
) -> None:
    with_budget("15万元")
    # Queue by USCC (same match time): acme …0302…1, carol …0302…3, bolt …0303…2.
    ready = ready_for_review(world, {world.acme: 100_000_00, carol: 80_000_00, world.bolt: 20_000_00})
    outcome = approve_entitlements([e.pk for e in ready.values()], by=world.admin)
    assert [e.enterprise for e in outcome.approved] == [world.acme]
    # bolt's 2万 would fit, but it is behind carol: no queue jumping.
    assert [e.enterprise for e in outcome.held] == [carol, world.bolt]
    assert outcome.warning.startswith(
        "“新认定（复审）国家高新技术企业奖励”预算上限 150,000.00 元，已占用 100,000.00 元，"
        "以下 2 家超出预算未通过审核"
    )
    assert carol.name in outcome.warning and world.bolt.name in outcome.warning
    assert (state_of(ready[carol]), state_of(ready[world.bolt])) == ("pushed", "pushed")
    status = budget_status(HNTE_ITEM)
    assert (status.cap_fen, status.committed_fen, status.remaining_fen, status.waiting_fen) == (
        150_000_00,
        100_000_00,
        50_000_00,
        100_000_00,
    )


def test_a_later_candidate_does_not_jump_the_queue_in_a_later_request(
    world: World, carol: Enterprise
) -> None:
    with_budget("15万元")
    ready = ready_for_review(world, {world.acme: 100_000_00, carol: 80_000_00, world.bolt: 20_000_00})
    approve_entitlements([ready[world.acme].pk], by=world.admin)
    outcome = approve_entitlements([ready[world.bolt].pk], by=world.admin)
    assert outcome.approved == [] and [e.enterprise for e in outcome.held] == [world.bolt]
    assert "排在它们之前、尚未审核的 1 家" in outcome.warning


def test_a_rejection_ahead_in_the_queue_lets_the_next_one_through(world: World, carol: Enterprise) -> None:
    with_budget("15万元")
    ready = ready_for_review(world, {world.acme: 100_000_00, carol: 80_000_00, world.bolt: 20_000_00})
    approve_entitlements([ready[world.acme].pk], by=world.admin)
    reject_entitlement(ready[carol], by=world.admin, reason="经核实不符合")
    assert [e.enterprise for e in approve_entitlements([ready[world.bolt].pk], by=world.admin).approved] == [
        world.bolt
    ]
    assert budget_status(HNTE_ITEM).committed_fen == 120_000_00


def test_confirmed_ones_queue_by_their_confirmation_time(world: World, carol: Enterprise) -> None:
    text = shipped_text().replace(
        "mode: 快申快享\n", "mode: 快申快享\n        budget_cap: 40万元\n", 1
    )  # the first 快申快享 item gets a cap
    assert text != shipped_text()
    services.save_pack_version(MEASURES, text, None)
    key = "xx18_art2_agri_leading"
    later = confirmed(world, world.acme, key, amount=300_000_00, verdict="needs_confirmation")
    first = confirmed(world, carol, key, amount=300_000_00, verdict="needs_confirmation")
    Entitlement.objects.filter(pk=first.pk).update(confirmed_at=later.confirmed_at - dt.timedelta(hours=1))
    outcome = approve_entitlements([later.pk, first.pk], by=world.admin)
    assert [e.pk for e in outcome.approved] == [first.pk] and [e.pk for e in outcome.held] == [later.pk]


def test_without_a_cap_everything_ready_is_approved(world: World, carol: Enterprise) -> None:
    ready = ready_for_review(world, {world.acme: 100_000_00, carol: 80_000_00})
    outcome = approve_entitlements([e.pk for e in ready.values()], by=world.admin)
    assert len(outcome.approved) == 2 and outcome.warning is None
    assert budget_status(HNTE_ITEM).remaining_fen is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reviewer_waits_for_another_reviewers_approval_of_the_same_item(
    world: World, carol: Enterprise
) -> None:
    """acme (first in the queue) is flagged; reviewer A clears and approves it in one transaction that
    is still open when reviewer B approves carol. B must wait and then see acme's money spent: without
    the item's row lock B would not see acme in the queue and both would be approved (20万 > 15万)."""
    with_budget("15万元")
    ready = ready_for_review(world, {world.acme: 100_000_00, carol: 100_000_00})
    Entitlement.objects.filter(pk=ready[world.acme].pk).update(needs_review=True, review_reason="待核实")
    a_holds_the_item = threading.Event()
    b_outcome: list[object] = []

    def reviewer_a() -> None:
        try:
            with transaction.atomic():
                clear_review(ready[world.acme], by=world.admin, note="已核实")
                approve_entitlements([ready[world.acme].pk], by=world.admin)
                a_holds_the_item.set()
                time.sleep(1.5)  # B starts meanwhile
        finally:
            a_holds_the_item.set()
            close_old_connections()

    def reviewer_b() -> None:
        try:
            a_holds_the_item.wait()
            b_outcome.append(approve_entitlements([ready[carol].pk], by=world.admin))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=reviewer_a), threading.Thread(target=reviewer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert budget_status(HNTE_ITEM).committed_fen == 100_000_00
    assert [e.enterprise for e in b_outcome[0].held] == [carol]  # type: ignore[attr-defined]
    assert state_of(ready[carol]) == "pushed"


# --- 公示 and objections --------------------------------------------------------------------------


def test_approved_entitlements_go_on_a_public_list_for_five_working_days(world: World) -> None:
    e = approved(world, world.acme)
    notice = publish_notice([e.pk], by=world.admin, title="2026年第一批政策兑现公示")
    calendar = get_calendar()
    assert (notice.starts_on, notice.ends_on, notice.workdays) == (DAY, calendar.add_workdays(DAY, 5), 5)
    assert notice.district == world.weibin
    e = entitlement_of(world.acme)
    assert (e.state, e.notice) == ("publicized", notice)
    assert e.due_on == calendar.add_workdays(DAY, 35)


def test_a_list_of_two_districts_belongs_to_the_city_and_may_run_longer(world: World) -> None:
    ids = [approved(world, world.acme).pk, approved(world, world.bolt).pk]
    notice = publish_notice(ids, by=world.admin, title="全市公示", workdays=7)
    assert notice.district is None and notice.ends_on == get_calendar().add_workdays(DAY, 7)


@pytest.mark.parametrize(
    ("setup", "message"),
    [("pushed", "当前状态为“已推送”，不能公示"), ("flagged", "有待复核的情况")],
)
def test_only_approved_unflagged_entitlements_are_publicized(world: World, setup: str, message: str) -> None:
    e = pushed(world, world.acme) if setup == "pushed" else approved(world, world.acme)
    if setup == "flagged":
        Entitlement.objects.filter(pk=e.pk).update(needs_review=True, review_reason="画像变化后不再符合条件")
    with pytest.raises(EntitlementRefused, match=message):
        publish_notice([e.pk], by=world.admin, title="公示")
    assert not entitlement_of(world.acme).notice_id


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "owner", "nobody"])
def test_only_the_office_publishes_a_notice(world: World, who: str) -> None:
    e = approved(world, world.acme)
    with pytest.raises(EntitlementRefused, match="只有营商办管理员"):
        publish_notice([e.pk], by=getattr(world, who), title="公示")


def test_an_objection_during_the_notice_holds_the_entitlement(world: World) -> None:
    e = publicized(world, world.acme)
    objection = raise_objection(
        e.notice, text="该企业高企证书已过期", contact_name="李四", contact_phone="13900000000", entitlement=e
    )
    assert objection.state == "open"
    e = entitlement_of(world.acme)
    assert e.needs_review and e.review_reason.startswith("公示期间收到异议")
    with pytest.raises(EntitlementRefused, match="还有未处理的公示异议"):
        clear_review(e, by=world.admin, note="看过了")


def test_an_objection_after_the_notice_ended_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = publicized(world, world.acme)
    on_day(monkeypatch, e.notice.ends_on + dt.timedelta(days=1))
    with pytest.raises(EntitlementRefused, match=f"公示期已于 {e.notice.ends_on:%Y年%m月%d日} 结束"):
        raise_objection(e.notice, text="有异议", entitlement=e)
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("text", "phone", "message"),
    [
        ("", "", "请填写异议内容"),
        ("x" * 2001, "", "不超过 2000 字"),
        ("有异议", "123", "联系电话“123”格式不对"),
    ],
)
def test_an_objection_without_substance_is_refused(world: World, text: str, phone: str, message: str) -> None:
    e = publicized(world, world.acme)
    with pytest.raises(EntitlementRefused, match=message):
        raise_objection(e.notice, text=text, contact_phone=phone)


def test_an_objection_must_name_an_entitlement_of_that_notice(world: World) -> None:
    e = publicized(world, world.acme)
    other = approved(world, world.bolt)
    with pytest.raises(EntitlementRefused, match="不在本次公示名单中"):
        raise_objection(e.notice, text="有异议", entitlement=other)


def test_an_upheld_objection_rejects_the_entitlement(world: World) -> None:
    e = publicized(world, world.acme)
    objection = raise_objection(e.notice, text="证书已过期", entitlement=e)
    resolve_objection(objection, by=world.admin, upheld=True, resolution="经核实证书已于2025年过期")
    e = entitlement_of(world.acme)
    assert (e.state, e.needs_review) == ("rejected", False)
    assert e.rejection_reason == "公示异议成立：经核实证书已于2025年过期"
    objection.refresh_from_db()
    assert (objection.state, objection.handled_by) == ("upheld", world.admin)


def test_a_dismissed_objection_lets_the_entitlement_go_on(world: World) -> None:
    e = publicized(world, world.acme)
    objection = raise_objection(e.notice, text="证书已过期", entitlement=e)
    resolve_objection(objection, by=world.admin, upheld=False, resolution="证书在有效期内")
    e = entitlement_of(world.acme)
    assert (e.state, e.needs_review, e.review_reason) == ("publicized", False, "")


def test_an_objection_to_the_whole_list_must_name_the_entitlement_to_be_upheld(world: World) -> None:
    e = publicized(world, world.acme)
    objection = raise_objection(e.notice, text="名单中有企业已注销")
    with pytest.raises(EntitlementRefused, match="须指明"):
        resolve_objection(objection, by=world.admin, upheld=True, resolution="属实")
    resolve_objection(objection, by=world.admin, upheld=True, resolution="属实", entitlement=e)
    assert entitlement_of(world.acme).state == "rejected"


def test_an_objection_is_handled_once_by_the_office(world: World) -> None:
    e = publicized(world, world.acme)
    objection = raise_objection(e.notice, text="有异议", entitlement=e)
    for who in ("clerk", "owner", "nobody"):
        with pytest.raises(EntitlementRefused, match="只有营商办管理员"):
            resolve_objection(objection, by=getattr(world, who), upheld=False, resolution="不成立")
    resolve_objection(objection, by=world.admin, upheld=False, resolution="不成立")
    with pytest.raises(EntitlementRefused, match="该异议已处理"):
        resolve_objection(objection, by=world.admin, upheld=True, resolution="成立")


# --- notes and the timeline -----------------------------------------------------------------------


def test_staff_annotate_entitlements_in_their_scope(world: World) -> None:
    e = matched(world.acme)
    note = annotate(e, by=world.clerk, text="企业来电询问进度")
    assert (note.author, note.text) == (world.clerk, "企业来电询问进度")
    for who in ("other_clerk", "owner", "nobody"):
        with pytest.raises(EntitlementRefused):
            annotate(e, by=getattr(world, who), text="备注")
    with pytest.raises(EntitlementRefused, match="不能为空"):
        annotate(e, by=world.clerk, text="")


def test_the_timeline_names_who_did_what_and_when(world: World) -> None:
    e = publicized(world, world.acme)
    annotate(e, by=world.admin, text="材料齐全")
    entries = timeline(e)
    assert [t.action for t in entries] == [f"比对生成（批次 {e.run_id}）", "推送", "审核通过", "公示", "备注"]
    assert [(t.from_state, t.to_state) for t in entries[1:4]] == [
        ("已比对", "已推送"),
        ("已推送", "审核通过"),
        ("审核通过", "公示中"),
    ]
    assert entries[1].who == "admin（市营商办）" and entries[-1].note == "材料齐全"
    assert all(a.when <= b.when for a, b in itertools.pairwise(entries))


def test_entitlements_module_keeps_its_deadlines_in_settings(settings) -> None:
    settings.ENTITLEMENT_CONFIRM_WORKDAYS = 40
    assert entitlements.deadlines().confirm == 40


def test_a_notice_ending_in_a_year_the_calendar_does_not_know_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = approved(world, world.acme)
    on_day(monkeypatch, dt.date(2026, 12, 29))
    with pytest.raises(EntitlementRefused, match="无法计算公示截止日期：2027年"):
        publish_notice([e.pk], by=world.admin, title="年末公示")
    assert entitlement_of(world.acme).state == "approved"


def test_a_payment_deadline_the_calendar_cannot_count_yet_is_noted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = approved(world, world.acme)
    on_day(monkeypatch, dt.date(2026, 12, 1))  # 公示 ends in December, 30 working days later is 2027
    notice = publish_notice([e.pk], by=world.admin, title="十二月公示")
    e = entitlement_of(world.acme)
    assert notice.ends_on.year == 2026 and e.due_on is None
    assert EntitlementNote.objects.get(entitlement=e).text.startswith("本环节期限暂无法计算：2027年")
