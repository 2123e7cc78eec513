"""/e/<token>/ and the code session: what a card opens, what it never opens, and how it ends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.core import clock
from yingshang.portal import codes
from yingshang.portal.access import SESSION_KEY
from yingshang.portal.models import EnterpriseCode
from yingshang.portal.testing import make_entitlement

pytestmark = pytest.mark.django_db
HOME = reverse("portal:home")


def open_code(client: Client, enterprise) -> object:
    return client.get(codes.enterprise_code_url(enterprise))


def test_a_code_link_opens_the_enterprise_page_in_a_code_session(world, quick):
    client = Client()
    response = open_code(client, world.acme)
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.session[SESSION_KEY]["enterprise"] == world.acme.pk
    page = client.get(HOME)
    body = page.content.decode()
    assert page.status_code == 200
    assert world.acme.name in body and "通过企业码访问" in body and 'id="code-exit"' in body
    assert quick.item.title in body


def test_a_code_for_bolt_never_shows_acme(world, quick, bolt_quick):
    client = Client()
    open_code(client, world.bolt)
    body = client.get(HOME).content.decode()
    assert world.bolt.name in body
    assert world.acme.name not in body and world.acme.uscc not in body
    assert client.get(reverse("portal:entitlement", args=[quick.pk])).status_code == 404
    assert client.get(reverse("portal:entitlement", args=[bolt_quick.pk])).status_code == 200


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t[:-3] + "xyz", "企业码无效：链接已被篡改或不完整"),
        (lambda t: t[: len(t) // 2], "企业码无效：链接已被篡改或不完整"),
        (lambda t: "abc", "企业码无效：链接已被篡改或不完整"),
    ],
)
def test_a_forged_code_link_is_refused_with_a_chinese_message_and_opens_nothing(world, mangle, message):
    client = Client()
    response = client.get(reverse("portal:code_entry", args=[mangle(codes.enterprise_token(world.acme))]))
    assert response.status_code == 403
    assert message in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(HOME).status_code == 302  # still a stranger: sent to the login page


def test_an_expired_code_link_is_refused_naming_when_it_was_issued(world):
    issued = clock.now() - dt.timedelta(days=400)
    EnterpriseCode.objects.create(enterprise=world.acme, version=1, issued_at=issued)
    response = open_code(Client(), world.acme)
    body = response.content.decode()
    assert response.status_code == 403
    assert f"企业码已过期（签发于{clock.local(issued):%Y年%m月%d日}）" in body and "换领" in body


def test_a_revoked_code_link_is_refused(world):
    old_url = codes.enterprise_code_url(world.acme)
    codes.reissue_code(world.acme, by=world.admin)
    response = Client().get(old_url)
    assert response.status_code == 403 and "该企业码已作废" in response.content.decode()


def test_reissuing_the_card_ends_a_code_session_already_open(world, quick):
    client = Client()
    open_code(client, world.acme)
    assert client.get(HOME).status_code == 200
    codes.reissue_code(world.acme, by=world.admin)
    response = client.get(HOME)
    assert response.status_code == 403 and "明白卡已重新签发" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(reverse("portal:entitlement", args=[quick.pk])).status_code == 302


def test_an_expired_card_ends_a_code_session_already_open(world):
    client = Client()
    open_code(client, world.acme)
    EnterpriseCode.objects.filter(enterprise=world.acme).update(
        issued_at=clock.now() - dt.timedelta(days=400)
    )
    response = client.get(HOME)
    assert response.status_code == 403 and "已过期" in response.content.decode()


def test_leaving_the_code_session_forgets_the_enterprise(world):
    client = Client()
    open_code(client, world.acme)
    response = client.post(reverse("portal:code_exit"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(HOME).status_code == 302


def test_leaving_needs_a_post(world):
    client = Client()
    open_code(client, world.acme)
    assert client.get(reverse("portal:code_exit")).status_code == 405
    assert client.get(HOME).status_code == 200


def test_opening_a_second_card_replaces_the_first_session(world):
    client = Client()
    open_code(client, world.acme)
    open_code(client, world.bolt)
    body = client.get(HOME).content.decode()
    assert world.bolt.name in body and world.acme.name not in body


def test_an_enterprise_user_opening_its_own_card_just_sees_its_page(world):
    client = world.client_for(world.owner)
    response = open_code(client, world.acme)
    assert response.status_code == 302 and response["Location"] == HOME
    assert SESSION_KEY not in client.session
    assert "通过企业码访问" not in client.get(HOME).content.decode()


def test_an_enterprise_user_cannot_open_another_enterprises_card(world):
    client = world.client_for(world.owner)
    response = open_code(client, world.bolt)
    assert response.status_code == 403
    assert "不能同时打开其他企业的企业码" in response.content.decode()
    body = client.get(HOME).content.decode()
    assert world.acme.name in body and world.bolt.name not in body


def test_a_code_session_reaches_its_own_calculator_and_card(world, packs):
    client = Client()
    open_code(client, world.acme)
    calculator = client.get(reverse("portal:calculator"))
    assert calculator.status_code == 200 and "政策计算器" in calculator.content.decode()
    assert calculator.context["enterprise"] == world.acme and calculator.context["staff"] is False
    card = client.get(reverse("portal:my_card"))
    assert card.status_code == 200 and card.context["enterprise"] == world.acme


def test_a_code_session_does_not_open_staff_pages(world):
    client = Client()
    open_code(client, world.acme)
    assert client.get(reverse("portal:card", args=[world.acme.uscc])).status_code == 302
    assert client.get(reverse("policies:my_calculator")).status_code == 302


def test_an_entitlement_the_office_has_not_pushed_is_not_listed(world, packs):
    make_entitlement(world.acme, state="matched")
    make_entitlement(world.acme, "xx18_art2_above_quota", state="withdrawn", pushed_at=None)
    client = Client()
    open_code(client, world.acme)
    assert client.get(HOME).context["lines"] == []


def test_an_entitlement_withdrawn_after_the_push_is_listed_as_withdrawn(world, packs):
    make_entitlement(world.acme, state="withdrawn")
    client = Client()
    open_code(client, world.acme)
    lines = client.get(HOME).context["lines"]
    assert [line.entitlement.get_state_display() for line in lines] == ["已撤销"]
