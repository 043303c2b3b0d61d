"""Tasks for the benchmarks only (registered through bench.settings' CELERY_IMPORTS)."""

from __future__ import annotations

from celery import shared_task

from bench.common import monitoring_summary_off
from literasi.celery import GRADING_QUEUE
from quizzes import services


@shared_task(queue=GRADING_QUEUE)
def noop() -> None:
    """Does nothing: the grading benchmark measures the broker and worker overhead with it."""


@shared_task(queue=GRADING_QUEUE)
def attempt_grade_without_summary(attempt_id: int) -> None:
    """The grading task with the monitoring summary's calls turned into no-ops: what keeping the
    summary costs the grading task is the difference (bench/grading.py)."""
    with monitoring_summary_off():
        services.attempt_grade(attempt_id=attempt_id)
