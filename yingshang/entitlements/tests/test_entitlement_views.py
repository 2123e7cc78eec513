"""政策兑现台账 pages for staff: the list with its filters, counts and overdue marks, bulk push and
approval (with the budget warning), one entitlement with its actions and timeline, and the
生成兑现台账 button of a batch run. Every action is tried from the forbidden side too."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.core import clock
from yingshang.entitlements import services as service
from yingshang.entitlements import tasks
from yingshang.entitlements.models import Entitlement, EntitlementNote, LedgerSync
from yingshang.entitlements.services import ledger as ledger_services
from yingshang.entitlements.services.ledger import execute_ledger_sync, queue_ledger_sync
from yingshang.entitlements.testing import (
    OTHER_DEPARTMENT,
    PAYEE,
    make_entitlement,
    payable,
    working_item,
)
from yingshang.entitlements.workflow import State
from yingshang.policies import services
from yingshang.policies.models import MatchRun
from yingshang.policies.testing import HNTE_ITEM, finished_match
from yingshang.workdays.services import get_calendar

pytestmark = pytest.mark.django_db

LIST = reverse("entitlements:entitlement_list")
BULK = reverse("entitlements:entitlement_bulk")


def detail_url(e: Entitlement) -> str:
    return reverse("entitlements:entitlement_detail", args=[e.pk])


def state_of(e: Entitlement) -> str:
    return Entitlement.objects.get(pk=e.pk).state


def page(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# -- who may open the pages ------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    e = make_entitlement(world.acme)
    for url in (LIST, detail_url(e), reverse("entitlements:budgets")):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who", ["owner", "other_owner", "nobody", "inspector"])
def test_users_without_the_entitlement_capability_get_a_403(world, who):
    e = make_entitlement(world.acme)
    client = world.client_for(getattr(world, who))
    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(e)).status_code == 403
    assert client.post(BULK, {"action": "approve", "ids": [e.pk]}).status_code == 403
    assert state_of(e) == State.MATCHED


def test_another_districts_clerk_neither_sees_nor_acts_on_acmes_entitlement(world):
    e = make_entitlement(world.acme, state=State.PUSHED)
    client = world.client_for(world.other_clerk)
    assert world.acme.name not in page(client, LIST)
    assert client.get(detail_url(e)).status_code == 404
    for name in ("entitlement_act", "entitlement_reject", "entitlement_note", "entitlement_clear_review"):
        url = reverse(f"entitlements:{name.replace('entitlement_note', 'entitlement_annotate')}", args=[e.pk])
        assert (
            client.post(url, {"action": "approve", "reason": "x", "text": "x", "note": "x"}).status_code
            == 404
        )
    client.post(BULK, {"action": "approve", "ids": [e.pk]})
    assert state_of(e) == State.PUSHED
    assert not EntitlementNote.objects.exists()


def test_a_clerk_sees_the_entitlements_of_their_district_only(world):
    make_entitlement(world.acme)
    make_entitlement(world.bolt)
    body = page(world.client_for(world.clerk), LIST)
    assert world.acme.name in body and world.bolt.name not in body
    body = page(world.client_for(world.admin), LIST)
    assert world.acme.name in body and world.bolt.name in body


def test_changes_are_post_only(world):
    e = make_entitlement(world.acme)
    client = world.client_for(world.admin)
    for name in ("entitlement_act", "entitlement_reject", "entitlement_pay", "entitlement_annotate"):
        assert client.get(reverse(f"entitlements:{name}", args=[e.pk])).status_code == 405
    assert client.get(BULK).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(world):
    e = make_entitlement(world.acme)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    response = client.post(BULK, {"action": "push", "ids": [e.pk]})
    assert response.status_code == 403
    assert state_of(e) == State.MATCHED


# -- the list --------------------------------------------------------------------------------------


def test_the_list_counts_each_state_and_links_to_the_filtered_list(world):
    make_entitlement(world.acme)
    make_entitlement(world.bolt, state=State.PUSHED)
    body = page(world.client_for(world.admin), LIST)
    assert "各状态数量" in body
    assert "state=pushed" in body and "state=matched" in body
    assert "已比对" in body and "已推送" in body


def test_the_list_filters_by_state_item_district_and_review_flag(world):
    pushed = make_entitlement(world.acme, state=State.PUSHED)
    flagged = make_entitlement(world.bolt, needs_review=True, review_reason="画像变化后不再符合条件")
    client = world.client_for(world.admin)
    by_state = page(client, LIST, state="pushed")
    assert detail_url(pushed) in by_state and detail_url(flagged) not in by_state
    by_review = page(client, LIST, needs_review="1")
    assert detail_url(flagged) in by_review and detail_url(pushed) not in by_review
    by_district = page(client, LIST, district=world.jintai.code)
    assert detail_url(flagged) in by_district and detail_url(pushed) not in by_district
    assert detail_url(pushed) in page(client, LIST, item=pushed.item_key)
    assert detail_url(pushed) not in page(client, LIST, item="no_such_item")


def test_the_list_filters_by_the_verdict_of_the_match(world):
    sure = make_entitlement(world.acme)
    unsure = make_entitlement(world.bolt, verdict="needs_confirmation", amount_fen=None)
    client = world.client_for(world.admin)
    eligible = page(client, LIST, verdict="eligible")
    assert detail_url(sure) in eligible and detail_url(unsure) not in eligible
    to_confirm = page(client, LIST, verdict="needs_confirmation")
    assert detail_url(unsure) in to_confirm and detail_url(sure) not in to_confirm


def test_an_overdue_entitlement_shows_the_working_days_it_is_late_by_the_calendar(world):
    today = clock.today()
    due = today - dt.timedelta(days=20)
    late = make_entitlement(world.acme, state=State.PUSHED, due_on=due)
    on_time = make_entitlement(world.bolt, state=State.PUSHED, due_on=today + dt.timedelta(days=5))
    days = get_calendar().workdays_between(due, today)
    assert days > 0
    client = world.client_for(world.admin)
    body = page(client, LIST)
    assert f"逾期 {days} 个工作日" in body
    overdue_only = page(client, LIST, overdue="1")
    assert detail_url(late) in overdue_only and detail_url(on_time) not in overdue_only
    assert f"逾期 {days} 个工作日" in page(client, detail_url(late))


def test_a_paid_entitlement_past_an_old_due_day_is_not_overdue(world):
    make_entitlement(world.acme, state=State.PAID, due_on=clock.today() - dt.timedelta(days=20))
    body = page(world.client_for(world.admin), LIST)
    assert 'class="overdue"' not in body and "逾期 " not in body


def test_the_list_is_paginated(world, monkeypatch):
    for enterprise in (world.acme, world.bolt):
        make_entitlement(enterprise)
    monkeypatch.setattr("yingshang.entitlements.views.ledger.PAGE_SIZE", 1)
    body = page(world.client_for(world.admin), LIST)
    assert "第 1 / 2 页" in body and "page=2" in body


# -- bulk actions ----------------------------------------------------------------------------------


def test_the_office_pushes_the_checked_entitlements(world):
    e = make_entitlement(world.acme)
    response = world.client_for(world.admin).post(BULK, {"action": "push", "ids": [e.pk]}, follow=True)
    assert state_of(e) == State.PUSHED
    assert "已推送 1 个兑现事项" in response.content.decode()


def test_a_second_push_of_the_same_entitlement_says_nothing_was_pushed(world):
    e = make_entitlement(world.acme, state=State.PUSHED)
    body = world.client_for(world.admin).post(BULK, {"action": "push", "ids": [e.pk]}, follow=True)
    assert "未推送" in body.content.decode()


def test_a_clerk_may_not_push_publish_or_export(world):
    e = make_entitlement(world.acme)
    client = world.client_for(world.clerk)
    for action in ("push", "publish", "export"):
        assert client.post(BULK, {"action": action, "ids": [e.pk], "title": "公示"}).status_code == 403
    assert state_of(e) == State.MATCHED
    assert "发布公示" not in page(client, LIST) and ">推送<" not in page(client, LIST)


def test_a_bulk_action_with_nothing_checked_says_so(world):
    body = world.client_for(world.admin).post(BULK, {"action": "push"}, follow=True).content.decode()
    assert "请先勾选要办理的兑现事项" in body


def test_the_leading_departments_clerk_approves_in_bulk(world):
    e = make_entitlement(world.acme, state=State.PUSHED)
    response = world.client_for(world.clerk).post(BULK, {"action": "approve", "ids": [e.pk]}, follow=True)
    assert state_of(e) == State.APPROVED
    assert "已审核通过 1 个兑现事项" in response.content.decode()


def test_a_clerk_of_a_department_that_does_not_lead_the_item_cannot_approve(world):
    e = make_entitlement(world.acme, state=State.PUSHED, department=OTHER_DEPARTMENT)
    client = world.client_for(world.clerk)
    body = client.post(BULK, {"action": "approve", "ids": [e.pk]}, follow=True).content.decode()
    assert state_of(e) == State.PUSHED
    assert "不在您的审核范围内" in body
    detail = page(client, detail_url(e))
    assert 'value="approve"' not in detail and 'aria-label="审核不通过"' not in detail
    assert "审核由区工信局办理" in detail and "不由您办理" in detail


def test_an_approval_over_budget_warns_the_reviewer_and_lists_those_held(world):
    item = working_item()
    item.budget_cap_fen = 150_000_00
    item.save()
    first = make_entitlement(world.acme, state=State.PUSHED)
    second = make_entitlement(world.bolt, state=State.PUSHED)
    response = world.client_for(world.admin).post(BULK, {"action": "approve", "ids": [first.pk, second.pk]})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body and "预算提醒" in body and "超出预算" in body
    assert (
        "暂缓（超出预算，未审核通过）" in body
        and world.bolt.name in body.split("暂缓（")[1].split("已审核通过")[0]
    )
    assert state_of(first) == State.APPROVED and state_of(second) == State.PUSHED


def test_a_refused_bulk_approval_shows_the_services_reason_and_changes_nothing(world):
    e = make_entitlement(world.acme, state=State.MATCHED)
    body = world.client_for(world.admin).post(BULK, {"action": "approve", "ids": [e.pk]}, follow=True)
    text = body.content.decode()
    assert "不能审核通过" in text and "Traceback" not in text
    assert state_of(e) == State.MATCHED


def test_an_unknown_bulk_action_is_refused_with_a_message(world):
    e = make_entitlement(world.acme)
    body = world.client_for(world.admin).post(BULK, {"action": "delete", "ids": [e.pk]}, follow=True)
    assert "未知的批量操作" in body.content.decode()
    assert Entitlement.objects.filter(pk=e.pk).exists()


# -- one entitlement -------------------------------------------------------------------------------


def test_the_detail_shows_the_match_the_amount_and_the_masked_account(world):
    e = make_entitlement(
        world.acme,
        state=State.CONFIRMED,
        mode="快申快享",
        to_confirm=["企业承诺近三年无重大安全事故"],
        confirmation={
            "name": "张三",
            "phone": "13800001234",
            "via": "企业码",
            "conditions": ["企业承诺近三年无重大安全事故"],
        },
        payee=PAYEE | {"account_name": world.acme.name},
        confirmed_at=dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC),
    )
    body = page(world.client_for(world.clerk), detail_url(e))
    assert world.acme.name in body and e.item.title in body
    assert reverse("policies:item_detail", args=[e.item.pk]) in body
    assert "事项第 1 版" in body and e.item_version not in body
    assert "100,000.00 元" in body
    assert "企业承诺近三年无重大安全事故" in body
    assert "6222021234567890123" not in body and "***************0123" in body
    assert "13800001234" not in body and "138****1234" in body
    assert "企业已确认" in body
    assert 'value="approve"' in body and 'aria-label="审核不通过"' in body


def test_the_office_sees_the_confirmers_phone_but_never_the_whole_account(world):
    e = make_entitlement(
        world.acme,
        state=State.CONFIRMED,
        confirmation={"name": "张三", "phone": "13800001234", "via": "登录"},
        payee=PAYEE | {"account_name": world.acme.name},
        confirmed_at=dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC),
    )
    body = page(world.client_for(world.admin), detail_url(e))
    assert "13800001234" in body and "6222021234567890123" not in body


def test_the_needs_review_banner_shows_the_reason_and_the_clerk_clears_it(world):
    e = make_entitlement(
        world.acme, state=State.PUSHED, needs_review=True, review_reason="画像变化后不再符合条件"
    )
    client = world.client_for(world.clerk)
    body = page(client, detail_url(e))
    assert "待复核：" in body and "画像变化后不再符合条件" in body
    url = reverse("entitlements:entitlement_clear_review", args=[e.pk])
    empty = client.post(url, {"note": ""}, follow=True).content.decode()
    assert "请填写复核意见" in empty and Entitlement.objects.get(pk=e.pk).needs_review
    client.post(url, {"note": "已核实，企业于6月补充了证书"})
    assert not Entitlement.objects.get(pk=e.pk).needs_review


def test_the_clerk_approves_from_the_detail_page_and_the_timeline_says_who_did_what(world):
    e = make_entitlement(world.acme, state=State.PUSHED)
    client = world.client_for(world.clerk)
    client.post(reverse("entitlements:entitlement_act", args=[e.pk]), {"action": "approve"})
    assert state_of(e) == State.APPROVED
    body = page(client, detail_url(e))
    timeline = body.split("办理记录")[-1]
    assert "审核通过" in timeline and "已推送 → 审核通过" in timeline
    assert "clerk（渭滨区市场监管局）" in timeline


def test_a_rejection_needs_a_reason_and_is_then_recorded(world):
    e = make_entitlement(world.acme, state=State.PUSHED)
    client = world.client_for(world.clerk)
    url = reverse("entitlements:entitlement_reject", args=[e.pk])
    body = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "请填写不通过原因" in body and state_of(e) == State.PUSHED
    client.post(url, {"reason": "证书已于审核前被撤销"})
    rejected = Entitlement.objects.get(pk=e.pk)
    assert rejected.state == State.REJECTED and rejected.rejection_reason == "证书已于审核前被撤销"
    assert "证书已于审核前被撤销" in page(client, detail_url(e))


def test_a_clerk_of_another_department_cannot_reject(world):
    e = make_entitlement(world.acme, state=State.PUSHED, department=OTHER_DEPARTMENT)
    url = reverse("entitlements:entitlement_reject", args=[e.pk])
    body = world.client_for(world.clerk).post(url, {"reason": "不符合"}, follow=True).content.decode()
    assert "不在您的办理范围内" in body and state_of(e) == State.PUSHED


def test_a_flagged_matched_entitlement_is_withdrawn_from_its_page(world):
    e = make_entitlement(world.acme, state=State.MATCHED, needs_review=True, review_reason="画像变化")
    client = world.client_for(world.admin)
    assert "撤销原因" in page(client, detail_url(e))
    url = reverse("entitlements:entitlement_withdraw", args=[e.pk])
    body = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "请填写撤销原因" in body and state_of(e) == State.MATCHED
    client.post(url, {"reason": "企业已注销"})
    assert state_of(e) == State.WITHDRAWN


def test_the_other_districts_clerk_cannot_withdraw(world):
    e = make_entitlement(world.acme, state=State.MATCHED)
    url = reverse("entitlements:entitlement_withdraw", args=[e.pk])
    assert world.client_for(world.other_clerk).post(url, {"reason": "x"}).status_code == 404
    assert world.client_for(world.owner).post(url, {"reason": "x"}).status_code == 403
    assert state_of(e) == State.MATCHED


def test_a_paid_entitlement_accepts_a_note_and_nothing_else(world):
    e = make_entitlement(
        world.acme, state=State.PAID, voucher_no="PZ-1", paid_on=dt.date(2026, 8, 1), paid_fen=100_000_00
    )
    client = world.client_for(world.clerk)
    body = page(client, detail_url(e))
    assert "只能添加备注" in body and 'value="approve"' not in body
    client.post(reverse("entitlements:entitlement_annotate", args=[e.pk]), {"text": "企业来电确认已到账"})
    assert EntitlementNote.objects.get(entitlement=e).text == "企业来电确认已到账"
    refused = client.post(
        reverse("entitlements:entitlement_reject", args=[e.pk]), {"reason": "x"}, follow=True
    )
    assert "不能再审核不通过" in refused.content.decode()
    assert state_of(e) == State.PAID
    assert "企业来电确认已到账" in page(client, detail_url(e)).split("办理记录")[-1]


def test_the_office_records_a_payment_and_a_second_one_is_refused(world):
    e = payable(world.acme)
    client = world.client_for(world.admin)
    url = reverse("entitlements:entitlement_pay", args=[e.pk])
    day = clock.today().isoformat()
    body = client.post(
        url, {"voucher_no": "PZ-2026-001", "paid_on": day, "amount": "100,000.00"}, follow=True
    )
    assert "已登记兑付" in body.content.decode()
    paid = Entitlement.objects.get(pk=e.pk)
    assert paid.state == State.PAID and paid.paid_fen == 100_000_00 and paid.voucher_no == "PZ-2026-001"
    again = client.post(url, {"voucher_no": "PZ-2026-002", "paid_on": day, "amount": "100000"}, follow=True)
    assert "不能重复兑付" in again.content.decode()
    assert Entitlement.objects.get(pk=e.pk).voucher_no == "PZ-2026-001"


def test_a_payment_with_the_wrong_amount_is_refused_and_says_so(world):
    e = payable(world.acme)
    url = reverse("entitlements:entitlement_pay", args=[e.pk])
    data = {"voucher_no": "PZ-9", "paid_on": clock.today().isoformat(), "amount": "99999.99"}
    body = world.client_for(world.admin).post(url, data, follow=True).content.decode()
    assert "不一致" in body and state_of(e) == State.PUBLICIZED


def test_a_payment_form_with_a_bad_amount_names_the_field(world):
    e = payable(world.acme)
    url = reverse("entitlements:entitlement_pay", args=[e.pk])
    data = {"voucher_no": "PZ-9", "paid_on": "2026-13-40", "amount": "十万"}
    body = world.client_for(world.admin).post(url, data, follow=True).content.decode()
    assert "兑付日期：" in body and "兑付金额（元）：" in body and state_of(e) == State.PUBLICIZED


def test_a_clerk_may_not_record_a_payment(world):
    e = payable(world.acme)
    url = reverse("entitlements:entitlement_pay", args=[e.pk])
    data = {"voucher_no": "PZ-1", "paid_on": clock.today().isoformat(), "amount": "100000"}
    assert world.client_for(world.clerk).post(url, data).status_code == 403
    assert state_of(e) == State.PUBLICIZED


def test_the_office_archives_a_paid_entitlement(world):
    e = make_entitlement(world.acme, state=State.PAID, voucher_no="PZ-3", paid_on=dt.date(2026, 8, 1))
    client = world.client_for(world.admin)
    assert 'value="archive"' in page(client, detail_url(e))
    client.post(reverse("entitlements:entitlement_act", args=[e.pk]), {"action": "archive"})
    assert state_of(e) == State.ARCHIVED


def test_a_clerk_may_not_push_or_archive_from_the_detail_page(world):
    e = make_entitlement(world.acme)
    client = world.client_for(world.clerk)
    assert (
        client.post(reverse("entitlements:entitlement_act", args=[e.pk]), {"action": "push"}).status_code
        == 403
    )
    assert state_of(e) == State.MATCHED


def test_the_budget_panel_shows_cap_committed_remaining_and_waiting(world):
    item = working_item()
    item.budget_cap_fen = 500_000_00
    item.save()
    make_entitlement(world.acme, state=State.APPROVED)
    make_entitlement(world.bolt, state=State.PUSHED, amount_fen=50_000_00)
    body = page(world.client_for(world.admin), reverse("entitlements:budgets"))
    row = body.split(item.title)[1].split("</tr>")[0]
    assert (
        "500,000.00 元" in row and "100,000.00 元" in row and "400,000.00 元" in row and "50,000.00 元" in row
    )


@pytest.mark.parametrize("who", ["weibin_admin", "clerk", "other_clerk"])
def test_budgets_of_every_district_are_the_citys_to_read(world, who):
    """Leak: a district's staff read the budget totals of all districts."""
    item = working_item()
    item.budget_cap_fen = 500_000_00
    item.save()
    make_entitlement(world.bolt, state=State.APPROVED)
    client = world.client_for(getattr(world, who))
    response = client.get(reverse("entitlements:budgets"))
    assert response.status_code == 403 and "全市层面的功能" in response.content.decode()
    assert (
        reverse("entitlements:budgets")
        not in client.get(reverse("entitlements:entitlement_list")).content.decode()
    )


