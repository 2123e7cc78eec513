"""`yingshang load_demo`: write the demo district into the database and print the demo logins.

Only the data part of `yingshang demo`: it neither migrates nor serves. Running it again writes nothing.
"""

from __future__ import annotations

import time
import unicodedata
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingshang.core.commands import YingshangCommand
from yingshang.core.dbstate import pending_migrations
from yingshang.core.roles import Role
from yingshang.demo.district import DemoSummary, load_demo
from yingshang.demo.policies import load_demo_policies
from yingshang.demo.tables import DEFAULT_ENTITIES, DEMO_PASSWORD, DISTRICT_CODES
from yingshang.registry.models import Qualification

if TYPE_CHECKING:
    from yingshang.demo.policies import DemoPolicies


PRODUCTION_REFUSAL = (
    "生产环境不能载入演示数据：演示账号使用公开的演示密码，会重置同名账号。"
    "演示请在另一台机器或另一个数据库上运行（不设置 YINGSHANG_ENV=production）。"
)


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise CommandError(PRODUCTION_REFUSAL)


def add_entities_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--entities",
        type=int,
        default=DEFAULT_ENTITIES,
        help=f"演示市场主体数量（默认 {DEFAULT_ENTITIES}；同一数量每次生成的数据完全相同）",
    )


def check_entities(entities: int) -> int:
    if entities < 1:
        raise CommandError(f"--entities 必须是正整数，收到的是 {entities}")
    return entities


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(summary: DemoSummary) -> list[str]:
    rows = [("用户名", "密码", "角色", "所属部门 / 企业")]
    for login, user in summary.users:
        enterprise, department = user.enterprise, user.department
        where = enterprise.name if enterprise else department.name if department else "—"
        if department and department.kind == "section" and department.parent:
            where = f"{department.parent.name} {department.name}"
        rows.append((user.username, DEMO_PASSWORD, login.role.label, where))
    widths = [max(_width(row[i]) for row in rows) + 2 for i in range(3)]
    return [
        "  " + "".join(_pad(cell, w) for cell, w in zip(row[:3], widths, strict=True)) + row[3]
        for row in rows
    ]


class DemoLoader:
    """Shared by `load_demo` and `demo`: load with progress, then report in Chinese."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command
        self.policies: DemoPolicies | None = None

    def say(self, text: str) -> None:
        self.command.stdout.write(text)

    def load(self, entities: int) -> DemoSummary:
        check_entities(entities)
        started = time.perf_counter()
        self.say(f"正在载入演示区县（宝鸡市渭滨区、金台区，{entities:,} 户市场主体）…")
        summary = load_demo(entities, on_step=lambda step: self.say(f"  · {step}"))
        qualifications = Qualification.objects.filter(enterprise__district__code__in=DISTRICT_CODES).count()
        elapsed = time.perf_counter() - started
        self.say(
            f"演示数据已就绪（用时 {elapsed:.1f} 秒）：市场主体 {summary.entities_total:,} 户"
            f"（本次新增 {summary.entities_created:,} 户），资质 {qualifications:,} 条，"
            f"部门 {summary.departments} 个。"
        )

        self.policies = load_demo_policies(on_step=lambda step: self.say(f"  · {step}"))
        return summary

    def print_logins(self, summary: DemoSummary, site: str = "") -> None:
        """The logins, then the demo enterprise's 企业码 link (`site`: the address it is served at)."""
        self.say("")
        self.say("演示账号（密码相同，仅供本机演示使用，切勿用于生产环境）：")
        for line in login_table(summary):
            self.say(line)
        self.say("")
        shown = self.policies.entitlements if self.policies is not None else None
        if shown is not None and shown.enterprise is not None and shown.code_path:
            company = next(
                (user.username for login, user in summary.users if login.role == Role.ENTERPRISE), ""
            )
            where = f"{site.rstrip('/')}{shown.code_path}" if site else f"站点地址 + {shown.code_path}"
            self.say(
                f"示范企业“{shown.enterprise.name}”的政策兑现事项（已推送、已确认、公示中、已兑付……）："
                f"用企业用户 {company} 登录，或不登录直接打开它的企业码链接："
            )
            self.say(f"  {where}")
            self.say("")


class Command(YingshangCommand):
    help = "载入演示区县数据并打印演示账号（可重复运行，已有的数据不会重复写入）"

    def add_arguments(self, parser: CommandParser) -> None:
        add_entities_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        if pending_migrations():
            raise CommandError("数据库尚未迁移：请先运行 yingshang migrate，或直接运行 yingshang demo")
        loader = DemoLoader(self)
        loader.print_logins(loader.load(options["entities"]))
