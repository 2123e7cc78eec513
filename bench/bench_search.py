"""Search benchmark: the enterprise list and page with a million entities stored.

    .venv/bin/python bench/bench_search.py                      # PostgreSQL, 1,000,000 entities
    .venv/bin/python bench/bench_search.py --database sqlite    # the same on SQLite
    .venv/bin/python bench/bench_search.py --entities 100000 --requests 50 --no-write   # a quick look

It builds (once) a separate database with the demo district's generator scaled up: PostgreSQL database
`yingshang_bench` on --pg (default postgres://postgres@127.0.0.1:5432), or var/bench/yingshang_bench.sqlite3.
Rows go in with COPY (PostgreSQL) or executemany (SQLite) in one transaction; a later run finds the same
number of entities and reuses them (--rebuild forces a new load).

Then it times full pages (view + template, through Django's test client) as a city-level 营商办 admin
who sees every entity and as a 渭滨区 clerk who sees one district: USCC-prefix search, filtered list pages
(page 1 and a deep page), the qualification filter and the 企业画像 page. It prints a table of p50, p95
and max in milliseconds and writes it into docs/benchmarks.md (unless --no-write). Target: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from _common import (
    DEFAULT_PG,
    REPO,
    configure_django,
    database_name,
    machine_facts,
    percentile,
    prepare_postgres,
    write_section,
)

DOC = REPO / "docs" / "benchmarks.md"
BENCH_DB = "yingshang_bench"
SQLITE_PATH = REPO / "var" / "bench" / "yingshang_bench.sqlite3"
TARGET_P95_MS = 200


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="市场主体检索性能基准（百万级）")
    add_bench_database_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="每个场景的请求次数（默认 200）")
    parser.add_argument("--rebuild", action="store_true", help="清空后重新载入基准数据")
    parser.add_argument("--no-write", action="store_true", help="只打印结果，不写入 docs/benchmarks.md")
    return parser.parse_args(argv)


def add_bench_database_arguments(parser: argparse.ArgumentParser) -> None:
    """--database, --pg and --entities: which bench database, and how many entities it holds."""
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL 服务器地址（默认 {DEFAULT_PG}）")
    parser.add_argument("--entities", type=int, default=1_000_000, help="市场主体数量（默认 1,000,000）")


def open_bench_database(database: str, server: str) -> bool:
    """Django on the bench database (`postgres`: BENCH_DB on `server`; `sqlite`: SQLITE_PATH), migrated.

    False, after saying so, when PostgreSQL cannot be reached: the benchmark is then skipped."""
    if database == "postgres":
        url = prepare_postgres(server, BENCH_DB)
        if url is None:
            print("跳过 PostgreSQL 基准（可用 --database sqlite 在 SQLite 上运行）")
            return False
    else:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    configure_django(url)
    return True


# --- loading -----------------------------------------------------------------------------------


def enterprise_rows(
    n: int, district_ids: dict[str, int], street_ids: dict[tuple[str, str], int]
) -> Iterator[dict]:
    """Column values per entity, the derived ones computed the way Enterprise.derive_fields does."""
    from functools import cache

    from tqdm import tqdm

    from yingshang.demo import generate
    from yingshang.registry.models import industry_parts
    from yingshang.registry.scale import classify_scale

    parts = cache(industry_parts)
    provenance_json: dict[int, str] = {}  # the generator shares provenance dicts; dump each once
    stamp = dt.datetime(2026, 10, 31, 18, 0, tzinfo=dt.UTC)
    for pk, e in enumerate(
        tqdm(generate.generate_entities(n), total=n, desc="生成并写入", unit="户"), start=1
    ):
        section, division = parts(e.industry)
        provenance = provenance_json.get(id(e.provenance))
        if provenance is None:
            provenance = provenance_json[id(e.provenance)] = json.dumps(e.provenance, ensure_ascii=False)
        scale = classify_scale(
            e.industry, employees=e.employees, revenue_fen=e.annual_revenue_fen, assets_fen=e.total_assets_fen
        )
        yield {
            "id": pk,
            "uscc": e.uscc,
            "name": e.name,
            "entity_type": e.entity_type,
            "industry_id": e.industry,
            "industry_section": section,
            "industry_division": division,
            "district_id": district_ids[e.district_code],
            "street_id": street_ids[(e.district_code, e.street)] if e.street else None,
            "registered_on": e.registered_on,
            "registered_capital_fen": e.registered_capital_fen,
            "employees": e.employees,
            "annual_revenue_fen": e.annual_revenue_fen,
            "total_assets_fen": e.total_assets_fen,
            "tax_paid_fen": e.tax_paid_fen,
            "scale": scale or "",
            "credit_class": e.credit_class,
            "status": e.status,
            "provenance": provenance,
            "created_at": stamp,
            "updated_at": stamp,
            "_qualifications": e.qualifications,
        }


def columns_of(model: type) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def load(n: int) -> float:
    """Load n entities (and their qualifications) in one transaction; returns seconds taken."""
    from django.db import connection, transaction

    from yingshang.core.bulk import copy_rows
    from yingshang.demo import district as demo
    from yingshang.demo import tables
    from yingshang.registry.models import Enterprise, Qualification

    started = time.perf_counter()
    with transaction.atomic():
        districts, streets = demo.ensure_places()
        demo.ensure_departments(districts)
        district_ids = {code: d.pk for code, d in districts.items()}
        street_ids = {key: s.pk for key, s in streets.items()}
        enterprise_columns = columns_of(Enterprise)
        qualification_columns = [c for c in columns_of(Qualification) if c != "id"]
        qualifications: list[tuple] = []

        def rows() -> Iterator[tuple]:
            for row in enterprise_rows(n, district_ids, street_ids):
                for q in row["_qualifications"]:
                    qualifications.append(
                        (row["id"], q.kind, q.level, q.certified_on, q.expires_on, q.source, tables.AS_OF)
                    )
                yield tuple(row[c] for c in enterprise_columns)

        assert qualification_columns == [
            "enterprise_id",
            "kind",
            "level",
            "certified_on",
            "expires_on",
            "source",
            "as_of",
        ], qualification_columns
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                copy_rows(cursor.cursor, Enterprise._meta.db_table, enterprise_columns, rows())
                copy_rows(
                    cursor.cursor, Qualification._meta.db_table, qualification_columns, iter(qualifications)
                )
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Enterprise._meta.db_table, n]
                )
            else:
                insert_rows(cursor, Enterprise._meta.db_table, enterprise_columns, rows())
                insert_rows(cursor, Qualification._meta.db_table, qualification_columns, iter(qualifications))
    analyse(connection)
    return time.perf_counter() - started


def _sqlite_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def insert_rows(cursor: object, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))  # Django's SQLite cursor turns %s into ?
    batch: list[tuple] = []
    for row in rows:
        batch.append(tuple(_sqlite_value(v) for v in row))
        if len(batch) >= 10_000:
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)
            batch.clear()
    if batch:
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)


def analyse(connection: object) -> None:
    """Fresh statistics (and, on PostgreSQL, a visibility map so counts can use index-only scans)."""
    if connection.vendor == "postgresql":
        raw = connection.connection
        previous = raw.autocommit
        raw.autocommit = True  # VACUUM refuses to run inside a transaction
        try:
            raw.execute("VACUUM ANALYZE registry_enterprise")
            raw.execute("VACUUM ANALYZE registry_qualification")
        finally:
            raw.autocommit = previous
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE registry_qualification, registry_enterprise RESTART IDENTITY CASCADE")
        else:
            cursor.execute("DELETE FROM registry_qualification")
            cursor.execute("DELETE FROM registry_enterprise")


def ensure_data(n: int, rebuild: bool) -> float | None:
    """Reuse a database that already holds exactly n entities; otherwise (re)load. Returns load seconds."""
    from yingshang.registry.models import Enterprise

    present = Enterprise.objects.count()
    if present == n and not rebuild:
        print(f"复用已有的基准数据：{present:,} 户市场主体")
        return None
    if present:
        print(f"清空已有的 {present:,} 户，重新载入 {n:,} 户")
        clear()
    seconds = load(n)
    print(f"载入完成：{n:,} 户，用时 {seconds:.0f} 秒")
    return seconds


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    user: str
    urls: list[str]


@dataclass
class Result:
    case: str
    user: str
    n: int
    p50: float
    p95: float
    worst: float
    cpu_p50: float
    cpu_p95: float

    @property
    def ok(self) -> bool:
        return self.p95 < TARGET_P95_MS


def bench_users() -> dict[str, object]:
    """A city-level 营商办 admin (every district) and a market-regulation clerk in each district."""
    from yingshang.core.roles import Role
    from yingshang.registry.models import Department, User

    made = {}
    for username, role, department, label in (
        ("bench_admin", Role.OFFICE_ADMIN, "baoji-yingshang", "市营商办（全市）"),
        ("bench_clerk", Role.DEPT_STAFF, "weibin-samr", "渭滨区市场监管局"),
        ("bench_jintai", Role.DEPT_STAFF, "jintai-samr", "金台区市场监管局"),
    ):
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"role": role.value, "department": Department.objects.get(code=department)},
        )
        made[label] = user
    return made


# Indexes an earlier version of this script created to try them out; they are now in Enterprise.Meta
# (migration registry 0005), so a bench database from that time gets them dropped.
RETIRED_INDEXES = (
    "bench_ent_sect_scale_district",
    "bench_ent_district_uscc",
    "bench_ent_district_type_uscc",
    "bench_ent_type_uscc",
    "bench_ent_sect_scale_credit_district",
)


def drop_retired_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name in RETIRED_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    analyse(connection)


def cases(requests: int, n: int, seed: int = 7) -> list[tuple[str, Callable[[int], str]]]:
    """(case name, url for the i-th request); random real USCCs chosen once, the same every run."""
    from yingshang.registry.models import Enterprise

    rng = random.Random(seed)
    ids = rng.sample(range(1, n + 1), min(n, requests))
    codes = list(Enterprise.objects.filter(pk__in=ids).values_list("uscc", flat=True))
    rng.shuffle(codes)
    prefixes = [code[: rng.randint(6, 12)] for code in codes]
    filtered = "section=C&scale=small&credit_class=B"
    return [
        (
            "统一社会信用代码前缀检索（6–12 位）",
            lambda i: f"/registry/enterprises/?q={prefixes[i % len(prefixes)]}",
        ),
        ("筛选：制造业·小型·B类，第 1 页", lambda i: f"/registry/enterprises/?{filtered}"),
        ("筛选：制造业·小型·B类，第 40 页", lambda i: f"/registry/enterprises/?{filtered}&page=40"),
        (
            "筛选：制造业·小型·B类 + 渭滨区，第 1 页",
            lambda i: f"/registry/enterprises/?{filtered}&district=610302",
        ),
        ("筛选：高新技术企业，第 1 页", lambda i: "/registry/enterprises/?qualification=hnte"),
        (
            "筛选：存续个体工商户，第 100 页",
            lambda i: "/registry/enterprises/?status=active&entity_type=individual&page=100",
        ),
        ("全部主体，第 200 页（计数上限处）", lambda i: "/registry/enterprises/?page=200"),
        ("企业画像（详情页）", lambda i: f"/registry/enterprises/{codes[i % len(codes)]}/"),
    ]


class CpuClock:
    """CPU time actually spent on a request: this process plus the PostgreSQL backend serving it.

    On a shared machine the wall clock also counts the time a request waited for a free core; the
    kernel's per-task schedstat (nanoseconds on a CPU) does not, so both are reported. SQLite runs
    inside this process, so there only this process counts.
    """

    def __init__(self) -> None:
        from django.db import connection

        self.pids = ["self"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pids.append(str(cursor.fetchone()[0]))

    def now_ns(self) -> int:
        try:
            return sum(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) for pid in self.pids)
        except (OSError, ValueError, IndexError):
            return 0  # not Linux, or the server runs elsewhere: CPU columns stay empty


def time_case(
    client: object, url_for: Callable[[int], str], requests: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each request."""
    for i in range(min(10, requests)):  # warm caches and connections; not counted
        client.get(url_for(i))
    clock = CpuClock()  # after the warm-up, so the database connection is the one the requests use
    walls, cpus = [], []
    for i in range(requests):
        url = url_for(i)
        cpu_before, started = clock.now_ns(), time.perf_counter()
        response = client.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((clock.now_ns() - cpu_before) / 1e6)
        if response.status_code not in (200, 404):
            raise SystemExit(f"{url} 返回 {response.status_code}")
    return walls, cpus