# -- from a batch run ------------------------------------------------------------------------------


@pytest.fixture
def run(world) -> MatchRun:
    services.sync_shipped_packs()
    return finished_match(world.admin)


@pytest.fixture
def inline_syncs(monkeypatch):
    """The ledger is made in the background (a thread on a server without a worker); here, at once."""
    monkeypatch.setattr(tasks, "default_runner", lambda: "inline")


def test_the_office_creates_the_ledger_from_a_finished_run(world, run, inline_syncs):
    client = world.client_for(world.admin)
    assert "生成兑现台账" in page(client, reverse("policies:run_detail", args=[run.pk]))
    url = reverse("entitlements:run_entitlements", args=[run.pk])
    response = client.post(url)
    sync = LedgerSync.objects.get()
    assert response["Location"] == reverse("entitlements:ledger_sync", args=[sync.pk])
    body = page(client, response["Location"])
    created = Entitlement.objects.count()
    assert created > 0 and f"新增 {created:,} 条" in body and "已完成" in body
    again = page(client, client.post(url)["Location"])
    assert "新增 0 条" in again and Entitlement.objects.count() == created


def test_the_ledger_is_made_in_the_background_and_its_status_line_is_polled(world, run):
    client = world.client_for(world.admin)
    response = client.post(reverse("entitlements:run_entitlements", args=[run.pk]))
    sync = LedgerSync.objects.get()
    assert sync.state == "queued" and not Entitlement.objects.exists()  # no worker in the tests
    status = page(client, response["Location"])
    assert 'hx-trigger="every 1s"' in status and "排队中" in status
    execute_ledger_sync(sync.pk)
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in partial and "hx-trigger" not in partial and Entitlement.objects.exists()


