"""Policy matching benchmark (政策找企业): the batch engine over a million profiles, and the 政策计算器.

    .venv/bin/python bench/bench_policies.py                          # 1,000,000 × 200, 3 runs
    .venv/bin/python bench/bench_policies.py --entities 100000 --runs 1 --no-write   # a quick look

1. Batch: a synthetic snapshot of N profiles (generated with numpy from a fixed seed, realistic null
   rates; cached under var/bench/ as an Arrow file) × 200 current items (the shipped packs plus
   variants with other thresholds, amounts and qualification kinds). Each run is a fresh child process
   that reads the snapshot into memory, then times `evaluate_batch` from the in-memory snapshot to the
   stored-ready result table; the child's peak RSS (ru_maxrss) is the run's own memory figure.
2. Per-row Python: `calculate()` (explanations included) on a sample of enterprises against the same
   200 items, extrapolated to N × 200 and compared with the batch time.
3. 政策计算器: one enterprise against the 200 items, p50/p95 over random enterprises.

Targets: batch under 3 s and under 4 GB; calculator p95 under 20 ms. Prints a table and writes it to
docs/benchmarks.md, section bench_policies (unless --no-write).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from _common import REPO, cpu_model, load_average, memory_gib, percentile, write_section

sys.path.insert(0, str(REPO))

import numpy as np
import polars as pl
import pyarrow as pa

from yingshang.policies.rules import ast
from yingshang.policies.rules.batch import (
    QUALIFICATIONS_TYPE,
    evaluate_batch,
    profile_schema,
    table_profiles,
)
from yingshang.policies.rules.calculator import calculate
from yingshang.policies.rules.fields import FieldType, field_registry, qualification_kinds
from yingshang.policies.rules.model import Item, Pack
from yingshang.policies.rules.pack import load_pack_file, shipped_pack_paths
from yingshang.policies.rules.profile import profile_from

DOC = REPO / "docs" / "benchmarks.md"
CACHE = REPO / "var" / "bench"
AS_OF = dt.date(2026, 6, 30)
SEED = 20260630
ITEMS = 200
TARGET_BATCH_S = 3.0
TARGET_RSS_GB = 4.0
TARGET_CALC_P95_MS = 20.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="政策匹配引擎性能基准")
    parser.add_argument("--entities", type=int, default=1_000_000, help="企业数量（默认 1,000,000）")
    parser.add_argument("--items", type=int, default=ITEMS, help="奖励项数量（默认 200）")
    parser.add_argument("--runs", type=int, default=3, help="批量匹配重复次数（默认 3）")
    parser.add_argument("--sample", type=int, default=2_000, help="逐户计算的抽样企业数（默认 2,000）")
    parser.add_argument("--calculator", type=int, default=500, help="政策计算器计时的企业数（默认 500）")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入文档")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- synthetic profiles ---------------------------------------------------------------------------


def _pick(rng: np.random.Generator, n: int, choices: list[object], weights: list[float]) -> list[object]:
    """n draws of `choices` (None allowed) with the given weights."""
    p = np.asarray(weights, dtype=float)
    index = rng.choice(len(choices), size=n, p=p / p.sum())
    table = np.array(choices, dtype=object)
    return table[index].tolist()


def _nulls(rng: np.random.Generator, values: np.ndarray, rate: float) -> pa.Array:
    return pa.array(values, mask=rng.random(len(values)) < rate)


def _days(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    span = (end - start).days
    return (np.datetime64(start) + rng.integers(0, span + 1, n).astype("timedelta64[D]")).astype(
        "datetime64[D]"
    )


def _money(rng: np.random.Generator, n: int, median_yuan: float, sigma: float) -> np.ndarray:
    return (rng.lognormal(np.log(median_yuan), sigma, n) * 100).astype(np.int64)


def _qualifications(rng: np.random.Generator, n: int) -> pa.Array:
    """~13% of entities hold 1–3 records; 2% have no known list (null); levels, dates, expiry as in life."""
    counts = rng.choice(4, size=n, p=[0.85, 0.10, 0.04, 0.01])
    unknown = rng.random(n) < 0.02
    counts[unknown] = 0
    total = int(counts.sum())
    kinds = list(qualification_kinds().values())
    weights = {
        "tech_sme": 25,
        "hnte": 15,
        "srdi_sme": 12,
        "above_scale_industry": 10,
        "above_quota_trade": 8,
        "innovative_sme": 8,
        "little_giant": 1,
        "single_champion": 1,
    }
    chosen = _pick(rng, total, [k.code for k in kinds], [weights.get(k.code, 1.0) for k in kinds])
    levels_of = {k.code: k.levels for k in kinds}
    levels = []
    for code, draw in zip(chosen, rng.random(total), strict=True):
        allowed = levels_of[code]
        if not allowed or draw < 0.03:
            levels.append(None)
        else:
            levels.append(allowed[int(draw * 1000) % len(allowed)])
    certified = _days(rng, total, dt.date(2019, 1, 1), dt.date(2026, 6, 30))
    expires = certified + np.timedelta64(3 * 365, "D")
    first = certified - rng.integers(0, 3 * 365, total).astype("timedelta64[D]")
    first_draw = rng.random(total)
    first = np.where(first_draw < 0.5, certified, first)
    records = pa.StructArray.from_arrays(
        [
            pa.array(chosen, pa.string()),
            pa.array(levels, pa.string()),
            pa.array(certified, pa.date32()),
            pa.array(expires, pa.date32(), mask=rng.random(total) < 0.3),
            pa.array(first, pa.date32(), mask=first_draw > 0.8),
        ],
        fields=list(QUALIFICATIONS_TYPE.value_type),
    )
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, records, mask=pa.array(unknown))


def _confirmed(rng: np.random.Generator, n: int) -> pa.Array:
    untracked = [k.code for k in qualification_kinds().values() if not k.tracked]
    counts = np.where(rng.random(n) < 0.03, rng.integers(1, 3, n), 0)
    values = _pick(rng, int(counts.sum()), untracked, [1.0] * len(untracked))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(values, pa.string()))


def synthetic_profiles(n: int, seed: int = SEED) -> pa.Table:
    """n profiles conforming to `profile_schema()`: registry fields mostly known, fields the registry does
    not hold yet (研发费用, 新增就业人数 …) known for 5–10% of entities, like a real district."""
    rng = np.random.default_rng(seed)
    index = pl.int_range(n, eager=True)
    entity = _pick(rng, n, ["enterprise", "individual", "cooperative"], [0.30, 0.67, 0.03])
    sections = ["A", "C", "E", "F", "G", "H", "I", "K", "L", "M", "O"]
    section = _pick(rng, n, [*sections, None], [2, 15, 5, 8, 30, 12, 6, 2, 3, 5, 10, 2])
    scope = _pick(
        rng,
        n,
        [
            "餐饮服务；食品销售",
            "日用百货零售",
            "软件开发；信息技术咨询",
            "机械设备制造",
            "建筑工程施工",
            None,
        ],
        [20, 20, 10, 10, 10, 30],
    )
    columns: dict[str, pa.Array] = {
        "uscc": pa.array(("91610302" + index.cast(pl.String).str.zfill(10)).to_list(), pa.string()),
        "name": pa.array(("企业" + index.cast(pl.String)).to_list(), pa.string()),
        "entity_type": pa.array(entity, pa.string()),
        "industry_code": pa.array(section, pa.string()),
        "industry_section": pa.array(section, pa.string()),
        "industry_division": pa.array([None] * n, pa.string()),
        "district": pa.array(_pick(rng, n, ["XX区", "YY区"], [0.85, 0.15]), pa.string()),
        "street": pa.array(
            _pick(rng, n, ["东风街道", "西关街道", "南关街道", None], [4, 3, 2, 1]), pa.string()
        ),
        "registered_on": _nulls(rng, _days(rng, n, dt.date(1995, 1, 1), dt.date(2026, 6, 30)), 0.01),
        "registered_capital_fen": _nulls(rng, _money(rng, n, 500_000, 1.5), 0.2),
        "employees": _nulls(rng, rng.lognormal(np.log(6), 1.2, n).astype(np.int64), 0.1),
        "annual_revenue_fen": _nulls(rng, _money(rng, n, 2_000_000, 1.8), 0.3),
        "total_assets_fen": _nulls(rng, _money(rng, n, 3_000_000, 1.8), 0.4),
        "tax_paid_fen": _nulls(rng, _money(rng, n, 50_000, 1.8), 0.3),
        "scale": pa.array(
            _pick(rng, n, ["large", "medium", "small", "micro", None], [1, 5, 20, 60, 14]), pa.string()
        ),
        "credit_class": pa.array(_pick(rng, n, ["A", "B", "C", "D", None], [60, 25, 5, 2, 8]), pa.string()),
        "status": pa.array(_pick(rng, n, ["active", "deregistered", "revoked"], [95, 3, 2]), pa.string()),
        "qualifications": _qualifications(rng, n),
        "rd_expense_fen": _nulls(rng, _money(rng, n, 800_000, 1.5), 0.93),
        "new_hires": _nulls(rng, rng.integers(0, 60, n), 0.9),
        "hired_graduates": _nulls(rng, rng.integers(0, 20, n), 0.9),
        "insured_employees": _nulls(rng, rng.integers(0, 200, n), 0.9),
        "unemployment_insurance_paid_fen": _nulls(rng, _money(rng, n, 20_000, 1.2), 0.9),
        "layoff_rate": pa.array(
            [Decimal(v) / 10 for v in rng.integers(0, 120, n).tolist()],
            pa.decimal128(18, 6),
            mask=rng.random(n) < 0.92,
        ),
        "listing_stage": pa.array(
            _pick(rng, n, ["none", "tutoring", "accepted", None], [5, 0.2, 0.1, 94.7]), pa.string()
        ),
        "revenue_growth": pa.array(
            [Decimal(v) / 10 for v in rng.integers(-300, 600, n).tolist()],
            pa.decimal128(18, 6),
            mask=rng.random(n) < 0.9,
        ),
        "rent_paid_fen": _nulls(rng, _money(rng, n, 60_000, 1.0), 0.9),
        "guaranteed_loan_interest_fen": _nulls(rng, _money(rng, n, 5_000, 1.0), 0.97),
        "serious_dishonesty": _nulls(rng, rng.random(n) < 0.01, 0.85),
        "tax_credit_rating": pa.array(
            _pick(rng, n, ["A", "B", "M", "C", "D", None], [4, 3, 1, 0.5, 0.5, 91]), pa.string()
        ),
        "business_scope": pa.array(scope, pa.string()),
        "qualification_kinds_confirmed": _confirmed(rng, n),
    }
    schema = profile_schema()
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in schema], schema=schema)


def cached_profiles(n: int) -> pa.Table:
    """The snapshot from var/bench/ (generated once per size and seed)."""
    path = CACHE / f"policy_profiles_{n}_{SEED}.arrow"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        table = synthetic_profiles(n)
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=max(n, 1))
    with pa.OSFile(str(path), "rb") as source:
        return pa.ipc.open_file(source).read_all()


# --- 200 items ------------------------------------------------------------------------------------


def shipped_packs() -> list[Pack]:
    packs = []
    for path in shipped_pack_paths():
        pack, errors = load_pack_file(path, run_cases=False)
        assert pack is not None, errors
        packs.append(pack)
    return packs


FACTORS = (0.5, 0.8, 1.25, 1.5, 2.0)


def _scaled(value: ast.Value, f_type: FieldType, factor: float) -> ast.Value:
    if f_type is FieldType.PERCENT:
        return (Decimal(value) * Decimal(str(factor))).quantize(Decimal("0.1"))  # type: ignore[arg-type]
    if f_type is FieldType.MONEY:
        return int(int(value) * factor) // 100 * 100  # type: ignore[call-overload]
    if f_type is FieldType.INT:
        return max(int(int(value) * factor), 1)  # type: ignore[call-overload]
    return value


def _other_kind(leaf: ast.HasQualification, rng: random.Random) -> ast.HasQualification:
    kind = rng.choice(list(qualification_kinds().values()))
    levels = tuple(level for level in leaf.levels if level in kind.levels)
    if leaf.levels and kind.levels and not levels:
        levels = kind.levels[:1]
    return dataclasses.replace(leaf, kind=kind.code, levels=levels if kind.levels else ())


def _vary_node(node: ast.Node, rng: random.Random, swap_kinds: bool) -> ast.Node:
    if isinstance(node, ast.AllOf | ast.AnyOf):
        return type(node)(tuple(_vary_node(c, rng, swap_kinds) for c in node.children))
    if isinstance(node, ast.Not):
        return ast.Not(_vary_node(node.child, rng, swap_kinds))
    if isinstance(node, ast.HasQualification):
        return _other_kind(node, rng) if swap_kinds and rng.random() < 0.6 else node
    if isinstance(node, ast.Compare | ast.Between):
        f_type = field_registry()[node.field].type
        if f_type not in (FieldType.INT, FieldType.MONEY, FieldType.PERCENT):
            return node
        factor = rng.choice(FACTORS)
        if isinstance(node, ast.Compare):
            return dataclasses.replace(node, value=_scaled(node.value, f_type, factor))
        return dataclasses.replace(
            node, low=_scaled(node.low, f_type, factor), high=_scaled(node.high, f_type, factor)
        )
    if isinstance(node, ast.YearsSince):
        return dataclasses.replace(node, years=max(1, node.years + rng.choice((-1, 1, 2))))
    return node


def _vary_amount(amount: ast.Amount, rng: random.Random) -> ast.Amount:
    factor = rng.choice(FACTORS)
    if isinstance(amount, ast.Fixed):
        return ast.Fixed(int(amount.fen * factor) // 100 * 100)
    if isinstance(amount, ast.Tiered):
        return dataclasses.replace(
            amount, tiers=tuple((level, int(fen * factor) // 100 * 100) for level, fen in amount.tiers)
        )
    cap = int(amount.cap_fen * factor) // 100 * 100 if amount.cap_fen else None
    if isinstance(amount, ast.Percentage):
        return dataclasses.replace(amount, rate=Decimal(rng.choice((5, 10, 20, 30, 50, 60))), cap_fen=cap)
    return dataclasses.replace(amount, each_fen=int(amount.each_fen * factor) // 100 * 100, cap_fen=cap)


def _vary_item(item: Item, k: int, rng: random.Random) -> Item:
    swap = not isinstance(item.amount, ast.Tiered)
    group = f"{item.exclusivity_group}（变体{k}）" if item.exclusivity_group else None
    return dataclasses.replace(
        item,
        id=f"{item.id}_v{k}",
        title=f"{item.title}（变体{k}）",
        conditions=_vary_node(item.conditions, rng, swap),
        amount=_vary_amount(item.amount, rng),
        exclusivity_group=group,
        cases=(),
    )


def bench_packs(total: int = ITEMS, seed: int = SEED) -> list[Pack]:
    """The shipped packs plus variant packs until `total` items are current on AS_OF."""
    rng = random.Random(seed)
    base = shipped_packs()
    packs = list(base)
    count = sum(1 for p in base for _, i in p.items() if i.is_current(AS_OF))
    k = 0
    while count < total:
        k += 1
        for pack in base:
            policies = []
            for policy in pack.policies:
                items = []
                for item in policy.items:
                    if count < total and item.is_current(AS_OF):
                        items.append(_vary_item(item, k, rng))
                        count += 1
                if items:
                    policies.append(dataclasses.replace(policy, id=f"{policy.id}_v{k}", items=tuple(items)))
            if policies:
                packs.append(dataclasses.replace(pack, id=f"{pack.id}_v{k}", policies=tuple(policies)))
    return packs


def current_item_count(packs: list[Pack]) -> int:
    return sum(1 for p in packs for _, i in p.items() if i.is_current(AS_OF))


# --- measurements ---------------------------------------------------------------------------------


def run_batch_child(n: int, items: int) -> dict[str, object]:
    """In this (child) process: load the snapshot, time evaluate_batch once, report time, rows and memory."""
    table = cached_profiles(n)
    packs = bench_packs(items)
    loaded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    evaluate_batch(table.slice(0, 1000), packs, AS_OF)  # compile and warm up on a small slice
    started, cpu = time.perf_counter(), time.process_time()
    result = evaluate_batch(table, packs, AS_OF)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    verdicts = pl.from_arrow(result.column("verdict")).value_counts()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": result.num_rows,
        "result_bytes": result.get_total_buffer_size(),
        "snapshot_bytes": table.nbytes,
        "loaded_rss_kb": loaded_rss,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "verdicts": {str(k): int(v) for k, v in verdicts.iter_rows()},
    }


def batch_runs(n: int, items: int, runs: int) -> list[dict[str, object]]:
    cached_profiles(n)  # generate once, outside the timed children
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, __file__, "--child", f"{n}:{items}"], capture_output=True, text=True, check=True
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def per_row_python(table: pa.Table, packs: list[Pack], sample: int) -> tuple[float, int]:
    """Seconds for `calculate()` over `sample` enterprises × every item, and the pairs it evaluated."""
    profiles = table_profiles(table.slice(0, sample))
    started = time.perf_counter()
    pairs = 0
    for raw in profiles:
        profile = profile_from(raw)
        for pack in packs:
            pairs += len(calculate(pack, profile, AS_OF).items)
    return time.perf_counter() - started, pairs


def calculator_latency(table: pa.Table, packs: list[Pack], count: int) -> tuple[list[float], list[float]]:
    """Milliseconds per enterprise (wall clock, and this thread's CPU time): read its profile, then every
    pack with explanations."""
    rng = random.Random(SEED)
    rows = [rng.randrange(table.num_rows) for _ in range(count)]
    profiles = table_profiles(table.take(rows))
    for raw in profiles[:20]:  # warm-up
        for pack in packs:
            calculate(pack, raw, AS_OF)
    wall, cpu = [], []
    for raw in profiles:
        started, thread = time.perf_counter(), time.thread_time()
        profile = profile_from(raw)
        for pack in packs:
            calculate(pack, profile, AS_OF)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - thread) * 1000)
    return wall, cpu


def machine() -> str:
    gib = memory_gib()
    memory = "RAM unknown" if gib is None else f"{gib:.0f} GB RAM"
    return (
        f"{os.cpu_count()} CPU（{cpu_model('unknown CPU')}），{memory}，Python {platform.python_version()}，"
        f"polars {pl.__version__}，pyarrow {pa.__version__}，开始时 1 分钟负载 {load_average():.2f}"
    )


def report(args: argparse.Namespace) -> str:
    n, items = args.entities, args.items
    packs = bench_packs(items)
    assert current_item_count(packs) == items
    runs = batch_runs(n, items, args.runs)
    times = [float(r["seconds"]) for r in runs]  # type: ignore[arg-type]
    cpus = [float(r["cpu_seconds"]) for r in runs]  # type: ignore[arg-type]
    peaks = [int(r["peak_rss_kb"]) / 1024 / 1024 for r in runs]  # type: ignore[call-overload]
    loaded = [int(r["loaded_rss_kb"]) / 1024 / 1024 for r in runs]  # type: ignore[call-overload]
    first = runs[0]
    table = cached_profiles(n)
    sample = min(args.sample, n)
    python_s, pairs = per_row_python(table, packs, sample)
    extrapolated = python_s / pairs * n * items
    latency, latency_cpu = calculator_latency(table, packs, min(args.calculator, n))
    p50, p95 = percentile(latency, 0.5), percentile(latency, 0.95)
    cpu50, cpu95 = percentile(latency_cpu, 0.5), percentile(latency_cpu, 0.95)
    ok = "✓" if min(times) < TARGET_BATCH_S and max(peaks) < TARGET_RSS_GB else "✗"
    calc_ok = "✓" if p95 < TARGET_CALC_P95_MS else "✗"
    verdicts: dict[str, int] = first["verdicts"]  # type: ignore[assignment]
    kept, result_mib = int(first["rows"]), int(first["result_bytes"]) / 2**20  # type: ignore[call-overload]
    snapshot_mib = int(first["snapshot_bytes"]) / 2**20  # type: ignore[call-overload]
    eligible, pending = verdicts.get("eligible", 0), verdicts.get("needs_confirmation", 0)
    lines = [
        f"测量时间：{dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %z')}；机器：{machine()}。",
        "",
        "| 场景 | 结果 | 目标 |",
        "|---|---|---|",
        f"| 批量匹配 {n:,} 户 × {items} 项（内存快照 → 待入库结果表），最好 / 中位 / 最差"
        f"（{len(runs)} 次） | {min(times):.2f} s / {statistics.median(times):.2f} s / {max(times):.2f} s"
        f" | < {TARGET_BATCH_S:.0f} s {ok} |",
        f"| 批量匹配 CPU 时间（各线程合计），最好 / 中位 | {min(cpus):.2f} s / "
        f"{statistics.median(cpus):.2f} s | |",
        f"| 批量匹配峰值内存（子进程 RSS；其中载入快照后 {statistics.median(loaded):.2f} GB） | "
        f"{max(peaks):.2f} GB | < {TARGET_RSS_GB:.0f} GB |",
        f"| 保留的（企业, 奖励项）对 | {kept:,}（符合 {eligible:,}，需企业确认 {pending:,}）；"
        f"结果表 {result_mib:.0f} MiB，快照 {snapshot_mib:.0f} MiB | |",
        f"| 逐户 Python 计算（calculate，含解释）{sample:,} 户 × {items} 项 | {python_s:.2f} s，"
        f"{python_s / pairs * 1e6:.1f} µs/对；外推 {n:,} 户 {extrapolated / 60:.1f} 分钟 | |",
        f"| 批量 / 逐户速度比 | {extrapolated / min(times):,.0f} 倍 | |",
        f"| 政策计算器：1 户 × {items} 项（含解释），{len(latency)} 户 | p50 {p50:.1f} ms，p95 {p95:.1f} ms，"
        f"最大 {max(latency):.1f} ms | p95 < {TARGET_CALC_P95_MS:.0f} ms {calc_ok} |",
        f"| 政策计算器 CPU 时间（本线程） | p50 {cpu50:.1f} ms，p95 {cpu95:.1f} ms | |",
    ]
    return "\n".join(lines)


def write_doc(table: str) -> None:
    # The method is described in docs/benchmarks.md next to the section; only the figures change.
    write_section(DOC, "bench_policies", table, header="# 性能基准\n\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        n, items = (int(x) for x in args.child.split(":"))
        print(json.dumps(run_batch_child(n, items)))
        return 0
    table = report(args)
    print(table)
    if not args.no_write:
        write_doc(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
