"""Thin Celery tasks for quizzes: ids in, services called, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from literasi.celery import GRADING_QUEUE, batch_task_options

from . import services


@shared_task(
    queue=GRADING_QUEUE,
    autoretry_for=(OperationalError, InterfaceError),  # the database was briefly away
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=8,
)
def attempt_grade(attempt_id: int) -> None:
    """Grade one submitted attempt. Does nothing if it is gone or already graded."""
    services.attempt_grade(attempt_id=attempt_id)


@shared_task(queue=GRADING_QUEUE)
def attempts_sweep() -> None:
    """Every few seconds from the scheduler: submit expired attempts, enqueue ungraded ones."""
    services.attempts_sweep()


@shared_task(**batch_task_options())
def quiz_regrade(quiz_id: int) -> None:
    """Regrade a quiz's graded attempts after its answer key was corrected (batch queue)."""
    services.quiz_regrade(quiz_id=quiz_id)
