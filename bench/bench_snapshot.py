"""Profile snapshot benchmark: build the 政策找企业 snapshot of 1,000,000 entities from the database.

    .venv/bin/python bench/bench_snapshot.py                      # PostgreSQL, 1,000,000 entities
    .venv/bin/python bench/bench_snapshot.py --entities 100000 --no-write   # a quick look
    .venv/bin/python bench/bench_snapshot.py --database sqlite    # the same on SQLite
    .venv/bin/python bench/bench_snapshot.py --match              # plus one full match, results written

Target (issue 政策找企业 I): building the snapshot of 1,000,000 entities takes under 30 s on PostgreSQL.

Data: the same database as bench_search.py (`yingshang_bench` on --pg, or var/bench/yingshang_bench.sqlite3),
built with the demo district's generator scaled up by bench_search.py's loader and reused when it already
holds N entities. If PostgreSQL cannot be reached the script says so and exits 0.

It times `build_snapshot()` (COPY … TO STDOUT + Arrow CSV reader on PostgreSQL; chunked fetch elsewhere)
three times and reports the best and the median, then one batch evaluation of the shipped packs over the
snapshot (no results written) for scale. It prints a table and writes docs/benchmarks.md
(unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _common import (
    REPO,
    database_name,
    machine_facts,
    write_section,
)
from bench_search import add_bench_database_arguments, ensure_data, open_bench_database

DOC = REPO / "docs" / "benchmarks.md"
TARGET_SECONDS = 30.0
AS_OF = dt.date(2026, 10, 31)  # the demo generator's data day


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="企业画像快照性能基准（百万级）")
    add_bench_database_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3, help="快照计时次数（默认 3）")
    parser.add_argument("--rebuild", action="store_true", help="清空后重新载入基准数据")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入 docs/benchmarks.md")
    parser.add_argument(
        "--match", action="store_true", help="另外计时一次完整的批量匹配（含写入结果；结果随后删除）"
    )
    return parser.parse_args(argv)


# --- timing ---------------------------------------------------------------------------------------


@dataclass
class Timing:
    step: str
    wall: list[float]
    cpu: list[float]
    rows: int
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def timed(step: str, repeat: int, work: Callable[[], int], note: str = "") -> Timing:
    walls, cpus, rows = [], [], 0
    for _ in range(repeat):
        cpu, started = time.process_time(), time.perf_counter()
        rows = work()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        print(f"  {step}：{walls[-1]:.2f} 秒（本进程 CPU {cpus[-1]:.2f} 秒），{rows:,} 行")
    return Timing(step, walls, cpus, rows, note)


def full_match() -> Timing:
    """One batch match as `yingshang policies match` runs it, results written, then removed again."""
    from django.db import connection

    from yingshang.policies.models import MatchRun
    from yingshang.policies.services import start_match_run, sync_shipped_packs

    sync_shipped_packs()
    holder: dict[str, Any] = {}

    def match() -> int:
        run = holder["run"] = start_match_run(None, AS_OF, runner="inline")
        if run.state != "done":
            raise SystemExit(f"批量匹配失败：{run.error}")
        return run.eligible_count + run.needs_confirmation_count

    timing = timed("完整批量匹配（快照 + 计算 + 写入结果）", 1, match, "写入的结果行数")
    run = holder["run"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM policies_matchresult WHERE run_id = %s", [run.pk])
    MatchRun.objects.filter(pk=run.pk).delete()
    return timing


def run_benchmark(repeat: int) -> tuple[list[Timing], dict[str, Any]]:
    from yingshang.policies import rules
    from yingshang.policies.match import evaluate_pack
    from yingshang.policies.snapshot import read_snapshot

    holder: dict[str, Any] = {}

    def snapshot() -> int:
        holder["snapshot"] = read_snapshot(as_of=AS_OF)
        return holder["snapshot"].entity_count

    timings = [timed("企业画像快照（build_snapshot）", repeat, snapshot)]
    snap = holder["snapshot"]
    lengths = snap.profiles.column("qualifications").combine_chunks().value_lengths().to_pylist()
    facts = {
        "快照大小（Arrow）": f"{snap.profiles.nbytes / 1024 / 1024:.0f} MiB，{snap.profiles.num_columns} 列",
        "有资质记录的主体": f"{sum(1 for n in lengths if n):,} 户",
    }
    packs = [rules.load_pack_file(p, run_cases=False)[0] for p in rules.shipped_pack_paths()]
    items = sum(1 for pack in packs for _, item in pack.items() if item.is_current(AS_OF))

    def evaluate() -> int:
        return sum(evaluate_pack(snap, pack, AS_OF).height for pack in packs)

    timings.append(
        timed("批量计算（随附政策包，仅计算不写库）", 1, evaluate, f"{items} 个现行事项，保留的对数")
    )
    return timings, facts


# --- report ---------------------------------------------------------------------------------------


def report(backend: str, n: int, info: dict[str, str], timings: list[Timing], facts: dict[str, str]) -> str:
    snapshot = timings[0]
    verdict = "✓" if snapshot.best < TARGET_SECONDS else "✗"
    lines = [f"### {backend}，{n:,} 户市场主体", ""]
    lines += [f"- {key}：{value}" for key, value in info.items()]
    lines += [f"- {key}：{value}" for key, value in facts.items()]
    lines.append(f"- 负载（计时结束时 1 分钟平均）：{os.getloadavg()[0]:.2f}")
    lines += [
        "",
        "| 步骤 | 次数 | 最好 (s) | 中位 (s) | 本进程 CPU 中位 (s) | 行数 | 说明 |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in timings:
        lines.append(
            f"| {t.step} | {len(t.wall)} | {t.best:.2f} | {t.median:.2f} | {statistics.median(t.cpu):.2f} "
            f"| {t.rows:,} | {t.note} |"
        )
    lines += [
        "",
        f"目标：快照 < {TARGET_SECONDS:.0f} 秒 {verdict}（按最好一次；墙钟时间含等待 CPU 与数据库的时间）",
        "",
    ]
    return "\n".join(lines)


def write_doc(key: str, text: str) -> None:
    write_section(DOC, f"bench_snapshot:{key}", text, header="# 性能基准\n\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.entities < 1 or args.repeat < 1:
        print("--entities 与 --repeat 必须是正整数")
        return 2
    if not open_bench_database(args.database, args.pg):
        return 0
    import polars
    import pyarrow
    from django.db import connection

    info = machine_facts(
        database_name(connection.vendor),
        **{"pyarrow / polars": f"{pyarrow.__version__} / {polars.__version__}"},
    )
    ensure_data(args.entities, args.rebuild)
    print(f"计时：快照 {args.repeat} 次")
    timings, facts = run_benchmark(args.repeat)
    if args.match:
        timings.append(full_match())
    backend = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    text = report(backend, args.entities, info, timings, facts)
    print()
    print(text)
    if not args.no_write:
        write_doc(connection.vendor, text)
    return 0 if timings[0].best < TARGET_SECONDS or connection.vendor != "postgresql" else 1


if __name__ == "__main__":
    sys.exit(main())