def test_a_second_ledger_while_one_is_queued_is_refused_in_chinese(world, run):
    client = world.client_for(world.admin)
    client.post(reverse("entitlements:run_entitlements", args=[run.pk]))
    body = client.post(reverse("entitlements:run_entitlements", args=[run.pk]), follow=True).content.decode()
    assert f"批次 {run.pk} 的兑现台账正在生成，请等它完成后再提交" in body
    assert LedgerSync.objects.count() == 1


def test_a_sync_that_fails_ends_failed_with_its_reason_never_running(world, run, monkeypatch):
    sync = queue_ledger_sync(run, by=world.admin)

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(ledger_services, "create_entitlements_from_run", broken)
    finished = execute_ledger_sync(sync.pk)
    assert finished.state == "failed" and "磁盘已满" in finished.error and finished.finished_at
    assert not Entitlement.objects.exists()


def test_a_failed_syncs_status_line_gives_its_reason_once_not_fail_fail(world, run):
    sync = queue_ledger_sync(run, by=world.admin)
    LedgerSync.objects.filter(pk=sync.pk).update(state="failed", progress="失败", error="生成失败：磁盘已满")
    status = page(world.client_for(world.admin), reverse("entitlements:ledger_sync", args=[sync.pk]))
    assert "失败</strong>：" in status and "生成失败：磁盘已满" in status
    assert "失败：失败" not in status.replace("</strong>", "")


