"""Background delivery of SMS and e-mail (django-tasks).

With the default backend (`django_tasks_db.DatabaseBackend`) an enqueued run waits in the database
until a worker (`yingshang db_worker`) takes it. The task carries nothing: it sends whatever is
pending, and each message is claimed before it is sent, so enqueuing twice never sends twice.
"""

from __future__ import annotations

from django_tasks import task

from yingshang.notifications.delivery import deliver_pending


@task()
def deliver_pending_task() -> str:
    """Send queued (and earlier failed) SMS / e-mail; returns the Chinese summary."""
    return str(deliver_pending())
