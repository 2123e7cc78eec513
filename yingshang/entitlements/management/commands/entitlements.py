"""`yingshang entitlements …`: 政策兑现 on the command line.

    yingshang entitlements create [RUN_ID]          entitlements from a finished batch match (default:
                                                    the latest), with a progress bar and a summary
    yingshang entitlements overdue [--as-of DATE]   open entitlements past their stage's deadline
    yingshang entitlements push --item KEY          notify every enterprise of that item's entitlements
                                                    still in 已比对 (the system pushes; each once)

Errors go to stderr in Chinese with exit code 1.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from yingshang.core import clock
from yingshang.core.commands import ChineseCommand, iso_date_option
from yingshang.entitlements.models import Entitlement
from yingshang.entitlements.services import (
    EntitlementRefused,
    create_entitlements_from_run,
    overdue_entitlements,
    push_entitlements,
)
from yingshang.policies.models import MatchRun, RewardItem
from yingshang.policies.services import latest_match_run
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.services import get_calendar

MAX_SHOWN = 200


class Command(ChineseCommand):
    help = "政策兑现：从批量匹配生成兑现事项、列出逾期事项、按事项推送"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = self.add_subcommands(parser)
        create = actions.add_parser("create", help="从已完成的批量匹配生成兑现事项（重复运行不会重复生成）")
        create.add_argument("run_id", nargs="?", metavar="RUN_ID", help="批量匹配批次号，默认最近一次")
        overdue = actions.add_parser("overdue", help="列出已超过本环节期限的兑现事项")
        overdue.add_argument("--as-of", help="按哪一天判断，YYYY-MM-DD，默认今天（北京时间）")
        push = actions.add_parser("push", help="推送某一事项全部“已比对”的兑现事项（每家只推送一次）")
        push.add_argument("--item", required=True, metavar="KEY", help="事项标识，如 xx18_art3_hnte")

    def handle(self, *args: Any, **options: Any) -> None:
        {"create": self.create, "overdue": self.overdue, "push": self.push}[options["action"]](options)

    def say(self, text: str) -> None:
        self.stdout.write(text)

    def create(self, options: dict[str, Any]) -> None:

        raw = options["run_id"]
        if raw is None:
            run = latest_match_run()
            if run is None:
                raise CommandError("还没有已完成的批量匹配，请先运行 yingshang policies match")
        else:
            if not str(raw).isdigit():
                raise CommandError(f"批次号“{raw}”应为数字")
            run = MatchRun.objects.filter(pk=int(raw)).first()
            if run is None:
                raise CommandError(f"找不到批次 {raw}")
        stream = getattr(self.stderr, "_out", sys.stderr)  # the raw stream: tqdm redraws the line itself
        bar = tqdm(desc="生成兑现事项", unit="条", file=stream, total=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = create_entitlements_from_run(run, progress=progress)
        except EntitlementRefused as exc:
            raise CommandError(f"批次 {run.pk}：{exc.message}") from None
        finally:
            bar.close()
        self.say(f"批次 {run.pk}（测算日期 {run.as_of}）：{summary.text()}")

    def overdue(self, options: dict[str, Any]) -> None:

        day = iso_date_option(options["as_of"]) or clock.today()
        found = list(overdue_entitlements(day)[: MAX_SHOWN + 1])
        if not found:
            self.say(f"截至 {day}，没有逾期的兑现事项")
            return
        calendar = get_calendar()
        total = overdue_entitlements(day).count()
        self.say(f"截至 {day}，逾期的兑现事项 {total:,} 条：")
        for e in found[:MAX_SHOWN]:
            try:
                late = f"逾期 {calendar.workdays_between(e.due_on, day)} 个工作日"
            except CalendarError as exc:
                late = exc.message
            self.say(
                f"  编号 {e.pk}  {e.enterprise.name}（{e.enterprise.uscc}）  {e.item.title}  "
                f"{e.get_state_display()}  期限 {e.due_on}  {late}"
            )
        if total > MAX_SHOWN:
            self.say(f"  ……另有 {total - MAX_SHOWN:,} 条，请在“政策兑现”页面按逾期筛选查看")

    def push(self, options: dict[str, Any]) -> None:

        key = options["item"].strip()
        if not RewardItem.objects.filter(key=key).exists():
            raise CommandError(
                f"找不到事项标识“{key}”，请用 yingshang policies sync 后在政策库中查看事项标识"
            )
        waiting = Entitlement.objects.filter(item_key=key, state="matched", needs_review=False)
        count = waiting.count()
        if not count:
            self.say(f"事项 {key} 没有待推送（已比对）的兑现事项")
            return
        try:
            pushed = push_entitlements(waiting, by=None)
        except EntitlementRefused as exc:
            raise CommandError(exc.message) from None
        self.say(f"事项 {key}：已推送 {pushed:,} 家企业（站内信，并按企业的联系方式发送短信和邮件）")
