"""Import benchmark: 100,000 企业名录 rows, end to end (read + check + write), SQLite and PostgreSQL.

    .venv/bin/python bench/bench_import.py                  # both backends, 100,000 rows
    .venv/bin/python bench/bench_import.py --rows 20000 --no-write   # a quick look

It writes a deterministic 100,000-row file (seed 20260630) as .xlsx and, with every 从业人数 changed, as
.csv into a temporary folder; then, for each backend, into a fresh database (a temporary SQLite file;
PostgreSQL database `yingshang_bench_import` on --pg, skipped with a message when unreachable):

1. first import of the .xlsx: every row new, as `yingshang import_registry` does it (read once, apply);
2. re-import of the .csv: every row updated, as the web pages do it (preview, then 确认导入 reads the
   file again).

Each step runs in its own process, so its peak memory (max RSS) is its own. It prints a table and writes
it into docs/benchmarks.md, section bench_import (unless --no-write). Target: each step under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    DEFAULT_PG,
    REPO,
    configure_django,
    cpu_model,
    load_average,
    prepare_postgres,
    write_section,
)

DOC = REPO / "docs" / "benchmarks.md"
BENCH_DB = "yingshang_bench_import"
SEED = 20260630
TARGET_S = 60
DISTRICTS = [("610302", "渭滨区"), ("610303", "金台区"), ("610304", "陈仓区")]
# The documented headers (docs/import-format.md), in the order the export writes them.
HEADERS = [
    "统一社会信用代码",
    "名称",
    "主体类型",
    "行业代码",
    "区县",
    "街道",
    "成立日期",
    "注册资本（万元）",
    "从业人数",
    "年营业收入（万元）",
    "资产总额（万元）",
    "年纳税额（万元）",
    "信用风险分类",
    "登记状态",
]
STREETS = ["经二路街道", "清姜街道", "姜谭路街道", "桥南街道", "石鼓镇", "神农镇", "高家镇", "八鱼镇"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="企业名录导入性能基准")
    parser.add_argument("--rows", type=int, default=100_000, help="行数（默认 100,000）")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL 服务器地址（默认 {DEFAULT_PG}）")
    parser.add_argument("--database", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入 docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # setup | first | again, run in a subprocess
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the files ----------------------------------------------------------------------------------


def generate_rows(count: int, employees_shift: int = 0) -> list[list[object]]:
    sys.path.insert(0, str(REPO))
    from stdnum.cn import uscc

    from yingshang.registry.industries import industry_table

    rng = random.Random(SEED)
    leaves = sorted(code for code, entry in industry_table().items() if entry.level == "小类")
    rows = []
    for number in range(count):
        district_code, district_name = DISTRICTS[number % len(DISTRICTS)]
        body = f"91{district_code}MA{number:07d}"
        revenue = rng.randrange(0, 5_000_000) / 100  # 万元, two decimals
        rows.append(
            [
                body + uscc.calc_check_digit(body),
                f"宝鸡市{district_name}测试{number:06d}有限公司",
                rng.choice(["企业", "企业", "企业", "个体工商户", "农民专业合作社"]),
                rng.choice(leaves),
                district_name,
                rng.choice(STREETS),
                dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(0, 11_000)),
                rng.randrange(10, 100_000) / 10,
                rng.randrange(0, 2000) + employees_shift,
                revenue,
                rng.randrange(0, 2_000_000) / 100,
                rng.randrange(0, 100_000) / 100,
                rng.choice(["A", "B", "B", "C", "D", ""]),
                rng.choice(["存续"] * 18 + ["注销", "吊销"]),
            ]
        )
    return rows


def write_files(folder: Path, count: int) -> tuple[Path, Path]:
    import csv

    import openpyxl

    xlsx = folder / "企业名录-首次.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("企业名录")
    sheet.append(HEADERS)
    for row in generate_rows(count):
        sheet.append(row)
    book.save(xlsx)
    changed = folder / "企业名录-更新.csv"
    with changed.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for row in generate_rows(count, employees_shift=1):
            row[6] = row[6].isoformat()
            writer.writerow(row)
    return xlsx, changed


# --- the steps (each in its own process) --------------------------------------------------------


def run_child(args: argparse.Namespace) -> dict[str, object]:
    configure_django(args.url, migrate=False, YINGSHANG_DATA_DIR=args.data_dir, YINGSHANG_LOG_LEVEL="WARNING")
    from django.core.management import call_command

    from yingshang.registry import importer
    from yingshang.registry.models import District, User

    if args.child == "setup":
        call_command("migrate", verbosity=0)
        for code, name in DISTRICTS:
            District.objects.get_or_create(code=code, defaults={"name": name})
        User.objects.get_or_create(username="bench-admin", defaults={"role": "office_admin"})
        return {}
    user = User.objects.get(username="bench-admin")
    path = Path(args.file)
    started = time.perf_counter()
    batch, plan = importer.preview_batch(
        path, file_name=path.name, as_of=dt.date(2026, 6, 30), source="基准测试", user=user
    )
    checked = time.perf_counter()
    if not plan.ok:
        raise SystemExit(f"基准文件有问题：{plan.problems[:3]}")
    # The command hands over the plan it has just read; the web page's 确认导入 reads the file again.
    result = importer.apply_batch(batch, user=user, plan=plan if args.child == "first" else None)
    finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "rows": plan.total_rows,
        "created": result.created,
        "updated": result.updated,
        "preview_s": checked - started,
        "apply_s": finished - checked,
        "total_s": finished - started,
        "peak_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def child(step: str, url: str, data_dir: Path, file: Path | None = None) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", step, "--url", url, "--data-dir", str(data_dir)]
    if file is not None:
        command += ["--file", str(file)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- the report ---------------------------------------------------------------------------------


def table(results: list[tuple[str, str, dict[str, object]]]) -> str:
    lines = [
        "| backend | step | rows | read + check (s) | write (s) | total (s) | rows/s | Python CPU (s) "
        "| peak memory (MB) | < 60 s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for backend, step, r in results:
        total = float(r["total_s"])
        lines.append(
            f"| {backend} | {step} | {r['rows']:,} | {float(r['preview_s']):.1f} | {float(r['apply_s']):.1f} "
            f"| {total:.1f} | {int(r['rows']) / total:,.0f} | {float(r['cpu_s']):.1f} "
            f"| {float(r['peak_mb']):.0f} "
            f"| {'yes' if total < TARGET_S else 'NO'} |"
        )
    return "\n".join(lines)


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} × {cpu_model('unknown CPU')}, "
        f"load average {load_average():.1f} at start, Python {platform.python_version()}"
    )


def write_doc(text: str) -> None:
    # The method is described in docs/benchmarks.md next to the section; only the figures change.
    write_section(DOC, "bench_import", text, header="# 性能基准\n\n")


def main() -> None:
    args = parse_args()
    if args.child:
        print(json.dumps(run_child(args)))
        return
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    host = machine()
    with tempfile.TemporaryDirectory(prefix="yingshang-bench-import-") as temp:
        folder = Path(temp)
        print(f"生成 {args.rows:,} 行的测试文件……", flush=True)
        xlsx, changed = write_files(folder, args.rows)
        backends = []
        if args.database in ("both", "sqlite"):
            backends.append(("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}"))
        if args.database in ("both", "postgres"):
            url = prepare_postgres(args.pg, BENCH_DB, fresh=True)
            if url:
                backends.append(("PostgreSQL", url))
        results = []
        for backend, url in backends:
            print(f"{backend}：建库……", flush=True)
            child("setup", url, folder)
            for step, file, label in (
                ("first", xlsx, "1. first import, .xlsx, all new (command)"),
                ("again", changed, "2. re-import, .csv, all updated (web: preview + apply)"),
            ):
                print(f"{backend}：{label}……", flush=True)
                results.append((backend, label, child(step, url, folder, file)))
    text = table(results)
    print()
    print(host)
    print(text)
    if not args.no_write:
        write_doc(f"{host}\n\n{text}")


if __name__ == "__main__":
    main()
