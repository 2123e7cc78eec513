"""The home page of each role, and the login and logout pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.conftest import PASSWORD

pytestmark = pytest.mark.django_db

UNASSIGNED = "尚未分配角色"


def home_of(world, who: str):
    response = world.client_for(getattr(world, who)).get(reverse("home"))
    assert response.status_code == 200
    return response, response.content.decode()


def test_the_office_admin_home_counts_every_district_and_lists_recent_imports(world):
    response, body = home_of(world, "admin")
    assert "营商办工作台" in body and "最近导入" in body
    assert response.context["entity_count"] == 2
    assert reverse("registry:audit_log") in body


@pytest.mark.parametrize(
    ("who", "heading"),
    [("clerk", "部门工作台 · 渭滨区市场监管局"), ("inspector", "执法检查工作台 · 渭滨区市场监管局")],
)
def test_a_department_home_counts_only_its_own_district(world, who, heading):
    response, body = home_of(world, who)
    assert heading in body
    assert response.context["entity_count"] == 1  # acme in 渭滨区; bolt in 金台区 is not theirs
    assert "按名称或统一社会信用代码查找市场主体" in body
    assert reverse("registry:audit_log") not in body


def test_the_other_district_clerk_counts_the_other_district(world):
    response, body = home_of(world, "other_clerk")
    assert "部门工作台 · 金台区市场监管局" in body
    assert response.context["entity_count"] == 1


@pytest.mark.parametrize(
    ("who", "mine", "theirs"), [("owner", "acme", "bolt"), ("other_owner", "bolt", "acme")]
)
def test_an_enterprise_home_shows_its_own_enterprise_only(world, who, mine, theirs):
    _, body = home_of(world, who)
    assert getattr(world, mine).name in body and getattr(world, mine).uscc in body
    assert getattr(world, theirs).name not in body
    assert reverse("registry:enterprise_list") not in body


def test_a_user_without_a_role_is_told_to_ask_for_one(world):
    _, body = home_of(world, "nobody")
    assert UNASSIGNED in body and "营商办管理员" in body
    assert reverse("registry:enterprise_list") not in body


@pytest.mark.parametrize("who", ["admin", "clerk", "other_clerk", "inspector", "owner", "other_owner"])
def test_a_user_with_a_role_never_sees_the_unassigned_page(world, who):
    _, body = home_of(world, who)
    assert UNASSIGNED not in body


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_the_login_page_asks_for_username_and_password_in_chinese(world):
    body = Client().get(reverse("login")).content.decode()
    assert "用户名" in body and "密码" in body and "登录" in body


def test_a_wrong_password_is_refused_with_a_chinese_message(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "clerk", "password": "not-the-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still logged out


def test_the_right_password_logs_in_and_lands_on_the_home_page(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "部门工作台" in client.get(reverse("home")).content.decode()


def test_login_returns_to_the_page_that_asked_for_it(world):
    client = Client()
    target = reverse("registry:enterprise_list")
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD, "next": target})
    assert response["Location"] == target


def test_login_never_redirects_to_another_site(world):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "clerk", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_logout_by_post_ends_the_session(world):
    client = Client()
    client.force_login(world.clerk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused_and_keeps_the_session(world):
    # A link or an image on another page must not be able to log a user out.
    client = world.client_for(world.clerk)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
