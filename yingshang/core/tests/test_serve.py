"""`yingshang serve`: granian's command line, its refusals, and a real production start."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from yingshang.core.management.commands.serve import WSGI_TARGET, default_workers, granian_arguments

GOOD_SECRET = "k3J9-vQx_7pLm2NwRt5ZyA8bC4dE6fG1hH0iJ-uKoP9sQrS2tUvW3xYz4AbCdEfGhIj"


@pytest.mark.parametrize(("cpus", "workers"), [(None, 1), (1, 1), (2, 2), (8, 8), (64, 8)])
def test_the_default_worker_count_follows_the_cores_up_to_eight(cpus, workers):
    assert default_workers(cpus) == workers


def test_granian_serves_the_wsgi_application_on_the_given_address():
    arguments = granian_arguments("0.0.0.0", 9000, 3)
    assert arguments[-1] == WSGI_TARGET == "yingshang.wsgi:application"
    assert " ".join(arguments[:-1]).startswith("--interface wsgi --host 0.0.0.0 --port 9000 --workers 3")
    assert "--access-log" in arguments
    assert "--access-log" not in granian_arguments("127.0.0.1", 8000, 1, access_log=False)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 0}, "端口 0 无效"),
        ({"port": 70000}, "端口 70000 无效"),
        ({"workers": 0}, "工作进程数 0 无效"),
    ],
)
def test_serve_refuses_an_impossible_port_or_worker_count(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("serve", **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"服务进程提前退出：{server.communicate()[0]}")
        try:
            return fetch(url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"{seconds} 秒内 {url} 没有响应")


@pytest.mark.slow  # collectstatic compresses every static file (admin, API docs): seconds, not milliseconds
def test_serve_in_production_collects_static_files_and_serves_pages_with_their_stylesheet(tmp_path):
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("YINGSHANG_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        YINGSHANG_ENV="production",
        YINGSHANG_SECRET_KEY=GOOD_SECRET,
        YINGSHANG_ALLOWED_HOSTS="127.0.0.1",
        YINGSHANG_HTTPS="false",
        YINGSHANG_DATA_DIR=str(tmp_path),
    )
    # `serve` refuses an unmigrated database, as an operator's first run would show.
    migrate = [sys.executable, "-m", "yingshang", "migrate", "--verbosity", "0"]
    subprocess.run(migrate, env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    command = [sys.executable, "-m", "yingshang", "serve", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(
        [*command, "--no-access-log"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/login/", server)
        assert status == 200, body
        assert "用户名" in body
        stylesheet = re.search(r'href="(/static/yingshang/site\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, "生产环境的页面应引用带哈希的样式表"
        assert fetch(f"http://127.0.0.1:{port}{stylesheet.group(1)}")[0] == 200
        assert (Path(tmp_path) / "static" / "staticfiles.json").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
