"""`yingshang issue_token USERNAME --name …` prints a working key and refuses in Chinese."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yingshang.conftest import World
from yingshang.registry.api_tokens import MAX_ACTIVE_TOKENS
from yingshang.registry.management.commands.issue_token import Command
from yingshang.registry.models import ApiToken

pytestmark = pytest.mark.django_db


def issue(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_only_the_key_and_the_key_authenticates(world: World) -> None:
    key, notice = issue("clerk", "--name", "区数据平台同步")
    assert key.startswith("ys_")
    assert "\n" not in key
    assert "只显示这一次" in notice
    assert ApiToken.authenticate(key) == world.clerk
    assert ApiToken.objects.get(user=world.clerk).name == "区数据平台同步"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ghost", "--name", "x"], "用户“ghost”不存在"),
        (["nobody", "--name", "x"], "未分配可使用接口的角色"),
        (["admin", "--name", "   "], "--name 不能为空"),
        (["admin", "--name", "长" * 101], "--name 过长"),
        (["admin"], "缺少参数"),
    ],
)
def test_it_refuses_bad_requests_in_chinese(world: World, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        issue(*args)
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_user(world: World) -> None:
    world.inspector.is_active = False
    world.inspector.save()
    with pytest.raises(CommandError, match="已停用"):
        issue("inspector", "--name", "x")


def test_it_respects_the_limit_of_active_tokens(world: World) -> None:
    for n in range(MAX_ACTIVE_TOKENS):
        ApiToken.issue(world.admin, f"令牌{n}")
    with pytest.raises(CommandError, match="有效令牌"):
        issue("admin", "--name", "再来一个")


def test_a_missing_argument_on_the_command_line_says_so_in_chinese(capsys: pytest.CaptureFixture) -> None:
    command = Command()
    command._called_from_command_line = True  # what run_from_argv sets
    parser = command.create_parser("yingshang", "issue_token")
    with pytest.raises(SystemExit) as exited:
        parser.parse_args([])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "错误：缺少参数" in captured.err
    assert captured.out == ""
