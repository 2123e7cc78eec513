"""`yingshang issue_token USERNAME --name "用途"`: issue an API token for a user and print its key.

Only the key goes to stdout (so a script can capture it: `KEY=$(yingshang issue_token …)`); the
notice that it is shown once goes to stderr. Errors are Chinese, exit code 1 (2 for bad arguments).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yingshang.core.commands import YingshangCommand
from yingshang.registry.api_tokens import MAX_ACTIVE_TOKENS, active_tokens
from yingshang.registry.models import ApiToken, User


class ChineseArgumentParser(CommandParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        if "required" in message:
            text = "缺少参数：需要用户名和 --name（令牌用途）"
        elif "unrecognized arguments" in message:
            text = "多余的参数：" + message.split(":", 1)[1].strip()
        else:
            text = f"命令参数有误（{message}）"
        text += '。用法：yingshang issue_token 用户名 --name "用途"'
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"错误：{text}\n")
        raise CommandError(text)


class Command(YingshangCommand):
    help = "为用户签发接口令牌并输出令牌（仅显示一次）"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = ChineseArgumentParser
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", required=True, help="令牌用途，例如“区数据平台每日同步”")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        name = name.strip()
        if not name:
            raise CommandError("--name 不能为空：请写明令牌用途")
        if len(name) > 100:
            raise CommandError(f"--name 过长：最多 100 个字符，现为 {len(name)} 个")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能签发令牌")
        if not user.can("api.tokens"):
            raise CommandError(f"用户“{username}”未分配可使用接口的角色，请先在管理后台为其分配角色")
        if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
            raise CommandError(
                f"用户“{username}”已有 {MAX_ACTIVE_TOKENS} 个有效令牌，请先在“接口令牌”页面吊销不再使用的令牌"
            )
        token, key = ApiToken.issue(user, name)
        self.stderr.write(
            f"已为 {username} 签发令牌“{token.name}”（前缀 {token.prefix}）。令牌只显示这一次，请妥善保存："
        )
        self.stdout.write(key)
