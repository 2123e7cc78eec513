"""Background work of 政策找企业 (django-tasks).

With the default backend (`django_tasks_db.DatabaseBackend`) an enqueued run waits in the database
until a worker (`yingshang db_worker`) takes it. The run row itself (MatchRun.state/progress) is what
pages show; the task only carries the run's id, so a run executes once however often it is enqueued
(`claim_run` moves it from queued to running atomically).
"""

from __future__ import annotations

from django_tasks import task


@task()
def execute_run_task(run_id: int) -> str:
    """Execute a queued match or what-if run; returns its final state."""
    from yingshang.policies.services import execute_run

    return execute_run(run_id).state
