"""What the benchmark scripts share: the machine they ran on, the bench database, Django set-up,
percentiles and writing their results into docs/.

Imported by the scripts in this folder as `import _common` (Python puts a script's own folder first on
sys.path), so each script still runs as `.venv/bin/python bench/bench_….py`.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"


# --- the machine ----------------------------------------------------------------------------------


def cpu_model(unknown: str) -> str:
    """The CPU's model name from /proc/cpuinfo; `unknown` where there is none (not Linux)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return unknown
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), unknown)


def memory_gib() -> float | None:
    """Total memory in GiB from /proc/meminfo; None where it cannot be read."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return None
    kb = next((int(line.split()[1]) for line in lines if line.startswith("MemTotal")), None)
    return None if kb is None else kb / 1024 / 1024


def load_average() -> float:
    """The 1-minute load average: numbers taken on a busy machine are not comparable with an idle one's."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def machine_facts(database: str, **extra: str) -> dict[str, str]:
    """The machine as bullet-list facts (date, CPU, memory, load, Python, Django, `extra`, database).

    Needs Django set up (it names Django's version)."""
    from django import get_version

    memory = memory_gib()
    return {
        "日期": dt.date.today().isoformat(),
        "CPU": f"{cpu_model(platform.processor() or '未知')} × {os.cpu_count()}",
        "内存": f"{memory or 0:.0f} GiB",
        "负载（开始时 1 分钟平均）": f"{load_average():.2f}",
        "Python": platform.python_version(),
        "Django": get_version(),
        **extra,
        "数据库": database,
    }


def database_name(vendor: str) -> str:
    """The database server and version behind Django's default connection, e.g. `PostgreSQL 16.4`."""
    if vendor == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


# --- the bench database and Django ----------------------------------------------------------------


def prepare_postgres(server: str, name: str, *, fresh: bool = False) -> str | None:
    """The URL of database `name` on `server`, created when missing (dropped first when `fresh`).

    None, after saying why, when the server cannot be reached: a script then skips PostgreSQL."""
    import psycopg

    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if fresh or not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"无法连接 PostgreSQL（{server}）{'，跳过' if fresh else ''}：{exc}".strip())
        return None
    return f"{server}/{name}"


def configure_django(database_url: str, *, migrate: bool = True, **env: str) -> None:
    """Django on `database_url` with production-like settings (no debug templates, no query log)."""
    os.environ["YINGSHANG_DATABASE_URL"] = database_url
    os.environ["YINGSHANG_DEBUG"] = "false"
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


# --- figures and documents ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank (q=0.95 → p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_section(doc: Path, key: str, text: str, header: str) -> None:
    """Put `text` between the markers `<!-- key -->` … `<!-- /key -->` in `doc`, replacing an earlier
    section of the same key and leaving everything else as it was (a new doc starts with `header`)."""
    start, end = f"<!-- {key} -->", f"<!-- /{key} -->"
    content = doc.read_text(encoding="utf-8") if doc.exists() else header
    block = f"{start}\n{text}\n{end}"
    if start in content and end in content:
        before, rest = content.split(start, 1)
        content = before + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(content, encoding="utf-8")
    print(f"已写入 {doc.relative_to(REPO)}")
