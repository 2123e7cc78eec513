"""The enterprise's appeals on its own page (/e/appeals/): its appeals and figures, a new appeal from
the 企业码 or a login, and nothing of another enterprise's."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.appeals.models import Appeal
from yingshang.appeals.testing import submitted
from yingshang.conftest import World
from yingshang.portal import codes

pytestmark = pytest.mark.django_db
APPEALS = reverse("portal:appeals")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def code_client(enterprise) -> Client:
    client = Client()
    client.get(codes.enterprise_code_url(enterprise))
    return client


def new_appeal(**fields: str) -> dict[str, str]:
    return {
        "kind": "help",
        "title": "",
        "text": "申请的环评审批超过承诺时限仍未办结",
        "requester_name": "王经理",
        "requester_phone": "13800000002",
        "key": "e-1",
        **fields,
    }


def test_the_enterprise_raises_an_appeal_through_its_code(world: World) -> None:
    response = code_client(world.acme).post(APPEALS, new_appeal(), follow=True)
    appeal = Appeal.objects.get()
    assert (appeal.enterprise, appeal.district, appeal.channel) == (world.acme, world.weibin, "code")
    page = text_of(response)
    assert f"诉求已受理，编号 {appeal.number}" in page
    assert "共 1 件 · 办理中 1 件" in page


def test_a_logged_in_owner_raises_it_as_the_enterprise(world: World) -> None:
    world.client_for(world.owner).post(APPEALS, new_appeal())
    appeal = Appeal.objects.get()
    assert (appeal.enterprise, appeal.channel, appeal.created_by) == (world.acme, "web", world.owner)


def test_a_bad_appeal_is_refused_in_chinese(world: World) -> None:
    response = world.client_for(world.owner).post(APPEALS, new_appeal(requester_phone="12"))
    assert response.status_code == 400 and "联系电话格式不正确" in text_of(response)
    assert not Appeal.objects.exists()


def test_another_enterprise_sees_none_of_its_appeals(world: World) -> None:
    mine = submitted(world.weibin, enterprise=world.acme)
    assert mine.number in text_of(world.client_for(world.owner).get(APPEALS))
    assert mine.number not in text_of(world.client_for(world.other_owner).get(APPEALS))
    assert mine.number not in text_of(code_client(world.bolt).get(APPEALS))


def test_the_home_page_shows_the_appeal_figures(world: World) -> None:
    submitted(world.weibin, enterprise=world.acme)
    page = text_of(world.client_for(world.owner).get(reverse("portal:home")))
    assert "本企业反映的诉求 1 件，办理中 1 件，已办结 0 件，满意率 —" in page


def test_without_an_enterprise_the_page_is_refused(world: World) -> None:
    assert Client().get(APPEALS).status_code in (302, 403)
    assert world.client_for(world.clerk).get(APPEALS).status_code in (302, 403)
