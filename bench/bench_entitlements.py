"""政策兑现 benchmark: entitlements from a batch result of 100,000 pairs, on PostgreSQL.

    .venv/bin/python bench/bench_entitlements.py                     # 100,000 pairs over 50,000 entities
    .venv/bin/python bench/bench_entitlements.py --pairs 20000 --no-write   # a quick look

Database `yingshang_bench_entitlements` on --pg (default postgres://postgres@127.0.0.1:5432), created
when missing; without a reachable server the script says so and exits 0. Entities come from the demo
district's generator (loaded with COPY by bench_search's loader, reused when the count matches); the
shipped packs are synced; a finished match run is written directly (COPY) with the wanted number of
pairs spread over the items (70% eligible with an amount, 30% needing confirmation).

Then `create_entitlements_from_run` is timed three times, each in its own transaction as in production:
1. the first run: every pair becomes an entitlement (with its history row);
2. the same run again: nothing changes;
3. a second run in which 10% of the amounts changed and 5% of the pairs are gone: unpushed ones are
   updated, missing ones flagged for review.
Target: under 30 s for 100,000 pairs. The table goes into docs/benchmarks.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass

from _common import (
    DEFAULT_PG,
    REPO,
    configure_django,
    database_name,
    machine_facts,
    prepare_postgres,
    write_section,
)

DOC = REPO / "docs" / "benchmarks.md"
BENCH_DB = "yingshang_bench_entitlements"
TARGET_S = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="政策兑现：从批量匹配结果生成兑现事项的性能基准")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL 服务器地址（默认 {DEFAULT_PG}）")
    parser.add_argument("--pairs", type=int, default=100_000, help="匹配结果对数（默认 100,000）")
    parser.add_argument("--entities", type=int, default=50_000, help="市场主体数量（默认 50,000）")
    parser.add_argument("--rebuild", action="store_true", help="重新载入市场主体")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入 docs/benchmarks.md")
    return parser.parse_args(argv)


@dataclass
class Timing:
    scenario: str
    pairs: int
    created: int
    updated: int
    unchanged: int
    flagged: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.seconds < TARGET_S


def write_run(pairs: list[tuple], items: list[dict]) -> object:
    """A finished match run holding `pairs` (enterprise_id, district_id, item_id, verdict, mode, amount),
    written with COPY like a real run stores its results."""
    from django.db import connection, transaction
    from django.utils import timezone

    from yingshang.policies.models import RESULT_COLUMNS, MatchResult, MatchRun, PolicyPack
    from yingshang.policies.testing import AS_OF

    with transaction.atomic():
        run = MatchRun.objects.create(
            kind="match",
            state="done",
            as_of=AS_OF,
            finished_at=timezone.now(),
            snapshot_taken_at=timezone.now(),
            summary={"items": [{"key": i["key"], "item_pk": i["pk"]} for i in items]},
        )
        run.packs.set(PolicyPack.objects.filter(is_working=True))
        names = ", ".join(f'"{c}"' for c in RESULT_COLUMNS)
        empty = json.dumps([])
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f'COPY "{MatchResult._meta.db_table}" ({names}) FROM STDIN') as copy,
        ):
            for enterprise_id, district_id, item_id, verdict, mode, amount in pairs:
                payable = amount if verdict == "eligible" else 0
                confirm = (
                    json.dumps(["企业确认的条件（基准数据）"], ensure_ascii=False) if payable == 0 else empty
                )
                copy.write_row(
                    (
                        run.pk,
                        enterprise_id,
                        item_id,
                        district_id,
                        verdict,
                        mode,
                        amount,
                        payable,
                        empty,
                        confirm,
                    )
                )
    return run


def build_pairs(n_pairs: int, seed: int = 11) -> tuple[list[tuple], list[dict]]:
    """n_pairs (enterprise, item) pairs over the stored entities and the working items."""
    from yingshang.policies.models import RewardItem
    from yingshang.registry.models import Enterprise

    rng = random.Random(seed)
    rows = list(
        RewardItem.objects.filter(policy__pack__is_working=True).order_by("pk").values("pk", "key", "mode")
    )
    entities = list(Enterprise.objects.order_by("pk").values_list("pk", "district_id"))
    per_entity = -(-n_pairs // len(entities))
    if per_entity > len(rows):
        raise SystemExit(f"{len(entities):,} 户 × {len(rows)} 项不足 {n_pairs:,} 对，请增加 --entities")
    pairs = []
    for enterprise_id, district_id in entities:
        for item in rng.sample(rows, per_entity):
            verdict = "eligible" if rng.random() < 0.7 else "needs_confirmation"
            amount = rng.choice([1_000_000, 5_000_000, 10_000_000, 20_000_000])
            pairs.append((enterprise_id, district_id, item["pk"], verdict, item["mode"], amount))
            if len(pairs) == n_pairs:
                return pairs, rows
    return pairs, rows


def changed(pairs: list[tuple], seed: int = 12) -> list[tuple]:
    """The second run: 10% of the amounts changed, 5% of the pairs gone."""
    rng = random.Random(seed)
    result = []
    for pair in pairs:
        roll = rng.random()
        if roll < 0.05:
            continue
        if roll < 0.15:
            pair = (*pair[:5], pair[5] + 1_000_000)
        result.append(pair)
    return result


def clear_entitlements() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE policies_entitlementnote, policies_historicalentitlement, policies_objection, "
            "policies_historicalobjection, policies_entitlement, policies_matchresult, "
            "policies_matchrun_packs, policies_matchrun RESTART IDENTITY CASCADE"
        )


def timed(scenario: str, run: object, n_pairs: int) -> Timing:
    from tqdm import tqdm

    from yingshang.entitlements.services import create_entitlements_from_run

    bar = tqdm(desc=scenario, unit="对", total=n_pairs)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    started = time.perf_counter()
    summary = create_entitlements_from_run(run, progress=progress)
    seconds = time.perf_counter() - started
    bar.close()
    return Timing(
        scenario, n_pairs, summary.created, summary.updated, summary.unchanged, summary.flagged, seconds
    )


def section_text(info: dict[str, str], entities: int, timings: list[Timing]) -> str:
    lines = [f"### PostgreSQL，{entities:,} 户市场主体，{timings[0].pairs:,} 对匹配结果", ""]
    lines += [f"- {key}：{value}" for key, value in info.items()]
    lines.append(f"- 负载（计时结束时 1 分钟平均）：{os.getloadavg()[0]:.2f}")
    lines += [
        "",
        "每次调用 `create_entitlements_from_run` 是一个事务；新增的每条兑现事项同时写一条变更记录"
        "（django-simple-history 的历史表；PostgreSQL 上与兑现事项一样用 COPY 写入）。",
        "",
        "| 场景 | 结果对数 | 新增 | 更新 | 未变 | 标记待复核 | 用时 (秒) | < 30 秒 |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.scenario} | {t.pairs:,} | {t.created:,} | {t.updated:,} | {t.unchanged:,} | {t.flagged:,} "
            f"| {t.seconds:.1f} | {'✓' if t.ok else '✗'} |"
        )
    return "\n".join([*lines, ""])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.pairs < 1 or args.entities < 1:
        print("--pairs 与 --entities 必须是正整数")
        return 2
    url = prepare_postgres(args.pg, BENCH_DB)
    if url is None:
        print("跳过政策兑现基准（需要 PostgreSQL）")
        return 0
    configure_django(url)
    import bench_search
    from django.db import connection

    from yingshang.policies.services import sync_shipped_packs

    info = machine_facts(database_name(connection.vendor))
    bench_search.ensure_data(args.entities, args.rebuild)
    sync_shipped_packs()
    clear_entitlements()
    pairs, items = build_pairs(args.pairs)
    first = write_run(pairs, items)
    second_pairs = changed(pairs)
    second = write_run(second_pairs, items)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE policies_matchresult")
    timings = [
        timed("第一次生成（全部新增）", first, len(pairs)),
        timed("同一批次再次生成（全部未变）", first, len(pairs)),
        timed("新批次：10% 金额变化、5% 不再符合", second, len(second_pairs)),
    ]
    text = section_text(info, args.entities, timings)
    print()
    print(text)
    if not args.no_write:
        write_section(
            DOC,
            "bench_entitlements",
            "## 政策兑现：从批量匹配生成兑现事项\n\n" + text,
            header="# 性能基准\n\n",
        )
    return 0 if all(t.ok for t in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
