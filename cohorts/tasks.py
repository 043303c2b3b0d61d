"""Thin batch-queue tasks for cohorts: ids in, services called, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from literasi.celery import BoundedDeliveryTask, batch_task_options

from . import services


class UploadStepTask(BoundedDeliveryTask):
    """A step of an upload: once delivered too often (its worker keeps dying), the upload is
    marked failed with the reason instead of being tried again."""

    def give_up(self, upload_id: int, *args: object, **kwargs: object) -> None:
        services.upload_give_up(upload_id=upload_id)


@shared_task(**batch_task_options(base=UploadStepTask))
def upload_check_task(upload_id: int) -> None:
    """Check an uploaded participant file row by row (nothing is enrolled)."""
    services.upload_check(upload_id=upload_id)


@shared_task(**batch_task_options(base=UploadStepTask))
def upload_apply_task(upload_id: int, actor_id: int) -> None:
    """Enrol the valid rows of a confirmed upload in one transaction."""
    services.upload_apply(upload_id=upload_id, actor_id=actor_id)


@shared_task(**batch_task_options())
def invitations_send_task(cohort_id: int) -> None:
    """Email the participants of a cohort whose invitation is not sent yet."""
    services.invitations_send(cohort_id=cohort_id)


@shared_task(**batch_task_options())
def uploads_sweep() -> None:
    """From the scheduler: enqueue upload steps and invitations the broker never got, and fail
    uploads left running past their time limit."""
    services.uploads_sweep()
