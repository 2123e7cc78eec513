"""The `yingshang` console command: Django's management commands under our own name.

Before a command that uses the database it checks that the database is migrated: on a fresh install,
or after an upgrade without `migrate`, the operator reads what to run instead of a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# Commands that run without a migrated database: the ones that create or inspect its structure, those
# that never touch it, and `demo`, which migrates by itself. Every other known command is checked.
NO_DATABASE_COMMANDS = frozenset(
    {
        "check",
        "collectstatic",
        "compilemessages",
        "dbshell",
        "demo",
        "diffsettings",
        "findstatic",
        "help",
        "makemessages",
        "makemigrations",
        "migrate",
        "optimizemigration",
        "shell",
        "showmigrations",
        "sqlmigrate",
        "squashmigrations",
        "startapp",
        "startproject",
        "test",
        "version",
    }
)
# Sub-commands that never touch the database (yingshang/policies/offline.py, the appeal router's
# train and route: analysts run them anywhere).
NO_DATABASE_ACTIONS = {
    "policies": frozenset({"check", "evaluate"}),
    "appeals": frozenset({"train", "route"}),
}
# Options of every Django command that take a value as the next argument.
_OPTIONS_WITH_VALUE = frozenset({"-v", "--verbosity", "--settings", "--pythonpath"})
_HELP_OPTIONS = frozenset({"-h", "--help", "--version"})


def subcommand_of(arguments: Sequence[str]) -> str | None:
    """The first positional argument (a command's sub-command, such as `check` in `policies check`)."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in _OPTIONS_WITH_VALUE:
            skip = True
        elif not argument.startswith("-"):
            return argument
    return None


def needs_database(argv: Sequence[str]) -> bool:
    """Whether `yingshang ARGV` may use the database, so it has to be migrated first. A help request and
    an unknown command (Django says it is unknown) are not checked."""
    if not argv or argv[0].startswith("-") or _HELP_OPTIONS.intersection(argv[1:]):
        return False
    command = argv[0]
    if command in NO_DATABASE_COMMANDS:
        return False
    if subcommand_of(argv[1:]) in NO_DATABASE_ACTIONS.get(command, ()):
        return False
    # Imported only here, once DJANGO_SETTINGS_MODULE is set (main() sets it before calling this).
    import django
    from django.core.management import get_commands

    django.setup()  # the installed apps' commands are known only then
    return command in get_commands()


def database_problem(argv: Sequence[str]) -> str | None:
    """The Chinese sentence to stop on before running `yingshang ARGV`, or None to go ahead."""
    if not needs_database(argv):
        return None
    # Imported after django.setup() in needs_database(): dbstate reads the migration loader.
    from django.db import DatabaseError

    from yingshang.core.dbstate import migration_state

    try:
        return migration_state().problem
    except DatabaseError as error:
        return f"无法连接数据库，请检查 YINGSHANG_DATABASE_URL（见 docs/configuration.md）：{error}"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    # Imported once DJANGO_SETTINGS_MODULE is set: the console script loads this module first.
    from django.core.management import execute_from_command_line

    from yingshang.env import ConfigurationError  # after the line above, with the settings module known

    arguments = sys.argv[1:] if argv is None else argv
    try:
        problem = database_problem(arguments)
        if problem:
            sys.exit(problem)
        execute_from_command_line(["yingshang", *arguments])
    except ConfigurationError as error:
        # A bad setting is the operator's to fix: one Chinese line, not a traceback.
        sys.exit(f"配置错误：{error}")


if __name__ == "__main__":
    main()
