"""接诉即办 pages (views.py): the public form and tracking link, the staff list and appeal page, the
actions by POST — from the allowed side and the forbidden side."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.appeals import services
from yingshang.appeals.models import Appeal
from yingshang.appeals.testing import department, staff_of, submitted
from yingshang.conftest import World
from yingshang.core.models import AccessRecord

pytestmark = pytest.mark.django_db

NEW = reverse("appeals:new")
LIST = reverse("appeals:appeal_list")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def form_data(**fields: str) -> dict[str, str]:
    return {
        "kind": "complaint",
        "district": "610302",  # 渭滨区
        "title": "",
        "text": "政务服务中心三号窗口下午无人值守",
        "requester_name": "李四",
        "requester_phone": "13812345678",
        "key": "k-1",
        **fields,
    }


def test_anyone_submits_and_lands_on_the_tracking_page(world: World) -> None:
    response = Client().post(NEW, form_data(), follow=True)
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == reverse("appeals:track", args=[appeal.token])
    page = text_of(response)
    assert f"诉求编号 <strong>{appeal.number}</strong>" in page and "待分拨" in page
    assert "13812345678" not in page and "李四" not in page  # the link shows no contact
    assert appeal.channel == "web" and appeal.submitted_from == "127.0.0.1"


def test_a_window_qr_link_fills_in_the_district_and_the_place(world: World) -> None:
    page = text_of(Client().get(NEW, {"d": world.weibin.code, "place": "政务服务中心 3 号窗口"}))
    assert 'value="政务服务中心 3 号窗口"' in page
    assert f'<option value="{world.weibin.code}" selected>' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": ""}, "请填写诉求内容"),
        ({"requester_phone": "abc"}, "联系电话格式不正确"),
        ({"district": ""}, "请选择诉求所在的区县"),
        ({"text": "<script>alert(1)</script>"}, None),
    ],
)
def test_bad_input_is_said_in_chinese_and_html_stays_text(
    world: World, fields: dict, message: str | None
) -> None:
    response = Client().post(NEW, form_data(**fields), follow=True)
    if message is None:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()
        assert "<script>alert(1)" not in response.content.decode()
        return
    assert response.status_code == 400 and message in text_of(response)
    assert not Appeal.objects.exists()


def test_submitting_twice_with_the_same_form_makes_one_appeal(world: World) -> None:
    client = Client()
    client.post(NEW, form_data())
    client.post(NEW, form_data())
    assert Appeal.objects.count() == 1


def test_an_unknown_tracking_link_is_a_404(world: World) -> None:
    assert Client().get(reverse("appeals:track", args=["nope"])).status_code == 404


@pytest.mark.parametrize("who", ["owner", "nobody", "inspector"])
def test_people_without_the_capability_are_refused_the_staff_pages(world: World, who: str) -> None:
    assert world.client_for(getattr(world, who)).get(LIST).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(world: World) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_clerk_lists_its_department_s_appeals_only(world: World) -> None:
    mine = services.dispatch_appeal(submitted(world.weibin), world.weibin_samr, by=world.weibin_admin)
    tax = department("weibin", "渭滨区税务局", "weibin-tax")
    theirs = services.dispatch_appeal(
        submitted(world.weibin, requester_phone="13700000009", title="发票问题"), tax, by=world.weibin_admin
    )
    page = text_of(world.client_for(world.clerk).get(LIST))
    assert mine.number in page and theirs.number not in page
    detail = reverse("appeals:appeal_detail", args=[theirs.number])
    assert world.client_for(world.clerk).get(detail).status_code == 404
    assert (
        world.client_for(world.jintai_admin)
        .get(reverse("appeals:appeal_detail", args=[mine.number]))
        .status_code
        == 404
    )


def test_the_office_sees_the_whole_contact_and_the_view_is_recorded(world: World) -> None:
    appeal = submitted(world.weibin)
    page = text_of(
        world.client_for(world.weibin_admin).get(reverse("appeals:appeal_detail", args=[appeal.number]))
    )
    assert "13912345678" in page
    assert AccessRecord.objects.filter(user=world.weibin_admin, what="contacts").exists()


def test_the_office_dispatches_and_the_department_signs_and_answers_through_the_page(world: World) -> None:
    appeal = submitted(world.weibin)
    act = reverse("appeals:appeal_act", args=[appeal.number])
    world.client_for(world.weibin_admin).post(act, {"action": "dispatch", "department": world.weibin_samr.pk})
    clerk = world.client_for(world.clerk)
    clerk.post(act, {"action": "sign"})
    page = text_of(clerk.post(act, {"action": "reply", "text": "已安排专人值守"}, follow=True))
    assert "已答复，等待诉求人评价" in page
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reply) == ("replied", "已安排专人值守")
    track = reverse("appeals:track", args=[appeal.token])
    rated = Client().post(track, {"rating": "satisfied", "reason": ""}, follow=True)
    assert "您的评价：满意" in text_of(rated)
    assert Appeal.objects.get(pk=appeal.pk).state == "closed"


def test_a_refused_action_is_a_message_not_an_error_page(world: World) -> None:
    appeal = services.dispatch_appeal(submitted(world.weibin), world.weibin_samr, by=world.weibin_admin)
    act = reverse("appeals:appeal_act", args=[appeal.number])
    page = text_of(world.client_for(world.clerk).post(act, {"action": "return", "reason": ""}, follow=True))
    assert "请写明退回理由" in page


def test_another_department_cannot_act_on_it(world: World) -> None:
    appeal = services.dispatch_appeal(submitted(world.weibin), world.weibin_samr, by=world.weibin_admin)
    tax = staff_of(department("weibin", "渭滨区税务局", "weibin-tax"), "taxclerk")
    act = reverse("appeals:appeal_act", args=[appeal.number])
    assert world.client_for(tax).post(act, {"action": "sign"}).status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).state == "dispatched"


def test_the_to_do_list_names_the_queue_and_what_waits_for_signing(world: World) -> None:
    submitted(world.weibin)
    services.dispatch_appeal(
        submitted(world.weibin, requester_phone="13700000001"), world.weibin_samr, by=world.weibin_admin
    )
    assert "待分拨的诉求" in text_of(world.client_for(world.weibin_admin).get(reverse("home")))
    assert "待签收的诉求" in text_of(world.client_for(world.clerk).get(reverse("home")))


def test_the_office_prints_a_qr_code_per_department_and_per_window(world: World) -> None:
    response = world.client_for(world.weibin_admin).get(
        reverse("appeals:qr_codes"), {"places": "政务服务中心 3 号窗口"}
    )
    page = response.content.decode()
    assert page.count("<svg") >= 2
    assert "政务服务中心 3 号窗口" in page and world.weibin_samr.name in page


@pytest.mark.parametrize("who", ["clerk", "owner", "nobody"])
def test_qr_codes_are_the_office_s(world: World, who: str) -> None:
    assert world.client_for(getattr(world, who)).get(reverse("appeals:qr_codes")).status_code == 403


def test_a_district_office_makes_codes_for_its_own_district_only(world: World) -> None:
    page = world.client_for(world.jintai_admin).get(reverse("appeals:qr_codes"), {"d": world.weibin.code})
    text = page.content.decode()
    assert world.weibin_samr.name not in text and world.jintai_samr.name in text


def test_an_assisting_department_answers_its_part_on_the_appeal_page(world: World) -> None:
    appeal = services.dispatch_appeal(submitted(world.weibin), world.weibin_samr, by=world.weibin_admin)
    tax_department = department("weibin", "渭滨区税务局", "weibin-tax")
    tax = staff_of(tax_department, "taxclerk")
    act = reverse("appeals:appeal_act", args=[appeal.number])
    page = text_of(
        world.client_for(world.clerk).post(
            act, {"action": "assist", "department": tax_department.pk, "part": "核实发票"}, follow=True
        )
    )
    assert "已请渭滨区税务局协办" in page
    client = world.client_for(tax)
    assert "本部门的协办意见" in text_of(client.get(reverse("appeals:appeal_detail", args=[appeal.number])))
    assert "已填写协办意见" in text_of(
        client.post(
            act, {"action": "assist_answer", "assist": appeal.assists.get().pk, "text": "已核实"}, follow=True
        )
    )
