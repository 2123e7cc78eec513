"""Spreadsheet reading benchmark: a 100,000-row 企业名录 .xlsx read into typed rows, by python-calamine
(what yingshang.core.spreadsheets uses) and by the hand-written lxml reader it replaced.

    .venv/bin/python bench/bench_spreadsheets.py                          # 100,000 rows, 3 runs each
    .venv/bin/python bench/bench_spreadsheets.py --rows 20000 --runs 1 --no-write   # a quick look

Two files hold bench_import.py's deterministic rows (seed 20260630, the 14 documented columns: codes
and names as text, dates as date cells, money as numbers with decimals):

- "house": written by the house writer (`core.spreadsheets.save_workbook`, openpyxl write-only), as the
  application's own exports are: inline strings, Chinese as XML character references;
- "Excel-like": written as Excel and WPS save a workbook: text in the shared-string table (UTF-8),
  dates as serial numbers with a date style. Uploaded files look like this one.

Each reader turns a file into typed rows the same way (`map_columns` + `typed_rows` with the core cell
parsers: dates, money in fen, integers, text); only the reader differs. The typed rows of every run
must be identical (a digest is compared), so a reader that is fast but reads a value differently fails
the benchmark.

Each run is a fresh child process: its wall time from opening the file to the last typed row, its CPU
time, and its peak memory (the process's RSS high-water mark, VmHWM, which sees calamine's Rust
allocations; tracemalloc would not), also shown as the growth over the child's RSS before reading. The
readers take turns; the best and the median of --runs runs are reported. "cells" rows time the reader
alone (rows of Python values, no typing). Prints a table and writes it into docs/benchmarks.md, section
bench_spreadsheets (unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from _common import REPO, cpu_model, load_average, write_section

DOC = REPO / "docs" / "benchmarks.md"
READERS = {"calamine": "python-calamine (core.spreadsheets)", "lxml": "hand-written lxml (before)"}
FILES = {"house": "house writer", "excel": "Excel-like"}
MODES = {"typed": "typed rows (read + parse)", "cells": "cells only (read)"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="表格（.xlsx）读取性能基准：python-calamine 对比原 lxml 读取器"
    )
    parser.add_argument("--rows", type=int, default=100_000, help="行数（默认 100,000）")
    parser.add_argument("--runs", type=int, default=3, help="每个读取器运行次数（默认 3，取最好和中位数）")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入 docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # reader name, run in a subprocess
    parser.add_argument("--mode", choices=["typed", "cells"], default="typed", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the file -------------------------------------------------------------------------------------


def write_house(path: Path, headers: Sequence[str], rows: list[list[Any]]) -> None:
    from yingshang.core.spreadsheets import Sheet, save_workbook

    save_workbook([Sheet("企业名录", headers, rows)], path)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_EXCEL_PARTS = {
    "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
    f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
    '<sheet name="企业名录" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC}/styles" Target="styles.xml"/></Relationships>',
    "xl/styles.xml": f'<styleSheet xmlns="{_MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>',
}


def write_excel_like(path: Path, headers: Sequence[str], rows: list[list[Any]]) -> None:
    """The rows as Excel saves them: shared strings (UTF-8), numbers, dates as serials in a date style."""
    from yingshang.core.spreadsheets import column_letter

    strings: dict[str, int] = {}
    epoch = dt.date(1899, 12, 30)
    letters = [column_letter(i) for i in range(len(headers))]
    lines = []
    for number, values in enumerate([list(headers), *rows], start=1):
        cells = []
        for letter, value in zip(letters, values, strict=False):
            ref = f"{letter}{number}"
            if value is None or value == "":
                continue
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>')
            elif isinstance(value, dt.date):
                cells.append(f'<c r="{ref}" s="1"><v>{(value - epoch).days}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
        lines.append(f'<row r="{number}">{"".join(cells)}</row>')
    sheet = f'<worksheet xmlns="{_MAIN}"><sheetData>{"".join(lines)}</sheetData></worksheet>'
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in _EXCEL_PARTS.items():
            archive.writestr(member, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr(
            "xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}" count="{len(strings)}">{shared}</sst>'
        )


def write_files(folder: Path, count: int) -> dict[str, Path]:
    from bench_import import HEADERS, generate_rows

    rows = generate_rows(count)
    paths = {"house": folder / "企业名录-house.xlsx", "excel": folder / "企业名录-excel.xlsx"}
    write_house(paths["house"], HEADERS, rows)
    write_excel_like(paths["excel"], HEADERS, rows)
    return paths


# --- a run (in its own process) -------------------------------------------------------------------


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process from /proc, in MB (0 where there is none).

    Not ru_maxrss: Linux carries the parent's peak over fork and exec, so a child started by a parent
    holding the generated rows would report the parent's peak."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith(field)), 0.0)


def column_specs() -> list[Any]:
    from yingshang.core.spreadsheets import ColumnSpec, cell_text, parse_date, parse_integer, parse_money_fen

    def money(label: str) -> Any:
        return lambda raw: parse_money_fen(raw, label, "wan")

    return [
        ColumnSpec("uscc", "统一社会信用代码", cell_text, required=True),
        ColumnSpec("name", "名称", cell_text, required=True),
        ColumnSpec("entity_type", "主体类型", cell_text),
        ColumnSpec("industry", "行业代码", cell_text),
        ColumnSpec("district", "区县", cell_text),
        ColumnSpec("street", "街道", cell_text),
        ColumnSpec("registered_on", "成立日期", lambda raw: parse_date(raw, "成立日期")),
        ColumnSpec("capital_fen", "注册资本（万元）", money("注册资本")),
        ColumnSpec("employees", "从业人数", lambda raw: parse_integer(raw, "从业人数", minimum=0)),
        ColumnSpec("revenue_fen", "年营业收入（万元）", money("年营业收入")),
        ColumnSpec("assets_fen", "资产总额（万元）", money("资产总额")),
        ColumnSpec("tax_fen", "年纳税额（万元）", money("年纳税额")),
        ColumnSpec("credit_class", "信用风险分类", cell_text),
        ColumnSpec("status", "登记状态", cell_text),
    ]


def run_child(reader: str, mode: str, path: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    import _lxml_reader

    from yingshang.core import spreadsheets

    read_xlsx = spreadsheets.read_xlsx if reader == "calamine" else _lxml_reader.read_xlsx
    specs = column_specs()
    base = memory_mb("VmRSS")
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    [table] = read_xlsx(path)
    digest = hashlib.sha256()
    problems: list[Any] = []
    rows = 0
    if mode == "cells":
        for _number, cells in table.rows:
            rows += 1
            digest.update(repr(cells[:1]).encode())
    else:
        header = spreadsheets.find_header(table, ["统一社会信用代码"])
        assert header is not None
        columns = spreadsheets.map_columns(header.cells, specs, sheet=table.name)
        for row in spreadsheets.typed_rows(
            header.rows, columns.columns, sheet=table.name, report=problems.append
        ):
            rows += 1
            digest.update(repr(sorted(row.values.items())).encode())
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mb": memory_mb("VmHWM"),
        "base_mb": base,
        "problems": len(problems),
        "digest": digest.hexdigest(),
    }


def child(reader: str, mode: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", reader, "--mode", mode, "--file", str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- the report -----------------------------------------------------------------------------------


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    times = [float(r["seconds"]) for r in runs]
    return {
        "rows": runs[0]["rows"],
        "best": min(times),
        "median": statistics.median(times),
        "cpu": min(float(r["cpu_s"]) for r in runs),
        "peak": max(float(r["peak_mb"]) for r in runs),
        "growth": max(float(r["peak_mb"]) - float(r["base_mb"]) for r in runs),
        "digest": runs[0]["digest"],
        "problems": runs[0]["problems"],
    }


Result = tuple[str, str, str, dict[str, Any]]  # file, reader, mode, summary


def table(results: list[Result]) -> str:
    lines = [
        "| file | reader | what | rows | best (s) | median (s) | rows/s (best) | CPU (s, best) "
        "| peak RSS (MB) | RSS growth (MB) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for file, reader, mode, r in results:
        lines.append(
            f"| {FILES[file]} | {READERS[reader]} | {MODES[mode]} | {r['rows']:,} | {r['best']:.2f} "
            f"| {r['median']:.2f} | {r['rows'] / r['best']:,.0f} | {r['cpu']:.2f} | {r['peak']:.0f} "
            f"| {r['growth']:.0f} |"
        )
    return "\n".join(lines)


def verdict(results: list[Result]) -> str:
    lines = []
    for file in FILES:
        typed = {reader: r for f, reader, mode, r in results if f == file and mode == "typed"}
        calamine, lxml = typed["calamine"], typed["lxml"]
        memory = calamine["growth"] - lxml["growth"]
        lines.append(
            f"- {FILES[file]}: typed rows {lxml['best'] / calamine['best']:.2f}× as fast with calamine by "
            f"wall time (best {calamine['best']:.2f} s against {lxml['best']:.2f} s), "
            f"{lxml['cpu'] / calamine['cpu']:.2f}× by CPU time ({calamine['cpu']:.2f} s against "
            f"{lxml['cpu']:.2f} s; the steadier figure on a busy machine), "
            f"{abs(memory):.0f} MB {'more' if memory > 0 else 'less'} memory growth."
        )
    lines.append("- Every run read identical typed rows.")
    return "\n".join(lines)


def machine() -> str:
    from importlib.metadata import version

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} × {cpu_model('unknown CPU')}, "
        f"load average {load_average():.1f} at start, Python {platform.python_version()}, "
        f"python-calamine {version('python-calamine')}"
    )


def main() -> None:
    args = parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.mode, Path(args.file))))
        return
    sys.path.insert(0, str(REPO))
    host = machine()
    with tempfile.TemporaryDirectory(prefix="yingshang-bench-sheets-") as temp:
        print(f"生成 {args.rows:,} 行的测试文件……", flush=True)
        started = time.perf_counter()
        paths = write_files(Path(temp), args.rows)
        sizes = "，".join(f"{FILES[k]} {p.stat().st_size / 1024 / 1024:.1f} MB" for k, p in paths.items())
        print(f"  用时 {time.perf_counter() - started:.1f} 秒；{sizes}", flush=True)
        results: list[Result] = []
        for file, path in paths.items():
            for mode in MODES:
                # The readers take turns, so a change in the machine's load hits both alike.
                print(f"{FILES[file]} / {MODES[mode]} ×{args.runs}……", flush=True)
                runs: dict[str, list[dict[str, Any]]] = {reader: [] for reader in READERS}
                for _ in range(args.runs):
                    for reader in READERS:
                        runs[reader].append(child(reader, mode, path))
                results += [(file, reader, mode, summarise(runs[reader])) for reader in READERS]
    for mode in MODES:
        if len({r["digest"] for _, _, m, r in results if m == mode}) != 1:
            raise SystemExit(f"读取器读出的数据不一致（{MODES[mode]}）：不能比较速度")
    if any(r["problems"] for _, _, _, r in results):
        raise SystemExit("基准文件读出了问题，请检查生成的数据")
    text = table(results)
    summary = verdict(results)
    print()
    print(host)
    print(text)
    print(summary)
    if not args.no_write:
        write_section(DOC, "bench_spreadsheets", f"{host}\n\n{text}\n\n{summary}", header="# 性能基准\n\n")


if __name__ == "__main__":
    main()
