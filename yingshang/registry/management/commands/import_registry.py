"""yingshang import_registry FILE --as-of 2026-06-30 --source "市场监管局名录" [--dry-run]"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yingshang.core.commands import PhaseBar, YingshangCommand
from yingshang.registry import importer
from yingshang.registry.models import ImportBatch, User

SHOWN_PROBLEMS = 1000


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对，应为 2026-06-30") from None


class Command(YingshangCommand):
    help = "导入企业名录（.xlsx 或 .csv）：逐行校验，全部无误才在一个事务中写入；按统一社会信用代码更新"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="名录文件（.xlsx 或 .csv）")
        parser.add_argument("--as-of", required=True, type=iso_date, help="数据截至日期，如 2026-06-30")
        parser.add_argument("--source", required=True, help="数据来源，如 市场监管局名录")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入任何数据")
        parser.add_argument("--user", help="记为上传人的用户名（写入变更审计）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        problem = ImportBatch.as_of_problem(options["as_of"])
        if problem:
            raise CommandError(f"--as-of {options['as_of']:%Y-%m-%d}：{problem}")
        user = self._user(options["user"])
        # One bar per phase (读取并校验, 写入数据库); silent when stderr is not a terminal.
        progress = PhaseBar(unit="行", disable=None)
        try:
            importer.check_size(path.stat().st_size)
            if options["dry_run"]:
                district_id = importer.importing_district_id(user)
                batch, plan = (
                    None,
                    importer.analyse(path, path.name, progress=progress, district_id=district_id),
                )
            else:
                batch, plan = importer.preview_batch(
                    path.resolve(),
                    file_name=path.name,
                    as_of=options["as_of"],
                    source=options["source"],
                    user=user,
                    progress=progress,
                )
        except importer.ImportRefused as refused:
            raise CommandError(refused.message) from None
        finally:
            progress.close()
        self._report(plan)
        if not plan.ok:
            rest = f"其余 {plan.valid_rows} 行也未导入。" if plan.valid_rows else ""
            raise CommandError(
                f"{len(plan.bad_rows)} 行存在问题（共 {len(plan.problems)} 个），整份文件未导入，"
                f"{rest}请修改后重新导入。"
            )
        if batch is None:
            self.stdout.write("试运行：校验通过，未写入任何数据。")
            return
        try:
            result = importer.apply_batch(batch, user=user, plan=plan, progress=progress)
        except (importer.ImportRefused, importer.ImportFailed) as problem:
            raise CommandError(problem.message) from None
        finally:
            progress.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成（批次 #{batch.pk}）：新增 {result.created} 家，更新 {result.updated} 家，"
                f"无变化 {result.unchanged} 家；资质新增 {result.qualifications_created} 条，"
                f"更新 {result.qualifications_updated} 条；新建街道 {result.streets_created} 个。"
            )
        )

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到用户：{username}")
        return user

    def _report(self, plan: importer.ImportPlan) -> None:
        self.stdout.write(
            f"文件：{plan.file_name}，数据行 {plan.total_rows} 行，有问题的行 {len(plan.bad_rows)} 行。"
        )
        for notice in plan.notices:
            self.stdout.write(f"提示：{notice}")
        if plan.ok:
            counts = plan.counts
            self.stdout.write(
                f"将新增 {counts.get('create', 0)} 家，更新 {counts.get('update', 0)} 家，"
                f"无变化 {counts.get('unchanged', 0)} 家；"
                f"资质新增 {counts.get('qualification_create', 0)} 条，"
                f"更新 {counts.get('qualification_update', 0)} 条。"
            )
            if plan.new_streets:
                self.stdout.write(f"将新建街道：{'、'.join(plan.new_streets)}")
            return
        self.stdout.write("问题清单（工作表 / 行 / 列 / 问题）：")
        for problem in plan.problems[:SHOWN_PROBLEMS]:
            row = f"第 {problem.row} 行" if problem.row else "—"
            column = f"{problem.letter} 列“{problem.column}”" if problem.letter else problem.column or "—"
            self.stdout.write(f"  {problem.sheet} / {row} / {column} / {problem.message}")
        if len(plan.problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"  ……另有 {len(plan.problems) - SHOWN_PROBLEMS} 个问题未列出")
