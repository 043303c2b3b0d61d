"""The Celery application.

Three queues keep interactive work fast whatever batch work is running: ``grading`` (a learner
is waiting on the result page), ``batch`` (imports, certificates, regrading, housekeeping) and
``exports`` (SIASN training records, which for the whole country take many minutes). Run at
least one worker per queue, in production and in development alike (Procfile.dev), so a large
import never delays a grade and a national export never delays an import. Broker and limits
come from settings (``CELERY_*``); the policy below is fixed on purpose.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.exceptions import Ignore
from celery.schedules import crontab
from celery.signals import task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literasi.settings")

GRADING_QUEUE = "grading"
BATCH_QUEUE = "batch"
EXPORTS_QUEUE = "exports"

app = Celery("literasi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # Grades and imports are written to the database; nobody reads task results.
    task_ignore_result=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    event_serializer="json",
    # A task is acknowledged only once it has run, and a task whose worker died is requeued:
    # every task is therefore written to be safe to run twice.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue=GRADING_QUEUE,
    task_queues=(Queue(GRADING_QUEUE), Queue(BATCH_QUEUE), Queue(EXPORTS_QUEUE)),
    task_create_missing_queues=False,
    worker_hijack_root_logger=False,
    beat_schedule={
        "sweep-quiz-attempts": {
            "task": "quizzes.tasks.attempts_sweep",
            "schedule": 10.0,
            "options": {"queue": GRADING_QUEUE, "expires": 10},
        },
        "sweep-cohort-uploads": {
            "task": "cohorts.tasks.uploads_sweep",
            "schedule": 30.0,
            "options": {"queue": BATCH_QUEUE, "expires": 30},
        },
        "sweep-certificates": {
            "task": "certificates.tasks.certificates_sweep_task",
            "schedule": 60.0,
            "options": {"queue": BATCH_QUEUE, "expires": 60},
        },
        "sweep-records-exports": {
            "task": "monitoring.tasks.records_exports_sweep_task",
            "schedule": 60.0,
            "options": {"queue": BATCH_QUEUE, "expires": 60},
        },
        "clear-expired-sessions": {
            "task": "literasi.tasks.sessions_clear_expired",
            "schedule": crontab(hour=2, minute=30),
            "options": {"queue": BATCH_QUEUE},
        },
    },
)
app.autodiscover_tasks()


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender: Celery, **kwargs: object) -> None:
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
def _check_database_connections(**kwargs: object) -> None:
    """Before each task, drop database connections past CONN_MAX_AGE or that saw an error (see
    CELERY_DB_REUSE_MAX). Healthy ones are reused without a ping: a connection that broke since
    fails its first query, the task retries (tasks retry database errors), and is dropped here."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        obsolete = conn.close_at is not None and time.monotonic() >= conn.close_at
        if conn.errors_occurred or obsolete:
            conn.close_if_unusable_or_obsolete()


logger = logging.getLogger(__name__)


class BoundedDeliveryTask(Task):
    """A task whose message is run at most ``settings.CELERY_TASK_MAX_DELIVERIES`` times.

    Messages are acknowledged once their task has run, and a message whose worker process died
    (killed for memory, say) is handed out again: a file that kills its worker would do so for
    ever. No broker counts deliveries (kombu's Redis transport sets
    ``delivery_info["redelivered"]``, a yes or no; its filesystem transport does not set it at
    all), so each delivery is counted here, per task id, in the cache that every worker shares.
    Past the limit the task is not run: ``give_up`` is called with its arguments, to record why,
    and the message is acknowledged. Redelivery after a hard time limit does not happen (the
    message is acknowledged); what the task left behind is for the caller's own sweep.
    """

    def before_start(self, task_id: str, args: tuple, kwargs: dict) -> None:
        from django.conf import settings

        deliveries = _count_delivery(task_id)
        if deliveries > settings.CELERY_TASK_MAX_DELIVERIES:
            logger.error("%s[%s] delivered %d times: given up", self.name, task_id, deliveries)
            self.give_up(*args, **kwargs)
            raise Ignore

    def give_up(self, *args: Any, **kwargs: Any) -> None:
        """Record that the task will not run again (called with the task's arguments, so a
        subclass names them as its task does: ``*args: Any`` lets mypy accept any signature)."""


def _count_delivery(task_id: str) -> int:
    """How many times this task id has been delivered, this time included (0 if unknown)."""
    from django.core.cache import cache

    key = f"task-deliveries:{task_id}"
    try:
        cache.add(key, 0, timeout=2 * 24 * 3600)  # outlives any redelivery (visibility timeout)
        return cache.incr(key)
    except Exception:  # the cache is away: run the task rather than lose it
        logger.warning("cannot count deliveries of task %s", task_id, exc_info=True)
        return 0


def batch_task_options(*, base: type[BoundedDeliveryTask] = BoundedDeliveryTask, queue: str = BATCH_QUEUE) -> dict:
    """Decorator options for batch tasks (the batch queue, or ``EXPORTS_QUEUE``): longer limits,
    never on the grading queue, and a message delivered too many times is given up
    (``base.give_up``) instead of run again."""
    from django.conf import settings

    return {
        "base": base,
        "queue": queue,
        "soft_time_limit": settings.CELERY_BATCH_SOFT_TIME_LIMIT,
        "time_limit": settings.CELERY_BATCH_TIME_LIMIT,
    }
