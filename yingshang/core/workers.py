"""Long jobs (a match run, a ledger sync): where they run, which process works on one, and whether it
is still alive.

A match run or a ledger sync is claimed by one process (a `db_worker`, or a thread of the server) and
then writes its progress for the page. If that process is killed (kill -9, a deploy, a power cut) the
row would say 运行中 for ever and block the next run. So a claimed row records `worker_id()` and a
heartbeat: a row whose process is gone on this machine, or whose heartbeat is older than
`HEARTBEAT_TIMEOUT` (a process on another machine), is dead and is marked failed with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable
from typing import Any, Literal

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

HEARTBEAT_TIMEOUT = dt.timedelta(minutes=10)

# Where a queued job runs: the django-tasks queue, a thread of this process, or now (the command line).
Runner = Literal["task", "thread", "inline"]


def default_runner() -> Runner:
    """Production jobs go to the django-tasks queue (a `yingshang db_worker` executes them); a
    development or demo server has no worker, so a job there runs in a thread of the server."""
    return "task" if getattr(settings, "PRODUCTION", False) else "thread"


def dispatch(job_id: int, runner: Runner, *, execute: Callable[[int], object], task: Any, name: str) -> None:
    """Hand a queued job to a thread or the task queue once the surrounding transaction commits (the
    worker's own connection must see the row). `execute(job_id)` runs it; `task` is its django-task."""
    if runner == "thread":

        def work() -> None:
            try:
                execute(job_id)
            finally:
                close_old_connections()

        transaction.on_commit(threading.Thread(target=work, daemon=True, name=name).start)
    else:
        transaction.on_commit(lambda: task.enqueue(job_id))


def worker_id() -> str:
    """This process: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(worker: str) -> bool:
    """True when `worker` ran on this machine and its process no longer exists; False when it is alive
    or ran elsewhere (then only the heartbeat can tell)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False


def death_of(worker: str, heartbeat_at: dt.datetime | None, now: dt.datetime) -> str:
    """Why a claimed job is dead ('' while it may still be working)."""
    if worker and process_gone(worker):
        return f"处理进程（{worker}）已不在运行"
    if heartbeat_at is not None and now - heartbeat_at > HEARTBEAT_TIMEOUT:
        minutes = int(HEARTBEAT_TIMEOUT.total_seconds() // 60)
        return f"超过 {minutes} 分钟没有进展（最后一次 {heartbeat_at.astimezone(now.tzinfo):%H:%M}）"
    return ""


def fail_dead_jobs(jobs: QuerySet[Any], explain: Callable[[str], str]) -> int:
    """Mark failed the running rows of `jobs` (with `state`, `progress`, `error`, `finished_at`, `worker`
    and `heartbeat_at`) whose process died, the error saying why; returns how many."""
    now = timezone.now()
    failed = 0
    for job in jobs.filter(state="running").only("pk", "worker", "heartbeat_at"):
        why = death_of(job.worker, job.heartbeat_at, now)
        if why:
            failed += jobs.filter(pk=job.pk, state="running").update(
                state="failed", progress="失败", error=explain(why), finished_at=now
            )
    return failed
