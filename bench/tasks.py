"""Tasks for the benchmarks only (registered through bench.settings' CELERY_IMPORTS)."""

from __future__ import annotations

from celery import shared_task

from literasi.celery import GRADING_QUEUE


@shared_task(queue=GRADING_QUEUE)
def noop() -> None:
    """Does nothing: the grading benchmark measures the broker and worker overhead with it."""
