"""Profile snapshot benchmark: build the 政策找企业 snapshot of 1,000,000 entities from the database.

    .venv/bin/python bench/bench_snapshot.py                      # PostgreSQL, 1,000,000 entities
    .venv/bin/python bench/bench_snapshot.py --entities 100000 --no-write   # a quick look
    .venv/bin/python bench/bench_snapshot.py --database sqlite    # the same on SQLite
    .venv/bin/python bench/bench_snapshot.py --match              # plus one full match, results written

Target (issue 政策找企业 I): building the snapshot of 1,000,000 entities takes under 30 s on PostgreSQL.

Data: the same database as bench_search.py (`yingshang_bench` on --pg, or var/bench/yingshang_bench.sqlite3),
built with the demo district's generator scaled up and reused when it already holds N entities (its loader
is used when bench_search.py is there; otherwise this script loads the same rows with COPY itself). If
PostgreSQL cannot be reached the script says so and exits 0.

It times `build_snapshot()` (COPY … TO STDOUT + Arrow CSV reader on PostgreSQL; chunked fetch elsewhere)
three times and reports the best and the median, then one batch evaluation of the shipped packs over the
snapshot (no results written) for scale. It prints a table and writes docs/benchmarks-snapshot.md
(unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DOC = REPO / "docs" / "benchmarks-snapshot.md"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
BENCH_DB = "yingshang_bench"
SQLITE_PATH = REPO / "var" / "bench" / "yingshang_bench.sqlite3"
TARGET_SECONDS = 30.0
AS_OF = dt.date(2026, 10, 31)  # the demo generator's data day


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="企业画像快照性能基准（百万级）")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL 服务器地址（默认 {DEFAULT_PG}）")
    parser.add_argument("--entities", type=int, default=1_000_000, help="市场主体数量（默认 1,000,000）")
    parser.add_argument("--repeat", type=int, default=3, help="快照计时次数（默认 3）")
    parser.add_argument("--rebuild", action="store_true", help="清空后重新载入基准数据")
    parser.add_argument(
        "--no-write", action="store_true", help="只打印结果，不写入 docs/benchmarks-snapshot.md"
    )
    parser.add_argument(
        "--match", action="store_true", help="另外计时一次完整的批量匹配（含写入结果；结果随后删除）"
    )
    return parser.parse_args(argv)


def bench_search() -> Any | None:
    """bench_search.py's database helpers, when that script is present."""
    sys.path.insert(0, str(BENCH))
    try:
        import bench_search as module
    except ImportError:
        return None
    return module


# --- database (own fallback when bench_search.py is absent) ---------------------------------------


