"""The `yingshang` console command: which commands need a migrated database, and what a command says
on a database that is not migrated (run for real, in a subprocess, against a temporary SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yingshang.__main__ import needs_database, subcommand_of

REPO = Path(__file__).resolve().parents[3]
NOT_INITIALISED = "数据库尚未初始化，请先运行 yingshang migrate"


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        (["workdays", "add", "2026-09-30", "3"], True),
        (["workdays", "version"], True),  # it names the confirmed years' revisions
        (["serve"], True),
        (["runserver"], True),
        (["load_demo"], True),
        (["import_registry", "名录.xlsx"], True),
        (["policies", "match"], True),
        (["policies", "-v", "2", "sync"], True),
        (["policies", "check", "pack.yaml"], False),
        (["policies", "--verbosity", "0", "evaluate", "--pack", "p.yaml"], False),
        (["migrate"], False),
        (["migrate", "workdays", "0001"], False),
        (["makemigrations", "--check"], False),
        (["showmigrations"], False),
        (["sqlmigrate", "workdays", "0001"], False),
        (["check", "--deploy"], False),
        (["demo", "--no-serve"], False),  # it migrates by itself
        (["collectstatic", "--noinput"], False),
        (["shell"], False),
        (["test"], False),
        (["help"], False),
        (["version"], False),
        ([], False),
        (["--help"], False),
        (["workdays", "--help"], False),
        (["serve", "-h"], False),
        (["no-such-command"], False),  # Django says it is unknown
    ],
)
def test_only_commands_that_use_the_database_wait_for_it_to_be_migrated(
    argv: list[str], needed: bool
) -> None:
    assert needs_database(argv) is needed


@pytest.mark.parametrize(
    ("arguments", "subcommand"),
    [
        (["check", "pack.yaml"], "check"),
        (["-v", "2", "check"], "check"),
        (["--verbosity", "2", "--traceback", "evaluate"], "evaluate"),
        (["--settings=yingshang.settings", "match"], "match"),
        (["--no-color"], None),
        ([], None),
    ],
)
def test_the_subcommand_is_the_first_argument_that_is_neither_an_option_nor_its_value(
    arguments: list[str], subcommand: str | None
) -> None:
    assert subcommand_of(arguments) == subcommand


def yingshang(database: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`yingshang ARGUMENTS` as an operator runs it, on the SQLite file `database`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YINGSHANG_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        YINGSHANG_DATABASE_URL=f"sqlite:///{database}",
        YINGSHANG_DATA_DIR=str(database.parent),
        PYTHONPATH=str(REPO),
    )
    return subprocess.run(
        [sys.executable, "-m", "yingshang", *arguments],
        env=env,
        cwd=database.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("command", [["workdays", "add", "2026-09-30", "3"], ["serve", "--port", "8999"]])
def test_a_command_on_a_fresh_database_says_to_migrate_first_instead_of_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    done = yingshang(tmp_path / "fresh.sqlite3", *command)
    assert done.returncode == 1
    assert done.stderr.strip() == NOT_INITIALISED
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""


@pytest.mark.slow
def test_a_partly_migrated_database_is_said_to_be_behind_until_it_is_migrated(tmp_path: Path) -> None:
    database = tmp_path / "partial.sqlite3"
    assert yingshang(database, "migrate", "workdays", "0001", "-v", "0").returncode == 0

    behind = yingshang(database, "workdays", "add", "2026-09-30", "3")
    assert behind.returncode == 1
    assert behind.stderr.startswith("数据库结构落后于程序（缺少 ")
    assert "个迁移，如 " in behind.stderr
    assert behind.stderr.strip().endswith("），请先运行 yingshang migrate")
    assert "Traceback" not in behind.stderr

    assert yingshang(database, "migrate", "-v", "0").returncode == 0
    done = yingshang(database, "workdays", "add", "2026-09-30", "3")
    assert (done.returncode, done.stdout.strip()) == (0, "2026-10-10"), done.stderr
