"""Tasks for the benchmarks only (registered through bench.settings' CELERY_IMPORTS)."""

from __future__ import annotations

from celery import shared_task

from courses import progress_summary
from literasi.celery import GRADING_QUEUE
from quizzes import services


@shared_task(queue=GRADING_QUEUE)
def noop() -> None:
    """Does nothing: the grading benchmark measures the broker and worker overhead with it."""


SUMMARY_CALLS = [name for name in dir(progress_summary) if name.startswith("record_")]


@shared_task(queue=GRADING_QUEUE)
def attempt_grade_without_summary(attempt_id: int) -> None:
    """The grading task with the monitoring summary's calls turned into no-ops: what keeping the
    summary costs the grading task is the difference (bench/grading.py)."""
    real = {name: getattr(progress_summary, name) for name in SUMMARY_CALLS}
    try:
        for name in SUMMARY_CALLS:
            setattr(progress_summary, name, _nothing)
        services.attempt_grade(attempt_id=attempt_id)
    finally:
        for name, call in real.items():
            setattr(progress_summary, name, call)


def _nothing(**kwargs: object) -> None:
    pass