def test_a_sync_runs_once_however_often_it_is_started(world, run):
    sync = queue_ledger_sync(run, by=world.admin)
    assert execute_ledger_sync(sync.pk).state == "done"
    LedgerSync.objects.filter(pk=sync.pk).update(progress="已完成（第一次）")
    assert execute_ledger_sync(sync.pk).progress == "已完成（第一次）"


def test_the_ledger_button_answers_htmx_with_a_redirect_to_the_status_page(world, run):
    url = reverse("entitlements:run_entitlements", args=[run.pk])
    response = world.client_for(world.admin).post(url, HTTP_HX_REQUEST="true")
    sync = LedgerSync.objects.get()
    assert response["HX-Redirect"] == reverse("entitlements:ledger_sync", args=[sync.pk])


def test_a_district_admin_may_not_open_a_ledger_sync(world, run):
    sync = queue_ledger_sync(run, by=world.admin)
    url = reverse("entitlements:ledger_sync", args=[sync.pk])
    assert world.client_for(world.jintai_admin).get(url).status_code == 403
    assert world.client_for(world.clerk).get(url).status_code == 403


def test_a_clerk_neither_sees_nor_uses_the_ledger_button(world, run):
    client = world.client_for(world.clerk)
    assert "生成兑现台账" not in page(client, reverse("policies:run_detail", args=[run.pk]))
    assert client.post(reverse("entitlements:run_entitlements", args=[run.pk])).status_code == 403
    assert not Entitlement.objects.exists()


