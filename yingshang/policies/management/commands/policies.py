"""`yingshang policies …`: policy packs and batch matching on the command line.

    yingshang policies check PACK.yaml [PACK.yaml …] [--districts 渭滨区,金台区]
                                                          validate packs (errors with places, exit 1);
                                                          所在区县 against the given names, else the
                                                          registry's when a database is at hand
    yingshang policies evaluate --pack PACK --profiles FILE --out FILE [--as-of DATE] [--qualifications FILE]
                                                          no database: profiles from a file in the
                                                          registry import format → one row per (USCC, item)
    yingshang policies sync                               store the shipped packs as working versions
    yingshang policies match [--as-of DATE]               batch match now (progress bar), results stored
    yingshang policies whatif --draft FILE [--as-of DATE] what a draft pack would change, item by item

`check` and `evaluate` never touch the database, so analysts can run them on any machine. Errors go to
stderr in Chinese with exit code 1.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError, connections

from yingshang.core import clock
from yingshang.core.commands import ChineseCommand, PhaseBar, iso_date_option
from yingshang.core.money import format_amount
from yingshang.policies import offline, rules
from yingshang.policies.models import PolicyPack
from yingshang.policies.services import PackRejected, start_match_run, sync_shipped_packs
from yingshang.policies.whatif import whatif
from yingshang.registry.models import District

MAX_SHOWN = 50


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"找不到文件：{path}") from None
    except UnicodeDecodeError:
        raise CommandError(f"文件 {path} 不是 UTF-8 编码的文本，请另存为 UTF-8 后再试") from None
    except OSError as exc:
        raise CommandError(f"无法读取文件 {path}：{exc.strerror or exc}") from None


def _district_names(text: str) -> list[str]:
    return [name for name in re.split(r"[,，、\s]+", text) if name]


def registry_districts() -> list[str] | None:
    """The registry's district names, or None where this machine has no database to read them from
    (`check` runs anywhere: an analyst's laptop has none, and an SQLite file is not created for it)."""
    database = connections["default"]
    name = str(database.settings_dict.get("NAME") or "")
    if database.vendor == "sqlite" and "memory" not in name and not Path(name).exists():
        return None
    try:
        return list(District.objects.values_list("name", flat=True)) or None
    except (DatabaseError, RuntimeError):  # unreachable, not migrated, or not to be used by this process
        return None


def _bar(stream: Any) -> PhaseBar:
    """Progress of a match or a what-if: rows, then the packs being computed."""
    return PhaseBar(
        unit=lambda phase: "个政策包" if "计算" in phase else "条", stream=stream, ascii=False, leave=True
    )


class Command(ChineseCommand):
    help = "政策包检查、离线测算（无需数据库）、同步随软件发布的政策包、批量匹配、政策测算"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = self.add_subcommands(parser)
        check = actions.add_parser(
            "check", help="检查政策包（含测试用例），有错误时逐条列出位置并以状态 1 退出"
        )
        check.add_argument("packs", nargs="+", metavar="PACK", help="政策包 YAML 文件")
        check.add_argument(
            "--districts",
            help="已知的区县名称，用逗号或顿号分隔（如 渭滨区,金台区）；不给时读取数据库中的区县名录",
        )
        evaluate = actions.add_parser(
            "evaluate", help="不用数据库：按政策包测算文件中的企业，每个（企业, 奖励项）输出一行"
        )
        evaluate.add_argument("--pack", required=True, help="政策包 YAML 文件")
        evaluate.add_argument(
            "--profiles",
            required=True,
            help="企业数据：.csv（UTF-8 或 GB18030）、.xlsx 或 .parquet，名录导入格式",
        )
        evaluate.add_argument("--qualifications", help="资质数据文件（名录导入格式的“资质”表），可不给")
        evaluate.add_argument("--out", required=True, help="输出文件：.csv、.xlsx 或 .parquet（按扩展名）")
        evaluate.add_argument("--as-of", help="测算日期 YYYY-MM-DD，默认今天（北京时间）")
        actions.add_parser("sync", help="把随软件发布的政策包存为现行版本（内容未变则不动）")
        match = actions.add_parser("match", help="对全部市场主体运行一次批量匹配并保存结果")
        match.add_argument("--as-of", help="测算日期 YYYY-MM-DD，默认今天（北京时间）")
        whatif = actions.add_parser("whatif", help="政策测算：草稿与现行版本逐项对比（不发布草稿）")
        whatif.add_argument("--draft", required=True, help="政策包草稿 YAML 文件")
        whatif.add_argument("--as-of", help="测算日期 YYYY-MM-DD，默认今天（北京时间）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        handler = {
            "check": self.check_packs,
            "evaluate": self.evaluate,
            "sync": self.sync,
            "match": self.match,
            "whatif": self.whatif,
        }[action]
        handler(options)

    def say(self, text: str) -> None:
        self.stdout.write(text)

    # --- no database ------------------------------------------------------------------------------

    def check_packs(self, options: dict[str, Any]) -> None:
        failed = 0
        districts = (
            _district_names(options["districts"]) if options.get("districts") else registry_districts()
        )
        if districts is None:
            self.stderr.write("未核对“所在区县”：没有可用的区县名录（可用 --districts 渭滨区,金台区 指定）")
        checks = rules.Checks.of(districts, settings.ITEM_AMOUNT_CEILING_YUAN * 100)
        for name in options["packs"]:
            path = Path(name)
            if not path.exists():
                raise CommandError(f"找不到文件：{path}")
            pack, errors = rules.load_pack_file(path, checks=checks)
            if pack is None:
                failed += 1
                self.stderr.write(f"{path.name}：有 {len(errors)} 处错误，不能作为现行政策包：")
                for error in errors:
                    self.stderr.write(f"  {error}")
                continue
            items = sum(len(p.items) for p in pack.policies)
            cases = sum(len(i.cases) for _, i in pack.items()) + sum(len(p.cases) for p in pack.policies)
            self.say(
                f"{path.name}：通过。政策包“{pack.title}”，政策 {len(pack.policies)} 条，奖励项 {items} 项，"
                f"测试用例 {cases} 个全部通过，版本 {pack.version}"
            )
        if failed:
            raise CommandError(f"{failed} 个政策包有错误")

    def evaluate(self, options: dict[str, Any]) -> None:
        as_of = iso_date_option(options["as_of"]) or clock.today()
        pack_path = Path(options["pack"])
        if not pack_path.exists():
            raise CommandError(f"找不到政策包文件：{pack_path}")
        pack, errors = rules.load_pack_file(pack_path)
        if pack is None:
            raise CommandError(
                f"政策包 {pack_path.name} 有 {len(errors)} 处错误，未测算：\n"
                + "\n".join(f"  {e}" for e in errors)
            )
        out = Path(options["out"])
        try:
            read = offline.read_profiles(Path(options["profiles"]), options.get("qualifications"))
        except offline.ProfileFileError as exc:
            raise CommandError(exc.message) from None
        if read.problems:
            shown = "\n".join(f"  {p}" for p in read.problems[:MAX_SHOWN])
            more = f"\n  ……另有 {len(read.problems) - MAX_SHOWN} 处" if len(read.problems) > MAX_SHOWN else ""
            raise CommandError(f"企业数据有 {len(read.problems)} 处问题，未测算，未写出文件：\n{shown}{more}")
        for notice in read.notices:
            self.stderr.write(notice)
        try:
            frame = offline.evaluate_profiles(pack, read.profiles, as_of)
            offline.write_results(frame, out)
        except offline.ProfileFileError as exc:
            raise CommandError(exc.message) from None
        except rules.ProfileError as exc:
            raise CommandError(f"企业数据有误：{exc}") from None
        self.say(
            f"已测算 {len(read.profiles):,} 户 × {frame['item_id'].n_unique()} 项（测算日期 {as_of}），"
            f"共 {frame.height:,} 行，写入 {out}"
        )
        for line in offline.summary_lines(frame, pack):
            self.say(f"  {line}")

    # --- database ---------------------------------------------------------------------------------

    def sync(self, options: dict[str, Any]) -> None:
        try:
            packs = sync_shipped_packs()
        except PackRejected as exc:
            raise CommandError(
                "随软件发布的政策包有错误：\n" + "\n".join(f"  {e}" for e in exc.errors)
            ) from None
        for stored in packs:
            self.say(f"{stored.name}：现行版本 {stored.version}（{stored.title}）")

    def match(self, options: dict[str, Any]) -> None:
        as_of = iso_date_option(options["as_of"]) or clock.today()
        if not PolicyPack.objects.filter(is_working=True).exists():
            raise CommandError("还没有现行政策包：请先运行 yingshang policies sync，或在页面上发布政策包")
        bar = _bar(self.stderr)
        try:
            run = start_match_run(None, as_of, runner="inline", progress=bar)
        finally:
            bar.close()
        if run.state != "done":
            raise CommandError(f"批量匹配失败（批次 {run.pk}）：{run.error}")
        self.say(
            f"批量匹配完成（批次 {run.pk}，测算日期 {as_of}，用时 {run.duration_ms / 1000:.1f} 秒）："
            f"{run.entity_count:,} 户 × {run.item_count} 项，符合 {run.eligible_count:,} 对，"
            f"需确认 {run.needs_confirmation_count:,} 对，"
            f"不重复奖后应兑付 {format_amount(run.total_amount_fen)}"
        )

    def whatif(self, options: dict[str, Any]) -> None:
        as_of = iso_date_option(options["as_of"])
        text = _read_text(Path(options["draft"]))
        bar = _bar(self.stderr)
        try:
            result = whatif(text, as_of=as_of, progress=bar)
        finally:
            bar.close()
        if not result.ok:
            raise CommandError(
                f"草稿有 {len(result.errors)} 处错误，未测算：\n" + "\n".join(f"  {e}" for e in result.errors)
            )
        for note in result.notes:
            self.stderr.write(note)
        self.say(f"政策测算（测算日期 {result.as_of}，{result.entity_count:,} 户）：{result.pack_title}")
        for item in result.items:
            cur, new = item.current, item.draft
            self.say(
                f"  [{item.status_label}] {item.title}：符合 {cur.eligible:,} → {new.eligible:,}，"
                f"需确认 {cur.needs_confirmation:,} → {new.needs_confirmation:,}，"
                f"应兑付 {format_amount(cur.payable_fen)} → {format_amount(new.payable_fen)}"
            )
        self.say(
            f"合计：应兑付 {format_amount(result.current.payable_fen)} → "
            f"{format_amount(result.draft.payable_fen)}，"
            f"获奖补企业 {result.current.entities_paid:,} → {result.draft.entities_paid:,} 户"
        )
