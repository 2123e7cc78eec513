"""The `yingshang` console command: Django's management commands under our own name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    # Imported once DJANGO_SETTINGS_MODULE is set: the console script loads this module first.
    from django.core.management import execute_from_command_line

    from yingshang.env import ConfigurationError  # after the line above, with the settings module known

    try:
        execute_from_command_line(["yingshang", *(sys.argv[1:] if argv is None else argv)])
    except ConfigurationError as error:
        # A bad setting is the operator's to fix: one Chinese line, not a traceback.
        sys.exit(f"配置错误：{error}")


if __name__ == "__main__":
    main()