def test_the_service_scope_is_what_the_list_shows(world):
    make_entitlement(world.acme)
    make_entitlement(world.bolt)
    assert set(service.visible_entitlements(world.clerk).values_list("enterprise", flat=True)) == {
        world.acme.pk
    }


def test_an_entitlement_from_a_real_run_is_pushed_and_approved_by_the_office_not_by_another_bureau(
    world, run, inline_syncs
):
    client = world.client_for(world.admin)
    client.post(reverse("entitlements:run_entitlements", args=[run.pk]))
    e = Entitlement.objects.get(enterprise=world.acme, item_key=HNTE_ITEM)
    assert e.department and not e.department.endswith("市场监管局")
    client.post(BULK, {"action": "push", "ids": [e.pk]})
    assert state_of(e) == State.PUSHED
    clerk = world.client_for(world.clerk)
    body = clerk.post(BULK, {"action": "approve", "ids": [e.pk]}, follow=True).content.decode()
    assert "不在您的审核范围内" in body and state_of(e) == State.PUSHED
    assert f"审核由{e.department}办理" in page(clerk, detail_url(e))
    client.post(reverse("entitlements:entitlement_act", args=[e.pk]), {"action": "approve"})
    assert state_of(e) == State.APPROVED
    timeline = page(client, detail_url(e)).split("办理记录")[-1]
    assert "推送" in timeline and "已比对 → 已推送" in timeline and "已推送 → 审核通过" in timeline


