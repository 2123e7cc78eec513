"""Background work of 政策兑现 (django-tasks): generating the ledger from a finished match run.

With the default backend (`django_tasks_db.DatabaseBackend`) an enqueued sync waits in the database until
a worker (`yingshang db_worker`) takes it; a development or demo server has no worker, so there it runs
in a thread of the server (as match runs do: `core.workers.default_runner`). The task carries only
the sync's id, and `claim_ledger_sync` lets exactly one worker run it however often it is enqueued.
"""

from __future__ import annotations

from django_tasks import task

from yingshang.core.workers import Runner, default_runner, dispatch
from yingshang.entitlements.models import LedgerSync
from yingshang.entitlements.services.ledger import execute_ledger_sync, queue_ledger_sync
from yingshang.policies.models import MatchRun
from yingshang.registry.models import User


@task()
def sync_ledger_task(sync_id: int) -> str:
    """Run a queued 生成兑现台账; returns its final state."""
    return execute_ledger_sync(sync_id).state


def start_ledger_sync(run: MatchRun, *, by: User | None, runner: Runner | None = None) -> LedgerSync:
    """Queue a sync of `run` and set it going: "task" (the queue), "thread" or "inline" (now; returns the
    finished row). Refusals are `EntitlementRefused`, before anything is written."""
    sync = queue_ledger_sync(run, by=by)
    runner = runner or default_runner()
    if runner == "inline":
        return execute_ledger_sync(sync.pk)
    dispatch(
        sync.pk, runner, execute=execute_ledger_sync, task=sync_ledger_task, name=f"ledger-sync-{sync.pk}"
    )
    return sync
