"""`yingshang serve`: the production web server (granian, WSGI) in front of yingshang.wsgi.

In production it first collects the static files, so WhiteNoise can serve the hashed, compressed copies.
The process is replaced by granian (exec), so a service manager's signals reach the server directly.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from yingshang.core.commands import YingshangCommand

WSGI_TARGET = "yingshang.wsgi:application"


def default_workers(cpu_count: int | None) -> int:
    """One worker process per core, at most 8: a WSGI worker also has its own blocking threads."""
    return max(1, min(cpu_count or 1, 8))


def granian_arguments(host: str, port: int, workers: int, *, access_log: bool = True) -> list[str]:
    """The granian command line serving Yingshang; the same one docs/deployment.md shows."""
    arguments = [
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        # A crashed worker comes back instead of leaving the site with fewer.
        "--respawn-failed-workers",
    ]
    if access_log:
        arguments.append("--access-log")
    return [*arguments, WSGI_TARGET]


class Command(YingshangCommand):
    help = "启动网站服务（granian，WSGI）；生产环境下先收集静态文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="监听端口（默认 8000）")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(os.cpu_count()),
            help="工作进程数（默认每个 CPU 核一个，最多 8 个）",
        )
        parser.add_argument(
            "--skip-collectstatic", action="store_true", help="生产环境下也不收集静态文件（已事先收集时）"
        )
        parser.add_argument("--no-access-log", action="store_true", help="不输出访问日志")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError(f"端口 {options['port']} 无效，应在 1–65535 之间")
        if options["workers"] < 1:
            raise CommandError(f"工作进程数 {options['workers']} 无效，至少为 1")
        if settings.PRODUCTION and not options["skip_collectstatic"]:
            self.stdout.write("正在收集静态文件……")
            call_command("collectstatic", interactive=False, verbosity=0)
        arguments = granian_arguments(
            options["host"], options["port"], options["workers"], access_log=not options["no_access_log"]
        )
        self.stdout.write(f"网站服务地址：http://{options['host']}:{options['port']}/（按 Ctrl+C 停止）")
        self.stdout.flush()
        # The child must load the same settings module even when this process was started differently.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
        os.execv(sys.executable, [sys.executable, "-m", "granian", *arguments])