def test_a_run_not_yet_finished_cannot_make_a_ledger_and_the_page_says_why(world):
    services.sync_shipped_packs()
    queued = services.start_match_run(world.admin, runner="task")  # no worker in tests: it waits
    url = reverse("entitlements:run_entitlements", args=[queued.pk])
    body = world.client_for(world.admin).post(url, follow=True).content.decode()
    assert "只能从已完成的批量匹配" in body and "Traceback" not in body
    assert not Entitlement.objects.exists()


def test_a_clerk_asking_for_another_district_still_gets_only_their_own(world):
    mine = make_entitlement(world.acme)
    theirs = make_entitlement(world.bolt)
    body = page(world.client_for(world.clerk), LIST, district=world.jintai.code)
    assert detail_url(mine) in body and detail_url(theirs) not in body
    assert 'name="district"' not in body


def test_the_list_costs_the_same_few_queries_however_many_rows_it_shows(world, django_assert_max_num_queries):
    make_entitlement(world.acme)
    client = world.client_for(world.admin)
    client.get(LIST)  # warm the calendar and the session
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    for key in ("xx18_art2_above_scale_service", "xx18_art3_little_giant"):
        make_entitlement(world.acme, item_key=key)
        make_entitlement(world.bolt, item_key=key)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_a_sync_whose_process_died_is_failed_with_its_reason_and_does_not_block_the_next(world, run):
    killed = LedgerSync.objects.create(
        run=run, state="running", worker=f"{socket.gethostname()}:{2**22 + 7}", heartbeat_at=clock.now()
    )
    fresh = queue_ledger_sync(run, by=world.admin)
    killed.refresh_from_db()
    assert killed.state == "failed" and "已不在运行" in killed.error and "兑现台账没有改动" in killed.error
    assert fresh.state == "queued"
