"""`yingshang workdays ...`: the working-day calendar on the command line.

    yingshang workdays add 2026-09-30 3             → 2026-10-10
    yingshang workdays between 2026-09-28 2026-10-12 → 6
    yingshang workdays is-workday 2026-10-10        → 是
    yingshang workdays version                      → chinese-calendar 1.11.0 + 2027:v1
    yingshang workdays import-year 2027 安排.txt --title "..." [--number ...] [--confirm]

Only the answer goes to stdout, so scripts can use it; errors go to stderr in Chinese, exit code 1.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yingshang.core.commands import ChineseCommand
from yingshang.workdays.engine import CalendarError
from yingshang.workdays.notice import parse_arrangement
from yingshang.workdays.services import ArrangementRejected, confirm_year, get_calendar, save_arrangement


class Command(ChineseCommand):
    help = "工作日计算：加上N个工作日、两个日期之间的工作日数、是否工作日；导入下一年的节假日安排"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = self.add_subcommands(parser)
        add = actions.add_parser(
            "add", help="从某日起加上N个工作日，输出日期（N=0 时输出当日或其后第一个工作日）"
        )
        add.add_argument("date", help="起始日期，如 2026-09-30")
        add.add_argument("n", help="工作日数，不小于 0 的整数")
        between = actions.add_parser("between", help="开始日之后到结束日（含）之间的工作日数")
        between.add_argument("start", help="开始日期，如 2026-09-28")
        between.add_argument("end", help="结束日期，如 2026-10-12")
        is_workday = actions.add_parser("is-workday", help="某日是否工作日，输出“是”或“否”")
        is_workday.add_argument("date", help="日期，如 2026-10-10")
        actions.add_parser("version", help="输出当前工作日历的版本")
        imports = actions.add_parser("import-year", help="从文本文件导入某年的节假日安排（存为草稿）")
        imports.add_argument("year", help="年份，如 2027")
        imports.add_argument("file", help="UTF-8 文本文件：通知原文或“日期,放假/上班,名称”各行")
        imports.add_argument("--title", required=True, help="通知标题")
        imports.add_argument("--number", default="", help="文号，如 国办发明电〔2026〕×号")
        imports.add_argument("--published", default="", help="发布日期，如 2026-11-04")
        imports.add_argument("--confirm", action="store_true", help="导入后直接确认启用")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                calendar = get_calendar()
                answer = calendar.add_workdays(_date(options["date"]), _count(options["n"])).isoformat()
            elif action == "between":
                answer = str(get_calendar().workdays_between(_date(options["start"]), _date(options["end"])))
            elif action == "is-workday":
                answer = "是" if get_calendar().is_workday(_date(options["date"])) else "否"
            elif action == "version":
                answer = get_calendar().version
            else:
                answer = self._import_year(options)
        except ArrangementRejected as rejected:
            raise CommandError("节假日安排有误，未保存：\n" + "\n".join(rejected.problems)) from None
        except CalendarError as error:
            raise CommandError(error.message) from None
        self.stdout.write(answer)

    def _import_year(self, options: dict[str, Any]) -> str:
        year = _year(options["year"])
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{path}") from None
        except UnicodeDecodeError:
            raise CommandError(f"文件 {path} 不是 UTF-8 编码的文本，请另存为 UTF-8 后再导入") from None
        parsed = parse_arrangement(text, year)
        if parsed.problems:
            raise ArrangementRejected([f"{path.name} {p}" for p in parsed.problems])
        published = _date(options["published"]) if options["published"] else None
        holiday_year = save_arrangement(
            year,
            parsed.entries,
            notice_title=options["title"],
            notice_number=options["number"],
            published_on=published,
            source_text=text,
        )
        if options["confirm"]:
            holiday_year = confirm_year(holiday_year)
        self.stderr.write(f"{year}年：{len(parsed.entries)} 个日期，{holiday_year.status_label}")
        return get_calendar().version


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式，如 2026-09-30") from None


def _count(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text):
        raise CommandError(f"工作日数“{text}”无效，应为不小于 0 的整数")
    return int(text)


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise CommandError(f"年份“{text}”无效，应为四位数字，如 2027")
    return int(text)
