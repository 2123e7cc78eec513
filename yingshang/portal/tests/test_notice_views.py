"""公示 pages (no login): the list and a notice with its rows and no personal data; objections with
their validation and the refusal after the period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.core import clock
from yingshang.entitlements.models import Objection
from yingshang.policies.testing import HNTE_ITEM
from yingshang.portal.testing import make_entitlement, open_notice

pytestmark = pytest.mark.django_db

PERSONAL = {
    "confirmer": "王确认人",
    "confirmer_phone": "13912345678",
    "account_no": "6222000011112222333",
    "contact_name": "李异议人",
    "contact_phone": "13700001111",
    "user_phone": "13600002222",
}


@pytest.fixture
def notice(world, packs):
    notice = open_notice(district=world.weibin)
    make_entitlement(
        world.acme,
        state="publicized",
        notice=notice,
        amount_fen=12_345_600,
        confirmation={"name": PERSONAL["confirmer"], "phone": PERSONAL["confirmer_phone"], "via": "企业码"},
        payee={
            "account_name": world.acme.name,
            "bank": "工商银行渭滨支行",
            "account_no": PERSONAL["account_no"],
        },
    )
    make_entitlement(world.bolt, HNTE_ITEM, state="publicized", notice=notice, amount_fen=10_000_000)
    Objection.objects.create(
        notice=notice,
        text="已有异议",
        contact_name=PERSONAL["contact_name"],
        contact_phone=PERSONAL["contact_phone"],
    )
    world.owner.phone = PERSONAL["user_phone"]
    world.owner.save()
    return notice


def detail(notice) -> str:
    return reverse("portal:notice_detail", args=[notice.pk])


def test_anyone_sees_the_list_of_notices_with_their_period_and_status(world, notice):
    response = Client().get(reverse("portal:notice_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert notice.title in body and "公示中" in body and f"{notice.ends_on:%Y-%m-%d}" in body
    assert response.context["notices"][0]["notice"].row_count == 2


def test_a_notice_shows_each_enterprise_uscc_item_and_amount(world, notice):
    response = Client().get(detail(notice))
    body = response.content.decode()
    assert response.status_code == 200
    for enterprise in (world.acme, world.bolt):
        assert enterprise.name in body and enterprise.uscc in body
    assert "123,456.00 元" in body and "100,000.00 元" in body and "223,456.00 元" in body


def test_a_notice_shows_no_personal_data_even_when_it_exists(world, notice):
    body = Client().get(detail(notice)).content.decode()
    for value in PERSONAL.values():
        assert value not in body
    assert "工商银行渭滨支行" not in body
    for row in Client().get(detail(notice)).context["rows"]:
        assert set(row) == {
            "pk",
            "enterprise__name",
            "enterprise__uscc",
            "item__title",
            "item__article",
            "item__policy__title",
            "department",
            "amount_fen",
        }


def test_an_objection_is_recorded_and_puts_the_named_row_under_review(world, notice):
    target = notice.entitlements.get(enterprise=world.bolt)
    data = {"entitlement": str(target.pk), "text": "该企业已迁出本区", "contact_phone": "0917-1234567"}
    response = Client().post(detail(notice), data)
    assert response.status_code == 302
    objection = Objection.objects.get(text="该企业已迁出本区")
    assert objection.entitlement == target and objection.contact_phone == "0917-1234567"
    target.refresh_from_db()
    assert target.needs_review


def test_an_objection_against_the_whole_notice_needs_no_contact(world, notice):
    response = Client().post(detail(notice), {"entitlement": "", "text": "名单不完整"}, follow=True)
    assert "异议已提交" in response.content.decode()
    assert Objection.objects.filter(text="名单不完整", entitlement=None, contact_name="").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": ""}, "text", "请填写异议内容"),
        ({"text": "   "}, "text", "请填写异议内容"),
        ({"text": "异" * 7000}, "text", "异议内容过长：最多 2000 字，现有 7000 字"),
        ({"text": "有异议", "contact_phone": "12ab"}, "contact_phone", "联系电话格式不正确"),
        ({"text": "有异议", "contact_name": "名" * 51}, "contact_name", "联系人最多 50 个字"),
        ({"text": "有异议", "entitlement": "999999"}, "entitlement", "所选条目不在本公示中"),
    ],
)
def test_a_bad_objection_names_the_field_and_records_nothing(world, notice, data, field, message):
    before = Objection.objects.count()
    response = Client().post(detail(notice), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert Objection.objects.count() == before


def test_an_objection_naming_a_row_of_another_notice_is_refused(world, notice, packs):
    other = open_notice(title="另一份公示")
    elsewhere = make_entitlement(world.acme, HNTE_ITEM, state="publicized", notice=other)
    response = Client().post(detail(notice), {"text": "有异议", "entitlement": str(elsewhere.pk)})
    assert response.status_code == 400
    assert "所选条目不在本公示中" in response.content.decode()


def test_after_the_period_no_form_is_shown_and_an_objection_is_refused(world, packs):
    today = clock.today()
    ended = open_notice(starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=2))
    page = Client().get(detail(ended))
    assert page.context["form"] is None and "公示期已于" in page.content.decode()
    response = Client().post(detail(ended), {"text": "迟到的异议"})
    assert response.status_code == 400
    assert f"公示期已于 {ended.ends_on:%Y年%m月%d日} 结束，不再受理异议" in response.content.decode()
    assert not Objection.objects.filter(notice=ended).exists()


def test_before_the_period_an_objection_is_refused(world, packs):
    today = clock.today()
    later = open_notice(starts_on=today + dt.timedelta(days=2), ends_on=today + dt.timedelta(days=9))
    assert "公示尚未开始" in Client().get(detail(later)).content.decode()
    response = Client().post(detail(later), {"text": "提前的异议"})
    assert response.status_code == 400 and "尚不能提出异议" in response.content.decode()


def test_an_unknown_notice_is_not_found(world):
    assert Client().get(reverse("portal:notice_detail", args=[999999])).status_code == 404


def test_one_address_may_object_only_so_often_and_the_page_says_why(world, notice, settings):
    settings.OBJECTIONS_PER_HOUR = 3
    before = Objection.objects.count()
    for n in range(3):
        response = Client().post(detail(notice), {"text": f"第{n}条"}, REMOTE_ADDR="10.8.8.8")
        assert response.status_code == 302
    refused = Client().post(detail(notice), {"text": "第4条"}, REMOTE_ADDR="10.8.8.8")
    assert refused.status_code == 400
    assert "同一网络地址一小时内最多提交 3 条异议" in refused.content.decode()
    assert Client().post(detail(notice), {"text": "别处"}, REMOTE_ADDR="10.8.8.9").status_code == 302
    assert Objection.objects.count() == before + 4


def test_one_phone_number_may_object_only_so_often_from_any_address(world, notice, settings):
    settings.OBJECTIONS_PER_HOUR = 2
    before = Objection.objects.count()
    for n in range(2):
        data = {"text": f"第{n}条", "contact_phone": "13800000001"}
        assert Client().post(detail(notice), data, REMOTE_ADDR=f"10.9.0.{n}").status_code == 302
    data = {"text": "第3条", "contact_phone": "13800000001"}
    refused = Client().post(detail(notice), data, REMOTE_ADDR="10.9.0.99")
    assert "同一联系电话一小时内最多提交 2 条异议" in refused.content.decode()
    assert Objection.objects.count() == before + 2


def test_the_limit_counts_the_last_hour_only(world, notice, settings):
    settings.OBJECTIONS_PER_HOUR = 1
    assert Client().post(detail(notice), {"text": "上午"}, REMOTE_ADDR="10.7.0.1").status_code == 302
    clock.move_to(clock.now() + dt.timedelta(minutes=61))
    assert Client().post(detail(notice), {"text": "一小时后"}, REMOTE_ADDR="10.7.0.1").status_code == 302
