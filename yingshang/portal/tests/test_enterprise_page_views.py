"""The enterprise page (/e/) and one entitlement on it: who may see it, the confirmation form and its
errors, refusals by the workflow, 知晓 on first view, messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.core import clock
from yingshang.entitlements.models import Entitlement
from yingshang.notifications.services import inbox_for, notify
from yingshang.policies.testing import HNTE_ITEM
from yingshang.portal import codes
from yingshang.portal.testing import CONDITIONS, make_entitlement

pytestmark = pytest.mark.django_db
HOME = reverse("portal:home")


def detail(e: Entitlement) -> str:
    return reverse("portal:entitlement", args=[e.pk])


def code_client(enterprise) -> Client:
    client = Client()
    client.get(codes.enterprise_code_url(enterprise))
    return client


def good_form(enterprise, **changes: str) -> dict[str, str]:
    data = {
        "confirm-condition_0": "on",
        "confirm-condition_1": "on",
        "confirm-confirmer_name": "张经理",
        "confirm-confirmer_phone": "13800000001",
        "confirm-account_name": enterprise.name,
        "confirm-bank": "中国工商银行宝鸡渭滨支行",
        "confirm-account_no": "6222 0000 1111 2222 333",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who may see it -------------------------------------------------------------------------------


def test_an_enterprise_user_sees_its_entitled_items_with_amount_state_and_due_date(world, quick):
    response = world.client_for(world.owner).get(HOME)
    body = response.content.decode()
    assert response.status_code == 200
    assert quick.item.title in body and "50,000.00 元" in body and "已推送" in body
    assert f"{quick.due_on:%Y-%m-%d}" in body
    assert [line.entitlement for line in response.context["awaiting"]] == [quick]
    assert 'id="confirm-link-' in body


def test_a_confirmation_deadline_in_an_unknown_year_is_shown_as_pending_not_as_a_dash(world, quick):
    Entitlement.objects.filter(pk=quick.pk).update(due_on=None)
    body = world.client_for(world.owner).get(HOME).content.decode()
    assert "确认期限待定" in body and "请于 <strong>—" not in body


def test_the_enterprise_page_is_never_cached(world, quick):
    response = code_client(world.acme).get(HOME)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_enterprise_user_never_sees_another_enterprises_items(world, quick, bolt_quick):
    client = world.client_for(world.other_owner)
    response = client.get(HOME)
    assert [line.entitlement for line in response.context["lines"]] == [bolt_quick]
    assert world.acme.name not in response.content.decode()
    assert client.get(detail(quick)).status_code == 404
    assert client.post(detail(quick), good_form(world.acme)).status_code == 404
    quick.refresh_from_db()
    assert quick.state == "pushed" and quick.seen_at is None


def test_anonymous_visitors_are_sent_to_the_login_page(world, quick):
    for url in (HOME, detail(quick), reverse("portal:calculator"), reverse("portal:my_card")):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["admin", "clerk", "other_clerk", "inspector", "nobody"])
def test_staff_and_users_without_an_enterprise_are_refused(world, quick, who):
    client = world.client_for(getattr(world, who))
    assert client.get(HOME).status_code == 403
    assert client.get(detail(quick)).status_code == 403
    assert client.post(detail(quick), good_form(world.acme)).status_code == 403
    quick.refresh_from_db()
    assert quick.state == "pushed"


# --- viewing and confirming -----------------------------------------------------------------------


def test_the_first_view_of_an_entitlement_is_recorded_once(world, quick):
    client = world.client_for(world.owner)
    client.get(detail(quick))
    quick.refresh_from_db()
    first = quick.seen_at
    assert first is not None
    client.get(detail(quick))
    quick.refresh_from_db()
    assert quick.seen_at == first


def test_the_confirmation_form_lists_each_condition_as_a_checkbox(world, quick):
    body = world.client_for(world.owner).get(detail(quick)).content.decode()
    for sentence in CONDITIONS:
        assert sentence in body
    assert body.count('type="checkbox"') == len(CONDITIONS)
    assert "确认并提交" in body and 'id="confirm-submit"' in body


def test_confirming_through_the_code_records_the_code_and_the_account(world, quick):
    client = code_client(world.acme)
    response = client.post(detail(quick), good_form(world.acme))
    assert response.status_code == 302
    quick.refresh_from_db()
    assert quick.state == "confirmed"
    assert quick.confirmation["via"] == "企业码" and quick.confirmation["name"] == "张经理"
    assert quick.payee == {
        "account_name": world.acme.name,
        "bank": "中国工商银行宝鸡渭滨支行",
        "account_no": "6222000011112222333",
    }
    page = client.get(detail(quick)).content.decode()
    assert "企业已确认" in page and "已确认并提交" in page


def test_confirming_when_logged_in_records_the_login(world, quick):
    response = world.client_for(world.owner).post(detail(quick), good_form(world.acme))
    assert response.status_code == 302
    quick.refresh_from_db()
    assert quick.state == "confirmed" and quick.confirmation["via"] == "登录"
    assert quick.history.first().history_user == world.owner


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"confirm-condition_1": None}, "condition_1", f"请核对并勾选第 2 条：{CONDITIONS[1]}"),
        ({"confirm-confirmer_name": ""}, "confirmer_name", "请填写确认人姓名"),
        ({"confirm-confirmer_phone": "12345"}, "confirmer_phone", "确认人手机号应为 11 位数字"),
        ({"confirm-account_name": "张三"}, "account_name", "收款户名须与企业名称"),
        ({"confirm-bank": ""}, "bank", "请填写开户银行"),
        ({"confirm-account_no": "62-22"}, "account_no", "银行账号应为 8 至 30 位数字"),
        ({"confirm-account_no": "6222abc0001111"}, "account_no", "银行账号应为 8 至 30 位数字"),
    ],
)
def test_a_bad_confirmation_names_the_field_and_changes_nothing(world, quick, changes, field, message):
    response = world.client_for(world.owner).post(detail(quick), good_form(world.acme, **changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    quick.refresh_from_db()
    assert quick.state == "pushed" and quick.payee == {} and quick.confirmation == {}


def test_a_confirmation_after_the_deadline_is_refused_in_chinese_and_changes_nothing(world, packs):
    late = make_entitlement(world.acme, due_on=clock.today() - dt.timedelta(days=1))
    response = world.client_for(world.owner).post(detail(late), good_form(world.acme))
    body = response.content.decode()
    assert response.status_code == 400
    assert "确认期限已于" in body and "届满" in body
    late.refresh_from_db()
    assert late.state == "pushed" and late.confirmed_at is None and late.payee == {}


def test_an_item_past_its_deadline_is_marked_overdue(world, packs):
    make_entitlement(world.acme, due_on=clock.today() - dt.timedelta(days=1))
    body = world.client_for(world.owner).get(HOME).content.decode()
    assert "已超过确认期限" in body


def test_an_item_that_needs_no_confirmation_shows_no_form_and_refuses_a_post(world, packs):
    auto = make_entitlement(world.acme, HNTE_ITEM, state="approved")
    client = world.client_for(world.owner)
    page = client.get(detail(auto))
    assert page.context["form"] is None and "确认并提交" not in page.content.decode()
    response = client.post(detail(auto), good_form(world.acme), follow=True)
    assert "无需再确认" in response.content.decode()
    auto.refresh_from_db()
    assert auto.state == "approved" and auto.confirmation == {}


def test_a_paid_item_shows_as_paid_with_its_voucher(world, packs):
    paid = make_entitlement(
        world.acme,
        HNTE_ITEM,
        state="paid",
        paid_on=dt.date(2026, 7, 20),
        paid_fen=10_000_000,
        voucher_no="PZ-2026-0001",
    )
    client = world.client_for(world.owner)
    assert "已兑付" in client.get(HOME).content.decode()
    body = client.get(detail(paid)).content.decode()
    assert "已兑付" in body and "PZ-2026-0001" in body and "100,000.00 元" in body


# --- the calculator and messages ------------------------------------------------------------------


def test_the_page_shows_the_calculator_summary_linking_to_the_enterprise_calculator(world, packs):
    response = world.client_for(world.owner).get(HOME)
    section = response.context["policy_section"]
    assert section["link"] == reverse("portal:calculator") and section["item_count"] > 0
    assert "可享政策（政策计算器）" in response.content.decode()


def test_the_page_shows_the_enterprises_own_messages_only(world, packs):
    notify(world.acme, topic="entitlement", subject="给示例科技的提醒", body="正文", dedupe_key="t:1")
    notify(world.bolt, topic="entitlement", subject="给螺栓公司的提醒", body="正文", dedupe_key="t:2")
    body = world.client_for(world.owner).get(HOME).content.decode()
    assert "给示例科技的提醒" in body and "给螺栓公司的提醒" not in body
    assert "未读 1 条" in body
    mine = inbox_for(world.acme).get()
    assert reverse("notifications:detail", args=[mine.pk]) in body  # logged in: the message centre


def test_a_message_read_through_the_code_counts_as_read(world, packs):
    notify(world.acme, topic="entitlement", subject="请确认", body="请于期限内确认", dedupe_key="t:3")
    message = inbox_for(world.acme).get()
    client = code_client(world.acme)
    assert reverse("portal:message", args=[message.pk]) in client.get(HOME).content.decode()
    response = client.get(reverse("portal:message", args=[message.pk]))
    assert response.status_code == 200 and "请于期限内确认" in response.content.decode()
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_code_session_cannot_read_another_enterprises_message(world, packs):
    notify(world.bolt, topic="entitlement", subject="螺栓", body="正文", dedupe_key="t:4")
    message = inbox_for(world.bolt).get()
    assert code_client(world.acme).get(reverse("portal:message", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None
