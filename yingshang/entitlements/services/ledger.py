"""生成兑现台账 in the background: the queued row, claiming it, running the sync with its progress written
to the row for the page, and the outcome (summary or a Chinese reason). Starting one is `tasks.py`'s."""

from __future__ import annotations

import dataclasses
import logging
import time

from django.db import transaction

from yingshang.core import clock
from yingshang.core.workers import fail_dead_jobs, worker_id
from yingshang.entitlements.models import LedgerSync
from yingshang.entitlements.services.common import EntitlementRefused
from yingshang.entitlements.services.sync import create_entitlements_from_run
from yingshang.policies.models import MatchRun
from yingshang.registry.models import User

logger = logging.getLogger(__name__)
OPEN_STATES = ("queued", "running")


def queue_ledger_sync(run: MatchRun, *, by: User | None) -> LedgerSync:
    """A queued sync of `run`; refused (nothing written) when the run cannot make a ledger or another
    sync is queued or running (one at a time: they write the same rows)."""
    if run.kind != "match" or run.state != "done":
        raise EntitlementRefused("只能从已完成的批量匹配（不是政策测算）生成兑现事项")
    fail_dead_syncs()  # a sync whose process died must not block this one
    with transaction.atomic():
        busy = LedgerSync.objects.select_for_update().filter(state__in=OPEN_STATES).first()
        if busy is not None:
            raise EntitlementRefused(f"批次 {busy.run_id} 的兑现台账正在生成，请等它完成后再提交")
        return LedgerSync.objects.create(run=run, started_by=by, progress="排队中，等待开始")


def claim_ledger_sync(sync_id: int) -> bool:
    """Move a queued sync to running; False when another worker already took it."""
    return bool(
        LedgerSync.objects.filter(pk=sync_id, state="queued").update(
            state="running", progress="开始生成", worker=worker_id(), heartbeat_at=clock.now()
        )
    )


def fail_dead_syncs() -> int:
    """Mark failed the syncs whose process died mid-way (the transaction rolled back: nothing was
    written), with the reason, so another can start; returns how many."""
    return fail_dead_jobs(
        LedgerSync.objects.all(), lambda why: f"生成中断：{why}。兑现台账没有改动，可以重新生成"
    )


class _Progress:
    """Written to the row at most twice a second (the page polls it)."""

    def __init__(self, sync_id: int) -> None:
        self.sync_id, self.last = sync_id, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        share = f"（{done * 100 // total}%）" if total else ""
        LedgerSync.objects.filter(pk=self.sync_id).update(
            progress=f"写入兑现台账：{done:,}/{total:,}{share}", heartbeat_at=clock.now()
        )


def execute_ledger_sync(sync_id: int) -> LedgerSync:
    """Run a queued sync (what the background task calls); the row ends done or failed, never running."""
    if not claim_ledger_sync(sync_id):
        return LedgerSync.objects.get(pk=sync_id)
    sync = LedgerSync.objects.select_related("run").get(pk=sync_id)
    try:
        summary = create_entitlements_from_run(sync.run, progress=_Progress(sync_id))
    except EntitlementRefused as refused:
        _finish(sync_id, state="failed", error=refused.message)
    except Exception as exc:  # the row must not stay 进行中 whatever went wrong; the log has the trace
        logger.exception("生成兑现台账失败（批次 %s）", sync.run_id)
        _finish(sync_id, state="failed", error=f"生成失败：{exc}")
    else:
        _finish(sync_id, state="done", summary=dataclasses.asdict(summary), progress=summary.text())
    return LedgerSync.objects.get(pk=sync_id)


def _finish(
    sync_id: int, *, state: str, error: str = "", summary: dict | None = None, progress: str = ""
) -> None:
    LedgerSync.objects.filter(pk=sync_id).update(
        state=state,
        error=error,
        summary=summary or {},
        progress=progress or ("已完成" if state == "done" else "失败"),
        finished_at=clock.now(),
    )
