#!/usr/bin/env python3
"""The two commands of the README, standard library only, so they run on a machine with just Python 3.11+.

    python3 dev.py demo            virtualenv + install + migrate + demo district, serve http://127.0.0.1:8000
    python3 dev.py test [ARGS]     ruff, mypy, then pytest on SQLite, then on PostgreSQL when reachable

ARGS go to every pytest pass (e.g. `python3 dev.py test -k uscc`). With CI=true PostgreSQL and Chromium are
required: a missing one fails the run instead of being skipped.

Tests marked `browser` or `slow` need only one database: they run in the last pass only, which is the
PostgreSQL pass when PostgreSQL is used and the SQLite pass otherwise.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("YINGSHANG_VENV", ROOT / ".venv"))
STAMP = VENV / ".yingshang-installed"
# Every dependency, pinned with its hashes (docs/development.md, "Dependencies").
LOCK = ROOT / "requirements" / "lock.txt"
MIN_PYTHON = (3, 11)

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_URL = f"postgres://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
PYTEST_NO_TESTS_COLLECTED = 5
# Tests that gain nothing from a second database run only in the last pass.
ONCE_ONLY_EXCLUDED = "not browser and not slow"

USAGE = """用法：
  python3 dev.py demo [参数]     创建虚拟环境、安装、迁移数据库、载入演示区县并在 http://127.0.0.1:8000 启动
  python3 dev.py test [参数]     ruff、mypy 检查并运行全部测试（SQLite；PostgreSQL 可用时再跑一遍）
  python3 dev.py install         只创建虚拟环境并安装依赖
