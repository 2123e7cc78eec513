"""The 接口令牌 page: list, issue (key shown once), revoke; only ever one's own tokens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from yingshang.conftest import World
from yingshang.core import clock
from yingshang.registry.api_tokens import MAX_ACTIVE_TOKENS
from yingshang.registry.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/account/tokens/"
KEY = re.compile(r"ys_[A-Za-z0-9_-]{40,}")


def revoke_url(token: ApiToken) -> str:
    return reverse("api_tokens:revoke", args=[token.pk])


def test_the_page_lives_at_the_documented_address() -> None:
    assert reverse("api_tokens:list") == URL


@pytest.mark.parametrize("who", ["admin", "clerk", "inspector", "owner"])
def test_every_role_may_open_the_token_page(world: World, who: str) -> None:
    response = world.client_for(getattr(world, who)).get(URL)
    assert response.status_code == 200
    assert "接口令牌" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(world: World) -> None:
    client = world.client_for(world.nobody)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "试图签发"}).status_code == 403
    assert not ApiToken.objects.filter(user=world.nobody).exists()


def test_issuing_shows_the_key_once_and_it_works(world: World) -> None:
    client = world.client_for(world.clerk)
    response = client.post(URL, {"name": "区数据平台同步"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    keys = KEY.findall(response.content.decode())
    assert len(keys) == 1
    token = ApiToken.objects.get(user=world.clerk)
    assert token.name == "区数据平台同步"
    assert keys[0].startswith(token.prefix)
    assert ApiToken.authenticate(keys[0]) == world.clerk
    # Reloading the page shows the prefix but never the key again.
    later = client.get(URL).content.decode()
    assert token.prefix in later
    assert keys[0] not in later
    assert not KEY.search(later)


def test_the_page_lists_only_the_users_own_tokens(world: World) -> None:
    ApiToken.issue(world.clerk, "我的令牌")
    ApiToken.issue(world.other_clerk, "别人的令牌")
    page = world.client_for(world.clerk).get(URL).content.decode()
    assert "我的令牌" in page
    assert "别人的令牌" not in page


@pytest.mark.parametrize(("name", "message"), [("", "请填写令牌用途"), ("长" * 101, "不能超过 100 个字符")])
def test_a_bad_name_is_refused_with_a_chinese_message(world: World, name: str, message: str) -> None:
    response = world.client_for(world.admin).post(URL, {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.filter(user=world.admin).exists()


def test_a_user_cannot_hold_more_than_the_limit_of_active_tokens(world: World) -> None:
    for n in range(MAX_ACTIVE_TOKENS):
        ApiToken.issue(world.admin, f"令牌{n}")
    response = world.client_for(world.admin).post(URL, {"name": "再来一个"})
    assert response.status_code == 400
    assert "最多保留" in response.content.decode()
    assert ApiToken.objects.filter(user=world.admin).count() == MAX_ACTIVE_TOKENS


def test_revoking_ones_own_token_stops_it_working(world: World) -> None:
    token, key = ApiToken.issue(world.owner, "企业对接")
    client = world.client_for(world.owner)
    response = client.post(revoke_url(token), follow=True)
    assert response.status_code == 200
    assert "已吊销" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.authenticate(key) is None


def test_a_user_cannot_revoke_another_users_token(world: World) -> None:
    token, key = ApiToken.issue(world.other_clerk, "别人的令牌")
    response = world.client_for(world.clerk).post(revoke_url(token))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.authenticate(key) == world.other_clerk


def test_revoking_needs_a_post(world: World) -> None:
    token, _ = ApiToken.issue(world.admin, "只读")
    assert world.client_for(world.admin).get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_anonymous_visitor_cannot_revoke(world: World) -> None:
    token, _ = ApiToken.issue(world.admin, "匿名吊销")
    assert Client().post(revoke_url(token)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_needs_the_csrf_token(world: World) -> None:
    token, _ = ApiToken.issue(world.admin, "跨站")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    assert client.post(revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_expires_after_the_configured_days(world: World) -> None:
    token, key = ApiToken.issue(world.clerk, "区数据平台同步")
    assert token.expires_at is not None
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - dt.timedelta(days=settings.API_TOKEN_DAYS)) < dt.timedelta(minutes=1)
    assert ApiToken.authenticate(key) == world.clerk
    with clock.travel(token.expires_at + dt.timedelta(seconds=1)):
        assert ApiToken.authenticate(key) is None
        page = world.client_for(world.clerk).get(URL).content.decode()
        assert "已过期" in page