def run_cases(requests: int, n: int) -> list[Result]:
    from django.test import Client

    results = []
    for label, user in bench_users().items():
        client = Client()
        client.force_login(user)
        for name, url_for in cases(requests, n):
            walls, cpus = time_case(client, url_for, requests)
            result = Result(
                name,
                label,
                len(walls),
                statistics.median(walls),
                percentile(walls, 0.95),
                max(walls),
                statistics.median(cpus),
                percentile(cpus, 0.95),
            )
            results.append(result)
            print(f"  {label} · {name}: p95 {result.p95:.0f} ms（CPU p95 {result.cpu_p95:.0f} ms）")
    return results


# --- report ------------------------------------------------------------------------------------


def table(results: list[Result]) -> list[str]:
    lines = [
        "| 场景 | 用户 | 次数 | p50 (ms) | p95 (ms) | 最大 (ms) "
        "| CPU p50 (ms) | CPU p95 (ms) | p95 < 200 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        verdict = "✓" if r.ok else "✗"
        lines.append(
            f"| {r.case} | {r.user} | {r.n} | {r.p50:.0f} | {r.p95:.0f} | {r.worst:.0f} "
            f"| {r.cpu_p50:.0f} | {r.cpu_p95:.0f} | {verdict} |"
        )
    return lines


def section_text(
    backend: str, n: int, info: dict[str, str], results: list[Result], load_seconds: float | None
) -> str:
    lines = [f"### {backend}，{n:,} 户市场主体", ""]
    lines += [f"- {key}：{value}" for key, value in info.items()]
    if load_seconds is not None:
        lines.append(f"- 载入用时（生成 + 写入 + 统计信息）：{load_seconds:.0f} 秒")
    lines.append(f"- 负载（计时结束时 1 分钟平均）：{os.getloadavg()[0]:.2f}")
    lines += [
        "",
        "p50/p95/最大为墙钟时间（含排队等待 CPU 的时间）；CPU 列为本进程与数据库后端实际占用 CPU 的时间，"
        "在繁忙的共享机器上更接近空闲机器上的墙钟时间。",
        "",
        *table(results),
        "",
    ]
    return "\n".join(lines)


def write_doc(backend_key: str, text: str) -> None:
    write_section(DOC, f"bench_search:{backend_key}", text, header="# 性能基准\n\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.entities < 1 or args.requests < 1:
        print("--entities 与 --requests 必须是正整数")
        return 2
    if not open_bench_database(args.database, args.pg):
        return 0
    from django.db import connection

    info = machine_facts(database_name(connection.vendor))
    load_seconds = ensure_data(args.entities, args.rebuild)
    drop_retired_indexes()
    print(f"计时：每个场景 {args.requests} 次请求")
    results = run_cases(args.requests, args.entities)
    backend = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    text = section_text(backend, args.entities, info, results, load_seconds)
    print()
    print(text)
    if not args.no_write:
        write_doc(connection.vendor, text)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