def prepare_postgres(server: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    except psycopg.OperationalError as exc:
        print(f"无法连接 PostgreSQL（{server}）：{exc}".strip())
        return None
    return f"{server}/{BENCH_DB}"


def configure_django(database_url: str) -> None:
    os.environ["YINGSHANG_DATABASE_URL"] = database_url
    os.environ["YINGSHANG_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def load_own(n: int) -> float:
    """n demo entities and their qualifications, in one transaction (COPY on PostgreSQL)."""
    import json

    from django.db import connection, transaction
    from tqdm import tqdm

    from yingshang.registry import demo
    from yingshang.registry.models import Enterprise, Qualification, industry_parts
    from yingshang.registry.scale import classify_scale

    started = time.perf_counter()
    stamp = dt.datetime(2026, 10, 31, 18, 0, tzinfo=dt.UTC)
    with transaction.atomic():
        districts, streets = demo.ensure_places()
        columns = [f.column for f in Enterprise._meta.concrete_fields]
        quals: list[tuple] = []

        def rows() -> Any:
            for pk, e in enumerate(tqdm(demo.generate_entities(n), total=n, desc="生成并写入", unit="户"), 1):
                section, division = industry_parts(e.industry)
                scale = classify_scale(
                    e.industry,
                    employees=e.employees,
                    revenue_fen=e.annual_revenue_fen,
                    assets_fen=e.total_assets_fen,
                )
                values = {
                    "id": pk,
                    "uscc": e.uscc,
                    "name": e.name,
                    "entity_type": e.entity_type,
                    "industry_id": e.industry,
                    "industry_section": section,
                    "industry_division": division,
                    "district_id": districts[e.district_code].pk,
                    "street_id": streets[(e.district_code, e.street)].pk if e.street else None,
                    "registered_on": e.registered_on,
                    "registered_capital_fen": e.registered_capital_fen,
                    "employees": e.employees,
                    "annual_revenue_fen": e.annual_revenue_fen,
                    "total_assets_fen": e.total_assets_fen,
                    "tax_paid_fen": e.tax_paid_fen,
                    "scale": scale or "",
                    "credit_class": e.credit_class,
                    "status": e.status,
                    "provenance": json.dumps(e.provenance, ensure_ascii=False),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                quals.extend(
                    (pk, q.kind, q.level, q.certified_on, q.expires_on, q.source, demo.AS_OF)
                    for q in e.qualifications
                )
                yield tuple(values[c] for c in columns)

        qual_columns = ["enterprise_id", "kind", "level", "certified_on", "expires_on", "source", "as_of"]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                raise SystemExit("没有 bench_search.py 时只能在 PostgreSQL 上生成基准数据")
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f'COPY "{Enterprise._meta.db_table}" ({names}) FROM STDIN') as copy:
                for row in rows():
                    copy.write_row(row)
            names = ", ".join(f'"{c}"' for c in qual_columns)
            with cursor.cursor.copy(f'COPY "{Qualification._meta.db_table}" ({names}) FROM STDIN') as copy:
                for row in quals:
                    copy.write_row(row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Enterprise._meta.db_table, n]
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def ensure_data(n: int, rebuild: bool, helper: Any | None) -> float | None:
    if helper is not None:
        return helper.ensure_data(n, rebuild)
    from yingshang.registry.models import Enterprise

    present = Enterprise.objects.count()
    if present == n and not rebuild:
        print(f"复用已有的基准数据：{present:,} 户市场主体")
        return None
    if present:
        raise SystemExit(f"基准库中已有 {present:,} 户（不是 {n:,} 户）：请用 bench_search.py --rebuild 重建")
    return load_own(n)


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


def machine(vendor: str) -> dict[str, str]:
    from django import get_version
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "未知",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version}"
    import polars
    import pyarrow

    return {
        "日期": dt.date.today().isoformat(),
        "CPU": f"{cpu} × {os.cpu_count()}",
        "内存": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "负载（开始时 1 分钟平均）": f"{os.getloadavg()[0]:.2f}",
        "Python": platform.python_version(),
        "Django": get_version(),
        "pyarrow / polars": f"{pyarrow.__version__} / {polars.__version__}",
        "数据库": database,
    }


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
    header = (
        "# 性能基准：企业画像快照\n\n"
        "由 `bench/bench_snapshot.py` 生成（重新运行会替换对应数据库的段落）。"
        "目标：从数据库构建 1,000,000 户的企业画像快照（政策找企业批量匹配的输入）"
        "在 PostgreSQL 上少于 30 秒。\n"
    )
    start, end = f"<!-- bench_snapshot:{key} -->", f"<!-- /bench_snapshot:{key} -->"
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else header
    block = f"{start}\n{text}\n{end}"
    if start in doc and end in doc:
        before, rest = doc.split(start, 1)
        doc = before + block + rest.split(end, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")
    print(f"已写入 {DOC.relative_to(REPO)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.entities < 1 or args.repeat < 1:
        print("--entities 与 --repeat 必须是正整数")
        return 2
    helper = bench_search()
    if args.database == "postgres":
        url = (helper.prepare_postgres if helper else prepare_postgres)(args.pg)
        if url is None:
            print("跳过 PostgreSQL 基准（可用 --database sqlite 在 SQLite 上运行）")
            return 0
    else:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    (helper.configure_django if helper else configure_django)(url)
    from django.db import connection

    info = machine(connection.vendor)
    ensure_data(args.entities, args.rebuild, helper)
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
