"""The Celery application.

Two queues keep interactive work fast whatever batch work is running: ``grading`` (a learner is
waiting on the result page) and ``batch`` (imports, certificates, regrading, housekeeping).
Run at least one worker per queue in production so a large import never delays a grade.
Broker and limits come from settings (``CELERY_*``); the policy below is fixed on purpose.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literasi.settings")

GRADING_QUEUE = "grading"
BATCH_QUEUE = "batch"

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
    task_queues=(Queue(GRADING_QUEUE), Queue(BATCH_QUEUE)),
    task_create_missing_queues=False,
    worker_hijack_root_logger=False,
    beat_schedule={
        "sweep-quiz-attempts": {
            "task": "quizzes.tasks.attempts_sweep",
            "schedule": 10.0,
            "options": {"queue": GRADING_QUEUE, "expires": 10},
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


def batch_task_options() -> dict:
    """Decorator options for batch-queue tasks: longer limits, never on the grading queue."""
    from django.conf import settings

    return {
        "queue": BATCH_QUEUE,
        "soft_time_limit": settings.CELERY_BATCH_SOFT_TIME_LIMIT,
        "time_limit": settings.CELERY_BATCH_TIME_LIMIT,
    }
