"""Background work of 政策兑现 (django-tasks): generating the ledger from a finished match run.

With the default backend (`django_tasks_db.DatabaseBackend`) an enqueued sync waits in the database until
a worker (`yingshang db_worker`) takes it; a development or demo server has no worker, so there it runs
in a thread of the server (as match runs do, `policies.services.default_runner`). The task carries only
the sync's id, and `claim_ledger_sync` lets exactly one worker run it however often it is enqueued.
"""

from __future__ import annotations

import threading

from django.db import close_old_connections, transaction
from django_tasks import task

from yingshang.entitlements.models import LedgerSync
from yingshang.entitlements.services.ledger import execute_ledger_sync, queue_ledger_sync
from yingshang.policies.models import MatchRun
from yingshang.policies.services import Runner, default_runner
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
    if runner == "thread":

        def work() -> None:
            try:
                execute_ledger_sync(sync.pk)
            finally:
                close_old_connections()

        transaction.on_commit(threading.Thread(target=work, daemon=True, name=f"ledger-sync-{sync.pk}").start)
    else:
        transaction.on_commit(lambda: sync_ledger_task.enqueue(sync.pk))
    return sync
