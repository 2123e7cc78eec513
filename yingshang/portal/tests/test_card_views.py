"""明白卡: the office prints and reissues any enterprise's card, an enterprise prints its own; the QR
code is inline SVG carrying the 企业码 link, with no external asset."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import segno
from django.test import Client
from django.urls import reverse

from yingshang.core import clock
from yingshang.policies.testing import HNTE_ITEM
from yingshang.portal import codes
from yingshang.portal.models import EnterpriseCode
from yingshang.portal.testing import make_entitlement

pytestmark = pytest.mark.django_db


def card_url(enterprise) -> str:
    return reverse("portal:card", args=[enterprise.uscc])


def reissue_url(enterprise) -> str:
    return reverse("portal:card_reissue", args=[enterprise.uscc])


def test_the_office_prints_a_card_with_name_uscc_instructions_and_an_inline_qr_code(world):
    response = world.client_for(world.admin).get(card_url(world.bolt))
    body = response.content.decode()
    assert response.status_code == 200
    assert world.bolt.name in body and world.bolt.uscc in body
    assert "用手机扫描二维码" in body and "政策兑现明白卡" in body
    qr = re.search(r'<div class="qr" id="card-qr">(.*?)</div>', body, re.S).group(1)
    assert qr.startswith("<svg") and "<path" in qr
    assert response.context["url"] == "http://testserver" + codes.enterprise_code_url(world.bolt)
    assert "@page" in body and "A6" in body


def test_the_card_page_loads_nothing_from_outside(world):
    body = world.client_for(world.admin).get(card_url(world.acme)).content.decode()
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not attribute.startswith(("http:", "https:", "//")), attribute


def test_the_qr_code_carries_the_code_link(world):
    url = "http://testserver" + codes.enterprise_code_url(world.acme)
    expected = segno.make(url, error="m").svg_inline(scale=4, border=2, title="企业码二维码", omitsize=True)
    body = world.client_for(world.admin).get(card_url(world.acme)).content.decode()
    assert expected in body


def test_an_enterprise_user_prints_its_own_card_without_the_reissue_button(world):
    response = world.client_for(world.owner).get(reverse("portal:my_card"))
    body = response.content.decode()
    assert response.status_code == 200
    assert world.acme.name in body and response.context["enterprise"] == world.acme
    assert 'id="reissue-card"' not in body


def test_reissuing_revokes_the_old_card_and_shows_the_new_one(world):
    old_url = codes.enterprise_code_url(world.acme)
    client = world.client_for(world.admin)
    response = client.post(reissue_url(world.acme), follow=True)
    body = response.content.decode()
    assert "已重新签发第 2 版企业码" in body
    assert response.context["url"].endswith(codes.enterprise_code_url(world.acme))
    assert codes.enterprise_code_url(world.acme) != old_url
    assert "该企业码已作废" in Client().get(old_url).content.decode()


def test_reissuing_needs_a_post(world):
    assert world.client_for(world.admin).get(reissue_url(world.acme)).status_code == 405
    assert codes.current_code(world.acme).version == 1


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "inspector", "owner", "other_owner", "nobody"])
def test_only_the_office_prints_or_reissues_cards_of_any_enterprise(world, who):
    client = world.client_for(getattr(world, who))
    assert client.get(card_url(world.acme)).status_code == 403
    assert client.get(reverse("portal:card_index")).status_code == 403
    assert client.post(reissue_url(world.acme)).status_code == 403
    assert codes.current_code(world.acme).version == 1


def test_anonymous_visitors_are_sent_to_log_in_for_the_office_card_pages(world):
    response = Client().post(reissue_url(world.acme))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert codes.current_code(world.acme).version == 1


def test_an_unknown_uscc_is_not_found(world):
    assert (
        world.client_for(world.admin).get(reverse("portal:card", args=["91610302MA6X0000XX"])).status_code
        == 404
    )


def test_the_office_finds_an_enterprise_by_name_or_uscc(world):
    client = world.client_for(world.admin)
    by_name = client.get(reverse("portal:card_index"), {"q": "螺栓"})
    assert list(by_name.context["found"]) == [world.bolt]
    by_uscc = client.get(reverse("portal:card_index"), {"q": world.acme.uscc.lower()})
    assert list(by_uscc.context["found"]) == [world.acme]
    none = client.get(reverse("portal:card_index"), {"q": "不存在的公司"})
    assert "没有找到“不存在的公司”对应的企业" in none.content.decode()


def test_an_expired_card_page_says_so(world, settings):
    settings.ENTERPRISE_CODE_DAYS = 1
    EnterpriseCode.objects.create(
        enterprise=world.acme, version=1, issued_at=clock.now() - dt.timedelta(days=2)
    )
    body = world.client_for(world.owner).get(reverse("portal:my_card")).content.decode()
    assert "扫码会被拒绝" in body and "请联系区营商环境办公室换领新卡" in body


# --- several cards at once ------------------------------------------------------------------------

BATCH = reverse("portal:card_batch")


def test_the_office_prints_the_cards_of_a_district(world):
    response = world.client_for(world.admin).get(BATCH, {"district": world.jintai.pk, "go": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert [c["enterprise"] for c in response.context["cards"]] == [world.bolt]
    assert world.bolt.name in body and world.acme.name not in body
    assert body.count('<article class="mingbai-card"') == 1 and "<svg" in body


def test_the_office_prints_only_cards_of_enterprises_with_items_to_confirm(world, packs):
    make_entitlement(world.acme)  # 快申快享, pushed: waits for acme
    make_entitlement(world.bolt, HNTE_ITEM)  # 免申即享: nothing for bolt to confirm
    response = world.client_for(world.admin).get(BATCH, {"awaiting": "on", "go": "1"})
    assert [c["enterprise"] for c in response.context["cards"]] == [world.acme]
    everyone = world.client_for(world.admin).get(BATCH, {"go": "1"})
    assert [c["enterprise"] for c in everyone.context["cards"]] == sorted(
        [world.acme, world.bolt], key=lambda e: e.uscc
    )


def test_a_batch_larger_than_the_limit_says_how_many_are_left_out(world, monkeypatch):
    monkeypatch.setattr("yingshang.portal.cards.BATCH_LIMIT", 1)
    response = world.client_for(world.admin).get(BATCH, {"go": "1"})
    assert len(response.context["cards"]) == 1 and response.context["total"] == 2
    assert "本页列出前 1 家" in response.content.decode()


def test_an_unknown_district_is_a_chinese_field_error(world):
    response = world.client_for(world.admin).get(BATCH, {"district": "999999", "go": "1"})
    assert "所选区县不存在或不在您的辖区内" in response.content.decode()
    assert response.context["cards"] == []


@pytest.mark.parametrize("who", ["clerk", "owner", "nobody"])
def test_only_the_office_prints_cards_in_batches(world, who):
    assert world.client_for(getattr(world, who)).get(BATCH, {"go": "1"}).status_code == 403
