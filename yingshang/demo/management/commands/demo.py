"""`yingshang demo`: one command from a fresh checkout to a running demo district.

Migrates the database (SQLite by default), loads the demo district (idempotent: a second run writes
nothing and takes seconds), prints the demo logins, then serves http://127.0.0.1:8000 with Django's
development server (no autoreload). For production use `yingshang serve`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from yingshang.core.commands import YingshangCommand
from yingshang.demo.management.commands.load_demo import (
    DemoLoader,
    add_entities_argument,
    check_entities,
    refuse_in_production,
)


def server_address(addr: str, port: int) -> str:
    """runserver's addrport; an IPv6 address needs brackets."""
    if not 1 <= port <= 65535:
        raise CommandError(f"--port 必须在 1 到 65535 之间，收到的是 {port}")
    if not addr.strip():
        raise CommandError("--addr 不能为空，例如 127.0.0.1 或 0.0.0.0")
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def page_address(addr: str, port: int) -> str:
    host = "127.0.0.1" if addr in ("0.0.0.0", "::") else addr
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class Command(YingshangCommand):
    help = "一条命令运行演示：迁移数据库、载入演示区县、打印演示账号，并启动本机服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="只准备数据并打印账号，不启动服务")
        parser.add_argument("--addr", default="127.0.0.1", help="服务监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="服务端口（默认 8000）")
        add_entities_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        addrport = server_address(options["addr"], options["port"])
        check_entities(options["entities"])
        self.stdout.write("正在准备数据库（执行迁移）…")
        call_command("migrate", interactive=False, verbosity=0)
        loader = DemoLoader(self)
        site = page_address(options["addr"], options["port"])
        loader.print_logins(loader.load(options["entities"]), site=site)
        if options["no_serve"]:
            return
        self.stdout.write(f"打开 {site} 用上面的账号登录；按 Ctrl+C 停止服务。")
        # The demo shows what an office would see: our Chinese error pages, never Django's debug pages
        # (which list every URL). Static files still come from the apps (WHITENOISE_USE_FINDERS).
        settings.DEBUG = False
        call_command("runserver", addrport, use_reloader=False)
