"""Background work of 接诉即办 (django-tasks): training a routing model (cross-validation takes a while).

As with match runs and ledger syncs (`core.workers`): the default production backend queues it for a
`yingshang db_worker`; a development or demo server runs it in a thread of the server.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django_tasks import task

from yingshang.appeals.models import RoutingModel
from yingshang.appeals.services.router import execute_training, queue_training
from yingshang.core.workers import Runner, default_runner, dispatch
from yingshang.registry.models import User


@task()
def train_routing_task(job_id: int) -> str:
    """Train a queued routing model; returns its final state."""
    return execute_training(job_id).state


def start_training(
    upload: UploadedFile,
    *,
    text_columns: list[str],
    label_column: str,
    by: User,
    runner: Runner | None = None,
) -> RoutingModel:
    """Queue a training and set it going ("inline": now, returning the finished row)."""
    job = queue_training(upload, text_columns=text_columns, label_column=label_column, by=by)
    runner = runner or default_runner()
    if runner == "inline":
        return execute_training(job.pk)
    dispatch(job.pk, runner, execute=execute_training, task=train_routing_task, name=f"routing-{job.pk}")
    return job
