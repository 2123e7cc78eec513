"""The bookkeeping of a queued run (a batch match or a stored what-if, both MatchRun rows): claiming
it, writing its progress for the page that polls it, recording a failure with a Chinese message.

Executing a run is `match.execute_match_run` / `whatif.execute_whatif_run`; `tasks.execute_run`
picks the one for a run's kind; `services` starts runs and hands them to a thread or the task queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils import timezone

from yingshang.core.workers import fail_dead_jobs, worker_id
from yingshang.policies.models import MatchRun
from yingshang.policies.packs import PackRejected

# (phase, done, total or None): the command draws a tqdm bar with it, a run writes it to its row.
Progress = Callable[[str, int, "int | None"], None]

QUEUED = "排队中，等待开始"


def claim_run(run_id: int) -> MatchRun | None:
    """Move a queued run to running; None when someone else already took it (or it is gone)."""
    claimed = MatchRun.objects.filter(pk=run_id, state="queued").update(
        state="running", progress="开始运行", worker=worker_id(), heartbeat_at=timezone.now()
    )
    return MatchRun.objects.get(pk=run_id) if claimed else None


class RunProgress:
    """Progress written to the run row (the page polls it) at most twice a second, and passed on."""

    def __init__(self, run: MatchRun, passed_on: Progress | None) -> None:
        self.run, self.passed_on, self.last = run, passed_on, 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if self.passed_on is not None:
            self.passed_on(phase, done, total)
        now = time.monotonic()
        if now - self.last < 0.5 and total is not None and done < total:
            return
        self.last = now
        share = f"（{done * 100 // total}%）" if total else ""
        text = f"{phase}：{done:,}/{total:,}{share}" if total else f"{phase}：{done:,}"
        MatchRun.objects.filter(pk=self.run.pk).update(progress=text[:200], heartbeat_at=timezone.now())


def fail_dead_runs() -> int:
    """Mark failed the runs whose process died mid-way (killed, a deploy, a power cut), with the reason,
    so they neither say 运行中 for ever nor block the next run; returns how many."""
    return fail_dead_jobs(
        MatchRun.objects.all(), lambda why: f"运行中断：{why}。本批次未完成，没有保存任何结果，可以重新运行"
    )


def fail_run(run_id: int, message: str, started: float) -> MatchRun:
    MatchRun.objects.filter(pk=run_id).update(
        state="failed",
        error=message,
        progress="失败",
        finished_at=timezone.now(),
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    return MatchRun.objects.get(pk=run_id)


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, PackRejected):
        return "政策包无法读取：" + "；".join(str(e) for e in exc.errors[:5])
    return f"批量匹配出错，已全部撤销，未保存任何结果（{exc.__class__.__name__}）。请联系管理员查看日志"
