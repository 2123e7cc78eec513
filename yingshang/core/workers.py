"""Which process works on a long job, and whether it is still alive.

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

HEARTBEAT_TIMEOUT = dt.timedelta(minutes=10)


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
