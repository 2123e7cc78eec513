"""接诉即办 services: intake, direct dispatch, the lifecycle with its limits, working-day deadlines,
ratings that reopen, merging, and the 预警/督办 sweep — each from the allowed and the forbidden side."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, Event, Supervision
from yingshang.appeals.services import AppealRefused, NewAppeal
from yingshang.appeals.testing import PHONE, category, department, staff_of, submitted
from yingshang.conftest import World
from yingshang.core import clock
from yingshang.workdays.services import confirm_year, save_arrangement
from yingshang.workdays.testing import fictional_2027_entries

pytestmark = pytest.mark.django_db

# The shared clock: Friday 2026-11-20 10:00 北京时间 (before the 17:30 cut-off).


@pytest.fixture
def handled(world: World) -> Appeal:
    """A complaint dispatched by the office to 渭滨区市场监管局 (the world's clerk's department)."""
    appeal = submitted(world.weibin)
    return services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin)


def test_a_new_appeal_gets_a_number_a_secret_link_and_working_day_deadlines(world: World) -> None:
    appeal = submitted(world.weibin)
    assert appeal.number == "SQ2026112000001" and len(appeal.token) >= 20
    assert (appeal.state, appeal.handler) == ("pending", None)
    # Counted from the day after it is received: sign by Monday, a complaint answered in 10 working days.
    assert appeal.sign_due_on == dt.date(2026, 11, 23)
    assert appeal.finish_due_on == dt.date(2026, 12, 4)
    assert appeal.due_workdays == 10 and appeal.calendar_version.startswith("chinese-calendar")
    assert list(appeal.events.values_list("action", flat=True)) == ["受理"]
    assert submitted(world.weibin, requester_phone="13900000001").number == "SQ2026112000002"


def test_after_the_cut_off_the_clock_starts_on_the_next_working_day(world: World) -> None:
    clock.move_to(dt.datetime(2026, 11, 20, 18, 0, tzinfo=clock.SHANGHAI))
    appeal = submitted(world.weibin, kind="consult")
    assert appeal.sign_due_on == dt.date(2026, 11, 24)  # counted from Monday 23rd
    assert appeal.finish_due_on == dt.date(2026, 11, 26)


def test_a_retried_submission_with_the_same_key_is_the_same_appeal(world: World) -> None:
    first = submitted(world.weibin, idempotency_key="form-abc")
    again = submitted(world.weibin, idempotency_key="form-abc")
    assert again.pk == first.pk and Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "请填写诉求内容"),
        ({"text": "长" * 5001}, "超过 5,000 字的上限"),
        ({"requester_phone": "12345"}, "联系电话格式不正确"),
        ({"kind": "rant"}, "请选择诉求类型"),
        ({"title": "题" * 101}, "标题不能超过 100 字"),
    ],
)
def test_it_refuses_bad_input_with_a_reason_and_writes_nothing(
    world: World, fields: dict, message: str
) -> None:
    with pytest.raises(AppealRefused, match=message):
        submitted(world.weibin, **fields)
    assert not Appeal.objects.exists()


@override_settings(APPEALS_PER_HOUR=3)
def test_a_burst_from_one_phone_or_one_address_is_refused_and_the_earlier_ones_kept(world: World) -> None:
    for n in range(3):
        submitted(world.weibin, submitted_from="10.0.0.1", requester_phone=f"1390000000{n}")
    with pytest.raises(AppealRefused, match="一小时内最多提交 3 件"):
        submitted(world.weibin, submitted_from="10.0.0.1", requester_phone="13911111111")
    for _ in range(2):
        submitted(world.weibin, submitted_from=None, requester_phone="13900000000")
    with pytest.raises(AppealRefused, match="提交过于频繁"):
        submitted(world.weibin, requester_phone="13900000000")
    assert Appeal.objects.count() == 5


def test_a_confident_proposal_goes_straight_to_the_district_s_department(world: World) -> None:
    category()
    data = NewAppeal(
        kind="complaint", title="", text="超市卖过期食品", district=world.weibin, requester_phone=PHONE
    )
    appeal = services.submit_appeal(data, proposals=[("market", 0.93), ("food", 0.04)], routing_version="m1")
    assert (appeal.state, appeal.handler, appeal.category.code) == ("dispatched", world.weibin_samr, "market")
    assert (appeal.routing_version, appeal.routing_confidence) == ("m1", 0.93)
    assert "工单直派" in appeal.events.get(action="派发").note


def test_an_unsure_proposal_waits_in_the_office_queue_with_the_top_three(world: World) -> None:
    category()
    data = NewAppeal(kind="help", title="", text="不知道找谁", district=world.weibin, requester_phone=PHONE)
    proposals = [("market", 0.41), ("tax", 0.30), ("labour", 0.2), ("other", 0.09)]
    appeal = services.submit_appeal(data, proposals=proposals)
    assert appeal.state == "pending" and appeal.handler is None
    assert [code for code, _ in appeal.proposals] == ["market", "tax", "labour"]


def test_an_appeal_about_a_department_s_staff_goes_to_the_discipline_office_never_to_it(world: World) -> None:
    discipline = department("weibin", "渭滨区纪委监委", "weibin-jw")
    category()
    data = NewAppeal(
        kind="report",
        title="窗口人员态度恶劣",
        text="市场监管局窗口工作人员刁难办事企业",
        district=world.weibin,
        requester_phone=PHONE,
        about_staff=True,
        about_department=world.weibin_samr,
    )
    appeal = services.submit_appeal(data, proposals=[("market", 0.99)])
    assert appeal.handler == discipline
    with pytest.raises(AppealRefused, match="不能交由该部门办理"):
        services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin)


def test_the_department_signs_and_answers_and_a_satisfied_rating_closes_it(
    world: World, handled: Appeal
) -> None:
    services.sign_appeal(handled, by=world.clerk)
    services.reply_appeal(handled, by=world.clerk, text="已约谈服务中心，增设窗口。")
    appeal = services.rate_appeal(handled, rating="satisfied")
    assert (appeal.state, appeal.rating, appeal.cycle) == ("closed", "satisfied", 1)
    actions = list(appeal.events.values_list("action", flat=True))
    assert actions == ["受理", "派发", "签收", "答复", "评价", "办结"]


def test_an_unsatisfied_rating_reopens_it_once_with_new_deadlines_then_closes_it(
    world: World, handled: Appeal
) -> None:
    services.sign_appeal(handled, by=world.clerk)
    services.reply_appeal(handled, by=world.clerk, text="已转告。")
    clock.move_to(dt.date(2026, 11, 25))
    with pytest.raises(AppealRefused, match="请说明不满意的原因"):
        services.rate_appeal(handled, rating="unsatisfied")
    appeal = services.rate_appeal(handled, rating="unsatisfied", reason="问题没有解决")
    assert (appeal.state, appeal.cycle, appeal.reopens, appeal.handler) == (
        "dispatched",
        2,
        1,
        world.weibin_samr,
    )
    assert appeal.finish_due_on == dt.date(2026, 12, 9)  # ten working days from the 25th
    services.sign_appeal(appeal, by=world.clerk)
    services.reply_appeal(appeal, by=world.clerk, text="已现场核查并整改。")
    appeal = services.rate_appeal(appeal, rating="unsatisfied", reason="还是不满意")
    assert (appeal.state, appeal.rating, appeal.cycle) == ("closed", "unsatisfied", 2)


@pytest.mark.parametrize("who", ["other_clerk", "inspector", "owner", "nobody", "jintai_admin"])
def test_only_the_handling_department_or_its_office_may_sign_it(
    world: World, handled: Appeal, who: str
) -> None:
    with pytest.raises(AppealRefused):
        services.sign_appeal(handled, by=getattr(world, who))
    assert Appeal.objects.get(pk=handled.pk).state == "dispatched"


def test_another_department_of_the_same_district_may_not_answer_it(world: World, handled: Appeal) -> None:
    tax = staff_of(department("weibin", "渭滨区税务局", "weibin-tax"), "taxclerk")
    with pytest.raises(AppealRefused, match="只有主办部门"):
        services.reply_appeal(handled, by=tax, text="不是我们的事")


@pytest.mark.parametrize("who", ["clerk", "owner", "jintai_admin"])
def test_only_the_district_s_office_may_dispatch(world: World, who: str) -> None:
    appeal = submitted(world.weibin)
    with pytest.raises(AppealRefused):
        services.dispatch_appeal(appeal, world.weibin_samr, by=getattr(world, who))
    assert Appeal.objects.get(pk=appeal.pk).state == "pending"


def test_an_appeal_cannot_go_to_another_district_s_department(world: World) -> None:
    appeal = submitted(world.weibin)
    with pytest.raises(AppealRefused, match="不是渭滨区的部门"):
        services.dispatch_appeal(appeal, world.jintai_samr, by=world.admin)


@override_settings(APPEAL_MAX_RETURNS=1)
def test_a_department_sends_it_back_with_a_reason_but_not_beyond_the_limit(
    world: World, handled: Appeal
) -> None:
    with pytest.raises(AppealRefused, match="请写明退回理由"):
        services.return_appeal(handled, by=world.clerk, reason=" ")
    appeal = services.return_appeal(handled, by=world.clerk, reason="属于税务局职责")
    assert (appeal.state, appeal.handler, appeal.returns) == ("pending", None, 1)
    assert appeal.events.get(action="退回").note == "属于税务局职责"
    services.dispatch_appeal(appeal, world.weibin_samr, by=world.weibin_admin)
    with pytest.raises(AppealRefused, match="请联系营商办协调"):
        services.return_appeal(appeal, by=world.clerk, reason="还是不归我们")


def test_suspending_stops_the_clock_and_resuming_moves_the_deadline(world: World, handled: Appeal) -> None:
    services.sign_appeal(handled, by=world.clerk)
    services.suspend_appeal(handled, by=world.clerk, reason="等待企业提供合同")
    clock.move_to(dt.date(2026, 11, 25))  # Monday 23rd, Tuesday 24th, Wednesday 25th: 3 working days
    appeal = services.resume_appeal(handled, by=world.clerk)
    assert appeal.state == "handling" and appeal.finish_due_on == dt.date(2026, 12, 9)


def test_an_extension_needs_the_office_and_moves_the_deadline_when_granted(
    world: World, handled: Appeal
) -> None:
    extension = services.request_extension(handled, by=world.clerk, workdays=5, reason="需现场核查")
    with pytest.raises(AppealRefused, match="已有一份延期申请"):
        services.request_extension(handled, by=world.clerk, workdays=2, reason="再延")
    with pytest.raises(AppealRefused, match="只有营商办"):
        services.decide_extension(extension, by=world.clerk, approve=True)
    services.decide_extension(extension, by=world.weibin_admin, approve=True)
    assert Appeal.objects.get(pk=handled.pk).finish_due_on == dt.date(2026, 12, 11)


def test_a_duplicate_is_merged_and_answered_with_the_appeal_it_joined(world: World, handled: Appeal) -> None:
    duplicate = submitted(world.weibin, text="又来反映一次：窗口排队太久")
    services.merge_appeal(duplicate, handled, by=world.weibin_admin)
    services.sign_appeal(handled, by=world.clerk)
    services.reply_appeal(handled, by=world.clerk, text="已增设窗口。")
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into, duplicate.reply) == ("merged", handled, "已增设窗口。")
    other = submitted(world.weibin, requester_phone="13700000000")
    with pytest.raises(AppealRefused, match="同一诉求人"):
        services.merge_appeal(other, handled, by=world.weibin_admin)


def test_the_sweep_warns_once_and_supervises_what_is_overdue(world: World, handled: Appeal) -> None:
    consult = services.dispatch_appeal(
        submitted(world.weibin, kind="consult", requester_phone="13700000001"),
        world.weibin_samr,
        by=world.admin,
    )
    clock.move_to(dt.date(2026, 12, 2))  # the complaint is due 12-04; the consult was due 11-25
    first = services.sweep_deadlines()
    assert (first.warned, first.supervised) == (1, 1)
    supervision = Supervision.objects.get()
    assert (supervision.appeal, supervision.department) == (consult, world.weibin_samr)
    again = services.sweep_deadlines()
    assert (again.warned, again.supervised) == (0, 0)
    services.sign_appeal(consult, by=world.clerk)
    services.reply_appeal(consult, by=world.clerk, text="已答复")
    assert Supervision.objects.get().resolved_at is not None
    assert Event.objects.filter(appeal=consult, action="督办").count() == 1
    assert Appeal.objects.get(pk=handled.pk).warned_at is not None


def test_a_department_sees_its_own_appeals_and_another_district_none(world: World, handled: Appeal) -> None:
    queued = submitted(world.weibin, requester_phone="13700000002")
    assert set(services.visible_appeals(world.weibin_admin)) == {handled, queued}
    assert list(services.visible_appeals(world.clerk)) == [handled]
    assert not services.visible_appeals(world.jintai_admin).exists()
    assert not services.visible_appeals(world.other_clerk).exists()
    assert not services.visible_appeals(world.nobody).exists()
    assert not services.visible_appeals(None).exists()


def test_the_contact_is_whole_only_for_the_office_and_the_handling_department(
    world: World, handled: Appeal
) -> None:
    assert services.sees_contact(world.weibin_admin, handled)
    assert services.sees_contact(world.clerk, handled)
    assert not services.sees_contact(world.jintai_admin, handled)
    assert not services.sees_contact(world.other_clerk, handled)
    assert not services.sees_contact(None, handled)


def test_a_deadline_in_an_unknown_year_stays_open_with_a_note_until_the_year_is_entered(
    world: World, django_capture_on_commit_callbacks
) -> None:
    clock.move_to(dt.datetime(2027, 6, 1, 10, 0, tzinfo=clock.SHANGHAI))  # 2027 is not in the calendar
    appeal = submitted(world.weibin)
    assert appeal.finish_due_on is None and "期限暂未计算" in appeal.due_note
    year = save_arrangement(2027, fictional_2027_entries(), notice_title="2027年节假日安排", user=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_year(year, world.admin)  # the year in force: what waited on it is counted
    appeal.refresh_from_db()
    assert appeal.finish_due_on is not None and appeal.due_note == ""


def test_a_second_department_assists_with_its_part_and_then_sees_the_appeal(
    world: World, handled: Appeal
) -> None:
    tax_department = department("weibin", "渭滨区税务局", "weibin-tax")
    tax = staff_of(tax_department, "taxclerk")
    assert not services.visible_appeals(tax).exists()
    services.sign_appeal(handled, by=world.clerk)
    assist = services.add_assist(handled, tax_department, by=world.clerk, part="核实该企业的发票开具情况")
    assert list(services.visible_appeals(tax)) == [handled]
    with pytest.raises(AppealRefused, match="只有协办部门"):
        services.answer_assist(assist, by=world.clerk, text="代答")
    services.answer_assist(assist, by=tax, text="已核实，发票开具正常")
    assert handled.assists.get().answer == "已核实，发票开具正常"
    with pytest.raises(AppealRefused, match="只有主办部门"):
        services.reply_appeal(handled, by=tax, text="协办部门不能答复")


@pytest.mark.parametrize(
    ("target", "message"),
    [("weibin_samr", "主办部门不能同时是协办部门"), ("jintai_samr", "不是渭滨区的部门")],
)
def test_an_assist_that_makes_no_sense_is_refused(
    world: World, handled: Appeal, target: str, message: str
) -> None:
    with pytest.raises(AppealRefused, match=message):
        services.add_assist(handled, getattr(world, target), by=world.clerk, part="协办")


def test_only_the_handling_department_or_the_office_asks_for_an_assist(world: World, handled: Appeal) -> None:
    tax_department = department("weibin", "渭滨区税务局", "weibin-tax")
    with pytest.raises(AppealRefused):
        services.add_assist(handled, tax_department, by=world.other_clerk, part="协办")
    assert not handled.assists.exists()
