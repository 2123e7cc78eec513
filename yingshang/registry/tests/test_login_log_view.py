"""The login record (registry:login_log): every success and every failure with account, address and
time, for the auditor (the office admin unless duties are separated), within its reach."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db
LOGINS = reverse("registry:login_log")


def text_of(response) -> str:
    """The page's words, tags removed, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def log_in(username: str, password: str, address: str = "10.1.2.3") -> None:
    Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})


def test_successes_and_failures_are_listed_with_their_address(world: World) -> None:
    log_in(world.clerk.username, "wrong-password", "10.9.8.7")
    log_in(world.clerk.username, PASSWORD, "10.9.8.6")
    page = text_of(world.client_for(world.admin).get(LOGINS))
    assert re.search(rf"{world.clerk.username} 失败 10\.9\.8\.7", page)
    assert re.search(rf"{world.clerk.username} 成功 10\.9\.8\.6", page)
    failed_only = text_of(world.client_for(world.admin).get(LOGINS, {"outcome": "failed"}))
    assert "10.9.8.7" in failed_only and "10.9.8.6" not in failed_only


def test_a_district_sees_the_logins_of_its_own_people_only(world: World) -> None:
    log_in(world.clerk.username, "wrong-password", "10.9.8.7")
    log_in(world.other_clerk.username, "wrong-password", "10.9.8.5")
    log_in("no-such-account", "guess", "10.6.6.6")
    weibin = text_of(world.client_for(world.weibin_admin).get(LOGINS))
    assert "10.9.8.7" in weibin and "10.9.8.5" not in weibin and "no-such-account" not in weibin
    city = text_of(world.client_for(world.admin).get(LOGINS))
    assert "no-such-account" in city  # tries on names that are no account: the city's to watch


@pytest.mark.parametrize("who", ["clerk", "owner", "nobody"])
def test_the_record_is_the_auditor_s(world: World, who: str) -> None:
    assert world.client_for(getattr(world, who)).get(LOGINS).status_code == 403
