"""Background work of 政策找企业 (django-tasks).

With the default backend (`django_tasks_db.DatabaseBackend`) an enqueued run waits in the database
until a worker (`yingshang db_worker`) takes it. The run row itself (MatchRun.state/progress) is what
pages show; the task only carries the run's id, so a run executes once however often it is enqueued
(`claim_run` moves it from queued to running atomically).
"""

from __future__ import annotations

from django_tasks import task

from yingshang.policies.match import execute_match_run
from yingshang.policies.models import MatchRun
from yingshang.policies.runs import Progress
from yingshang.policies.whatif import execute_whatif_run


def execute_run(run_id: int, progress: Progress | None = None) -> MatchRun:
    """Execute a queued run of either kind (what the background task and a run's thread call)."""
    kind = MatchRun.objects.filter(pk=run_id).values_list("kind", flat=True).first()
    if kind == "whatif":
        return execute_whatif_run(run_id, progress)
    return execute_match_run(run_id, progress)


@task()
def execute_run_task(run_id: int) -> str:
    """Execute a queued match or what-if run; returns its final state."""
    return execute_run(run_id).state