"""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def fail(message: str, code: int = 1) -> int:
    print(f"错误：{message}", file=sys.stderr, flush=True)
    return code


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def venv_bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def installed_fingerprint() -> str:
    """What the virtualenv was installed from: a change to pyproject.toml or to the lock reinstalls."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", LOCK):
        digest.update(f"{path.relative_to(ROOT)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def install_commands(python: str) -> list[list[str]]:
    """The exact dependencies of the lock (every file checked against its hash), then the project itself
    without touching them, then `pip check`: a lock that no longer satisfies pyproject.toml fails here.
    pip itself is the one thing brought up to date unpinned: an old pip from `ensurepip` may not read the
    newest wheels' metadata."""
    pip = [python, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    return [
        [*pip, "install", "--upgrade", "pip"],
        [*pip, "install", "--require-hashes", "-r", str(LOCK)],
        [*pip, "install", "--no-deps", "-e", str(ROOT)],
        [*pip, "check"],
    ]


def ensure_virtualenv() -> None:
    """Create .venv and install the locked dependencies and the project, only when missing or out of date."""
    if not LOCK.exists():
        raise SystemExit(fail(f"缺少依赖锁文件 {LOCK.relative_to(ROOT)}；生成方法见 docs/development.md"))
    # No pip means an earlier attempt failed half-way (e.g. Debian without python3-venv): start again.
    if not venv_bin("python").exists() or not venv_bin("pip").exists():
        say(f"创建虚拟环境 {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except (subprocess.CalledProcessError, OSError) as exc:
            raise SystemExit(
                fail(
                    f"无法创建虚拟环境（{exc}）。Debian/Ubuntu 上请先安装 python3-venv："
                    "apt-get install python3-venv"
                )
            ) from exc
    fingerprint = installed_fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return
    say(f"按锁文件安装依赖（{LOCK.relative_to(ROOT)}，校验哈希；首次需要几分钟）")
    for command in install_commands(str(venv_bin("python"))):
        run_or_exit(command)
    STAMP.write_text(fingerprint + "\n")


def echo(command: list[str]) -> None:
    """The `$ ...` line: quoted so that it can be copied into a shell as it is."""
    print("$ " + shlex.join(command), flush=True)


def run(command: list[str], env: dict[str, str] | None = None) -> int:
    echo(command)
    return subprocess.call(command, cwd=ROOT, env=env)


def run_or_exit(command: list[str]) -> None:
    code = run(command)
    if code != 0:
        raise SystemExit(fail(f"命令失败（退出码 {code}）：{shlex.join(command)}", code))


def postgres_reachable(timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, POSTGRES_PORT), timeout=timeout):
            return True
    except OSError:
        return False


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def demo(arguments: list[str]) -> int:
    ensure_virtualenv()
    os.chdir(ROOT)
    command = [str(venv_bin("yingshang")), "demo", *arguments]
    echo(command)
    # Replace this process so Ctrl+C goes straight to the server.
    os.execv(command[0], command)
    return 0  # not reached


# The Python the house rules hold to ruff; Markdown code samples in docs/ are prose, not checked.
LINTED = ("yingshang", "bench", "dev.py")


def lint() -> int:
    ruff = str(venv_bin("ruff"))
    paths = [path for path in LINTED if (ROOT / path).exists()]
    code = run([ruff, "check", *paths])
    return run([ruff, "format", "--check", *paths]) or code


def typecheck(env: dict[str, str]) -> int:
    """mypy over the files listed in `[tool.mypy]` of pyproject.toml (django-stubs loads the settings)."""
    return run([str(venv_bin("mypy"))], env=env)


def parallel_arguments(cpu_count: int | None) -> list[str]:
    """pytest-xdist on machines with 4 cores or more. Measured on 2 busy cores it only added its start-up
    cost (each worker builds its own test database), so small machines run the suite in one process.
    A caller's own `-n` comes later on the command line and wins."""
    return ["-n", "auto"] if (cpu_count or 1) >= 4 else []


def pytest_pass(label: str, arguments: list[str], env: dict[str, str]) -> int:
    say(f"测试：{label}")
    started = time.monotonic()
    command = [str(venv_bin("python")), "-m", "pytest", *parallel_arguments(os.cpu_count()), *arguments]
    code = run(command, env=env)
    say(f"{label} 用时 {time.monotonic() - started:.1f} 秒，退出码 {code}")
    return code


def test(arguments: list[str]) -> int:
    started = time.monotonic()
    ensure_virtualenv()
    say("代码检查：ruff check + ruff format --check")
    if lint() != 0:
        paths = " ".join(LINTED)
        return fail(
            f"代码检查未通过；可运行 .venv/bin/ruff check --fix {paths} 和 .venv/bin/ruff format {paths}"
        )

    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yingshang.settings"}
    for name in ("YINGSHANG_DATABASE_URL", "YINGSHANG_ENV", "YINGSHANG_DEBUG", "YINGSHANG_SECRET_KEY"):
        base_env.pop(name, None)  # the suite decides its own database and environment

    say("类型检查：mypy（检查范围见 pyproject.toml 的 [tool.mypy] files）")
    if typecheck(base_env) != 0:
        return fail("类型检查未通过；修正上面列出的问题后再运行（单独运行：.venv/bin/mypy）")

    use_postgres = postgres_reachable()
    if in_ci() and not use_postgres:
        return fail(f"CI 需要 PostgreSQL，但 {POSTGRES_HOST}:{POSTGRES_PORT} 无法连接")
    if in_ci() and chromium_path() is None:
        return fail("CI 需要 Chromium 运行浏览器测试，但未找到 /usr/bin/chromium（apt-get install chromium）")
    passes: list[tuple[str, list[str], dict[str, str]]] = []
    if use_postgres:
        passes.append(("SQLite（不含 browser/slow 测试）", ["-m", ONCE_ONLY_EXCLUDED, *arguments], base_env))
        passes.append(
            (
                "PostgreSQL（全部测试）",
                arguments,
                {**base_env, "YINGSHANG_DATABASE_URL": POSTGRES_URL},
            )
        )
    else:
        say(f"{POSTGRES_HOST}:{POSTGRES_PORT} 上没有 PostgreSQL，只在 SQLite 上测试")
        passes.append(("SQLite（全部测试）", arguments, base_env))

    results = [(label, pytest_pass(label, args, env)) for label, args, env in passes]
    say(f"全部用时 {time.monotonic() - started:.1f} 秒")
    return verdict(results, narrowed=bool(arguments))


def verdict(results: list[tuple[str, int]], *, narrowed: bool) -> int:
    """Zero only when every pass passed. "No tests collected" is a failure: a suite that tests nothing
    must not look green. The one exception: the caller narrowed the run (`-k browser`) and another
    pass did run tests."""
    any_ran = any(code == 0 for _, code in results)
    failed = []
    for label, code in results:
        if code == 0:
            continue
        if code == PYTEST_NO_TESTS_COLLECTED and narrowed and any_ran:
            say(f"{label}：所给参数在这一轮没有选中测试")
            continue
        failed.append(label)
        if code == PYTEST_NO_TESTS_COLLECTED:
            say(f"{label}：没有收集到任何测试，视为失败")
    if failed:
        return fail("测试未通过：" + "、".join(failed))
    say("全部通过")
    return 0


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        return fail(
            f"需要 Python {'.'.join(map(str, MIN_PYTHON))} 或更新版本，当前为 {sys.version.split()[0]}"
        )
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    command, arguments = argv[0], argv[1:]
    if command == "demo":
        return demo(arguments)
    if command == "test":
        return test(arguments)
    if command == "install":
        ensure_virtualenv()
        return 0
    print(USAGE, file=sys.stderr)
    return fail(f"未知命令：{command}", 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
