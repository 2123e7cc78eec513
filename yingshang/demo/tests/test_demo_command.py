"""`yingshang demo` and `yingshang load_demo`: load the district, print the logins, then serve."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands import runserver

from yingshang.demo import district as demo
from yingshang.demo.management.commands.demo import page_address, server_address
from yingshang.registry.models import Enterprise, User

SMALL = "200"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_without_serving_loads_the_district_and_prints_every_login() -> None:
    output = run("demo", "--no-serve", "--entities", SMALL)
    assert Enterprise.objects.count() == int(SMALL)
    for login in demo.DEMO_LOGINS:
        line = next(line for line in output.splitlines() if line.strip().startswith(login.username + " "))
        assert demo.DEMO_PASSWORD in line
        assert login.role.label in line
    assert "渭滨区职转和营商办" in output
    assert "执法稽查科" in output
    assert "宝鸡渭源钛材科技有限公司" in output
    assert "切勿用于生产环境" in output


@pytest.mark.django_db
def test_a_second_run_reports_that_nothing_was_added() -> None:
    run("load_demo", "--entities", SMALL)
    output = run("load_demo", "--entities", SMALL)
    assert "本次新增 0 户" in output
    assert Enterprise.objects.count() == int(SMALL)


@pytest.mark.django_db
@pytest.mark.django_db
@pytest.mark.parametrize("command", ["demo", "load_demo"])
def test_it_refuses_a_non_positive_entity_count_in_chinese(command: str) -> None:
    args = [command, "--entities", "0"] + (["--no-serve"] if command == "demo" else [])
    with pytest.raises(CommandError, match="--entities 必须是正整数"):
        run(*args)
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("port", [0, 70000])
def test_it_refuses_a_port_out_of_range(port: int) -> None:
    with pytest.raises(CommandError, match="1 到 65535"):
        server_address("127.0.0.1", port)


@pytest.mark.parametrize(
    ("addr", "port", "addrport", "url"),
    [
        ("127.0.0.1", 8000, "127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("0.0.0.0", 8080, "0.0.0.0:8080", "http://127.0.0.1:8080/"),
        ("::1", 8000, "[::1]:8000", "http://[::1]:8000/"),
    ],
)
def test_it_builds_the_server_address_and_the_page_to_open(
    addr: str, port: int, addrport: str, url: str
) -> None:
    assert server_address(addr, port) == addrport
    assert page_address(addr, port) == url


@pytest.mark.django_db
def test_demo_serves_on_the_given_address_without_autoreload(
    monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    served: dict[str, object] = {}
    settings.DEBUG = True

    def fake_runserver(self: runserver.Command, *args: object, **options: object) -> None:
        served.update(options, debug=settings.DEBUG)

    # Replace Django's development server only: it would block the test for ever.
    monkeypatch.setattr(runserver.Command, "handle", fake_runserver)
    output = run("demo", "--entities", SMALL, "--addr", "0.0.0.0", "--port", "8123")
    assert served["addrport"] == "0.0.0.0:8123"
    assert served["use_reloader"] is False
    assert served["debug"] is False  # our Chinese error pages, not Django's debug pages
    assert "http://127.0.0.1:8123/" in output


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["demo", "load_demo"])
def test_the_demo_refuses_to_run_in_production(command: str, settings) -> None:
    settings.PRODUCTION = True
    extra = ["--no-serve"] if command == "demo" else []
    with pytest.raises(CommandError, match="生产环境不能载入演示数据"):
        call_command(command, "--entities", SMALL, *extra)
    assert not User.objects.filter(username="admin").exists()
