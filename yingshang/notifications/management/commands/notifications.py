"""`yingshang notifications ...`: 精准推送 on the command line.

    yingshang notifications deliver [--limit N]     send queued (and earlier failed) SMS / e-mail
    yingshang notifications send-test USCC           a test notice to one enterprise on its channels

Run `deliver` from a timer (e.g. every minute, systemd) or let the background worker do it
(tasks.deliver_pending_task). A progress bar goes to stderr, the Chinese summary to stdout.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from yingshang.core.commands import ChineseCommand
from yingshang.notifications import services
from yingshang.notifications.models import Channel, Status
from yingshang.registry.models import Enterprise


class Command(ChineseCommand):
    help = "精准推送：发送待发的短信和电子邮件；向一家企业发送测试通知"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = self.add_subcommands(parser)
        deliver = actions.add_parser(
            "deliver", help="发送待发送（及此前失败、未超过重试次数）的短信和电子邮件"
        )
        deliver.add_argument("--limit", type=_positive, default=None, help="本次最多处理的条数")
        test = actions.add_parser("send-test", help="向一家企业的站内信及其留有联系方式的渠道发送测试通知")
        test.add_argument("uscc", help="统一社会信用代码，18 位")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "deliver":
            self._deliver(options["limit"])
        else:
            self._send_test(options["uscc"])

    def _deliver(self, limit: int | None, dedupe_key: str | None = None) -> services.DeliverySummary:
        bar = tqdm(desc="发送短信和邮件", unit="条", file=sys.stderr, leave=True)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = services.deliver_pending(limit=limit, progress=progress, dedupe_key=dedupe_key)
        finally:
            bar.close()
        self.stdout.write(str(summary))
        return summary

    def _send_test(self, uscc: str) -> None:
        enterprise = Enterprise.objects.filter(uscc=uscc.strip().upper()).first()
        if enterprise is None:
            raise CommandError(f"找不到统一社会信用代码为 {uscc} 的市场主体")
        now = timezone.localtime()
        stored = services.notify(
            enterprise,
            topic="test",
            subject="测试通知",
            body=f"这是营商环境服务平台于 {now:%Y-%m-%d %H:%M} 发出的测试通知，无需处理。",
            link="/messages/",
            # Each run is a new notice: a test is meant to go out every time it is asked for.
            dedupe_key=f"test:{now.isoformat()}",
        )
        channels = "、".join(Channel(m.channel).label for m in stored if m.status != Status.SUPPRESSED)
        self.stdout.write(f"已向 {enterprise.name} 生成测试通知：{channels}")
        self._deliver(None, dedupe_key=stored[0].dedupe_key)


def _positive(raw: str) -> int:
    if not raw.isdigit() or int(raw) == 0:
        raise CommandError(f"--limit 应为正整数，收到“{raw}”")
    return int(raw)
