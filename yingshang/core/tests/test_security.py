"""等保 basics: login failures lock an account and an address, logins are recorded, passwords are
complex and changed by their owner, sessions end when idle, personal pages are never cached, and the
Content-Security-Policy forbids inline script (none is left in any template)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.test import Client
from django.urls import reverse

from yingshang.conftest import PASSWORD, World
from yingshang.registry.models import User

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
TEMPLATES = Path(__file__).resolve().parents[2]


def attempt(client: Client, username: str, password: str, address: str = "10.1.2.3") -> int:
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
    return response.status_code


def test_the_right_password_is_refused_after_five_wrong_ones(world: World) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, world.clerk.username, "wrong-Password-1") == 200
    assert attempt(client, world.clerk.username, "wrong-Password-1") == 429  # the last allowed failure
    response = client.post(
        LOGIN, {"username": world.clerk.username, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 429
    assert "登录已暂停" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_from_any_address(world: World) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), world.clerk.username, "wrong-Password-1", address=f"10.9.0.{n}")
    assert attempt(Client(), world.clerk.username, PASSWORD, address="10.9.9.9") == 429


def test_the_lock_is_per_address_across_accounts(world: World) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), f"guess{n}", "wrong-Password-1", address="10.7.7.7")
    assert attempt(Client(), world.admin.username, PASSWORD, address="10.7.7.7") == 429
    assert attempt(Client(), world.admin.username, PASSWORD, address="10.7.7.8") == 302  # another address


def test_the_operator_login_is_locked_the_same_way(world: World) -> None:
    admin_login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            admin_login, {"username": world.admin.username, "password": "x"}, REMOTE_ADDR="10.3.3.3"
        )
    response = Client().post(
        admin_login, {"username": world.admin.username, "password": PASSWORD}, REMOTE_ADDR="10.3.3.4"
    )
    assert response.status_code == 429


def test_failed_and_successful_logins_are_recorded_with_address_and_time(world: World) -> None:
    attempt(Client(), world.clerk.username, "wrong-Password-1", address="10.5.5.5")
    assert attempt(Client(), world.clerk.username, PASSWORD, address="10.5.5.6") == 302
    log = AccessLog.objects.get(username=world.clerk.username)
    assert (log.ip_address, log.attempt_time is not None) == ("10.5.5.6", True)
    # A success clears the failures counted against the account.
    assert not AccessAttempt.objects.filter(username=world.clerk.username).exists()


@pytest.mark.parametrize(
    ("new_password", "refusal"),
    [
        ("staff123", "密码太短：至少需要 10 个字符"),
        ("staffstaff123", "至少要包含大写字母、小写字母、数字、符号中的 3 类"),
        ("1234567890123", "密码只包含数字"),
    ],
)
def test_a_weak_new_password_is_refused_in_chinese(world: World, new_password: str, refusal: str) -> None:
    client = world.client_for(world.clerk)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert refusal in response.content.decode()
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(PASSWORD)


def test_a_user_changes_their_own_password_and_stays_logged_in(world: World) -> None:
    client = world.client_for(world.clerk)
    new = "Weibin-Market-2026!"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert User.objects.get(pk=world.clerk.pk).check_password(new)
    assert client.get(reverse("home")).status_code == 200


def test_the_old_password_must_be_given(world: World) -> None:
    new = "Weibin-Market-2026!"
    response = world.client_for(world.clerk).post(
        reverse("password_change"), {"old_password": "not-it", "new_password1": new, "new_password2": new}
    )
    assert "旧密码" in response.content.decode()
    assert User.objects.get(pk=world.clerk.pk).check_password(PASSWORD)


def test_an_anonymous_visitor_is_sent_to_the_login_page_to_change_a_password() -> None:
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sessions_end_after_the_idle_time_and_each_request_restarts_it(world: World) -> None:
    client = world.client_for(world.clerk)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_a_personal_page_is_never_stored_and_a_public_one_may_be(world: World) -> None:
    personal = world.client_for(world.owner).get(reverse("home"))
    assert "no-store" in personal["Cache-Control"]
    public = Client().get(reverse("portal:library"))
    assert "no-store" not in public.get("Cache-Control", "")


def test_the_content_security_policy_allows_no_inline_script(world: World) -> None:
    policy = world.client_for(world.admin).get(reverse("home"))["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy)
    assert script is not None and script.group(1).strip() == "'self'"
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_inline_script_or_event_handler_attributes() -> None:
    offenders = []
    for template in TEMPLATES.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


@pytest.mark.parametrize(
    "url",
    [
        "/registry/enterprises/?q=%00",
        "/portal/cards/%00/",
        "/policies/calculator/%00/",
        "/policies/entitlements/?q=a%00b",
    ],
)
def test_a_nul_character_is_a_400_in_chinese_not_a_server_error(world: World, url: str) -> None:
    response = world.client_for(world.admin).get(url)
    assert response.status_code == 400
    assert "不允许的字符" in response.content.decode()


def test_a_far_future_day_in_a_report_filter_is_a_chinese_message(world: World) -> None:
    response = world.client_for(world.admin).get(reverse("entitlements:reports"), {"end": "9999-12-31"})
    assert response.status_code == 400
    assert "超出范围" in response.content.decode()
